import Core
import Database
import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

@Suite("partner-collaboration")
struct PartnerCollaborationTests {
    /// Alice invites Bob; Bob accepts. Returns the invitation code.
    static func connect(_ alice: TestUser, _ bob: TestUser) async throws -> String {
        let invitation = try await alice.functions.call("partner-collaboration", "invite", json(["email": bob.email]))
        let code = try #require(invitation.object["invite_code"] as? String, "\(invitation.body)")
        let accepted = try await bob.functions.call("partner-collaboration", "accept", json(["code": code]))
        #expect(accepted.status == .ok, "\(accepted.body)")
        return code
    }

    @Test("invite, pending, accept, status, shared goals, progress, feed, unlink")
    func lifecycle() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@partners.test")
            let bob = try await signUp(client, app: app, email: "bob@partners.test")
            let invited = try await alice.functions.call("partner-collaboration", "invite", json(["email": " Bob@Partners.test ", "message": "let's do this"]))
            #expect(invited.status == .created, "\(invited.body)")
            let code = try #require(invited.object["invite_code"] as? String)
            #expect(code.count == 64)
            #expect(invited.object["invitee_email"] as? String == bob.email)
            let mail = try await app.owner.text(SQLStatement(
                "SELECT payload->>'invite_code' FROM auth.mail_outbox WHERE recipient = $1 AND template = 'partner_invitation'", [.text(bob.email)]))
            #expect(mail == code, "the invitation mail is queued with the code")

            let received = try await bob.functions.call("partner-collaboration", "pending")
            #expect((received.object["received"] as? [[String: Any]])?.first?["inviter_email"] as? String == alice.email)
            #expect((try await alice.functions.call("partner-collaboration", "pending").object["sent"] as? [[String: Any]])?.count == 1)
            #expect(try await alice.functions.call("partner-collaboration", "status").object["connected"] as? Bool == false)

            let accepted = try await bob.functions.call("partner-collaboration", "accept", json(["code": code]))
            #expect(accepted.status == .ok, "\(accepted.body)")
            #expect((accepted.object["connection"] as? [String: Any])?["partner_email"] as? String == alice.email)
            let status = try await alice.functions.call("partner-collaboration", "status")
            #expect(status.object["connected"] as? Bool == true)
            #expect((status.object["connection"] as? [String: Any])?["partner_id"] as? String == bob.id)
            #expect(status.object["pending_sent"] as? Int == 0)

            let goal = try await alice.functions.call("partner-collaboration", "shared_goals",
                                                      json(["op": "create", "title": "Run 10 km", "target_value": 10, "unit": "km", "category": "health"]))
            #expect(goal.status == .created, "\(goal.body)")
            let goalID = try #require(goal.object["id"] as? String)
            let step = try await bob.functions.call("partner-collaboration", "shared_goals", json(["op": "update", "goal_id": goalID, "increment": 4]))
            #expect(step.object["status"] as? String == "active", "\(step.body)")
            #expect(step.object["progress"] as? Double == 40.0)
            let done = try await alice.functions.call("partner-collaboration", "shared_goals", json(["op": "update", "goal_id": goalID, "increment": 6.5]))
            #expect(done.object["status"] as? String == "completed", "\(done.body)")
            #expect(done.object["completed_at"] is String)
            #expect(try await bob.functions.call("partner-collaboration", "shared_goals").array.count == 1)
            #expect(try await bob.functions.send(.get, "partner-collaboration?action=shared_goals&status=active").array.isEmpty)

            // Bob's habits: Alice sees a summary, never the titles.
            let habit = try #require(try await bob.functions.call("habit-service", "create", #"{"title":"secret diary"}"#).object["id"] as? String)
            _ = try await bob.functions.call("habit-service", "complete", json(["habit_id": habit]))
            let progress = try await alice.functions.call("partner-collaboration", "partner_progress")
            #expect(progress.status == .ok, "\(progress.body)")
            let summary = progress.object["progress"] as? [String: Any] ?? [:]
            #expect(summary["active_habits"] as? Int == 1)
            #expect(summary["done_today"] as? Int == 1)
            #expect(summary["best_current_streak"] as? Int == 1)
            #expect(!progress.body.contains("secret diary"))
            #expect(!progress.body.contains(habit))

            let feed = try await alice.functions.call("partner-collaboration", "feed")
            let types = Set(feed.array.compactMap { $0["type"] as? String })
            #expect(types == ["connected", "goal_created", "goal_completed", "habits_completed"], "\(feed.body)")
            #expect(!feed.body.contains("secret diary"))

            let unlinked = try await bob.functions.call("partner-collaboration", "unlink")
            #expect(unlinked.object["unlinked"] as? Bool == true, "\(unlinked.body)")
            #expect(try await alice.functions.call("partner-collaboration", "status").object["connected"] as? Bool == false)
            #expect(try await alice.functions.call("partner-collaboration", "shared_goals").array.isEmpty)
            #expect(try await alice.functions.call("partner-collaboration", "partner_progress").status == .notFound)
            #expect(try await alice.functions.call("partner-collaboration", "unlink").status == .notFound)

            // A new invitation revives the pair's partnership.
            _ = try await Self.connect(bob, alice)
            #expect(try await alice.functions.call("partner-collaboration", "status").object["connected"] as? Bool == true)
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM partner_connections")) == "1")
        }
    }

    @Test("validation: bad input is 400; inviting oneself or twice is refused; declining")
    func validation() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@v-partners.test")
            let bob = try await signUp(client, app: app, email: "bob@v-partners.test")
            for (action, body) in [
                ("invite", "{}"), ("invite", #"{"email":"not-an-address"}"#), ("invite", #"{"email":"x@y.z","expires_in_days":31}"#),
                ("accept", "{}"), ("decline", "{}"), ("shared_goals", #"{"op":"fly"}"#), ("shared_goals", #"{"op":"create"}"#),
                ("shared_goals", #"{"op":"create","title":"x","category":"pets"}"#), ("shared_goals", #"{"op":"update"}"#),
                ("shared_goals", json(["op": "update", "goal_id": UUID().uuidString, "status": "completed"])),
                ("shared_goals", json(["op": "create", "title": "x", "target_value": "lots"])), ("feed", #"{"limit":0}"#),
            ] {
                let reply = try await alice.functions.call("partner-collaboration", action, body)
                #expect(reply.status == .badRequest, "\(action) \(body): \(reply.status) \(reply.body)")
            }
            #expect(try await alice.functions.call("partner-collaboration", "invite", json(["email": alice.email])).status == .unprocessableContent)
            #expect(try await alice.functions.call("partner-collaboration", "invite", json(["email": bob.email])).status == .created)
            #expect(try await alice.functions.call("partner-collaboration", "invite", json(["email": bob.email])).status == .conflict)
            #expect(try await alice.functions.call("partner-collaboration", "shared_goals", json(["op": "create", "title": "x"])).status == .notFound,
                    "no partner yet")

            let code = try #require((try await bob.functions.call("partner-collaboration", "pending").object["received"] as? [[String: Any]])?.first?["invite_code"] as? String)
            #expect(try await alice.functions.call("partner-collaboration", "decline", json(["code": code])).status == .forbidden, "not one's own")
            #expect(try await bob.functions.call("partner-collaboration", "decline", json(["code": code])).status == .ok)
            #expect(try await bob.functions.call("partner-collaboration", "decline", json(["code": code])).status == .unprocessableContent)
            #expect(try await bob.functions.call("partner-collaboration", "accept", json(["code": code])).status == .unprocessableContent)
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM partner_connections")) == "0")
        }
    }

    @Test("the attacker's side: guessed, own, expired, reused and other people's codes; stale and unconfirmed addresses; other people's partnerships and goals")
    func attacker() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@a-partners.test")
            let bob = try await signUp(client, app: app, email: "bob@a-partners.test")
            let mallory = try await signUp(client, app: app, email: "mallory@a-partners.test")
            let own = try #require(try await alice.functions.call("partner-collaboration", "invite", json(["email": bob.email])).object["invite_code"] as? String)
            #expect(try await alice.functions.call("partner-collaboration", "accept", json(["code": own])).status == .forbidden)
            #expect(try await mallory.functions.call("partner-collaboration", "accept", json(["code": String(repeating: "a", count: 64)])).status == .notFound)
            #expect((try await mallory.functions.call("partner-collaboration", "pending").object["received"] as? [Any])?.isEmpty == true)

            // The code is not enough: mallory, holding bob's code, neither accepts nor declines it.
            let notHers = try await mallory.functions.call("partner-collaboration", "accept", json(["code": own]))
            #expect(notHers.status == .forbidden, "\(notHers.body)")
            #expect(notHers.error?.contains("another email address") == true)
            #expect(try await mallory.functions.call("partner-collaboration", "decline", json(["code": own])).status == .forbidden)

            let carol = try await signUp(client, app: app, email: "carol@a-partners.test")
            let expiring = try #require(try await alice.functions.call("partner-collaboration", "invite", json(["email": carol.email])).object["invite_code"] as? String)
            try await app.owner.execute(SQLStatement("UPDATE partner_invitations SET expires_at = now() - interval '1 minute' WHERE invite_code = $1", [.text(expiring)]))
            #expect(try await mallory.functions.call("partner-collaboration", "accept", json(["code": expiring])).status == .forbidden)
            let expired = try await carol.functions.call("partner-collaboration", "accept", json(["code": expiring]))
            #expect(expired.status == .unprocessableContent)
            #expect(expired.error?.contains("expired") == true)

            // A token naming an address its account no longer has (changed since the token was
            // issued) receives nothing sent to that address, and cannot accept it.
            let dave = try await signUp(client, app: app, email: "dave@a-partners.test")
            try await app.owner.execute(SQLStatement("UPDATE auth.users SET email = 'dave.new@a-partners.test' WHERE id = $1::uuid", [.text(dave.id)]))
            let toOld = try #require(try await alice.functions.call("partner-collaboration", "invite", json(["email": dave.email])).object["invite_code"] as? String)
            #expect((try await dave.functions.call("partner-collaboration", "pending").object["received"] as? [Any])?.isEmpty == true)
            #expect(try await dave.functions.call("partner-collaboration", "status").object["pending_received"] as? Int == 0)
            #expect(try await dave.functions.call("partner-collaboration", "accept", json(["code": toOld])).status == .forbidden)
            // Nor does an account whose address is unconfirmed.
            try await app.owner.execute(SQLStatement("UPDATE auth.users SET email_confirmed_at = NULL WHERE id = $1::uuid", [.text(bob.id)]))
            #expect((try await bob.functions.call("partner-collaboration", "pending").object["received"] as? [Any])?.isEmpty == true)
            #expect(try await bob.functions.call("partner-collaboration", "accept", json(["code": own])).status == .forbidden)
            try await app.owner.execute(SQLStatement("UPDATE auth.users SET email_confirmed_at = now() WHERE id = $1::uuid", [.text(bob.id)]))
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM partner_connections")) == "0", "every refusal changed nothing")

            #expect(try await bob.functions.call("partner-collaboration", "accept", json(["code": own])).status == .ok)
            let reused = try await bob.functions.call("partner-collaboration", "accept", json(["code": own]))
            #expect(reused.status == .unprocessableContent)
            #expect(reused.error?.contains("no longer pending") == true)
            #expect(try await mallory.functions.call("partner-collaboration", "accept", json(["code": own])).status == .forbidden)

            let connection = try #require((try await alice.functions.call("partner-collaboration", "status").object["connection"] as? [String: Any])?["id"] as? String)
            let goal = try #require(try await alice.functions.call("partner-collaboration", "shared_goals", json(["op": "create", "title": "save"])).object["id"] as? String)
            #expect(try await mallory.functions.call("partner-collaboration", "unlink", json(["connection_id": connection])).status == .notFound)
            #expect(try await mallory.functions.call("partner-collaboration", "shared_goals", json(["op": "update", "goal_id": goal, "increment": 100])).status == .notFound)
            #expect(try await mallory.functions.call("partner-collaboration", "shared_goals",
                                                     json(["op": "create", "title": "spam", "connection_id": connection])).status == .forbidden)
            #expect(try await mallory.functions.call("partner-collaboration", "shared_goals").array.isEmpty)
            #expect(try await mallory.functions.call("partner-collaboration", "partner_progress").status == .notFound)
            #expect(try await mallory.functions.call("partner-collaboration", "feed").status == .notFound)
            #expect(try await alice.functions.call("partner-collaboration", "status").object["connected"] as? Bool == true)
            #expect(try await FunctionsClient(client: client, apiKey: app.keys.anon).call("partner-collaboration", "status").status == .unauthorized)
        }
    }

    @Test("concurrency: one invitation accepted twice at once (and by an impostor), crossed invitations accepted at once, both partners unlinking at once")
    func concurrency() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@c-partners.test")
            let bob = try await signUp(client, app: app, email: "bob@c-partners.test")
            let carol = try await signUp(client, app: app, email: "carol@c-partners.test")

            // The same invitation accepted twice at once by the invitee, and by someone else holding
            // the code: one partnership.
            let code = try #require(try await alice.functions.call("partner-collaboration", "invite", json(["email": bob.email])).object["invite_code"] as? String)
            async let first = bob.functions.concurrent.call("partner-collaboration", "accept", json(["code": code]))
            async let second = bob.functions.concurrent.call("partner-collaboration", "accept", json(["code": code]))
            async let impostor = carol.functions.concurrent.call("partner-collaboration", "accept", json(["code": code]))
            let statuses = try await [first.status, second.status]
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .unprocessableContent }.count == 1, "\(statuses)")
            #expect(try await impostor.status == .forbidden)
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM partner_connections")) == "1")

            // Both partners unlink at once: ended once, both answers fine.
            async let unlinkA = alice.functions.concurrent.call("partner-collaboration", "unlink")
            async let unlinkB = bob.functions.concurrent.call("partner-collaboration", "unlink")
            let unlinks = try await [unlinkA, unlinkB]
            #expect(unlinks.allSatisfy { $0.status == .ok || $0.status == .notFound }, "\(unlinks.map(\.body))")
            #expect(unlinks.filter { $0.object["unlinked"] as? Bool == true }.count == 1, "\(unlinks.map(\.body))")
            #expect(try await app.owner.text(SQLStatement("SELECT string_agg(status, ',') FROM partner_connections")) == "ended")

            // Crossed invitations between the same two people accepted at once: one partnership.
            let toBob = try #require(try await alice.functions.call("partner-collaboration", "invite", json(["email": bob.email])).object["invite_code"] as? String)
            let toAlice = try #require(try await bob.functions.call("partner-collaboration", "invite", json(["email": alice.email])).object["invite_code"] as? String)
            async let acceptA = bob.functions.concurrent.call("partner-collaboration", "accept", json(["code": toBob]))
            async let acceptB = alice.functions.concurrent.call("partner-collaboration", "accept", json(["code": toAlice]))
            let crossed = try await [acceptA.status, acceptB.status]
            #expect(crossed.filter { $0 == .ok }.count == 1, "\(crossed)")
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM partner_connections WHERE status = 'active'")) == "1")
        }
    }
}
