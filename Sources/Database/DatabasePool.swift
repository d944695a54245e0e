import Logging
import PostgresNIO
import ServiceLifecycle

/// A pool of connections to one database as one login, for code that should not know
/// PostgresNIO. It is a service of the application: it starts with the application and, on
/// graceful shutdown (after the HTTP server, which is shut down first), closes its connections.
/// Statements go through what is made from it: `SQLRunner`, `APIRequestRunner`,
/// `NotificationListener`, `Migrator`, `AuthenticatorLogin`.
public struct DatabasePool: Service {
    let client: PostgresClient
    /// The pool's connections in use and waited for right now (`/metrics`).
    public let leases: ConnectionLeases

    /// - Parameters:
    ///   - maximumConnections: the pool's size (PostgresNIO's default when nil).
    ///   - keptOpen: connections the pool keeps open however idle (at most the size). A connection
    ///     above them is closed after a minute unused, which the pool times with a timer set each
    ///     time the connection goes idle — after every request — so a server under load keeps
    ///     them all open (`VISIONARY_DB_POOL_MIN`). Idle connections are not pinged either.
    ///   - sessionSettings: start-up parameters of every connection (`search_path`, say).
    public init(
        endpoint: DatabaseEndpoint, maximumConnections: Int? = nil, keptOpen: Int = 0, sessionSettings: [(String, String)] = [],
        logger: Logger
    ) throws {
        var configuration = try endpoint.clientConfiguration(maximumConnections: maximumConnections, sessionSettings: sessionSettings)
        configuration.options.minimumConnections = min(max(0, keptOpen), configuration.options.maximumConnections)
        configuration.options.keepAliveBehavior = nil
        leases = ConnectionLeases(size: configuration.options.maximumConnections)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    public func run() async throws {
        // The pool runs until its task is cancelled; graceful shutdown cancels it.
        try await cancelWhenGracefulShutdown {
            await client.run()
        }
    }

    /// Succeeds when the database answers `SELECT 1` (the health check; the caller bounds the wait).
    public func probe(logger: Logger) async throws {
        try await client.execute("SELECT 1", logger: logger)
    }
}

extension DatabaseEndpoint {
    /// Runs `body` with a running connection pool to this database, shut down afterwards.
    public func withPool<T: Sendable>(logger: Logger, _ body: @Sendable (DatabasePool) async throws -> T) async throws -> T {
        let pool = try DatabasePool(endpoint: self, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await pool.client.run() }
            defer { group.cancelAll() }
            return try await body(pool)
        }
    }

    /// Drops every schema the server's migrations make and recreates an empty `public`
    /// (`visionary db reset` on an external database, before migrating afresh).
    public func dropSchemas(logger: Logger) async throws {
        try await withClient(logger: logger) { client in
            for statement in Self.droppingSchemas { try await client.execute(PostgresQuery(unsafeSQL: statement), logger: logger) }
        }
    }

    /// The statements of `dropSchemas` (fixed text, no values).
    public static let droppingSchemas = [
        "DROP SCHEMA IF EXISTS public, auth, storage, internal, extensions CASCADE", "CREATE SCHEMA public",
    ]
}
