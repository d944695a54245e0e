import AppConfig
import Foundation
import HTTPTypes
import PostgresNIO
import Testing
import TestSupport
import Tokens

@Suite("Auth: refresh-token rotation")
struct RefreshTokenTests {
    @Test("a token reused after the reuse interval ends the whole session; within it, it still works")
    func reuseDetection() async throws {
        // An interval no loaded machine exceeds; its end is reached by moving the session's last
        // refresh back in time, not by waiting.
        let app = try await TestApp.make { $0.auth.refreshReuseInterval = 60 }
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let first = try await auth.signUp("rotate@example.com")
            let t0 = try #require(first.string("refresh_token"))
            let second = try await auth.refresh(t0)
            let t1 = try #require(second.string("refresh_token"))
            let t2 = try #require(try await auth.refresh(t1).string("refresh_token"))
            #expect(Set([t0, t1, t2]).count == 3)

            // Within the interval: the grandparent is answered with the live token.
            let racing = try await auth.refresh(t0)
            #expect(racing.status == .ok)
            #expect(racing.string("refresh_token") == t2)
            // The parent of the live token (a lost response) is answered with it at any time.
            try await TestCluster.withConnection(app.database) { connection in
                try await connection.query(
                    "UPDATE auth.sessions SET refreshed_at = now() - interval '61 seconds'", logger: TestCluster.logger)
            }
            #expect(try await auth.refresh(t1).string("refresh_token") == t2)

            // Past the interval, the grandparent is a stolen token: the session ends.
            let reused = try await auth.refresh(t0)
            #expect(reused.status == .badRequest)
            #expect(reused.code == "refresh_token_already_used")
            let legit = try await auth.refresh(t2)
            #expect(legit.status == .badRequest)
            #expect(legit.code == "refresh_token_not_found")
            let access = try #require(second.string("access_token"))
            #expect(try await auth.send(.get, "user", bearer: access).code == "session_not_found")
        }
    }

    @Test("unknown and empty refresh tokens")
    func unknownTokens() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let unknown = try await auth.refresh("no-such-token")
            #expect(unknown.status == .badRequest)
            #expect(unknown.code == "refresh_token_not_found")
            let empty = try await auth.send(.post, "token?grant_type=refresh_token", json: #"{"refresh_token":""}"#)
            #expect(empty.status == .badRequest)
            #expect(empty.json["error"] as? String == "invalid_request")
        }
    }

    @Test("20 concurrent refreshes with one token all get the same successor, rotated once")
    func concurrentRefreshes() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let token = try #require(try await auth.signUp("tabs@example.com").string("refresh_token"))
            let replies = try await withThrowingTaskGroup(of: AuthClient.Reply.self) { group in
                for _ in 0..<20 { group.addTask { try await auth.concurrent.refresh(token) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == .ok })
            let successors = Set(replies.compactMap { $0.string("refresh_token") })
            #expect(successors.count == 1)
            #expect(successors.first != token)
            let rows = try await TestCluster.withConnection(app.database) { connection in
                try await connection.query(
                    "SELECT count(*)::int, count(*) FILTER (WHERE NOT revoked)::int FROM auth.refresh_tokens",
                    logger: TestCluster.logger
                ).collect().first?.decode((Int, Int).self)
            }
            #expect(rows?.0 == 2, "the original and exactly one successor")
            #expect(rows?.1 == 1, "one live token")
        }
    }
}
