import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import Tokens

/// Access tokens from the attacker's side: every forged, expired, mis-addressed or revoked
/// token is refused with the documented status and code.
@Suite("Auth: bearer tokens")
struct AuthTokenTests {
    struct Claims: Encodable {
        var sub: String
        var aud: String = "authenticated"
        var role: String = "authenticated"
        var exp: Int
        var iat: Int
        var session_id: String?
    }

    static func base64URL(_ text: String) -> String { APIKeys.base64URL(Data(text.utf8)) }

    @Test("forged, expired, alg none, wrong audience and API-key bearers are refused")
    func refusedTokens() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let signUp = try await auth.signUp("victim@example.com")
            let access = try #require(signUp.string("access_token"))
            let genuine = claims(of: access)
            let sub = try #require(genuine["sub"] as? String)
            let session = genuine["session_id"] as? String
            let now = Int(Date().timeIntervalSince1970)

            let forgedKey = try HS256(secret: "another-secret-that-is-long-enough-000000")
                .sign(Claims(sub: sub, exp: now + 600, iat: now, session_id: session))
            let expired = try HS256(secret: TestApp.secret).sign(Claims(sub: sub, exp: now - 3600, iat: now - 7200, session_id: session))
            let wrongAudience = try HS256(secret: TestApp.secret)
                .sign(Claims(sub: sub, aud: "someone-else", exp: now + 600, iat: now, session_id: session))
            let parts = access.split(separator: ".")
            let algNone = Self.base64URL(#"{"alg":"none","typ":"JWT"}"#) + "." + parts[1] + "."
            let tampered = parts[0] + "." + Self.base64URL(#"{"sub":"\#(sub)","role":"service_role","aud":"authenticated","exp":\#(now + 600)}"#) + "." + parts[2]

            for (name, token) in [("foreign key", forgedKey), ("expired", expired), ("wrong audience", wrongAudience),
                                  ("alg none", algNone), ("tampered", String(tampered)), ("garbage", "not.a.jwt")] {
                let reply = try await auth.send(.get, "user", bearer: token)
                #expect(reply.status == .forbidden, "\(name)")
                #expect(reply.code == "bad_jwt", "\(name)")
            }
            let anonKey = try await auth.send(.get, "user", bearer: app.keys.anon)
            #expect(anonKey.status == .forbidden)
            #expect(anonKey.code == "bad_jwt")
            #expect(anonKey.string("message")?.contains("sub") == true)
            let missing = try await auth.send(.get, "user")
            #expect(missing.status == .unauthorized)
            #expect(missing.code == "no_authorization")

            // A validly signed token for a user that does not exist.
            let ghost = try HS256(secret: TestApp.secret).sign(Claims(sub: UUID().uuidString.lowercased(), exp: now + 600, iat: now))
            #expect(try await auth.send(.get, "user", bearer: ghost).code == "user_not_found")
            // The genuine token still works.
            #expect(try await auth.send(.get, "user", bearer: access).status == .ok)
        }
    }

    @Test("the API-key gate: missing and unknown keys get 401 before anything else")
    func apiKeyGate() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let none = try await client.execute(uri: "/auth/v1/settings", method: .get) { response in
                (response.status, String(buffer: response.body))
            }
            #expect(none.0 == .unauthorized)
            #expect(none.1.contains("No API key found in request"))
            let wrong = try await AuthClient(client: client, apiKey: "wrong").send(.get, "settings")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.json["message"] as? String == "Invalid API key")
            let viaQuery = try await client.execute(uri: "/auth/v1/settings?apikey=\(app.keys.anon)", method: .get) { $0.status }
            #expect(viaQuery == .ok)
            let preflight = try await client.execute(
                uri: "/auth/v1/token", method: .options,
                headers: [.origin: "https://app.example", .accessControlRequestHeaders: "apikey, authorization"]
            ) { response in response }
            #expect(preflight.status.code < 300)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://app.example")
            #expect(preflight.headers[.accessControlAllowHeaders] == "apikey, authorization")
        }
    }

    @Test("a banned user can neither sign in nor use a token issued before the ban")
    func banned() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let signUp = try await auth.signUp("banned@example.com")
            let id = try #require((signUp.json["user"] as? [String: Any])?["id"] as? String)
            let admin = AuthClient(client: client, apiKey: app.keys.serviceRole)
            let ban = try await admin.send(.put, "admin/users/\(id)", json: #"{"ban_duration":"24h"}"#, bearer: app.keys.serviceRole)
            #expect(ban.status == .ok)
            #expect(ban.json["banned_until"] is String)
            let signIn = try await auth.signIn("banned@example.com")
            #expect(signIn.status == .badRequest)
            #expect(signIn.code == "user_banned")
            let refresh = try await auth.refresh(try #require(signUp.string("refresh_token")))
            #expect(refresh.status == .badRequest)
            // Lifting the ban lets the user back in.
            #expect(try await admin.send(.put, "admin/users/\(id)", json: #"{"ban_duration":"none"}"#, bearer: app.keys.serviceRole).status == .ok)
            #expect(try await auth.signIn("banned@example.com").status == .ok)
        }
    }
}
