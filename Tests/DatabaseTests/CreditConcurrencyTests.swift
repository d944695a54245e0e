import Database
import Foundation
import Logging
import PostgresNIO
import Testing
import TestSupport

@Suite("Credits under concurrency")
struct CreditConcurrencyTests {
    @Test("50 connections racing decrement_user_credits with 3 credits: exactly 3 succeed, never negative")
    func decrementRace() async throws {
        let database = try await TestCluster.shared.makeDatabase()
        let logger = TestCluster.logger
        let user = try await TestCluster.withConnection(database) { connection in
            try await connection.query(
                "INSERT INTO auth.users (email) VALUES ('racer@credits.test') RETURNING id::text", logger: logger
            ).collect().first?.decode(String.self)
        }
        let userID = try #require(user)
        let claims = #"{"sub":"\#(userID)","role":"authenticated"}"#

        // Each racer holds its own connection and calls the function as the user, the way an API
        // request would: role and claims set transaction-locally.
        var connections: [PostgresConnection] = []
        do {
            for id in 0..<50 {
                connections.append(try await PostgresConnection.connect(
                    configuration: .init(
                        host: database.host, port: database.port, username: database.username,
                        password: database.password, database: database.database, tls: .disable),
                    id: id, logger: logger))
            }
        } catch {
            for connection in connections { try? await connection.close() }
            throw error
        }
        // Every connection is closed whatever happens: an unclosed one traps when released.
        let outcomes: [Bool]
        do {
            outcomes = try await Self.race(connections, claims: claims, logger: logger)
        } catch {
            for connection in connections { try? await connection.close() }
            throw error
        }
        for connection in connections { try? await connection.close() }

        #expect(outcomes.count == 50)
        #expect(outcomes.filter { $0 }.count == 3)
        let state = try await TestCluster.withConnection(database) { connection in
            try await connection.query("""
                SELECT p.credits,
                       (SELECT count(*)::int FROM public.credit_ledger l WHERE l.user_id = p.id AND l.reason = 'generation'),
                       (SELECT sum(delta)::int FROM public.credit_ledger l WHERE l.user_id = p.id),
                       (SELECT min(balance_after) FROM public.credit_ledger l WHERE l.user_id = p.id)
                FROM public.profiles p WHERE p.id = \(UUID(uuidString: userID))
                """, logger: logger).collect().first?.decode((Int, Int, Int, Int).self)
        }
        #expect(state?.0 == 0, "the balance ends at zero")
        #expect(state?.1 == 3, "one ledger row per granted generation")
        #expect(state?.2 == 0, "the ledger sums to the balance")
        #expect(state?.3 == 0, "no ledger row records a negative balance")
        try await TestCluster.shared.dropDatabase(database)
    }

    static func race(_ connections: [PostgresConnection], claims: String, logger: Logger) async throws -> [Bool] {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for connection in connections {
                group.addTask {
                    try await connection.execute("BEGIN", logger: logger)
                    try await connection.execute(
                        "SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', \(claims), true)",
                        logger: logger)
                    let granted = try await connection.query("SELECT public.decrement_user_credits()", logger: logger)
                        .collect().first?.decode(Bool.self)
                    try await connection.execute("COMMIT", logger: logger)
                    return granted ?? false
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
    }
}
