import Core
import Database
import Testing
import TestSupport

/// A backend that dies under a statement (a crash, a restart, an operator's
/// `pg_terminate_backend`) fails that statement as unavailable, and nothing waits on its closed
/// connection afterwards: the transaction's ROLLBACK is not sent into it, its lease comes back,
/// and the pool's next statement runs on a fresh connection.
@Suite("Database: a connection lost under a transaction")
struct ConnectionLossTests {
    @Test("the failed transaction is unavailable, its connection is given back, and the next statement runs")
    func lostUnderTransaction() async throws {
        try await TestCluster.shared.withDatabase { endpoint in
            let pool = try DatabasePool(endpoint: endpoint, maximumConnections: 1, logger: TestCluster.logger)
            let running = Task { try await pool.run() }
            defer { running.cancel() }
            try await endpoint.withPool(logger: TestCluster.logger) { killer in
                let runner = SQLRunner(pool: pool, logger: TestCluster.logger)
                let terminator = SQLRunner(pool: killer, logger: TestCluster.logger)
                let lost = await finished(within: .seconds(30)) {
                    try await runner.transaction { transaction in
                        let pid = try #require(try await transaction.text(SQLStatement("SELECT pg_backend_pid()::text")))
                        let terminated = try await terminator.text(SQLStatement("SELECT pg_terminate_backend($1::integer)::text", [.text(pid)]))
                        #expect(terminated == "true")
                        try await transaction.execute(SQLStatement("SELECT 1"))
                    }
                }
                switch lost {
                case nil: Issue.record("the transaction never finished after its connection was lost")
                case .success?: Issue.record("a statement on a terminated backend succeeded")
                case .failure(let error)?: #expect((error as? DatabaseError)?.isUnavailable == true, "\(error)")
                }
                #expect(pool.leases.inUse == 0, "the lost connection's lease came back")
                let next = await finished(within: .seconds(30)) { try await runner.text(SQLStatement("SELECT 'after'")) }
                guard case .success(let value)? = next else { Issue.record("the next statement failed: \(String(describing: next))"); return }
                #expect(value == "after")
            }
        }
    }
}
