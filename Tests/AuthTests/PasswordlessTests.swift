import AppConfig
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing
import TestSupport
import Tokens

/// Passwordless email (codes and magic links), resending, invitations and generated links, as
/// Supabase Auth answers them — from the attacker's side too: codes for another address,
/// replayed and expired codes, guessing, links that name a foreign redirect, non-admin callers.
@Suite("Passwordless email, invitations and generated links")
struct PasswordlessTests {
    /// The newest mail of `template` to `recipient`: its code, token hash, link and destination.
    static func mail(_ app: TestApp, to recipient: String, template: String) async throws -> (code: String, hash: String, link: String, redirect: String)? {
        try await TestCluster.withConnection(app.database) { connection in
            let rows = try await connection.query("""
                SELECT payload->>'token', payload->>'token_hash', payload->>'link', payload->>'redirect_to' FROM auth.mail_outbox
                 WHERE recipient = \(recipient) AND template = \(template) ORDER BY created_at DESC, id DESC LIMIT 1
                """, logger: TestCluster.logger)
            for try await (code, hash, link, redirect) in rows.decode((String, String, String?, String?).self) {
                return (code, hash, link ?? "", redirect ?? "")
            }
            return nil
        }
    }

    static func mailCount(_ app: TestApp, to recipient: String) async throws -> Int {
        try await TestCluster.withConnection(app.database) { connection in
            let rows = try await connection.query("SELECT count(*)::int FROM auth.mail_outbox WHERE recipient = \(recipient)", logger: TestCluster.logger)
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }

    static func verify(_ auth: AuthClient, type: String, email: String, code: String) async throws -> AuthClient.Reply {
        try await auth.send(.post, "verify", json: #"{"type":"\#(type)","email":"\#(email)","token":"\#(code)"}"#)
    }

    @Test("sign in with a code: a new address becomes a user, a known one gets a magic link; codes work once, for their own address only")
    func codes() async throws {
        let app = try await TestApp.make {
            $0.publicURL = "https://api.visionary.test"
            $0.redirectAllowList = ["https://app.visionary.test/**"]
        }
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            // A new address: the user is created unconfirmed, with no password, and gets a confirmation code.
            let sent = try await auth.send(.post, "otp?redirect_to=https%3A%2F%2Fapp.visionary.test%2Fwelcome", json: #"{"email":"New@Otp.test","data":{"name":"Nia"}}"#)
            #expect(sent.status == .ok && sent.body == "{}", "\(sent.body)")
            let first = try #require(try await Self.mail(app, to: "new@otp.test", template: "confirmation"))
            #expect(first.code.count == 6 && first.code.allSatisfy(\.isNumber) && first.redirect == "https://app.visionary.test/welcome")
            #expect(first.hash.count == 64 && !first.hash.contains(first.code))
            #expect(try await auth.signIn("new@otp.test", "").status == .badRequest, "no password to sign in with")

            // Another address's code, a wrong code and a hash that is not one are refused.
            _ = try await auth.send(.post, "otp", json: #"{"email":"other@otp.test"}"#)
            let other = try #require(try await Self.mail(app, to: "other@otp.test", template: "confirmation"))
            #expect(try await Self.verify(auth, type: "email", email: "new@otp.test", code: other.code).status == .forbidden)
            #expect(try await Self.verify(auth, type: "email", email: "new@otp.test", code: first.code == "000000" ? "000001" : "000000").status == .forbidden)
            #expect(try await auth.send(.post, "verify", json: #"{"type":"email","token_hash":"\#(String(repeating: "a", count: 64))"}"#).status == .forbidden)

            // The right code: a session, the address confirmed, the user's data kept; then the code is spent.
            let session = try await Self.verify(auth, type: "email", email: "new@otp.test", code: first.code)
            #expect(session.status == .ok && session.string("access_token") != nil, "\(session.body)")
            let user = try #require(session.json["user"] as? [String: Any])
            #expect(user["email_confirmed_at"] is String && (user["user_metadata"] as? [String: Any])?["name"] as? String == "Nia")
            #expect(try await Self.verify(auth, type: "email", email: "new@otp.test", code: first.code).status == .forbidden, "a replay")

            // Now a known, confirmed address: a magic link, redeemed by its link (hash) or code, once.
            #expect(try await auth.send(.post, "otp", json: #"{"email":"new@otp.test","create_user":false}"#).status == .ok)
            let magic = try #require(try await Self.mail(app, to: "new@otp.test", template: "magiclink"))
            #expect(magic.link.hasPrefix("https://api.visionary.test/auth/v1/verify?token=\(magic.hash)&type=magiclink"), "\(magic.link)")
            let byHash = try await auth.send(.post, "verify", json: #"{"type":"magiclink","token_hash":"\#(magic.hash)"}"#)
            #expect(byHash.status == .ok && byHash.string("refresh_token") != nil)
            #expect(try await Self.verify(auth, type: "magiclink", email: "new@otp.test", code: magic.code).status == .forbidden)
            _ = try await auth.send(.post, "otp", json: #"{"email":"new@otp.test"}"#)
            let again = try #require(try await Self.mail(app, to: "new@otp.test", template: "magiclink"))
            #expect(try await Self.verify(auth, type: "email", email: "new@otp.test", code: again.code).status == .ok, "type email takes a magic link's code")
            // A foreign redirect falls back to the public URL.
            _ = try await auth.send(.post, "otp?redirect_to=https%3A%2F%2Fevil.test%2F", json: #"{"email":"new@otp.test"}"#)
            #expect(try await Self.mail(app, to: "new@otp.test", template: "magiclink")?.redirect == "https://api.visionary.test")

            // create_user false for an unknown address: nobody is created, nothing is sent.
            let refused = try await auth.send(.post, "otp", json: #"{"email":"ghost@otp.test","create_user":false}"#)
            #expect(refused.status == .unprocessableContent && refused.body.contains("otp_disabled"), "\(refused.body)")
            #expect(try await Self.mailCount(app, to: "ghost@otp.test") == 0)
            #expect(try await auth.send(.post, "otp", json: #"{"phone":"+15555550100"}"#).status == .badRequest)
            #expect(try await auth.send(.post, "otp", json: #"{"email":"not-an-address"}"#).status == .badRequest)

            // An expired code is refused.
            _ = try await auth.send(.post, "otp", json: #"{"email":"new@otp.test"}"#)
            let stale = try #require(try await Self.mail(app, to: "new@otp.test", template: "magiclink"))
            try await TestCluster.withConnection(app.database) { connection in
                _ = try await connection.query("UPDATE auth.users SET recovery_sent_at = now() - interval '2 days' WHERE email = 'new@otp.test'", logger: TestCluster.logger)
            }
            #expect(try await Self.verify(auth, type: "magiclink", email: "new@otp.test", code: stale.code).status == .forbidden)
        }
    }

    @Test("guessing codes is rate-limited per email, and resending issues a fresh confirmation only where one is pending")
    func guessingAndResend() async throws {
        let app = try await TestApp.make { $0.auth.autoconfirm = false; $0.auth.rateLimitPerEmail = 5; $0.auth.rateLimitWindow = 3600 }
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            #expect(try await auth.signUp("pending@otp.test").status == .ok)
            let first = try #require(try await Self.mail(app, to: "pending@otp.test", template: "confirmation"))
            let resent = try await auth.send(.post, "resend", json: #"{"type":"signup","email":"pending@otp.test"}"#)
            #expect(resent.status == .ok, "\(resent.body)")
            let second = try #require(try await Self.mail(app, to: "pending@otp.test", template: "confirmation"))
            #expect(second.hash != first.hash)
            #expect(try await Self.verify(auth, type: "signup", email: "pending@otp.test", code: first.code).status == .forbidden || first.code == second.code,
                    "the resent code replaces the first")
            // Unknown and confirmed addresses answer the same, and get nothing.
            #expect(try await auth.send(.post, "resend", json: #"{"type":"signup","email":"nobody@otp.test"}"#).status == .ok)
            #expect(try await Self.mailCount(app, to: "nobody@otp.test") == 0)
            #expect(try await auth.send(.post, "resend", json: #"{"type":"sms","phone":"+15555550100"}"#).status == .badRequest)
            #expect(try await auth.send(.post, "resend", json: #"{"type":"nonsense","email":"pending@otp.test"}"#).status == .badRequest)

            // Guesses against one address run out before the million codes do.
            var statuses: [Int] = []
            for guess in 0..<6 {
                statuses.append(try await Self.verify(auth, type: "signup", email: "pending@otp.test", code: String(format: "%06d", guess)).status.code)
            }
            #expect(statuses.last == 429, "\(statuses)")
            #expect(try await Self.verify(auth, type: "signup", email: "pending@otp.test", code: second.code).status == .tooManyRequests,
                    "even the right code waits out the window")
        }
    }

    @Test("invitations and generated links are the service_role's; each redeems once, as its type")
    func invitesAndLinks() async throws {
        let app = try await TestApp.make {
            $0.publicURL = "https://api.visionary.test"
            $0.redirectAllowList = ["https://app.visionary.test/**"]
        }
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let admin = app.keys.serviceRole
            let user = try #require(try await auth.signUp("member@otp.test").string("access_token"))
            // Not for anon or a user.
            #expect(try await auth.send(.post, "invite", json: #"{"email":"guest@otp.test"}"#).status == .unauthorized)
            #expect(try await auth.send(.post, "invite", json: #"{"email":"guest@otp.test"}"#, bearer: user).status == .forbidden)
            #expect(try await auth.send(.post, "admin/generate_link", json: #"{"type":"magiclink","email":"member@otp.test"}"#, bearer: user).status == .forbidden)

            let invited = try await auth.send(.post, "invite?redirect_to=https%3A%2F%2Fapp.visionary.test%2Fjoin", json: #"{"email":"guest@otp.test","data":{"team":"blue"}}"#, bearer: admin)
            #expect(invited.status == .ok && invited.string("invited_at") != nil && invited.string("email") == "guest@otp.test", "\(invited.body)")
            let invitation = try #require(try await Self.mail(app, to: "guest@otp.test", template: "invite"))
            #expect(invitation.redirect == "https://app.visionary.test/join" && invitation.link.contains("type=invite"))
            #expect(try await Self.verify(auth, type: "signup", email: "guest@otp.test", code: invitation.code).status == .forbidden,
                    "a code redeems only as the kind it was sent for")
            #expect(try await Self.verify(auth, type: "invite", email: "guest@otp.test", code: invitation.code).status == .ok, "an invite code confirms the address")
            let confirmedAgain = try await auth.send(.post, "invite", json: #"{"email":"guest@otp.test"}"#, bearer: admin)
            #expect(confirmedAgain.status == .unprocessableContent && confirmedAgain.body.contains("email_exists"))

            // Generated links: answered, not mailed.
            let before = try await Self.mailCount(app, to: "member@otp.test")
            let magic = try await auth.send(.post, "admin/generate_link", json: #"{"type":"magiclink","email":"member@otp.test","redirect_to":"https://app.visionary.test/in"}"#, bearer: admin)
            #expect(magic.status == .ok && magic.string("verification_type") == "magiclink" && magic.string("redirect_to") == "https://app.visionary.test/in", "\(magic.body)")
            #expect(magic.string("email") == "member@otp.test" && magic.string("email_otp")?.count == 6)
            let hashed = try #require(magic.string("hashed_token"))
            #expect(magic.string("action_link") == "https://api.visionary.test/auth/v1/verify?token=\(hashed)&type=magiclink&redirect_to=https%3A%2F%2Fapp.visionary.test%2Fin")
            #expect(try await Self.mailCount(app, to: "member@otp.test") == before)
            #expect(try await auth.send(.post, "verify", json: #"{"type":"magiclink","token_hash":"\#(hashed)"}"#).status == .ok)
            #expect(try await auth.send(.post, "verify", json: #"{"type":"magiclink","token_hash":"\#(hashed)"}"#).status == .forbidden)

            let recovery = try await auth.send(.post, "admin/generate_link", json: #"{"type":"recovery","email":"member@otp.test"}"#, bearer: admin)
            #expect(try await Self.verify(auth, type: "recovery", email: "member@otp.test", code: try #require(recovery.string("email_otp"))).status == .ok)
            #expect(try await auth.send(.post, "admin/generate_link", json: #"{"type":"recovery","email":"ghost@otp.test"}"#, bearer: admin).status == .notFound)
            let signup = try await auth.send(.post, "admin/generate_link", json: #"{"type":"signup","email":"fresh@otp.test","password":"secret-password"}"#, bearer: admin)
            #expect(signup.status == .ok && signup.string("verification_type") == "signup", "\(signup.body)")
            #expect(try await auth.send(.post, "admin/generate_link", json: #"{"type":"signup","email":"member@otp.test","password":"secret-password"}"#, bearer: admin).status == .unprocessableContent)
            #expect(try await auth.send(.post, "admin/generate_link", json: #"{"type":"bogus","email":"member@otp.test"}"#, bearer: admin).status == .badRequest)

            // An email change by links: both sides must confirm, the second opens a session on the new address.
            let current = try await auth.send(.post, "admin/generate_link", json: #"{"type":"email_change_current","email":"member@otp.test","new_email":"moved@otp.test"}"#, bearer: admin)
            let new = try await auth.send(.post, "admin/generate_link", json: #"{"type":"email_change_new","email":"member@otp.test","new_email":"moved@otp.test"}"#, bearer: admin)
            #expect(current.string("verification_type") == "email_change" && new.string("new_email") == "moved@otp.test", "\(new.body)")
            let halfway = try await auth.send(.post, "verify", json: #"{"type":"email_change","token_hash":"\#(try #require(current.string("hashed_token")))"}"#)
            #expect(halfway.status == .ok && halfway.string("msg") != nil, "\(halfway.body)")
            let moved = try await Self.verify(auth, type: "email_change", email: "moved@otp.test", code: try #require(new.string("email_otp")))
            #expect(moved.status == .ok && (moved.json["user"] as? [String: Any])?["email"] as? String == "moved@otp.test", "\(moved.body)")
            #expect(try await auth.send(.post, "admin/generate_link", json: #"{"type":"email_change_new","email":"moved@otp.test","new_email":"guest@otp.test"}"#, bearer: admin).status == .unprocessableContent,
                    "an address another user holds")

            // A banned user redeems no email change, nor has its codes sent again.
            let pendingCurrent = try await auth.send(.post, "admin/generate_link", json: #"{"type":"email_change_current","email":"moved@otp.test","new_email":"gone@otp.test"}"#, bearer: admin)
            let pendingNew = try await auth.send(.post, "admin/generate_link", json: #"{"type":"email_change_new","email":"moved@otp.test","new_email":"gone@otp.test"}"#, bearer: admin)
            let movedID = try #require(pendingNew.string("id"))
            #expect(try await auth.send(.put, "admin/users/\(movedID)", json: #"{"ban_duration":"24h"}"#, bearer: admin).status == .ok)
            #expect(try await auth.send(.post, "verify", json: #"{"type":"email_change","token_hash":"\#(try #require(pendingCurrent.string("hashed_token")))"}"#).status == .forbidden)
            #expect(try await auth.send(.post, "verify", json: #"{"type":"email_change","token_hash":"\#(try #require(pendingNew.string("hashed_token")))"}"#).status == .forbidden)
            let mailsBefore = try await Self.mailCount(app, to: "gone@otp.test")
            #expect(try await auth.send(.post, "resend", json: #"{"type":"email_change","email":"moved@otp.test"}"#).status == .ok)
            #expect(try await Self.mailCount(app, to: "gone@otp.test") == mailsBefore)
        }
    }

    @Test("an address someone registered in advance with a password of their own: its owner's code takes it over and the password goes")
    func preRegisteredAddress() async throws {
        let app = try await TestApp.make { $0.auth.autoconfirm = false }
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            // The attacker signs up the victim's address with a password of their choosing; it stays unconfirmed.
            #expect(try await auth.signUp("victim@otp.test", "attacker-password").status == .ok)
            // The victim signs in with a code: a magic link, since the address is known.
            #expect(try await auth.send(.post, "otp", json: #"{"email":"victim@otp.test"}"#).status == .ok)
            let magic = try #require(try await Self.mail(app, to: "victim@otp.test", template: "magiclink"))
            #expect(try await Self.verify(auth, type: "email", email: "victim@otp.test", code: magic.code).status == .ok)
            // The attacker's password no longer opens the (now confirmed) account.
            let attacker = try await auth.signIn("victim@otp.test", "attacker-password")
            #expect(attacker.status == .badRequest && attacker.body.contains("invalid_credentials"), "\(attacker.body)")

            // The sign-up's own confirmation keeps the password of whoever signed up and confirmed.
            #expect(try await auth.signUp("owner@otp.test", "owner-password").status == .ok)
            let confirmation = try #require(try await Self.mail(app, to: "owner@otp.test", template: "confirmation"))
            #expect(try await Self.verify(auth, type: "signup", email: "owner@otp.test", code: confirmation.code).status == .ok)
            #expect(try await auth.signIn("owner@otp.test", "owner-password").status == .ok)
        }
    }

    @Test("a day's tries per email are capped, whatever the windows allow")
    func dailyCap() async throws {
        let app = try await TestApp.make { $0.auth.rateLimitPerEmail = 1000; $0.auth.rateLimitPerAddress = 1000 }
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            _ = try await auth.send(.post, "otp", json: #"{"email":"patient@otp.test"}"#)
            let code = try #require(try await Self.mail(app, to: "patient@otp.test", template: "confirmation")).code
            var statuses: [Int] = []
            var guess = 0
            while statuses.count < 31 {
                let attempt = String(format: "%06d", guess)
                guess += 1
                if attempt == code { continue }
                statuses.append(try await Self.verify(auth, type: "email", email: "patient@otp.test", code: attempt).status.code)
            }
            #expect(statuses.prefix(30).allSatisfy { $0 == 403 } && statuses.last == 429, "\(statuses)")
        }
    }
}
