import Core
import Crypto
import Foundation
import Logging
import PostgresNIO

/// Runs an API request's statement as the caller, on the `authenticator` pool: one transaction
/// that first switches to the caller's role and publishes the verified claims, both
/// transaction-local (never session-level on a pooled connection), read-only for reads.
public struct APIRequestRunner: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// `statement_timeout` for API statements.
    let statementTimeout: String

    public init(client: PostgresClient, logger: Logger, statementTimeout: String = "8s") {
        self.client = client
        self.logger = logger
        self.statementTimeout = statementTimeout
    }

    /// The first row of `statement`'s result as text columns. `check` sees the row before the
    /// transaction ends; when it throws, everything the statement did is rolled back.
    public func run(
        role: String, claims: String, readOnly: Bool, rollback: Bool, _ statement: SQLStatement,
        check: @Sendable ([String?]) throws -> Void = { _ in }
    ) async throws -> [String?] {
        try await client.withConnection { connection in
            try await inTransaction(connection, role: role, claims: claims, readOnly: readOnly, rollback: rollback) {
                let row = try await DatabaseError.translating { () -> [String?] in
                    var first: [String?] = []
                    for try await row in try await connection.query(statement.postgresQuery, logger: logger) where first.isEmpty {
                        first = try row.map { cell in try cell.decode(String?.self) }
                    }
                    return first
                }
                try check(row)
                return row
            }
        }
    }

    /// Runs `body` in one transaction as the caller (role and claims set transaction-locally,
    /// read-only when asked): committed when it returns, rolled back when it throws. For API
    /// surfaces that need several statements, or work between them (Storage, Functions).
    public func transaction<T: Sendable>(
        role: String, claims: String, readOnly: Bool = false, _ body: (SQLTransaction) async throws -> T
    ) async throws -> T {
        try await client.withConnection { connection in
            try await inTransaction(connection, role: role, claims: claims, readOnly: readOnly, rollback: false) {
                try await body(SQLTransaction(connection: connection, logger: logger))
            }
        }
    }

    private nonisolated(nonsending) func inTransaction<T>(
        _ connection: PostgresConnection, role: String, claims: String, readOnly: Bool, rollback: Bool,
        _ body: () async throws -> T
    ) async throws -> T {
        try await connection.execute(readOnly ? "BEGIN READ ONLY" : "BEGIN", logger: logger)
        do {
            try await DatabaseError.translating {
                try await connection.execute(
                    """
                    SELECT set_config('role', \(role), true), set_config('request.jwt.claims', \(claims), true),
                           set_config('search_path', 'public, extensions', true),
                           set_config('statement_timeout', \(statementTimeout), true)
                    """, logger: logger)
            }
            let result = try await body()
            try await connection.execute(rollback ? "ROLLBACK" : "COMMIT", logger: logger)
            return result
        } catch {
            _ = try? await connection.execute("ROLLBACK", logger: logger)
            throw error
        }
    }
}

/// The login of the API pool: the `authenticator` role, whose password is derived from the JWT
/// secret, so that every server sharing a secret (and a database) computes the same one.
public enum AuthenticatorLogin {
    public static let role = "authenticator"

    public static func password(jwtSecret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("visionary authenticator login".utf8), using: SymmetricKey(data: Data(jwtSecret.utf8)))
        return Data(mac).hexString
    }

    /// Gives `authenticator` its password (needs the owner to hold CREATEROLE or be superuser).
    public static func configure(owner: PostgresClient, jwtSecret: String, logger: Logger) async throws {
        // The password is hex, so it cannot break out of the literal; ALTER ROLE takes no binds.
        try await owner.execute(
            PostgresQuery(unsafeSQL: "ALTER ROLE authenticator WITH LOGIN PASSWORD '\(password(jwtSecret: jwtSecret))'"),
            logger: logger)
    }
}
