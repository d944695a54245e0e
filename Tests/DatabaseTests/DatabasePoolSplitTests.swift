import Database
import NIOCore
import NIOPosix
import PostgresNIO
import Testing
import TestSupport

/// The server's pools are split by event loop, so that a statement's connection is read by the
/// thread already running its request.
@Suite("Database: a pool split by event loop")
struct DatabasePoolSplitTests {
    @Test("on each loop, statements lease connections opened on that loop; off the loops, the parts take turns")
    func split() async throws {
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        try await TestCluster.shared.withDatabase { endpoint in
            let pool = try DatabasePool(endpoint: endpoint, maximumConnections: 3, perEventLoop: loops, logger: TestCluster.logger)
            let running = Task { try await pool.run() }
            defer { running.cancel() }
            var clients: [PostgresClient] = []
            for loop in loops.makeIterator() {
                let client = try await loop.submit { pool.clientOfCurrentLoop }.get()
                #expect(try await loop.submit { pool.clientOfCurrentLoop }.get() === client, "the same part every time")
                let onLoop = try await client.withConnection { connection in
                    try await connection.query("SELECT 1", logger: TestCluster.logger).collect().count == 1 && connection.eventLoop === loop
                }
                #expect(onLoop, "the part's connections are opened on its loop")
                clients.append(client)
            }
            #expect(clients.count == 2 && clients[0] !== clients[1])
            let offLoop = [pool.clientOfCurrentLoop, pool.clientOfCurrentLoop]
            #expect(offLoop[0] !== offLoop[1] && offLoop.allSatisfy { client in clients.contains { $0 === client } })
        }
        try await loops.shutdownGracefully()
    }
}
