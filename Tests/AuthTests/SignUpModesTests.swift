import AppConfig
import Foundation
import HTTPTypes
import PostgresNIO
import Testing
import TestSupport
import Tokens

@Suite("Auth: sign-up modes")
struct SignUpModesTests {
    @Test("signing up creates the profile with 3 credits and its ledger row, in the same transaction")
    func profileOnSignUp() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let id = try #require((try await auth.signUp("credits@example.com").json["user"] as? [String: Any])?["id"] as? String)
            let row = try await TestCluster.withConnection(app.database) { connection in
                try await connection.query("""
                    SELECT p.credits, p.subscription_tier, (SELECT count(*)::int FROM public.credit_ledger l WHERE l.user_id = p.id AND l.reason = 'signup_bonus')
                    FROM public.profiles p WHERE p.id = \(UUID(uuidString: id))
                    """, logger: TestCluster.logger).collect().first?.decode((Int, String, Int).self)
            }
            #expect(row?.0 == 3)
            #expect(row?.1 == "FREE")
            #expect(row?.2 == 1)
        }
    }

    @Test("with confirmation required: pending user, no session, sign-in refused until verified, decoy for repeats")
    func confirmationRequired() async throws {
        let app = try await TestApp.make { $0.auth.autoconfirm = false }
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let pending = try await auth.signUp("pending@example.com")
            #expect(pending.status == .ok)
            #expect(pending.json["access_token"] == nil)
            #expect(pending.json["confirmation_sent_at"] is String)
            #expect((pending.json["identities"] as? [Any])?.count == 1)
            let refused = try await auth.signIn("pending@example.com")
            #expect(refused.status == .badRequest)
            #expect(refused.code == "email_not_confirmed")

            // A second sign-up for the address answers a decoy: same shape, no identities.
            let repeatReply = try await auth.signUp("pending@example.com")
            #expect(repeatReply.status == .ok)
            #expect((repeatReply.json["identities"] as? [Any])?.isEmpty == true)
            #expect(repeatReply.string("id") != pending.string("id"))

            let token = try await TestCluster.withConnection(app.database) { connection in
                try await connection.query(
                    "SELECT payload->>'token_hash' FROM auth.mail_outbox WHERE template = 'confirmation'", logger: TestCluster.logger
                ).collect().first?.decode(String.self)
            }
            let verified = try await auth.send(.post, "verify", json: #"{"type":"signup","token_hash":"\#(try #require(token))"}"#)
            #expect(verified.status == .ok)
            let user = verified.json["user"] as? [String: Any]
            #expect(user?["email_confirmed_at"] is String)
            let identity = (user?["identities"] as? [[String: Any]])?.first?["identity_data"] as? [String: Any]
            #expect(identity?["email_verified"] as? Bool == true)
            #expect(try await auth.signIn("pending@example.com").status == .ok)
        }
    }
}
