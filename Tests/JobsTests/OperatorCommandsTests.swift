import AppConfig
import Core
import Database
import Foundation
import Jobs
import Testing
import TestSupport
import VisionaryApp

/// What `visionary jobs …` and `visionary mail list` print and do, on a database of their own.
@Suite("Jobs and mail: the operator's commands")
struct OperatorCommandsTests {
    @Test("jobs list shows dead letters with their error; retry and discard act on dead letters only")
    func jobs() async throws {
        try await TestCluster.shared.withDatabase { database in
            let config = TestCluster.commandConfig(on: database)
            let now = Date()
            let (dead, waiting) = try await database.withPool(logger: TestCluster.logger) { pool in
                let queue = JobQueue(database: SQLRunner(pool: pool, logger: TestCluster.logger))
                let dead = try await queue.enqueue(kind: "mail.send", runAt: now, now: now, maxAttempts: 1)
                _ = try await queue.claim(worker: "w", kinds: ["mail.send"], now: now, lease: .seconds(60), limit: 1)
                _ = try await queue.fail(dead, worker: "w", error: "relay refused", retryAt: now, now: now)
                let waiting = try await queue.enqueue(kind: "render", runAt: now.addingTimeInterval(3_600), now: now)
                return (dead, waiting)
            }
            let listed = try await JobCommands.list(config: config, state: "dead", limit: 10)
            #expect(listed.hasPrefix(dead.uuidString.lowercased() + "  mail.send  dead  attempt 1/1"), "\(listed)")
            #expect(listed.contains("error: relay refused"))
            #expect(!listed.contains(waiting.uuidString.lowercased()))
            #expect(try await JobCommands.list(config: config, state: "running", limit: 10) == "no running jobs")

            await #expect(throws: (any Error).self) { try await JobCommands.retry(config: config, id: waiting) }
            #expect(try await JobCommands.retry(config: config, id: dead) == "job \(dead.uuidString.lowercased()) queued again")
            #expect(try await JobCommands.list(config: config, state: "queued", limit: 10).components(separatedBy: "\n").count == 2)
            #expect(try await JobCommands.discard(config: config, id: waiting) == "job \(waiting.uuidString.lowercased()) discarded")
            await #expect(throws: (any Error).self) { try await JobCommands.discard(config: config, id: waiting) }
        }
    }

    @Test("mail list shows the outbox, waiting messages alone with --pending, values only when asked")
    func mail() async throws {
        try await TestCluster.shared.withDatabase { database in
            let config = TestCluster.commandConfig(on: database)
            #expect(try await MailCommands.list(config: config, pendingOnly: false, limit: 10, payload: false) == "the outbox is empty")
            try await database.withPool(logger: TestCluster.logger) { pool in
                try await SQLRunner(pool: pool, logger: TestCluster.logger).execute(SQLStatement("""
                    INSERT INTO auth.mail_outbox (recipient, template, payload, sent_at, created_at) VALUES
                      ('ann@mail.test', 'confirmation', '{"link":"https://x.test/confirm?token=secret"}', NULL, '2026-12-01 10:00+00'),
                      ('bo@mail.test', 'partner_invitation', '{}', '2026-12-01 09:01+00', '2026-12-01 09:00+00')
                    """))
            }
            let all = try await MailCommands.list(config: config, pendingOnly: false, limit: 10, payload: false)
            #expect(all == """
                2026-12-01T10:00:00Z  ann@mail.test  confirmation  waiting
                2026-12-01T09:00:00Z  bo@mail.test  partner_invitation  sent
                """)
            #expect(!all.contains("secret"), "values only when asked")
            let pending = try await MailCommands.list(config: config, pendingOnly: true, limit: 10, payload: true)
            #expect(pending.hasPrefix("2026-12-01T10:00:00Z  ann@mail.test  confirmation  waiting\n"))
            #expect(pending.contains("token=secret"))
            #expect(!pending.contains("bo@mail.test"))
        }
    }
}
