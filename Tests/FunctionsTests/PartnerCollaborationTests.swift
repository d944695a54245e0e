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
        let code = try await invite(alice, bob.email)
        let accepted = try await bob.functions.call("partner-collaboration", "accept", json(["inviteCode": code]))
        #expect(accepted.status == .ok, "\(accepted.body)")
        return code
    }

    /// The code of a new invitation from `inviter` to `email`.
    static func invite(_ inviter: TestUser, _ email: String) async throws -> String {
        let invited = try await inviter.functions.call("partner-collaboration", "invite", json(["partnerEmail": email]))
        return try #require((invited.object["invitation"] as? [String: Any])?["inviteCode"] as? String, "\(invited.body)")
    }

    static func count(_ app: TestApp, _ sql: String) async throws -> String? {
        try await app.owner.text(SQLStatement(sql))
    }

    @Test("invite, pending, accept, status, shared goals, progress, feed, unlink — in the app's fields")
    func lifecycle() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@partners.test")
            let bob = try await signUp(client, app: app, email: "bob@partners.test")
            let invited = try await alice.functions.call("partner-collaboration", "invite", json(["partnerEmail": " Bob@Partners.test ", "message": "let's do this"]))
            #expect(invited.status == .created, "\(invited.body)")
            let invitation = invited.object["invitation"] as? [String: Any] ?? [:]
            let code = try #require(invitation["inviteCode"] as? String)
            #expect(!code.isEmpty && code.count <= 64)
            #expect(invitation["partnerEmail"] as? String == bob.email)
            #expect(invitation["expiresAt"] is String)
            let mail = try await app.owner.text(SQLStatement(
                "SELECT payload->>'invite_code' FROM auth.mail_outbox WHERE recipient = $1 AND template = 'partner_invitation'", [.text(bob.email)]))
            #expect(mail == code, "the invitation mail is queued with the code")

            let received = (try await bob.functions.call("partner-collaboration", "pending").object["received"] as? [[String: Any]])?.first ?? [:]
            #expect(received["inviter_email"] as? String == alice.email)
            #expect((received["profiles"] as? [String: Any])?["names"] as? String == alice.email, "the app shows who invites")
            #expect(received["invite_code"] as? String == code)
            #expect((try await alice.functions.call("partner-collaboration", "pending").object["sent"] as? [[String: Any]])?.first?["invitee_email"] as? String == bob.email)
            let alone = try await alice.functions.call("partner-collaboration", "status")
            #expect(alone.object["hasPartner"] as? Bool == false && alone.object["partner"] is NSNull, "\(alone.body)")
            #expect((alone.object["sent"] as? [Any])?.count == 1)

            let accepted = try await bob.functions.call("partner-collaboration", "accept", json(["inviteCode": code]))
            #expect(accepted.status == .ok, "\(accepted.body)")
            #expect((accepted.object["connection"] as? [String: Any])?["partnerId"] as? String == alice.id)
            let status = try await alice.functions.call("partner-collaboration", "status")
            #expect(status.object["hasPartner"] as? Bool == true)
            #expect(status.object["connectedAt"] is String)
            let partner = status.object["partner"] as? [String: Any] ?? [:]
            #expect(partner["id"] as? String == bob.id && partner["name"] as? String == bob.email, "\(status.body)")
            #expect(status.object["pendingSent"] as? Int == 0)

            let created = try await alice.functions.call("partner-collaboration", "shared_goals",
                                                         json(["title": "Run 10 km", "targetValue": 10, "unit": "km", "category": "health", "targetDate": "2030-01-31"]))
            #expect(created.status == .created, "\(created.body)")
            let goal = created.object["goal"] as? [String: Any] ?? [:]
            let goalID = try #require(goal["id"] as? String)
            #expect(goal["target_date"] as? String == "2030-01-31" && goal["created_by"] as? String == alice.id)
            let step = try await bob.functions.call("partner-collaboration", "shared_goals", json(["goalId": goalID, "increment": 4])).object["goal"] as? [String: Any] ?? [:]
            #expect(step["status"] as? String == "active")
            #expect(step["progress"] as? Double == 40.0)
            let done = try await alice.functions.call("partner-collaboration", "shared_goals", json(["goalId": goalID, "increment": 6.5])).object["goal"] as? [String: Any] ?? [:]
            #expect(done["status"] as? String == "completed")
            #expect(done["completed_at"] is String)
            let goals = try await bob.functions.call("partner-collaboration", "shared_goals")
            #expect((goals.object["goals"] as? [[String: Any]])?.map { $0["title"] as? String } == ["Run 10 km"])
            #expect(goals.object["connectionId"] as? String == status.object["connectionId"] as? String)
            #expect((try await bob.functions.send(.get, "partner-collaboration?action=shared_goals&status=active").object["goals"] as? [Any])?.isEmpty == true)

            // Bob's habits: Alice sees a summary, never the titles.
            let habit = try #require(try await app.owner.text(SQLStatement(
                "INSERT INTO habits (user_id, title) VALUES ($1::uuid, 'secret diary') RETURNING id::text", [.text(bob.id)])))
            try await app.owner.execute(SQLStatement(
                "INSERT INTO habit_completions (habit_id, user_id, completed_on) VALUES ($1::uuid, $2::uuid, (now() AT TIME ZONE 'UTC')::date)",
                [.text(habit), .text(bob.id)]))
            let progress = try await alice.functions.call("partner-collaboration", "partner_progress")
            #expect(progress.status == .ok, "\(progress.body)")
            let summary = progress.object["partner"] as? [String: Any] ?? [:]
            #expect((summary["stats"] as? [String: Any])?["activeHabits"] as? Int == 1)
            let today = summary["todayProgress"] as? [String: Any] ?? [:]
            #expect(today["completed"] as? Int == 1 && today["total"] as? Int == 1 && today["percentage"] as? Int == 100, "\(progress.body)")
            #expect((summary["progress"] as? [String: Any])?["best_current_streak"] as? Int == 1)
            #expect((summary["habits"] as? [Any])?.isEmpty == true)
            #expect(!progress.body.contains("secret diary"))
            #expect(!progress.body.contains(habit))

            let feed = try await alice.functions.call("partner-collaboration", "feed").object["feed"] as? [[String: Any]] ?? []
            #expect(Set(feed.compactMap { $0["type"] as? String }) == ["connected", "goal_created", "goal_completed", "habit_completion"], "\(feed)")
            let completion = feed.first { $0["type"] as? String == "habit_completion" } ?? [:]
            #expect(completion["isPartner"] as? Bool == true && completion["userId"] as? String == bob.id && completion["title"] as? String == "1 habit")
            #expect(feed.allSatisfy { $0["timestamp"] is String })
            let goalCreated = feed.first { $0["type"] as? String == "goal_created" } ?? [:]
            #expect(goalCreated["isPartner"] as? Bool == false && goalCreated["title"] as? String == "Run 10 km")
            #expect(!String(describing: feed).contains("secret diary"))

            // The app asks for progress, goals and feed with an empty body and no action: the
            // default answer carries all of them.
            let dashboard = try await alice.functions.call("partner-collaboration", nil, "{}")
            #expect(dashboard.object["hasPartner"] as? Bool == true)
            #expect(((dashboard.object["partner"] as? [String: Any])?["todayProgress"] as? [String: Any])?["completed"] as? Int == 1)
            #expect((dashboard.object["goals"] as? [Any])?.count == 1)
            #expect((dashboard.object["feed"] as? [Any])?.count == feed.count)

            let unlinked = try await bob.functions.call("partner-collaboration", "unlink")
            #expect(unlinked.object["unlinked"] as? Bool == true, "\(unlinked.body)")
            #expect(try await alice.functions.call("partner-collaboration", "status").object["hasPartner"] as? Bool == false)
            #expect((try await alice.functions.call("partner-collaboration", "shared_goals").object["goals"] as? [Any])?.isEmpty == true)
            let gone = try await alice.functions.call("partner-collaboration", "partner_progress")
            #expect(gone.status == .ok && gone.object["partner"] is NSNull, "\(gone.body)")
            #expect((try await alice.functions.call("partner-collaboration", "feed").object["feed"] as? [Any])?.isEmpty == true)
            #expect(try await alice.functions.call("partner-collaboration", "unlink").status == .notFound)

            // A new invitation revives the pair's partnership.
            _ = try await Self.connect(bob, alice)
            #expect(try await alice.functions.call("partner-collaboration", "status").object["hasPartner"] as? Bool == true)
            #expect(try await Self.count(app, "SELECT count(*)::text FROM partner_connections") == "1")
        }
    }

    @Test("no action named: partnerEmail invites, title creates a goal; an empty, ambiguous or bare inviteCode body answers status and changes nothing")
    func inference() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@i-partners.test")
            let bob = try await signUp(client, app: app, email: "bob@i-partners.test")
            let invited = try await alice.functions.call("partner-collaboration", nil, json(["partnerEmail": bob.email, "message": "hi"]))
            #expect(invited.status == .created, "\(invited.body)")
            let code = try #require((invited.object["invitation"] as? [String: Any])?["inviteCode"] as? String)

            for body in [json(["inviteCode": code]), "{}", "", json(["partnerEmail": "carol@i-partners.test", "title": "x"]),
                         json(["title": "x", "inviteCode": code]), json(["goalId": UUID().uuidString, "increment": 1])] {
                let reply = try await bob.functions.call("partner-collaboration", nil, body.isEmpty ? nil : body)
                #expect(reply.status == .ok && reply.object["hasPartner"] as? Bool == false, "\(body): \(reply.body)")
                #expect((reply.object["received"] as? [Any])?.count == 1, "\(body): the status answer")
            }
            #expect(try await Self.count(app, "SELECT count(*)::text FROM partner_connections") == "0", "a bare code accepts nothing")
            #expect(try await Self.count(app, "SELECT string_agg(status, ',') FROM partner_invitations") == "pending", "nor declines")
            #expect(try await Self.count(app, "SELECT count(*)::text FROM shared_goals") == "0")

            #expect(try await alice.functions.call("partner-collaboration", nil, json(["title": "Save"])).status == .notFound, "no partner yet")
            _ = try await bob.functions.call("partner-collaboration", "accept", json(["inviteCode": code]))
            let goal = try await alice.functions.call("partner-collaboration", nil, json(["title": "Save", "description": "", "category": "financial", "targetValue": 500]))
            #expect(goal.status == .created && (goal.object["goal"] as? [String: Any])?["category"] as? String == "financial", "\(goal.body)")
            // The action in the body or the query wins over what the body suggests.
            let named = try await alice.functions.call("partner-collaboration", "status", json(["partnerEmail": "dan@i-partners.test"]))
            #expect(named.object["hasPartner"] as? Bool == true)
            #expect(try await Self.count(app, "SELECT count(*)::text FROM partner_invitations") == "1")
        }
    }

    @Test("validation: bad input is 400; inviting oneself or twice is refused; declining")
    func validation() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@v-partners.test")
            let bob = try await signUp(client, app: app, email: "bob@v-partners.test")
            for (action, body) in [
                ("invite", "{}"), ("invite", #"{"partnerEmail":"not-an-address"}"#), ("invite", #"{"partnerEmail":7}"#),
                ("invite", #"{"partnerEmail":"x@y.z","expiresInDays":31}"#), ("invite", #"{"partnerEmail":"x@y.z","expiresInDays":1.5}"#),
                ("accept", "{}"), ("accept", #"{"inviteCode":"   "}"#), ("accept", json(["inviteCode": String(repeating: "A", count: 65)])),
                ("accept", #"{"inviteCode":12345678}"#), ("decline", "{}"),
                ("shared_goals", #"{"title":""}"#), ("shared_goals", #"{"title":"x","category":"pets"}"#),
                ("shared_goals", #"{"goalId":"nope"}"#), ("shared_goals", #"{"status":"lost"}"#),
                ("shared_goals", json(["goalId": UUID().uuidString, "status": "completed"])),
                ("shared_goals", json(["title": "x", "targetValue": "lots"])), ("shared_goals", json(["title": "x", "targetValue": -1])),
                ("shared_goals", json(["title": "x", "targetDate": "tomorrow"])), ("shared_goals", json(["goalId": UUID().uuidString, "increment": 1e11])),
                ("feed", #"{"limit":0}"#), ("feed", #"{"limit":101}"#), ("unlink", #"{"connectionId":"x"}"#), ("fly", "{}"),
            ] {
                let reply = try await alice.functions.call("partner-collaboration", action, body)
                #expect(reply.status == .badRequest, "\(action) \(body): \(reply.status) \(reply.body)")
                #expect(reply.error?.isEmpty == false, "the function's error envelope")
            }
            #expect(try await alice.functions.call("partner-collaboration", "invite", json(["partnerEmail": alice.email])).status == .unprocessableContent)
            #expect(try await alice.functions.call("partner-collaboration", "invite", json(["partnerEmail": bob.email])).status == .created)
            #expect(try await alice.functions.call("partner-collaboration", "invite", json(["partnerEmail": bob.email])).status == .conflict)
            #expect(try await alice.functions.call("partner-collaboration", "shared_goals", json(["title": "x"])).status == .notFound, "no partner yet")

            let code = try #require((try await bob.functions.call("partner-collaboration", "pending").object["received"] as? [[String: Any]])?.first?["invite_code"] as? String)
            #expect(try await alice.functions.call("partner-collaboration", "decline", json(["inviteCode": code])).status == .forbidden, "not one's own")
            let declined = try await bob.functions.call("partner-collaboration", "decline", json(["inviteCode": code]))
            #expect(declined.status == .ok && declined.object["declined"] as? Bool == true, "\(declined.body)")
            #expect(try await bob.functions.call("partner-collaboration", "decline", json(["inviteCode": code])).status == .unprocessableContent)
            #expect(try await bob.functions.call("partner-collaboration", "accept", json(["inviteCode": code])).status == .unprocessableContent)
            #expect(try await Self.count(app, "SELECT count(*)::text FROM partner_connections") == "0")
        }
    }

    @Test("the attacker's side: guessed, own, expired, reused and other people's codes; stale and unconfirmed addresses; a userId in the body; other people's partnerships and goals")
    func attacker() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@a-partners.test")
            let bob = try await signUp(client, app: app, email: "bob@a-partners.test")
            let mallory = try await signUp(client, app: app, email: "mallory@a-partners.test")
            let own = try await Self.invite(alice, bob.email)
            #expect(try await alice.functions.call("partner-collaboration", "accept", json(["inviteCode": own])).status == .forbidden)
            #expect(try await mallory.functions.call("partner-collaboration", "accept", json(["inviteCode": "ZZZZ9999"])).status == .notFound)
            #expect((try await mallory.functions.call("partner-collaboration", "pending").object["received"] as? [Any])?.isEmpty == true)

            // The code is not enough: mallory, holding bob's code, neither accepts nor declines it.
            let notHers = try await mallory.functions.call("partner-collaboration", "accept", json(["inviteCode": own]))
            #expect(notHers.status == .forbidden, "\(notHers.body)")
            #expect(notHers.error?.contains("another email address") == true)
            #expect(try await mallory.functions.call("partner-collaboration", "decline", json(["inviteCode": own])).status == .forbidden)

            let carol = try await signUp(client, app: app, email: "carol@a-partners.test")
            let expiring = try await Self.invite(alice, carol.email)
            try await app.owner.execute(SQLStatement("UPDATE partner_invitations SET expires_at = now() - interval '1 minute' WHERE invite_code = $1", [.text(expiring)]))
            #expect(try await mallory.functions.call("partner-collaboration", "accept", json(["inviteCode": expiring])).status == .forbidden)
            let expired = try await carol.functions.call("partner-collaboration", "accept", json(["inviteCode": expiring]))
            #expect(expired.status == .unprocessableContent)
            #expect(expired.error?.contains("expired") == true)

            // A token naming an address its account no longer has (changed since the token was
            // issued) receives nothing sent to that address, and cannot accept it.
            let dave = try await signUp(client, app: app, email: "dave@a-partners.test")
            try await app.owner.execute(SQLStatement("UPDATE auth.users SET email = 'dave.new@a-partners.test' WHERE id = $1::uuid", [.text(dave.id)]))
            let toOld = try await Self.invite(alice, dave.email)
            #expect((try await dave.functions.call("partner-collaboration", "pending").object["received"] as? [Any])?.isEmpty == true)
            #expect(try await dave.functions.call("partner-collaboration", "status").object["pendingReceived"] as? Int == 0)
            #expect(try await dave.functions.call("partner-collaboration", "accept", json(["inviteCode": toOld])).status == .forbidden)
            // Nor does an account whose address is unconfirmed.
            try await app.owner.execute(SQLStatement("UPDATE auth.users SET email_confirmed_at = NULL WHERE id = $1::uuid", [.text(bob.id)]))
            #expect((try await bob.functions.call("partner-collaboration", "pending").object["received"] as? [Any])?.isEmpty == true)
            #expect(try await bob.functions.call("partner-collaboration", "accept", json(["inviteCode": own])).status == .forbidden)
            try await app.owner.execute(SQLStatement("UPDATE auth.users SET email_confirmed_at = now() WHERE id = $1::uuid", [.text(bob.id)]))
            #expect(try await Self.count(app, "SELECT count(*)::text FROM partner_connections") == "0", "every refusal changed nothing")

            #expect(try await bob.functions.call("partner-collaboration", "accept", json(["inviteCode": own])).status == .ok)
            let reused = try await bob.functions.call("partner-collaboration", "accept", json(["inviteCode": own]))
            #expect(reused.status == .unprocessableContent)
            #expect(reused.error?.contains("no longer pending") == true)
            #expect(try await mallory.functions.call("partner-collaboration", "accept", json(["inviteCode": own])).status == .forbidden)

            // A userId in the body names nobody: mallory still sees only her own (empty) world.
            for action in ["status", "partner_progress", "feed", "shared_goals", "pending"] {
                let reply = try await mallory.functions.call("partner-collaboration", action, json(["userId": alice.id]))
                #expect(reply.status == .ok, "\(action): \(reply.body)")
                #expect(!reply.body.contains(alice.id) && !reply.body.contains(bob.id), "\(action): \(reply.body)")
            }
            let connection = try #require(try await alice.functions.call("partner-collaboration", "status").object["connectionId"] as? String)
            let goal = try #require((try await alice.functions.call("partner-collaboration", "shared_goals", json(["title": "save"])).object["goal"] as? [String: Any])?["id"] as? String)
            #expect(try await mallory.functions.call("partner-collaboration", "unlink", json(["connectionId": connection])).status == .notFound)
            #expect(try await mallory.functions.call("partner-collaboration", "shared_goals", json(["goalId": goal, "increment": 100])).status == .notFound)
            #expect(try await mallory.functions.call("partner-collaboration", "shared_goals",
                                                     json(["title": "spam", "connectionId": connection])).status == .forbidden)
            #expect((try await mallory.functions.call("partner-collaboration", "shared_goals").object["goals"] as? [Any])?.isEmpty == true)
            #expect(try await mallory.functions.call("partner-collaboration", "partner_progress").object["partner"] is NSNull)
            #expect((try await mallory.functions.call("partner-collaboration", "feed").object["feed"] as? [Any])?.isEmpty == true)
            #expect(try await alice.functions.call("partner-collaboration", "status").object["hasPartner"] as? Bool == true)
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
            let code = try await Self.invite(alice, bob.email)
            async let first = bob.functions.concurrent.call("partner-collaboration", "accept", json(["inviteCode": code]))
            async let second = bob.functions.concurrent.call("partner-collaboration", "accept", json(["inviteCode": code]))
            async let impostor = carol.functions.concurrent.call("partner-collaboration", "accept", json(["inviteCode": code]))
            let statuses = try await [first.status, second.status]
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .unprocessableContent }.count == 1, "\(statuses)")
            #expect(try await impostor.status == .forbidden)
            #expect(try await Self.count(app, "SELECT count(*)::text FROM partner_connections") == "1")

            // Both partners unlink at once: ended once, both answers fine.
            async let unlinkA = alice.functions.concurrent.call("partner-collaboration", "unlink")
            async let unlinkB = bob.functions.concurrent.call("partner-collaboration", "unlink")
            let unlinks = try await [unlinkA, unlinkB]
            #expect(unlinks.allSatisfy { $0.status == .ok || $0.status == .notFound }, "\(unlinks.map(\.body))")
            #expect(unlinks.filter { $0.object["unlinked"] as? Bool == true }.count == 1, "\(unlinks.map(\.body))")
            #expect(try await Self.count(app, "SELECT string_agg(status, ',') FROM partner_connections") == "ended")

            // Crossed invitations between the same two people accepted at once: one partnership.
            let toBob = try await Self.invite(alice, bob.email)
            let toAlice = try await Self.invite(bob, alice.email)
            async let acceptA = bob.functions.concurrent.call("partner-collaboration", "accept", json(["inviteCode": toBob]))
            async let acceptB = alice.functions.concurrent.call("partner-collaboration", "accept", json(["inviteCode": toAlice]))
            let crossed = try await [acceptA.status, acceptB.status]
            #expect(crossed.filter { $0 == .ok }.count == 1, "\(crossed)")
            #expect(try await Self.count(app, "SELECT count(*)::text FROM partner_connections WHERE status = 'active'") == "1")
        }
    }
}
