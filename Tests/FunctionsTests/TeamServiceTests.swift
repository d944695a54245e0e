import Core
import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import Tokens

@Suite("team-service")
struct TeamServiceTests {
    /// `inviter` invites `user` with `role`; `user` accepts. Returns the invitation's id.
    @discardableResult
    static func join(_ team: String, _ inviter: TestUser, _ user: TestUser, role: String = "member") async throws -> String {
        let invited = try await inviter.functions.call("team-service", "invite", json(["team_id": team, "email": user.email, "role": role]))
        let id = try #require(invited.object["id"] as? String, "\(invited.body)")
        let accepted = try await user.functions.call("team-service", "accept_invitation", json(["invitation_id": id]))
        #expect(accepted.status == .ok, "\(accepted.body)")
        return id
    }

    /// The code of the last invitation mail to `email`, as the invitee reads it in their mailbox.
    static func mailedCode(_ app: TestApp, to email: String) async throws -> String? {
        try await app.owner.text(SQLStatement(
            "SELECT payload->>'invite_code' FROM auth.mail_outbox WHERE recipient = $1 AND template = 'team_invitation' ORDER BY id DESC LIMIT 1",
            [.text(email)]))
    }

    @Test("create, invite, accept, roles, get, leaderboard (cached, refreshed), leave, remove, delete")
    func lifecycle() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let owner = try await signUp(client, app: app, email: "owner@teams.test")
            let bob = try await signUp(client, app: app, email: "bob@teams.test")
            let carol = try await signUp(client, app: app, email: "carol@teams.test")
            let created = try await owner.functions.call("team-service", "create", #"{"name":" Acme ","slug":"acme-sales"}"#)
            #expect(created.status == .created, "\(created.body)")
            let team = try #require(created.object["id"] as? String)
            #expect(created.object["name"] as? String == "Acme")
            #expect(created.object["my_role"] as? String == "owner")
            #expect(created.object["member_count"] as? Int == 1)

            let added = try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": bob.email]))
            #expect(added.status == .created, "\(added.body)")
            #expect(added.object["role"] as? String == "member")
            #expect(added.object["status"] as? String == "pending")
            #expect(try await owner.functions.call("team-service", "add_member", json(["team_id": team, "email": carol.email, "role": "admin"])).status == .created)
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM auth.mail_outbox WHERE template = 'team_invitation'")) == "2")
            #expect(try await bob.functions.call("team-service", "list").array.isEmpty, "nobody joins before accepting")
            let pending = try await owner.functions.call("team-service", "invitations", json(["team_id": team]))
            #expect(Set(pending.array.compactMap { $0["email"] as? String }) == [bob.email, carol.email], "\(pending.body)")

            // bob accepts from his list of invitations, carol with the code of her mail.
            let received = try await bob.functions.call("team-service", "invitations")
            #expect(received.array.first?["team_name"] as? String == "Acme", "\(received.body)")
            #expect(received.array.first?["invited_by_email"] as? String == owner.email)
            let invitation = try #require(received.array.first?["id"] as? String)
            let joined = try await bob.functions.call("team-service", "accept_invitation", json(["invitation_id": invitation]))
            #expect(joined.status == .ok, "\(joined.body)")
            #expect((joined.object["invitation"] as? [String: Any])?["status"] as? String == "accepted")
            #expect((joined.object["team"] as? [String: Any])?["my_role"] as? String == "member")
            let code = try #require(try await Self.mailedCode(app, to: carol.email))
            let carolJoined = try await carol.functions.call("team-service", "accept_invitation", json(["code": code]))
            #expect((carolJoined.object["team"] as? [String: Any])?["my_role"] as? String == "admin", "\(carolJoined.body)")
            #expect(try await owner.functions.call("team-service", "invitations", json(["team_id": team])).array.isEmpty)

            #expect(try await bob.functions.call("team-service", "list").array.first?["my_role"] as? String == "member")
            let got = try await bob.functions.call("team-service", "get", json(["team_id": team]))
            let members = got.object["members"] as? [[String: Any]] ?? []
            #expect(members.map { $0["email"] as? String } == [owner.email, bob.email, carol.email])
            #expect(members.first?["display_name"] as? String == "owner")

            let promoted = try await carol.functions.call("team-service", "set_role", json(["team_id": team, "user_id": bob.id, "role": "manager"]))
            #expect(promoted.object["role"] as? String == "manager", "\(promoted.body)")
            #expect(try await carol.functions.call("team-service", "update", json(["team_id": team, "name": "Acme Inc"])).object["name"] as? String == "Acme Inc")

            let habit = try await createHabit(bob, #"{"title":"calls"}"#)
            _ = try await bob.functions.call("habit-service", "complete", json(["habitId": habit]))
            let board = try await carol.functions.call("team-service", "leaderboard", json(["team_id": team]))
            #expect(board.status == .ok, "\(board.body)")
            let rankings = board.object["rankings"] as? [[String: Any]] ?? []
            #expect(rankings.count == 3)
            #expect(rankings.first?["user_id"] as? String == bob.id)
            #expect(rankings.first?["completions"] as? Int == 1)
            #expect(rankings.first?["rank"] as? Int == 1)
            #expect(rankings.first?["display_name"] as? String == "bob")
            #expect(rankings.first { $0["is_me"] as? Bool == true }?["user_id"] as? String == carol.id)

            // Served from the snapshot until it is refreshed.
            let carolHabit = try await createHabit(carol, #"{"title":"demos"}"#)
            _ = try await carol.functions.call("habit-service", "complete", json(["habitId": carolHabit]))
            let cached = try await bob.functions.call("team-service", "leaderboard", json(["team_id": team, "period": "weekly"]))
            #expect(cached.object["generated_at"] as? String == board.object["generated_at"] as? String)
            let fresh = try await carol.functions.call("team-service", "leaderboard", json(["team_id": team, "refresh": true]))
            #expect((fresh.object["rankings"] as? [[String: Any]])?.filter { $0["completions"] as? Int == 1 }.count == 2)
            for period in ["daily", "monthly", "all_time"] {
                let other = try await bob.functions.send(.get, "team-service?action=leaderboard&team_id=\(team)&period=\(period)")
                #expect(other.object["period_type"] as? String == period, "\(other.body)")
            }

            #expect(try await bob.functions.call("team-service", "leave", json(["team_id": team])).object["left"] as? Bool == true)
            #expect(try await bob.functions.call("team-service", "leaderboard", json(["team_id": team])).status == .notFound,
                    "leaderboards are for active members only")
            #expect(try await owner.functions.call("team-service", "remove", json(["team_id": team, "user_id": carol.id])).status == .ok)
            #expect(try await owner.functions.call("team-service", "get", json(["team_id": team])).object["member_count"] as? Int == 1)
            #expect(try await owner.functions.call("team-service", "delete", json(["team_id": team])).status == .ok)
            #expect(try await owner.functions.call("team-service", "list").array.isEmpty)
        }
    }

    @Test("validation errors are 400; duplicates 409")
    func validation() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let owner = try await signUp(client, app: app, email: "owner@v-teams.test")
            let bob = try await signUp(client, app: app, email: "bob@v-teams.test")
            let team = try #require(try await owner.functions.call("team-service", "create", #"{"name":"T","slug":"tee"}"#).object["id"] as? String)
            for (action, body) in [
                ("create", "{}"), ("create", #"{"name":""}"#), ("create", #"{"name":"x","slug":"Bad Slug"}"#),
                ("create", #"{"name":"x","slug":"-ab"}"#), ("create", #"{"name":"x","settings":[1]}"#),
                ("get", "{}"), ("get", #"{"team_id":"x"}"#), ("invite", json(["team_id": team])),
                ("invite", json(["team_id": team, "email": bob.email, "role": "owner"])),
                ("set_role", json(["team_id": team, "user_id": bob.id])),
                ("set_role", json(["team_id": team, "user_id": bob.id, "role": "owner"])),
                ("remove", json(["team_id": team])), ("leaderboard", json(["team_id": team, "period": "yearly"])),
                ("update", json(["team_id": team, "is_active": "no"])),
                ("accept_invitation", "{}"), ("accept_invitation", #"{"invitation_id":"x"}"#),
                ("accept_invitation", json(["invitation_id": UUID().uuidString, "code": "abc"])), ("decline_invitation", #"{"code":""}"#),
                ("revoke_invitation", "{}"), ("invitations", #"{"team_id":"x"}"#),
                ("invite", json(["team_id": team, "email": "not an address"])),
            ] {
                let reply = try await owner.functions.call("team-service", action, body)
                #expect(reply.status == .badRequest, "\(action) \(body): \(reply.status) \(reply.body)")
            }
            #expect(try await owner.functions.call("team-service", "create", #"{"name":"T2","slug":"tee"}"#).status == .conflict)
            let first = try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": bob.email]))
            #expect(first.status == .created)
            let again = try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": bob.email, "role": "manager"]))
            #expect(again.status == .created, "inviting again refreshes the pending invitation")
            #expect(again.object["id"] as? String == first.object["id"] as? String)
            #expect(again.object["role"] as? String == "manager")
            #expect(try await bob.functions.call("team-service", "accept_invitation", json(["invitation_id": first.object["id"] as? String ?? ""])).status == .ok)
            #expect(try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": bob.email])).status == .conflict,
                    "a member is not invited again")
            #expect(try await bob.functions.call("team-service", "accept_invitation", json(["invitation_id": first.object["id"] as? String ?? ""])).status == .unprocessableContent,
                    "an accepted invitation is not accepted again")
            #expect(try await bob.functions.call("team-service", "accept_invitation", json(["invitation_id": UUID().uuidString])).status == .notFound)
            #expect(try await owner.functions.call("team-service", "set_role", json(["team_id": team, "user_id": UUID().uuidString, "role": "admin"])).status == .notFound)
        }
    }

    @Test("the attacker's side: outsiders see nothing; members cannot manage; nobody demotes, removes or replaces the owner")
    func attacker() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let owner = try await signUp(client, app: app, email: "owner@a-teams.test")
            let admin = try await signUp(client, app: app, email: "admin@a-teams.test")
            let member = try await signUp(client, app: app, email: "member@a-teams.test")
            let outsider = try await signUp(client, app: app, email: "outsider@a-teams.test")
            let team = try #require(try await owner.functions.call("team-service", "create", #"{"name":"Crew"}"#).object["id"] as? String)
            try await Self.join(team, owner, admin, role: "admin")
            try await Self.join(team, owner, member)
            let pending = try #require(try await admin.functions.call("team-service", "invite", json(["team_id": team, "email": "later@a-teams.test"])).object["id"] as? String)

            for (action, body) in [
                ("get", json(["team_id": team])), ("leaderboard", json(["team_id": team])),
                ("invitations", json(["team_id": team])), ("revoke_invitation", json(["invitation_id": pending])),
                ("invite", json(["team_id": team, "email": outsider.email])), ("update", json(["team_id": team, "name": "mine"])),
                ("set_role", json(["team_id": team, "user_id": outsider.id, "role": "admin"])), ("delete", json(["team_id": team])),
                ("leave", json(["team_id": team])), ("remove", json(["team_id": team, "user_id": member.id])),
            ] {
                let reply = try await outsider.functions.call("team-service", action, body)
                #expect(reply.status == .notFound, "outsider \(action): \(reply.status) \(reply.body)")
            }
            #expect(try await outsider.functions.call("team-service", "list").array.isEmpty)

            for (action, body) in [
                ("invite", json(["team_id": team, "email": outsider.email])), ("update", json(["team_id": team, "name": "mine"])),
                ("set_role", json(["team_id": team, "user_id": member.id, "role": "admin"])),
                ("remove", json(["team_id": team, "user_id": admin.id])), ("delete", json(["team_id": team])),
                ("leaderboard", json(["team_id": team, "refresh": true])),
                ("invitations", json(["team_id": team])), ("revoke_invitation", json(["invitation_id": pending])),
            ] {
                let reply = try await member.functions.call("team-service", action, body)
                #expect(reply.status == .forbidden, "member \(action): \(reply.status) \(reply.body)")
            }

            #expect(try await admin.functions.call("team-service", "set_role", json(["team_id": team, "user_id": owner.id, "role": "member"])).status == .forbidden)
            #expect(try await admin.functions.call("team-service", "remove", json(["team_id": team, "user_id": owner.id])).status == .forbidden)
            let ownerLeaves = try await owner.functions.call("team-service", "leave", json(["team_id": team]))
            #expect(ownerLeaves.status == .unprocessableContent)
            #expect(ownerLeaves.error?.contains("owner cannot leave") == true)

            let got = try await owner.functions.call("team-service", "get", json(["team_id": team]))
            #expect((got.object["members"] as? [[String: Any]])?.first?["role"] as? String == "owner")
            #expect(got.object["member_count"] as? Int == 3)
        }
    }

    @Test("seats under concurrency: 20 simultaneous invitations for 5 free seats make exactly 5; acceptances into a team shrunk below its promises never exceed max_members")
    func seatsUnderConcurrency() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let owner = try await signUp(client, app: app, email: "owner@seats.test")
            let team = try #require(try await owner.functions.call("team-service", "create", #"{"name":"Seats"}"#).object["id"] as? String)
            try await app.owner.execute(SQLStatement("UPDATE teams SET max_members = 25 WHERE id = $1::uuid", [.text(team)]))
            try await app.owner.execute(SQLStatement(
                """
                WITH u AS (INSERT INTO auth.users (email) SELECT 'seat' || n || '@seats.test' FROM generate_series(1, 19) AS n RETURNING id)
                INSERT INTO team_members (team_id, user_id) SELECT $1::uuid, u.id FROM u
                """, [.text(team)]))
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM team_members WHERE team_id = $1::uuid", [.text(team)])) == "20")

            // Addresses without accounts: an invitation needs none.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 20...39 {
                    group.addTask {
                        try await owner.functions.concurrent.call("team-service", "invite", json(["team_id": team, "email": "seat\(n)@seats.test"])).status.code
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 5, "\(statuses.sorted())")
            #expect(statuses.filter { $0 == 422 }.count == 15, "\(statuses.sorted())")
            let pending = try await owner.functions.call("team-service", "invitations", json(["team_id": team])).array
            #expect(pending.count == 5)
            let full = try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": "seat40@seats.test"]))
            #expect(full.status == .unprocessableContent, "\(full.body)")

            // The five sign up; the team is shrunk to 23 seats; they accept at once: exactly 3 join.
            var invitees: [(TestUser, String)] = []
            for invitation in pending {
                let email = try #require(invitation["email"] as? String)
                invitees.append((try await signUp(client, app: app, email: email), try #require(invitation["id"] as? String)))
            }
            try await app.owner.execute(SQLStatement("UPDATE teams SET max_members = 23 WHERE id = $1::uuid", [.text(team)]))
            let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
                for (user, id) in invitees {
                    group.addTask {
                        try await user.functions.concurrent.call("team-service", "accept_invitation", json(["invitation_id": id])).status.code
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(accepted.filter { $0 == 200 }.count == 3, "\(accepted.sorted())")
            #expect(accepted.filter { $0 == 422 }.count == 2, "\(accepted.sorted())")
            #expect(try await app.owner.text(SQLStatement(
                "SELECT count(*)::text FROM team_members WHERE team_id = $1::uuid AND is_active", [.text(team)])) == "23")
            #expect(try await app.owner.text(SQLStatement(
                "SELECT count(*)::text FROM team_invitations WHERE team_id = $1::uuid AND status = 'pending'", [.text(team)])) == "2",
                    "the refused acceptances change nothing")
        }
    }

    @Test("the attacker's side of consent: no account probing, nobody joins or ranks without accepting, only the invitee (by confirmed email) accepts, and no membership through REST")
    func consent() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let owner = try await signUp(client, app: app, email: "owner@c-teams.test")
            let stranger = try await signUp(client, app: app, email: "stranger@c-teams.test")
            let mallory = try await signUp(client, app: app, email: "mallory@c-teams.test")
            let team = try #require(try await owner.functions.call("team-service", "create", #"{"name":"Probe"}"#).object["id"] as? String)

            // A registered and an unregistered address get the same answer: no id, no name, no 404.
            let registered = try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": stranger.email]))
            let unregistered = try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": "nobody@c-teams.test"]))
            #expect(registered.status == .created && unregistered.status == .created, "\(registered.body) \(unregistered.body)")
            #expect(Set(registered.object.keys) == ["id", "team_id", "email", "role", "status", "expires_at"], "\(registered.body)")
            #expect(Set(unregistered.object.keys) == Set(registered.object.keys))
            #expect(registered.object["status"] as? String == unregistered.object["status"] as? String)
            #expect(!registered.body.contains(stranger.id) && !registered.body.contains("display_name"))
            let invitation = try #require(registered.object["id"] as? String)

            // Not accepted: the stranger is no member, and their activity is on no leaderboard.
            let habit = try await createHabit(stranger, #"{"title":"private"}"#)
            _ = try await stranger.functions.call("habit-service", "complete", json(["habitId": habit]))
            let board = try await owner.functions.call("team-service", "leaderboard", json(["team_id": team, "refresh": true]))
            #expect((board.object["rankings"] as? [[String: Any]])?.map { $0["user_id"] as? String } == [owner.id], "\(board.body)")
            #expect(try await owner.functions.call("team-service", "get", json(["team_id": team])).object["member_count"] as? Int == 1)
            #expect(try await stranger.functions.call("team-service", "get", json(["team_id": team])).status == .notFound)

            // Only the invitee answers: not mallory by id, nor with the mailed code, nor the inviter.
            let code = try #require(try await Self.mailedCode(app, to: stranger.email))
            #expect(try await mallory.functions.call("team-service", "invitations").array.isEmpty)
            for body in [json(["invitation_id": invitation]), json(["code": code])] {
                #expect(try await mallory.functions.call("team-service", "accept_invitation", body).status == .forbidden, "\(body)")
                #expect(try await mallory.functions.call("team-service", "decline_invitation", body).status == .forbidden, "\(body)")
            }
            #expect(try await owner.functions.call("team-service", "accept_invitation", json(["invitation_id": invitation])).status == .forbidden)
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            #expect(try await anon.call("team-service", "accept_invitation", json(["code": code])).status == .unauthorized)

            // A token naming an address the account no longer has (it changed after the token was
            // issued) is no invitee: the address's invitations are matched against the account.
            try await app.owner.execute(SQLStatement("UPDATE auth.users SET email = 'mallory.new@c-teams.test' WHERE id = $1::uuid", [.text(mallory.id)]))
            let toOld = try #require(try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": mallory.email])).object["id"] as? String)
            #expect(try await mallory.functions.call("team-service", "invitations").array.isEmpty)
            #expect(try await mallory.functions.call("team-service", "accept_invitation", json(["invitation_id": toOld])).status == .forbidden)

            // Nor is an account whose address is not confirmed.
            try await app.owner.execute(SQLStatement("UPDATE auth.users SET email_confirmed_at = NULL WHERE id = $1::uuid", [.text(stranger.id)]))
            #expect(try await stranger.functions.call("team-service", "invitations").array.isEmpty)
            let unconfirmed = try await stranger.functions.call("team-service", "accept_invitation", json(["invitation_id": invitation]))
            #expect(unconfirmed.status == .forbidden, "\(unconfirmed.body)")
            try await app.owner.execute(SQLStatement("UPDATE auth.users SET email_confirmed_at = now() WHERE id = $1::uuid", [.text(stranger.id)]))
            #expect(try await stranger.functions.call("team-service", "invitations").array.count == 1)
            #expect(try await owner.functions.call("team-service", "get", json(["team_id": team])).object["member_count"] as? Int == 1,
                    "every refusal left the team as it was")

            // The invitee declines; a revoked invitation cannot be accepted either.
            #expect(try await stranger.functions.call("team-service", "decline_invitation", json(["code": code])).object["status"] as? String == "declined")
            #expect(try await stranger.functions.call("team-service", "accept_invitation", json(["code": code])).status == .unprocessableContent)
            let second = try #require(try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": stranger.email])).object["id"] as? String)
            #expect(try await owner.functions.call("team-service", "revoke_invitation", json(["invitation_id": second])).object["status"] as? String == "revoked")
            #expect(try await stranger.functions.call("team-service", "accept_invitation", json(["invitation_id": second])).status == .unprocessableContent)
            #expect(try await owner.functions.call("team-service", "revoke_invitation", json(["invitation_id": second])).status == .unprocessableContent)

            // Nor through REST: an owner cannot insert a membership for a user id they know.
            for body in [json(["team_id": team, "user_id": stranger.id]), json(["team_id": team, "user_id": owner.id])] {
                let inserted = try await client.execute(
                    uri: "/rest/v1/team_members", method: .post,
                    headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(owner.token)", .contentType: "application/json"],
                    body: ByteBuffer(string: body)
                ) { $0.status }
                #expect(inserted == .forbidden, "\(body)")
            }
            #expect(try await app.owner.text(SQLStatement(
                "SELECT count(*)::text FROM team_members WHERE team_id = $1::uuid", [.text(team)])) == "1")
        }
    }
}
