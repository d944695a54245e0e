import Core
import Crypto
import Foundation
import Logging
import PostgresNIO

/// One numbered SQL script of the schema, shipped as a resource (`Migrations/NNNN_name.sql`).
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    /// SHA-256 of the script, recorded when applied; a changed script is refused afterwards.
    public var checksum: String {
        Data(SHA256.hash(data: Data(sql.utf8))).hexString
    }

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The migrations bundled with the server, in order.
    public static func bundled() throws -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw MigrationError.missingResources
        }
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        return try files.filter { $0.pathExtension == "sql" }.map { file in
            let base = file.deletingPathExtension().lastPathComponent
            guard let underscore = base.firstIndex(of: "_"), let version = Int(base[..<underscore]) else {
                throw MigrationError.badFileName(file.lastPathComponent)
            }
            return Migration(
                version: version, name: String(base[base.index(after: underscore)...]),
                sql: try String(contentsOf: file, encoding: .utf8))
        }.sorted { $0.version < $1.version }
    }
}

/// Why the schema could not be brought up to date.
public enum MigrationError: Error, CustomStringConvertible {
    case missingResources
    case badFileName(String)
    case changedAfterApplying(version: Int, name: String)
    case failed(version: Int, name: String, statement: String, reason: String)

    public var description: String {
        switch self {
        case .missingResources:
            return "the migration scripts are missing from the server's resources"
        case .badFileName(let name):
            return "migration file \(name) is not named NNNN_name.sql"
        case .changedAfterApplying(let version, let name):
            return "migration \(version)_\(name) was changed after it was applied to this database; "
                + "restore the original script and add the change as a new migration"
        case .failed(let version, let name, let statement, let reason):
            return "migration \(version)_\(name) failed and was rolled back: \(reason)\n  in: \(statement.prefix(300))"
        }
    }
}

/// Applies pending migrations in order, each in its own transaction, recorded with its checksum
/// in `internal.schema_migrations`. A session advisory lock makes servers that start together
/// take turns; the later ones find nothing left to do.
public struct Migrator: Sendable {
    /// Advisory lock key shared by every server migrating the same database.
    static let lockKey: Int64 = 7_412_203_118
    let migrations: [Migration]
    let logger: Logger

    public init(migrations: [Migration], logger: Logger) {
        self.migrations = migrations
        self.logger = logger
    }

    /// Brings the database up to date; returns the versions it applied (empty when none).
    @discardableResult
    public func migrate(_ pool: DatabasePool) async throws -> [Int] {
        try await migrate(pool.client)
    }

    /// Brings the database up to date; returns the versions it applied (empty when none).
    @discardableResult
    public func migrate(_ client: PostgresClient) async throws -> [Int] {
        try await client.withConnection { connection in
            try await connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
            do {
                let applied = try await migrateLocked(connection)
                try await connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                throw error
            }
        }
    }

    /// The versions of `migrations` the database has not applied, in order (all of them when it
    /// has never been migrated), and those it applied with other contents.
    public func outstanding(_ pool: DatabasePool) async throws -> (pending: [Int], changed: [Int]) {
        let recorded = try await pool.client.withConnection { connection -> [Int: String] in
            let exists = try await connection.query(
                "SELECT to_regclass('internal.schema_migrations') IS NOT NULL", logger: logger
            ).collect().first?.decode(Bool.self) ?? false
            return exists ? try await recordedChecksums(connection) : [:]
        }
        return (
            migrations.filter { recorded[$0.version] == nil }.map(\.version),
            migrations.filter { migration in recorded[migration.version].map { $0 != migration.checksum } ?? false }.map(\.version))
    }

    private func migrateLocked(_ connection: PostgresConnection) async throws -> [Int] {
        try await connection.execute("CREATE SCHEMA IF NOT EXISTS internal", logger: logger)
        try await connection.execute("""
            CREATE TABLE IF NOT EXISTS internal.schema_migrations (
              version integer PRIMARY KEY,
              name text NOT NULL,
              checksum text NOT NULL,
              applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        try await connection.execute(
            "COMMENT ON TABLE internal.schema_migrations IS 'The migrations applied to this database: version, name, SHA-256 of the script, and when.'",
            logger: logger)
        let recorded = try await recordedChecksums(connection)
        var applied: [Int] = []
        for migration in migrations {
            if let checksum = recorded[migration.version] {
                guard checksum == migration.checksum else {
                    throw MigrationError.changedAfterApplying(version: migration.version, name: migration.name)
                }
                continue
            }
            try await apply(migration, on: connection)
            applied.append(migration.version)
        }
        return applied
    }

    /// The checksum of every applied migration, by version.
    private func recordedChecksums(_ connection: PostgresConnection) async throws -> [Int: String] {
        var recorded: [Int: String] = [:]
        for try await (version, checksum) in try await connection.query(
            "SELECT version, checksum FROM internal.schema_migrations", logger: logger
        ).decode((Int, String).self) {
            recorded[version] = checksum
        }
        return recorded
    }

    private func apply(_ migration: Migration, on connection: PostgresConnection) async throws {
        logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
        try await connection.execute("BEGIN", logger: logger)
        do {
            for statement in SQLScript.statements(in: migration.sql) {
                do {
                    try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
                } catch {
                    throw MigrationError.failed(
                        version: migration.version, name: migration.name, statement: statement,
                        reason: DatabaseErrorText.describe(error))
                }
            }
            try await connection.execute("""
                INSERT INTO internal.schema_migrations (version, name, checksum)
                VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                """, logger: logger)
            try await connection.execute("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.execute("ROLLBACK", logger: logger)
            throw error
        }
    }
}

/// Human-readable text of a database error: the server's message, detail and hint. PostgresNIO
/// hides them from `description` so they do not leak by accident; the CLI and logs want them.
public enum DatabaseErrorText {
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        guard let info = error.serverInfo else { return "\(error.code)" }
        var text = info[.message] ?? "\(error.code)"
        if let state = info[.sqlState] { text += " (SQLSTATE \(state))" }
        if let detail = info[.detail] { text += "; detail: \(detail)" }
        if let hint = info[.hint] { text += "; hint: \(hint)" }
        if let context = info[.locationContext] { text += "; where: \(context)" }
        return text
    }

    /// The SQLSTATE of a database error, if it came from the server.
    public static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
