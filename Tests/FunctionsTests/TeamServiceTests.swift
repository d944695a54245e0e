import Core
import Database
import Foundation
import Testing
import TestSupport

@Suite("team-service")
struct TeamServiceTests {
    @Test("create, invite, roles, get, leaderboard (cached, refreshed), leave, remove, delete")
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
            #expect(try await owner.functions.call("team-service", "add_member", json(["team_id": team, "email": carol.email, "role": "admin"])).status == .created)
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM auth.mail_outbox WHERE template = 'team_member_added'")) == "2")

            #expect(try await bob.functions.call("team-service", "list").array.first?["my_role"] as? String == "member")
            let got = try await bob.functions.call("team-service", "get", json(["team_id": team]))
            let members = got.object["members"] as? [[String: Any]] ?? []
            #expect(members.map { $0["email"] as? String } == [owner.email, bob.email, carol.email])
            #expect(members.first?["display_name"] as? String == "owner")

            let promoted = try await carol.functions.call("team-service", "set_role", json(["team_id": team, "user_id": bob.id, "role": "manager"]))
            #expect(promoted.object["role"] as? String == "manager", "\(promoted.body)")
            #expect(try await carol.functions.call("team-service", "update", json(["team_id": team, "name": "Acme Inc"])).object["name"] as? String == "Acme Inc")

            let habit = try #require(try await bob.functions.call("habit-service", "create", #"{"title":"calls"}"#).object["id"] as? String)
            _ = try await bob.functions.call("habit-service", "complete", json(["habit_id": habit]))
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
            let carolHabit = try #require(try await carol.functions.call("habit-service", "create", #"{"title":"demos"}"#).object["id"] as? String)
            _ = try await carol.functions.call("habit-service", "complete", json(["habit_id": carolHabit]))
            let cached = try await bob.functions.call("team-service", "leaderboard", json(["team_id": team, "period": "weekly"]))
            #expect(cached.object["generated_at"] as? String == board.object["generated_at"] as? String)
            let fresh = try await carol.functions.call("team-service", "leaderboard", json(["team_id": team, "refresh": true]))
            #expect((fresh.object["rankings"] as? [[String: Any]])?.filter { $0["completions"] as? Int == 1 }.count == 2)
            for period in ["daily", "monthly"] {
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
            ] {
                let reply = try await owner.functions.call("team-service", action, body)
                #expect(reply.status == .badRequest, "\(action) \(body): \(reply.status) \(reply.body)")
            }
            #expect(try await owner.functions.call("team-service", "create", #"{"name":"T2","slug":"tee"}"#).status == .conflict)
            #expect(try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": "nobody@v-teams.test"])).status == .notFound)
            #expect(try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": bob.email])).status == .created)
            #expect(try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": bob.email])).status == .conflict)
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
            _ = try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": admin.email, "role": "admin"]))
            _ = try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": member.email]))

            for (action, body) in [
                ("get", json(["team_id": team])), ("leaderboard", json(["team_id": team])),
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

    @Test("20 simultaneous joins to a team with 5 seats left: exactly 5 get in, never over max_members")
    func seatsUnderConcurrency() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let owner = try await signUp(client, app: app, email: "owner@seats.test")
            let team = try #require(try await owner.functions.call("team-service", "create", #"{"name":"Seats"}"#).object["id"] as? String)
            try await app.owner.execute(SQLStatement("UPDATE teams SET max_members = 25 WHERE id = $1::uuid", [.text(team)]))
            try await app.owner.execute(SQLStatement(
                """
                WITH u AS (INSERT INTO auth.users (email) SELECT 'seat' || n || '@seats.test' FROM generate_series(1, 39) AS n RETURNING id, email)
                INSERT INTO team_members (team_id, user_id)
                SELECT $1::uuid, u.id FROM u WHERE u.email ~ '^seat([1-9]|1[0-9])@'
                """, [.text(team)]))
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM team_members WHERE team_id = $1::uuid", [.text(team)])) == "20")

            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 20...39 {
                    group.addTask {
                        try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": "seat\(n)@seats.test"])).status.code
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 5, "\(statuses.sorted())")
            #expect(statuses.filter { $0 == 422 }.count == 15, "\(statuses.sorted())")
            #expect(try await app.owner.text(SQLStatement(
                "SELECT count(*)::text FROM team_members WHERE team_id = $1::uuid AND is_active", [.text(team)])) == "25")
            let full = try await owner.functions.call("team-service", "invite", json(["team_id": team, "email": "seat20@seats.test"]))
            #expect(full.status == .unprocessableContent || full.status == .conflict, "\(full.body)")
        }
    }
}
