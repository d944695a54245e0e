import AppConfig
import Database
import Foundation
import Logging
import PostgresNIO

/// One embedded PostgreSQL for the whole test run, in a private temp folder, started on first
/// use and stopped when the test process exits (it is a supervised child). Tests get databases
/// of their own, copied from a template that is migrated once.
///
/// The whole suite runs at once, but only `VISIONARY_TEST_DATABASES` databases (default: four
/// per core) exist at a time: a test waits in `makeDatabase` until another drops its own, so a
/// two-core machine is not asked to copy, migrate-check and serve hundreds of them in the same
/// seconds (start-up work then runs past its deadlines).
public actor TestCluster {
    public static let shared = TestCluster()

    private var started: Task<Started, any Error>?
    private var counter = 0
    private var leased: Set<String> = []
    private nonisolated let gate = ConcurrencyGate(limit: TestCluster.databaseLimit)

    static let databaseLimit: Int = {
        if let text = ProcessInfo.processInfo.environment["VISIONARY_TEST_DATABASES"], let limit = Int(text), limit > 0 {
            return limit
        }
        return 4 * ProcessInfo.processInfo.activeProcessorCount
    }()

    struct Started: Sendable {
        let postgres: SupervisedPostgres
        let admin: DatabaseEndpoint
        let dataDirectory: String
    }

    /// Warnings and errors, or the level `VISIONARY_TEST_LOG_LEVEL` names (`debug`, `trace`, …).
    public static let logger: Logger = {
        var logger = Logger(label: "visionary.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["VISIONARY_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    /// A configuration for the commands (`visionary db …`, `jobs …`) run on a test database: its
    /// URL, the test cluster's binaries, and only errors logged.
    public static func commandConfig(on database: DatabaseEndpoint) -> AppConfig {
        var config = AppConfig()
        config.databaseURL = database.url
        config.postgresBinDirectory = ProcessInfo.processInfo.environment["VISIONARY_PG_BIN"]
        config.logLevel = "error"
        return config
    }

    /// A configuration for servers under test: the test cluster's binaries and a data folder.
    public static func config(dataDirectory: String) -> AppConfig {
        var config = AppConfig()
        config.dataDirectory = dataDirectory
        config.postgresBinDirectory = ProcessInfo.processInfo.environment["VISIONARY_PG_BIN"]
        config.workingDirectory = FileManager.default.currentDirectoryPath
        // Every test runs its own servers, each with its pools, all at once on this one cluster.
        config.embeddedMaxConnections = 1_000
        return config
    }

    private func start() async throws -> Started {
        if let started { return try await started.value }
        let task = Task<Started, any Error> {
            let folder = NSTemporaryDirectory() + "visionary-test-\(getpid())"
            Self.removeStaleFolders()
            let cluster = try EmbeddedCluster.locate(config: Self.config(dataDirectory: folder))
            let postgres = try await cluster.startSupervised(logger: Self.logger)
            let admin = try cluster.endpoint(port: postgres.port).with(database: "postgres")
            try await Self.createTemplate(admin: admin)
            return Started(postgres: postgres, admin: admin, dataDirectory: folder)
        }
        started = task
        return try await task.value
    }

    /// A new database with every migration applied (`migrated: false`: an empty one). It holds
    /// one of the cluster's places until `dropDatabase`.
    public func makeDatabase(migrated: Bool = true) async throws -> DatabaseEndpoint {
        let started = try await start()
        await gate.enter()
        counter += 1
        let name = "test_\(counter)"
        leased.insert(name)
        let template = migrated ? Self.templateName : "template0"
        do {
            try await Self.withConnection(started.admin) { connection in
                try await connection.execute(
                    PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template)"), logger: Self.logger)
            }
        } catch {
            release(name)
            throw TestClusterError(message: "could not create database \(name): \(DatabaseErrorText.describe(error)); \(String(reflecting: error))")
        }
        return started.admin.with(database: name)
    }

    /// Drops a database made by `makeDatabase` and gives its place back.
    public func dropDatabase(_ endpoint: DatabaseEndpoint) async throws {
        defer { release(endpoint.database) }
        let started = try await start()
        try await Self.withConnection(started.admin) { connection in
            try await connection.execute(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(endpoint.database) WITH (FORCE)"), logger: Self.logger)
        }
    }

    /// Runs `body` on a new database (see `makeDatabase`) and drops it afterwards, however
    /// `body` ends.
    public func withDatabase<T: Sendable>(
        migrated: Bool = true, _ body: @Sendable (DatabaseEndpoint) async throws -> T
    ) async throws -> T {
        let database = try await makeDatabase(migrated: migrated)
        do {
            let result = try await body(database)
            try await dropDatabase(database)
            return result
        } catch {
            try? await dropDatabase(database)
            throw error
        }
    }

    private func release(_ name: String) {
        guard leased.remove(name) != nil else { return }
        gate.leave()
    }

    static let templateName = "visionary_template"

    private static func createTemplate(admin: DatabaseEndpoint) async throws {
        try await withConnection(admin) { connection in
            try await connection.execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(templateName)"), logger: logger)
        }
        let template = admin.with(database: templateName)
        _ = try await template.withClient(logger: logger) { client in
            try await Migrator(migrations: try Migration.bundled(), logger: logger).migrate(client)
        }
    }

    /// Runs `body` on a fresh connection that is closed afterwards.
    public static func withConnection<T: Sendable>(
        _ endpoint: DatabaseEndpoint, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        var configuration = PostgresConnection.Configuration(
            host: endpoint.host, port: endpoint.port, username: endpoint.username,
            password: endpoint.password, database: endpoint.database, tls: .disable)
        // The whole suite starts at once on a small machine: the cluster may take a while to answer.
        configuration.options.connectTimeout = .seconds(60)
        let connection = try await PostgresConnection.connect(
            configuration: configuration, id: Int.random(in: 1...Int(Int32.max)), logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Earlier runs that were killed leave their folders behind; remove those of dead processes.
    private static func removeStaleFolders() {
        let temp = NSTemporaryDirectory()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: temp) else { return }
        for entry in entries where entry.hasPrefix("visionary-test-") {
            guard let pid = Int32(entry.dropFirst("visionary-test-".count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: temp + entry)
        }
    }
}

/// A failure of the test cluster, with PostgreSQL's own words.
struct TestClusterError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
