import AppConfig
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing
import TestSupport
import Tokens

/// A new email applies only after both addresses confirm; email and password changes need the
/// current password, a nonce, or a fresh sign-in. Each from the attacker's side: someone holding
/// a session who wants another person's address, or a stolen session that wants the account.
@Suite("Secure email change")
struct SecureEmailChangeTests {
    static func outbox(_ app: TestApp, to recipient: String, template: String) async throws -> String? {
        try await TestCluster.withConnection(app.database) { connection in
            try await connection.query(
                "SELECT payload->>'token' FROM auth.mail_outbox WHERE recipient = \(recipient) AND template = \(template) ORDER BY created_at DESC LIMIT 1",
                logger: TestCluster.logger
            ).collect().first?.decode(String?.self)
        }
    }

    /// Ages the user's sessions past the ten minutes a fresh sign-in counts for.
    static func ageSessions(_ app: TestApp, of email: String) async throws {
        try await TestCluster.withConnection(app.database) { connection in
            try await connection.query(
                "UPDATE auth.sessions SET created_at = now() - interval '1 hour' WHERE user_id = (SELECT id FROM auth.users WHERE email = \(email))",
                logger: TestCluster.logger)
        }
    }

    @Test("the new address applies only once both addresses confirm; until then the token and invitations keep the old one")
    func bothAddressesConfirm() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let inviter = try #require(try await auth.signUp("inviter@change.test").string("access_token"))
            let access = try #require(try await auth.signUp("mallory@change.test").string("access_token"))
            // An invitation addressed to someone else, which Mallory would like to read.
            let rest = try await client.execute(
                uri: "/rest/v1/rpc/create_partner_invitation", method: .post,
                headers: [.init("apikey")!: app.keys.anon, .authorization: "Bearer \(inviter)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"p_invitee_email":"victim@change.test"}"#)) { $0.status }
            #expect(rest == .ok)

            let asked = try await auth.send(.put, "user", json: #"{"email":"victim@change.test"}"#, bearer: access)
            #expect(asked.status == .ok, "\(asked.body)")
            #expect(asked.string("email") == "mallory@change.test")
            #expect(asked.string("new_email") == "victim@change.test")
            // The old address still signs in; a new token still carries it; nothing addressed to
            // the wanted address is visible.
            let signedIn = try await auth.signIn("mallory@change.test")
            let fresh = try #require(signedIn.string("access_token"))
            #expect(claims(of: fresh)["email"] as? String == "mallory@change.test")
            let seen = try await client.execute(
                uri: "/rest/v1/partner_invitations?select=id", method: .get,
                headers: [.init("apikey")!: app.keys.anon, .authorization: "Bearer \(fresh)"]) { String(buffer: $0.body) }
            #expect(seen == "[]")

            let newToken = try #require(try await Self.outbox(app, to: "victim@change.test", template: "email_change_new"))
            let currentToken = try #require(try await Self.outbox(app, to: "mallory@change.test", template: "email_change_current"))
            // A guessed token, or the right one under the wrong address, confirms nothing.
            #expect(try await auth.send(.post, "verify", json: #"{"type":"email_change","email":"victim@change.test","token":"guess"}"#).code == "otp_expired")
            #expect(try await auth.send(
                .post, "verify", json: #"{"type":"email_change","email":"mallory@change.test","token":"\#(newToken)"}"#).code == "otp_expired")
            // One confirmation is not enough.
            let first = try await auth.send(.post, "verify", json: #"{"type":"email_change","email":"mallory@change.test","token":"\#(currentToken)"}"#)
            #expect(first.status == .ok)
            #expect(first.string("msg")?.contains("other email") == true, "\(first.body)")
            #expect(try await auth.signIn("mallory@change.test").status == .ok)
            // A token works once.
            #expect(try await auth.send(
                .post, "verify", json: #"{"type":"email_change","email":"mallory@change.test","token":"\#(currentToken)"}"#).code == "otp_expired")
            // Both: the change applies, with a session for the new address.
            let second = try await auth.send(.post, "verify", json: #"{"type":"email_change","email":"victim@change.test","token":"\#(newToken)"}"#)
            #expect(second.status == .ok, "\(second.body)")
            let changed = try #require(second.string("access_token"))
            #expect(claims(of: changed)["email"] as? String == "victim@change.test")
            #expect(try await auth.signIn("victim@change.test").status == .ok)
            #expect(try await auth.signIn("mallory@change.test").status == .badRequest)
        }
    }

    @Test("an old session changes email or password only with the current password or a mailed nonce")
    func reauthentication() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let access = try #require(try await auth.signUp("owner@reauth.test").string("access_token"))
            try await Self.ageSessions(app, of: "owner@reauth.test")
            // A stolen, hour-old session cannot take the account over.
            for body in [#"{"password":"stolen-password"}"#, #"{"email":"thief@reauth.test"}"#] {
                let refused = try await auth.send(.put, "user", json: body, bearer: access)
                #expect(refused.status == .badRequest, "\(body)")
                #expect(refused.code == "reauthentication_needed", "\(body): \(refused.body)")
            }
            let wrongPassword = try await auth.send(
                .put, "user", json: #"{"password":"stolen-password","current_password":"guess"}"#, bearer: access)
            #expect(wrongPassword.code == "current_password_mismatch")
            #expect(try await auth.send(.put, "user", json: #"{"password":"stolen-password","nonce":"123456"}"#, bearer: access).code
                == "reauthentication_not_valid")
            // Metadata needs nothing more.
            #expect(try await auth.send(.put, "user", json: #"{"data":{"a":1}}"#, bearer: access).status == .ok)
            // The current password works.
            let withPassword = try await auth.send(
                .put, "user", json: #"{"password":"second-password","current_password":"secret-password"}"#, bearer: access)
            #expect(withPassword.status == .ok, "\(withPassword.body)")
            // A nonce works once; a wrong guess uses it up.
            #expect(try await auth.send(.get, "reauthenticate", bearer: access).status == .ok)
            let nonce = try #require(try await Self.outbox(app, to: "owner@reauth.test", template: "reauthentication"))
            #expect(nonce.count == 6)
            let withNonce = try await auth.send(.put, "user", json: #"{"password":"third-password","nonce":"\#(nonce)"}"#, bearer: access)
            #expect(withNonce.status == .ok, "\(withNonce.body)")
            #expect(try await auth.send(.put, "user", json: #"{"password":"fourth-password","nonce":"\#(nonce)"}"#, bearer: access).code
                == "reauthentication_not_valid")
            #expect(try await auth.send(.get, "reauthenticate", bearer: access).status == .ok)
            let another = try #require(try await Self.outbox(app, to: "owner@reauth.test", template: "reauthentication"))
            let guess = another == "000000" ? "000001" : "000000"
            #expect(try await auth.send(.put, "user", json: #"{"password":"x-password","nonce":"\#(guess)"}"#, bearer: access).code
                == "reauthentication_not_valid")
            #expect(try await auth.send(.put, "user", json: #"{"password":"x-password","nonce":"\#(another)"}"#, bearer: access).code
                == "reauthentication_not_valid")
            #expect(try await auth.signIn("owner@reauth.test", "third-password").status == .ok)
            // Without a bearer there is nothing to reauthenticate.
            #expect(try await auth.send(.get, "reauthenticate").status == .unauthorized)
        }
    }

    @Test("asking for a taken address is refused as Supabase Auth refuses it, and is rate-limited")
    func takenAddress() async throws {
        // An hour's fixed window, so that the seven requests of a slow run rarely straddle a window's end.
        let app = try await TestApp.make { $0.auth.rateLimitPerAddress = 5; $0.auth.rateLimitWindow = 3600 }
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            _ = try await auth.signUp("taken@change.test")
            let access = try #require(try await auth.signUp("asker@change.test").string("access_token"))
            let taken = try await auth.send(.put, "user", json: #"{"email":"taken@change.test"}"#, bearer: access)
            #expect(taken.code == "email_exists")
            var statuses: [Int] = []
            for n in 0..<6 {
                statuses.append(try await auth.send(.put, "user", json: #"{"email":"probe\#(n)@change.test"}"#, bearer: access).status.code)
            }
            #expect(statuses.contains(429), "\(statuses)")
        }
    }
}
