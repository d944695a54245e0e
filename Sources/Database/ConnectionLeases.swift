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
    ///
    /// A connection that has already closed when it is handed over (its backend died, and the
    /// pool has not heard yet) is given back unused and another is leased, up to
    /// `Self.leaseAttempts` times in all; nothing was sent on it, so nothing runs twice.
    func withConnection<T>(_ client: PostgresClient, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await withLease(client, body)
            } catch is ClosedOnLease {
                guard attempt < Self.leaseAttempts else { throw ConnectionClosed() }
                attempt += 1
                await Task.yield()  // lets the pool take in the closure before the next lease
            }
        }
    }

    /// Leases handed over closed that are given back before the statement fails as unavailable.
    static let leaseAttempts = 4

    private struct ClosedOnLease: Error {}

    private func withLease<T>(_ client: PostgresClient, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        counts.withLock { $0.waiting += 1 }
        var handedOver = false
        defer { if !handedOver { counts.withLock { $0.waiting -= 1 } } }
        return try await client.withConnection { connection in
            handedOver = true
            counts.withLock { $0.waiting -= 1; $0.inUse += 1 }
            defer { counts.withLock { $0.inUse -= 1 } }
            guard !connection.isClosed else { throw ClosedOnLease() }
            return try await body(connection)
        }
    }
}
