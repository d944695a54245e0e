import AppConfig
import Foundation
import HTTPTypes
import PostgresNIO
import Testing
import TestSupport
import Tokens

@Suite("Auth: admin users, recovery, rate limits")
struct AdminAndLimitsTests {
    @Test("admin endpoints: create, duplicate, list with paging headers, get, update, delete")
    func adminCRUD() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = AuthClient(client: client, apiKey: app.keys.serviceRole)
            let service = app.keys.serviceRole
            let created = try await admin.send(.post, "admin/users", json: #"{"email":"Made@Example.com","password":"secret-password","email_confirm":true,"user_metadata":{"n":1},"app_metadata":{"plan":"pro"}}"#, bearer: service)
            #expect(created.status == .ok)
            #expect(created.json["email_confirmed_at"] is String)
            #expect((created.json["app_metadata"] as? [String: Any])?["plan"] as? String == "pro")
            #expect((created.json["app_metadata"] as? [String: Any])?["provider"] as? String == "email")
            let id = try #require(created.string("id"))

            let duplicate = try await admin.send(.post, "admin/users", json: #"{"email":"made@example.com"}"#, bearer: service)
            #expect(duplicate.status == .unprocessableContent)
            #expect(duplicate.code == "email_exists")
            #expect(try await admin.send(.post, "admin/users", json: "{}", bearer: service).code == "validation_failed")

            for index in 0..<3 {
                _ = try await admin.send(.post, "admin/users", json: #"{"email":"u\#(index)@example.com"}"#, bearer: service)
            }
            let page = try await admin.send(.get, "admin/users?page=&per_page=", bearer: service)
            #expect(page.status == .ok)
            #expect((page.json["users"] as? [Any])?.count == 4)
            #expect(page.headers[.init("X-Total-Count")!] == "4")
            let small = try await admin.send(.get, "admin/users?page=2&per_page=3", bearer: service)
            #expect((small.json["users"] as? [Any])?.count == 1)
            #expect(small.headers[.init("Link")!] == #"</admin/users?page=2&per_page=3>; rel="last""#)
            let first = try await admin.send(.get, "admin/users?page=1&per_page=3", bearer: service)
            #expect(first.headers[.init("Link")!]?.hasPrefix(#"</admin/users?page=2&per_page=3>; rel="next""#) == true)

            #expect(try await admin.send(.get, "admin/users/\(id)", bearer: service).string("email") == "made@example.com")
            let factors = try await admin.send(.get, "admin/users/\(id)/factors", bearer: service)
            #expect(factors.status == .ok && factors.body == "[]", "no factors can be enrolled yet")
            #expect(try await admin.send(.get, "admin/users/\(UUID().uuidString)/factors", bearer: service).code == "user_not_found")
            let updated = try await admin.send(.put, "admin/users/\(id)", json: #"{"user_metadata":{"n":null,"m":2}}"#, bearer: service)
            #expect(updated.json["user_metadata"] as? [String: Int] == ["m": 2])
            let unknown = try await admin.send(.get, "admin/users/\(UUID().uuidString)", bearer: service)
            #expect(unknown.status == .notFound)
            #expect(unknown.code == "user_not_found")
            let malformed = try await admin.send(.get, "admin/users/not-a-uuid", bearer: service)
            #expect(malformed.status == .notFound)
            #expect(malformed.code == "validation_failed")

            #expect(try await admin.send(.delete, "admin/users/\(id)", json: #"{"should_soft_delete":false}"#, bearer: service).body == "{}")
            #expect(try await admin.send(.get, "admin/users/\(id)", bearer: service).code == "user_not_found")
        }
    }

    @Test("admin endpoints refuse the anon key and user tokens")
    func adminRefusals() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let user = try #require(try await auth.signUp("plain@example.com").string("access_token"))
            for bearer in [app.keys.anon, user] {
                for (method, path) in [(HTTPRequest.Method.get, "admin/users"), (.post, "admin/users"),
                                       (.get, "admin/users/\(UUID().uuidString)"), (.delete, "admin/users/\(UUID().uuidString)"),
                                       (.get, "admin/users/\(UUID().uuidString)/factors")] {
                    let reply = try await auth.send(method, path, json: #"{"email":"x@example.com"}"#, bearer: bearer)
                    #expect(reply.status == .forbidden, "\(method) \(path)")
                    #expect(reply.code == "not_admin", "\(method) \(path)")
                }
            }
            #expect(try await auth.send(.get, "admin/users").code == "no_authorization")
        }
    }

    @Test("recovery: a token from the outbox signs the user in once")
    func recovery() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            _ = try await auth.signUp("lost@example.com")
            #expect(try await auth.send(.post, "recover", json: #"{"email":"lost@example.com"}"#).status == .ok)
            #expect(try await auth.send(.post, "recover", json: #"{"email":"bad"}"#).code == "validation_failed")
            let token = try await TestCluster.withConnection(app.database) { connection in
                try await connection.query(
                    "SELECT payload->>'token' FROM auth.mail_outbox WHERE recipient = 'lost@example.com' AND template = 'recovery'",
                    logger: TestCluster.logger
                ).collect().first?.decode(String.self)
            }
            let recoveryToken = try #require(token)
            let wrong = try await auth.send(.post, "verify", json: #"{"type":"recovery","email":"lost@example.com","token":"nope"}"#)
            #expect(wrong.status == .forbidden)
            #expect(wrong.code == "otp_expired")
            let verified = try await auth.send(.post, "verify", json: #"{"type":"recovery","email":"lost@example.com","token":"\#(recoveryToken)"}"#)
            #expect(verified.status == .ok)
            let access = try #require(verified.string("access_token"))
            #expect((claims(of: access)["amr"] as? [[String: Any]])?.first?["method"] as? String == "otp")
            #expect(try await auth.send(.put, "user", json: #"{"password":"a-new-password"}"#, bearer: access).status == .ok)
            #expect(try await auth.signIn("lost@example.com", "a-new-password").status == .ok)
            let again = try await auth.send(.post, "verify", json: #"{"type":"recovery","email":"lost@example.com","token":"\#(recoveryToken)"}"#)
            #expect(again.code == "otp_expired")
        }
    }

    @Test("the per-address rate limit answers 429 with Retry-After, and recovers when the window passes")
    func rateLimits() async throws {
        let app = try await TestApp.make {
            $0.auth.rateLimitPerAddress = 3
            // A window far longer than the test, so that the four attempts fall in one however
            // busy the machine is; its passing is simulated below.
            $0.auth.rateLimitWindow = 3_600
        }
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            _ = try await auth.signUp("limited@example.com")
            var statuses: [Int] = []
            var retryAfter: String?
            for _ in 0..<4 {
                let reply = try await auth.signIn("limited@example.com", "wrong-password")
                statuses.append(reply.status.code)
                if reply.status == .tooManyRequests {
                    retryAfter = reply.headers[.retryAfter]
                    #expect(reply.code == "over_request_rate_limit")
                }
            }
            #expect(statuses == [400, 400, 400, 429])
            #expect(retryAfter.flatMap(Int.init).map { (1...3_600).contains($0) } == true)
            // The window passes: its counters are from an hour ago.
            try await TestCluster.withConnection(app.database) { connection in
                try await connection.query("UPDATE auth.rate_limits SET window_start = window_start - interval '2 hours'", logger: TestCluster.logger)
            }
            #expect(try await auth.signIn("limited@example.com").status == .ok)
        }
    }
}
