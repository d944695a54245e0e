import AppConfig
import Database
import Foundation
import Logging

/// The work behind `visionary migrate` and `visionary db …`: each returns what the command prints.
public enum DatabaseCommands {
    /// `visionary migrate`: applies pending migrations to the configured database.
    public static func migrate(config: AppConfig) async throws -> String {
        let applied = try await applyMigrations(config: config, logger: makeLogger(config))
        return applied.isEmpty ? "schema is up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))"
    }

    /// `visionary db start`: starts the embedded PostgreSQL in the background.
    public static func start(config: AppConfig) async throws -> String {
        let cluster = try EmbeddedCluster.locate(config: config)
        let port = try await cluster.startDetached(logger: makeLogger(config))
        return "embedded PostgreSQL running on 127.0.0.1:\(port)"
    }

    /// `visionary db stop`: stops the embedded PostgreSQL.
    public static func stop(config: AppConfig) throws -> String {
        let cluster = try EmbeddedCluster.locate(config: config)
        return try cluster.stop() ? "embedded PostgreSQL stopped" : "embedded PostgreSQL was not running"
    }

    /// What `visionary db status` prints, and whether the database is running (an external one
    /// counts as running; the command exits with status 3 when it is not).
    public struct Status: Sendable {
        public let line: String
        public let isRunning: Bool
    }

    /// `visionary db status`: whether the database is running.
    public static func status(config: AppConfig) throws -> Status {
        if let url = config.databaseURL {
            return Status(line: "external database: \(AppConfig.redactingPassword(url))", isRunning: true)
        }
        let cluster = try EmbeddedCluster.locate(config: config)
        if let port = cluster.runningPort() {
            return Status(line: "embedded PostgreSQL running on 127.0.0.1:\(port) (data: \(cluster.clusterDirectory))", isRunning: true)
        }
        return Status(line: "embedded PostgreSQL stopped (data: \(cluster.clusterDirectory))", isRunning: false)
    }

    /// `visionary db url`: the database URL, starting the embedded PostgreSQL if needed.
    public static func url(config: AppConfig) async throws -> String {
        try await runningEndpoint(config: config, logger: makeLogger(config)).url
    }

    /// `visionary db reset`: deletes all data and migrates afresh. The embedded cluster is
    /// recreated; an external database loses its schemas (the command asks for `--yes` first).
    public static func reset(config: AppConfig) async throws -> String {
        let logger = makeLogger(config)
        if config.databaseURL == nil {
            let cluster = try EmbeddedCluster.locate(config: config)
            let wasRunning = cluster.runningPort() != nil
            try cluster.destroy()
            if wasRunning { _ = try await cluster.startDetached(logger: logger) }
        } else {
            try await DatabaseEndpoint(url: config.databaseURL ?? "").dropSchemas(logger: logger)
        }
        _ = try await applyMigrations(config: config, logger: logger)
        return "database recreated and migrated"
    }

    /// `visionary db psql`: replaces this process with psql on the database (starting the
    /// embedded PostgreSQL if needed), `arguments` passed on. Returns only when psql could not
    /// be started: why.
    public static func psql(config: AppConfig, arguments: [String]) async throws -> String {
        let endpoint = try await runningEndpoint(config: config, logger: makeLogger(config))
        let psql = toolPath("psql", config: config)
        let cArguments = ([psql, "--dbname=" + endpoint.url] + arguments).map { strdup($0) } + [nil]
        execv(psql, cArguments)
        return "cannot run \(psql): \(String(cString: strerror(errno)))"
    }

    /// `visionary db dump`: the whole database in pg_dump's custom format, to `file`, or to
    /// standard output when it is nil (starting the embedded PostgreSQL if needed). Returns what
    /// to print (nothing when the dump went to standard output).
    public static func dump(config: AppConfig, to file: String?) async throws -> String {
        let endpoint = try await runningEndpoint(config: config, logger: makeLogger(config))
        try runTool("pg_dump", on: endpoint, config: config, ["--format=custom"] + (file.map { ["--file=" + $0] } ?? []))
        return file.map { "dumped the database to \($0)" } ?? ""
    }

    /// `visionary db restore FILE`: replaces everything in the database with a dump of
    /// `visionary db dump`, then applies the migrations the dump predates (unless migrating is
    /// switched off). Dropping the old schemas and replaying the dump are one transaction: a dump
    /// that fails part-way leaves the database as it was. The API roles, which belong to the
    /// cluster, are made first by migrating, so a fresh data folder can take a dump.
    public static func restore(config: AppConfig, from file: String) async throws -> String {
        guard FileManager.default.isReadableFile(atPath: file) else { throw DatabaseCommandError("cannot read \(file)") }
        let logger = makeLogger(config)
        let endpoint = try await runningEndpoint(config: config, logger: logger)
        _ = try await applyMigrations(config: config, logger: logger)
        // The dump as SQL, in a folder only this user can read (it holds every row).
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("visionary-restore-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let script = folder + "/restore.sql"
        try runTool("pg_restore", config: config, ["--file=" + script, file])
        try runTool("psql", on: endpoint, config: config, [
            "--single-transaction", "--set=ON_ERROR_STOP=1", "--quiet", "--output=/dev/null",
            "--command=" + DatabaseEndpoint.droppingSchemas.joined(separator: "; "), "--file=" + script,
        ])
        let applied = config.migrateOnStart ? try await applyMigrations(config: config, logger: logger) : []
        return "restored the database from \(file)" + (applied.isEmpty ? "" : "; applied migrations \(applied.map(String.init).joined(separator: ", "))")
    }

    /// Runs one of PostgreSQL's tools (from the embedded binaries when present, else the PATH)
    /// with this process's standard streams, connected to `endpoint` when one is given; throws
    /// when it fails. The password goes in the environment, never in the arguments every local
    /// user can list.
    static func runTool(_ name: String, on endpoint: DatabaseEndpoint? = nil, config: AppConfig, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: toolPath(name, config: config))
        var environment = ProcessInfo.processInfo.environment
        if let endpoint {
            process.arguments = [
                "--host=\(endpoint.host)", "--port=\(endpoint.port)", "--username=\(endpoint.username)", "--dbname=\(endpoint.database)",
                "--no-password",
            ] + arguments
            environment["PGPASSWORD"] = endpoint.password
            environment["PGSSLMODE"] = endpoint.tls == .disable ? "disable" : "verify-full"
        } else {
            process.arguments = arguments
        }
        // The notices of a restore's cascading drops are no news.
        environment["PGOPTIONS"] = "-c client_min_messages=warning"
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw DatabaseCommandError("\(name) failed (exit status \(process.terminationStatus))") }
    }

    /// Applies pending migrations to the configured database; returns the versions applied.
    static func applyMigrations(config: AppConfig, logger: Logger) async throws -> [Int] {
        try await DatabaseHandle.using(config: config, logger: logger) { endpoint in
            try await endpoint.withPool(logger: logger) { pool in
                try await Migrator(migrations: try Migration.bundled(), logger: logger).migrate(pool)
            }
        }
    }

    /// Runs `body` with the schema owner's statements on the database (starting the embedded
    /// PostgreSQL in the background if it is down), for the commands that read or change rows.
    static func withOwnerRunner<T: Sendable>(config: AppConfig, _ body: @Sendable (SQLRunner) async throws -> T) async throws -> T {
        let logger = makeLogger(config)
        let endpoint = try await runningEndpoint(config: config, logger: logger)
        return try await endpoint.withPool(logger: logger) { pool in try await body(SQLRunner(pool: pool, logger: logger)) }
    }

    /// The database's endpoint, starting the embedded cluster in the background if it is down.
    static func runningEndpoint(config: AppConfig, logger: Logger) async throws -> DatabaseEndpoint {
        if let url = config.databaseURL { return try DatabaseEndpoint(url: url) }
        let cluster = try EmbeddedCluster.locate(config: config)
        return try cluster.endpoint(port: try await cluster.startDetached(logger: logger))
    }

    /// A PostgreSQL tool from the embedded binaries when present, else from the PATH.
    static func toolPath(_ name: String, config: AppConfig) -> String {
        if let bin = try? EmbeddedCluster.findBinaries(config: config) { return bin + "/" + name }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/bin/" + name
    }
}

/// A database command that cannot go on, in words for the operator.
struct DatabaseCommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
