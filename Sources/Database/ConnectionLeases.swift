import PostgresNIO
import Synchronization

/// How a pool's connections are used right now, for `/metrics`: statements holding a connection
/// (`inUse`) and statements waiting for one (`waiting`). Every statement the server's runners
/// send goes through `withConnection`, which counts it; the listener's held connection counts
/// as in use.
public final class ConnectionLeases: Sendable {
    /// Connections the pool opens at most.
    public let size: Int
    let counts = Mutex<(waiting: Int, inUse: Int)>((0, 0))

    public init(size: Int) {
        self.size = size
    }

    public var waiting: Int { counts.withLock { $0.waiting } }
    public var inUse: Int { counts.withLock { $0.inUse } }

    /// `client.withConnection(body)`, counted: waiting until the pool hands a connection over,
    /// in use while `body` runs.
    func withConnection<T>(_ client: PostgresClient, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        counts.withLock { $0.waiting += 1 }
        var handedOver = false
        defer { if !handedOver { counts.withLock { $0.waiting -= 1 } } }
        return try await client.withConnection { connection in
            handedOver = true
            counts.withLock { $0.waiting -= 1; $0.inUse += 1 }
            defer { counts.withLock { $0.inUse -= 1 } }
            return try await body(connection)
        }
    }
}
