import Core
import Foundation
import HTTPTypes
import PostgresNIO
import Testing
import TestSupport
import Tokens

@Suite("Auth: sign-up, sign-in, user, sign-out")
struct AuthFlowTests {
    @Test("sign up → sign in → get user → update metadata → refresh → log out")
    func fullFlow() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)

            let signUp = try await auth.send(.post, "signup", json: #"{"email":" Alice@Example.COM ","password":"secret-password","data":{"name":"Alice"}}"#)
            #expect(signUp.status == .ok)
            #expect(signUp.string("token_type") == "bearer")
            #expect(signUp.json["expires_in"] as? Int == 3600)
            #expect(signUp.json["expires_at"] is Int)
            let user = try #require(signUp.json["user"] as? [String: Any])
            #expect(user["email"] as? String == "alice@example.com")
            #expect(user["aud"] as? String == "authenticated")
            #expect((user["user_metadata"] as? [String: Any])?["name"] as? String == "Alice")
            #expect((user["app_metadata"] as? [String: Any])?["provider"] as? String == "email")
            let identities = try #require(user["identities"] as? [[String: Any]])
            #expect(identities.count == 1)
            #expect(identities.first?["provider"] as? String == "email")
            #expect((identities.first?["identity_data"] as? [String: Any])?["email"] as? String == "alice@example.com")

            let signIn = try await auth.signIn("alice@example.com")
            #expect(signIn.status == .ok)
            let access = try #require(signIn.string("access_token"))
            let token = claims(of: access)
            #expect(token["sub"] as? String == user["id"] as? String)
            #expect(token["aud"] as? String == "authenticated")
            #expect(token["role"] as? String == "authenticated")
            #expect(token["email"] as? String == "alice@example.com")
            #expect(token["aal"] as? String == "aal1")
            #expect(token["is_anonymous"] as? Bool == false)
            #expect(token["session_id"] is String)
            #expect(token["exp"] is Int && token["iat"] is Int)
            #expect((token["amr"] as? [[String: Any]])?.first?["method"] as? String == "password")

            let me = try await auth.send(.get, "user", bearer: access)
            #expect(me.status == .ok)
            #expect(me.string("id") == user["id"] as? String)

            let updated = try await auth.send(.put, "user", json: #"{"data":{"a":1,"name":null}}"#, bearer: access)
            #expect(updated.status == .ok)
            #expect(updated.json["user_metadata"] as? [String: Int] == ["a": 1])

            let same = try await auth.send(.put, "user", json: #"{"password":"secret-password"}"#, bearer: access)
            #expect(same.status == .unprocessableContent)
            #expect(same.code == "same_password")
            let admin = try await auth.send(.put, "user", json: #"{"app_metadata":{"role":"admin"}}"#, bearer: access)
            #expect(admin.code == "not_admin")

            let refreshed = try await auth.refresh(try #require(signIn.string("refresh_token")))
            #expect(refreshed.status == .ok)
            #expect(refreshed.string("refresh_token") != signIn.string("refresh_token"))
            let newAccess = try #require(refreshed.string("access_token"))
            #expect(claims(of: newAccess)["session_id"] as? String == token["session_id"] as? String)
            // Metadata changes show up in the next token.
            #expect((claims(of: newAccess)["user_metadata"] as? [String: Int]) == ["a": 1])

            let logout = try await auth.send(.post, "logout", bearer: newAccess)
            #expect(logout.status == .noContent)
            #expect(logout.body.isEmpty)
            let after = try await auth.send(.get, "user", bearer: newAccess)
            #expect(after.status == .forbidden)
            #expect(after.code == "session_not_found")
            let refreshAfter = try await auth.refresh(try #require(refreshed.string("refresh_token")))
            #expect(refreshAfter.status == .badRequest)
            #expect(refreshAfter.code == "refresh_token_not_found")
        }
    }

    @Test("logout scopes: local ends only the current session, others all but it, bogus is refused")
    func logoutScopes() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            _ = try await auth.signUp("scopes@example.com")
            let sessions = try await (1...3).asyncMap { _ in try #require(try await auth.signIn("scopes@example.com").string("access_token")) }

            #expect(try await auth.send(.post, "logout?scope=bogus", bearer: sessions[0]).code == "validation_failed")
            #expect(try await auth.send(.post, "logout?scope=local", bearer: sessions[0]).status == .noContent)
            #expect(try await auth.send(.get, "user", bearer: sessions[0]).code == "session_not_found")
            #expect(try await auth.send(.get, "user", bearer: sessions[1]).status == .ok)

            #expect(try await auth.send(.post, "logout?scope=others", bearer: sessions[1]).status == .noContent)
            #expect(try await auth.send(.get, "user", bearer: sessions[1]).status == .ok)
            #expect(try await auth.send(.get, "user", bearer: sessions[2]).code == "session_not_found")
        }
    }

    @Test("sign-up errors: duplicate, weak, malformed, missing password")
    func signUpErrors() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            #expect(try await auth.signUp("dup@example.com").status == .ok)
            let duplicate = try await auth.signUp("DUP@example.com")
            #expect(duplicate.status == .unprocessableContent)
            #expect(duplicate.code == "user_already_exists")
            #expect(duplicate.headers[.init("x-sb-error-code")!] == "user_already_exists")
            #expect(duplicate.headers[.init("X-Supabase-Api-Version")!] == "2024-01-01")

            let weak = try await auth.signUp("weak@example.com", "12345")
            #expect(weak.status == .unprocessableContent)
            #expect(weak.code == "weak_password")
            #expect((weak.json["weak_password"] as? [String: Any])?["reasons"] as? [String] == ["length"])

            #expect(try await auth.signUp("not-an-email", "secret-password").code == "validation_failed")
            #expect(try await auth.send(.post, "signup", json: #"{"email":"x@example.com","password":""}"#).code == "validation_failed")
            #expect(try await auth.send(.post, "signup", json: #"{"email":"x@example.com","password":"\#(String(repeating: "p", count: 73))"}"#).code == "validation_failed")
            let notJSON = try await auth.send(.post, "signup", json: "{nope")
            #expect(notJSON.status == .badRequest)
            #expect(notJSON.code == "bad_json")

            // Without the version header, the legacy envelope.
            let legacy = try await auth.send(.post, "signup", json: #"{"email":"dup@example.com","password":"secret-password"}"#, versioned: false)
            #expect(legacy.json["code"] as? Int == 422)
            #expect(legacy.json["error_code"] as? String == "user_already_exists")
            #expect(legacy.json["msg"] as? String == "User already registered")
        }
    }

    @Test("a refused sign-up leaves no user behind")
    func signUpLeavesNothingOnFailure() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            _ = try await auth.signUp("weak@example.com", "123")
            _ = try await auth.signUp("bad email@example.com")
            let count = try await TestCluster.withConnection(app.database) { connection in
                try await connection.query("SELECT count(*)::int FROM auth.users", logger: TestCluster.logger)
                    .collect().first?.decode(Int.self)
            }
            #expect(count == 0)
        }
    }

    @Test("wrong password and unknown email get the same answer")
    func indistinguishableFailures() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            _ = try await auth.signUp("known@example.com")
            let wrong = try await auth.signIn("known@example.com", "wrong-password")
            let unknown = try await auth.signIn("unknown@example.com", "wrong-password")
            #expect(wrong.status == .badRequest)
            #expect(wrong.code == "invalid_credentials")
            #expect(wrong.body == unknown.body)
            #expect(wrong.status == unknown.status)
            #expect(try await auth.send(.post, "token?grant_type=password", json: "{}").code == "validation_failed")
            #expect(try await auth.send(.post, "token?grant_type=magic", json: "{}").code == "invalid_credentials")
        }
    }

    @Test("settings, health and jwks answer without a session")
    func publicEndpoints() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let settings = try await auth.send(.get, "settings")
            #expect(settings.status == .ok)
            #expect(settings.json["mailer_autoconfirm"] as? Bool == true)
            #expect((settings.json["external"] as? [String: Any])?["email"] as? Bool == true)
            #expect(try await auth.send(.get, "health").string("name") == "GoTrue")
            #expect(try await auth.send(.get, ".well-known/jwks.json").body == #"{"keys":[]}"#)
            #expect(try await auth.send(.post, "recover", json: #"{"email":"nobody@example.com"}"#).body == "{}")
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
