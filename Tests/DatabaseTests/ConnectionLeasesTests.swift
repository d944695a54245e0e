import Core
import Database
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// The pool's connections in use and waited for, as `/metrics` reports them.
@Suite("Database: connection leases")
struct ConnectionLeasesTests {
    @Test("a held connection is in use; a statement that finds the pool full is waiting; both end at zero")
    func counted() async throws {
        try await TestCluster.shared.withDatabase { endpoint in
            let pool = try DatabasePool(endpoint: endpoint, maximumConnections: 1, logger: TestCluster.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pool.run() }
                let runner = SQLRunner(pool: pool, logger: TestCluster.logger)
                let (entered, inside) = AsyncStream<Void>.makeStream()
                let (released, release) = AsyncStream<Void>.makeStream()
                let holder = Task {
                    try await runner.transaction { transaction in
                        _ = try await transaction.text(SQLStatement("SELECT 1::text"))
                        inside.yield()
                        for await _ in released { break }
                    }
                }
                for await _ in entered { break }
                #expect(pool.leases.inUse == 1 && pool.leases.waiting == 0)
                let waiter = Task { try await runner.text(SQLStatement("SELECT 'second'")) }
                var waited = false
                for _ in 0..<200 where !waited {
                    waited = pool.leases.waiting == 1
                    if !waited { try await Task.sleep(for: .milliseconds(10)) }
                }
                #expect(waited, "the second statement waits for the only connection")
                release.yield()
                try await holder.value
                #expect(try await waiter.value == "second")
                #expect(pool.leases.inUse == 0 && pool.leases.waiting == 0)
                group.cancelAll()
            }
        }
    }
}
