import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// A pool of connections to one database as one login, for code that should not know
/// PostgresNIO. It is a service of the application: it starts with the application and, on
/// graceful shutdown (after the HTTP server, which is shut down first), closes its connections.
/// Statements go through what is made from it: `SQLRunner`, `APIRequestRunner`,
/// `NotificationListener`, `Migrator`, `AuthenticatorLogin`.
///
/// The server splits its API pool by event loop: each loop has a part of the connections, opened
/// on that loop, and a statement leases from the part of the loop it runs on. The database's
/// answer is then read by the thread that runs the request, which goes on at once; a connection
/// of another loop would hand every answer across threads.
public struct DatabasePool: Service {
    /// The pool's client; of the first event loop's part when the pool is split by loop.
    let client: PostgresClient
    /// The pool split by event loop (`perEventLoop`), or empty.
    let parts: [LoopPart]
    let rotation = Rotation()
    /// The pool's connections in use and waited for right now (`/metrics`).
    public let leases: ConnectionLeases

    /// - Parameters:
    ///   - maximumConnections: the pool's size (PostgresNIO's default when nil).
    ///   - keptOpen: connections the pool keeps open however idle (at most the size). A connection
    ///     above them is closed after a minute unused, which the pool times with a timer set each
    ///     time the connection goes idle — after every request — so a server under load keeps
    ///     them all open (`VISIONARY_DB_POOL_MIN`). Idle connections are not pinged either.
    ///   - sessionSettings: start-up parameters of every connection (`search_path`, say).
    ///   - perEventLoop: split the pool into one part per event loop of this group, each part's
    ///     connections on its loop, so that a request's statement runs on the thread that runs
    ///     the request (`clientOfCurrentLoop`).
    public init(
        endpoint: DatabaseEndpoint, maximumConnections: Int? = nil, keptOpen: Int = 0, sessionSettings: [(String, String)] = [],
        perEventLoop loops: (any EventLoopGroup)? = nil, logger: Logger
    ) throws {
        var configuration = try endpoint.clientConfiguration(maximumConnections: maximumConnections, sessionSettings: sessionSettings)
        configuration.options.minimumConnections = min(max(0, keptOpen), configuration.options.maximumConnections)
        configuration.options.keepAliveBehavior = nil
        leases = ConnectionLeases(size: configuration.options.maximumConnections)
        // A part per loop, as many as there are connections to share out.
        let eventLoops = (loops.map { Array($0.makeIterator()) } ?? []).prefix(configuration.options.maximumConnections)
        guard eventLoops.count > 1 else {
            client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            parts = []
            return
        }
        let maximums = Self.share(configuration.options.maximumConnections, among: eventLoops.count)
        let minimums = Self.share(configuration.options.minimumConnections, among: eventLoops.count)
        parts = eventLoops.indices.map { index in
            var part = configuration
            part.options.maximumConnections = maximums[index]
            part.options.minimumConnections = minimums[index]
            return LoopPart(loop: eventLoops[index], client: PostgresClient(configuration: part, eventLoopGroup: eventLoops[index], backgroundLogger: logger))
        }
        client = parts[0].client
    }

    /// An existing client as a pool that is neither split nor counted (`leases` of size 0), for
    /// runners made from a bare client.
    init(client: PostgresClient) {
        self.client = client
        parts = []
        leases = ConnectionLeases(size: 0)
    }

    /// `total` shared among `count` as evenly as it goes, the first ones taking the remainder.
    static func share(_ total: Int, among count: Int) -> [Int] {
        (0..<count).map { total / count + ($0 < total % count ? 1 : 0) }
    }

    struct LoopPart: Sendable {
        let loop: any EventLoop
        let client: PostgresClient
    }

    /// Hands out 0, 1, 2, … to share callers off the loops among the parts.
    final class Rotation: Sendable {
        private let counter = Atomic<Int>(0)

        func next() -> Int {
            counter.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max
        }
    }

    /// The client to lease from now: in a pool split by loop, the part of the event loop this runs
    /// on, so the statement's connection is read by the thread already running the request; off
    /// the loops, the parts in turn.
    public var clientOfCurrentLoop: PostgresClient {
        guard !parts.isEmpty else { return client }
        if let current = MultiThreadedEventLoopGroup.currentEventLoop {
            for part in parts where part.loop === current { return part.client }
        }
        return parts[rotation.next() % parts.count].client
    }

    /// Runs `body` with a connection of `clientOfCurrentLoop`, counted in `leases`.
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await leases.withConnection(clientOfCurrentLoop, body)
    }

    public func run() async throws {
        // The pool runs until its task is cancelled; graceful shutdown cancels it.
        try await cancelWhenGracefulShutdown {
            guard !parts.isEmpty else { return await client.run() }
            await withDiscardingTaskGroup { group in
                for part in parts { group.addTask { await part.client.run() } }
            }
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
