import Core
import Database
import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

@Suite("habit-service")
struct HabitServiceTests {
    @Test("create, list, complete, uncomplete, update and archive: streaks and today's state follow")
    func lifecycle() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@habits.test")
            let created = try await alice.functions.call("habit-service", "create", #"{"title":"  Read 10 pages ","reminder_time":"07:30"}"#)
            #expect(created.status == .created, "\(created.body)")
            let id = try #require(created.object["id"] as? String)
            #expect(created.object["frequency"] as? String == "daily")
            #expect(created.object["current_streak"] as? Int == 0)
            #expect(created.object["done_today"] as? Bool == false)

            let done = try await alice.functions.call("habit-service", "complete", json(["habit_id": id, "notes": "easy", "mood_rating": 4]))
            #expect(done.status == .created, "\(done.body)")
            let habit = try #require(done.object["habit"] as? [String: Any])
            #expect(habit["current_streak"] as? Int == 1)
            #expect(habit["longest_streak"] as? Int == 1)
            #expect(habit["done_today"] as? Bool == true)
            #expect((done.object["completion"] as? [String: Any])?["mood_rating"] as? Int == 4)

            let again = try await alice.functions.call("habit-service", "complete", json(["habit_id": id]))
            #expect(again.status == .conflict)
            #expect(again.error?.contains("already checked off") == true)

            // Yesterday may still be checked off: the streak grows to 2.
            let yesterday = try await app.owner.text(SQLStatement("SELECT (now() AT TIME ZONE 'UTC')::date - 1 || ''")) ?? ""
            let back = try await alice.functions.call("habit-service", "complete", json(["habit_id": id, "date": yesterday]))
            #expect(back.status == .created, "\(back.body)")
            #expect((back.object["habit"] as? [String: Any])?["current_streak"] as? Int == 2)

            let list = try await alice.functions.call("habit-service", "list")
            #expect(list.status == .ok)
            #expect(list.array.count == 1)
            #expect(list.array.first?["current_streak"] as? Int == 2)
            #expect(list.array.first?["title"] as? String == "Read 10 pages")

            let undone = try await alice.functions.call("habit-service", "uncomplete", json(["habit_id": id]))
            #expect(undone.status == .ok, "\(undone.body)")
            #expect((undone.object["habit"] as? [String: Any])?["done_today"] as? Bool == false)
            #expect((undone.object["habit"] as? [String: Any])?["current_streak"] as? Int == 1, "yesterday still counts")
            #expect(try await alice.functions.call("habit-service", "uncomplete", json(["habit_id": id])).status == .notFound)

            let updated = try await alice.functions.call("habit-service", "update", json(["habit_id": id, "frequency": "custom", "custom_days": [1, 3, 5]]))
            #expect(updated.status == .ok, "\(updated.body)")
            #expect(updated.object["frequency"] as? String == "custom")
            #expect(updated.object["custom_days"] as? [Int] == [1, 3, 5])

            let archived = try await alice.functions.call("habit-service", "delete", json(["habit_id": id]))
            #expect(archived.status == .ok)
            #expect(archived.object["is_active"] as? Bool == false)
            #expect(try await alice.functions.call("habit-service", "list").array.isEmpty)
            #expect(try await alice.functions.call("habit-service", "list", #"{"include_inactive":true}"#).array.count == 1)
            let archivedDone = try await alice.functions.call("habit-service", "complete", json(["habit_id": id]))
            #expect(archivedDone.status == .unprocessableContent)

            let gone = try await alice.functions.call("habit-service", "delete", json(["habit_id": id, "permanent": true]))
            #expect(gone.status == .ok)
            #expect(try await alice.functions.call("habit-service", "list", #"{"include_inactive":true}"#).array.isEmpty)
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM habit_completions")) == "0")
        }
    }

    @Test("every validation error is a 400 naming the field; days outside the allowed window are 422")
    func validation() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "v@habits.test")
            let bad: [(String, String)] = [
                ("create", #"{}"#), ("create", #"{"title":"   "}"#), ("create", #"{"title":5}"#),
                ("create", #"{"title":"x","frequency":"hourly"}"#), ("create", #"{"title":"x","frequency":"custom"}"#),
                ("create", #"{"title":"x","frequency":"custom","custom_days":[]}"#),
                ("create", #"{"title":"x","custom_days":[7]}"#), ("create", #"{"title":"x","custom_days":"mon"}"#),
                ("create", #"{"title":"x","reminder_time":"25:00"}"#), ("create", #"{"title":"x","task_id":"nope"}"#),
                ("create", json(["title": String(repeating: "x", count: 201)])),
                ("complete", #"{}"#), ("complete", #"{"habit_id":"12"}"#),
                ("complete", json(["habit_id": UUID().uuidString, "mood_rating": 9])),
                ("complete", json(["habit_id": UUID().uuidString, "date": "yesterday"])),
                ("update", #"{"title":"x"}"#), ("update", json(["habit_id": UUID().uuidString, "is_active": "maybe"])),
                ("stats", #"{"habit_id":"x"}"#), ("list", #"{"include_inactive":"yes"}"#),
            ]
            for (action, body) in bad {
                let reply = try await user.functions.call("habit-service", action, body)
                #expect(reply.status == .badRequest, "\(action) \(body): \(reply.status) \(reply.body)")
                #expect(reply.code == "invalid_request")
                #expect(reply.error?.isEmpty == false)
            }
            let id = try #require(try await user.functions.call("habit-service", "create", #"{"title":"walk"}"#).object["id"] as? String)
            let future = try await app.owner.text(SQLStatement("SELECT (now() AT TIME ZONE 'UTC')::date + 2 || ''")) ?? ""
            let old = try await app.owner.text(SQLStatement("SELECT (now() AT TIME ZONE 'UTC')::date - 10 || ''")) ?? ""
            for day in [future, old] {
                let reply = try await user.functions.call("habit-service", "complete", json(["habit_id": id, "date": day]))
                #expect(reply.status == .unprocessableContent, "\(day): \(reply.body)")
            }
            #expect(try await user.functions.call("habit-service", "complete", json(["habit_id": id, "date": "2024-02-30"])).status == .badRequest)
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM habit_completions")) == "0", "failed writes leave nothing")
        }
    }

    @Test("another user's habit: never seen, completed, edited, undone or deleted; the anon key gets 401")
    func attacker() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@victim.test")
            let bob = try await signUp(client, app: app, email: "bob@attacker.test")
            let id = try #require(try await alice.functions.call("habit-service", "create", #"{"title":"meditate"}"#).object["id"] as? String)
            _ = try await alice.functions.call("habit-service", "complete", json(["habit_id": id]))

            #expect(try await bob.functions.call("habit-service", "list", #"{"include_inactive":true}"#).array.isEmpty)
            for (action, body) in [
                ("complete", json(["habit_id": id])), ("uncomplete", json(["habit_id": id])),
                ("update", json(["habit_id": id, "title": "hacked"])), ("delete", json(["habit_id": id])),
                ("delete", json(["habit_id": id, "permanent": true])), ("stats", json(["habit_id": id])),
            ] {
                let reply = try await bob.functions.call("habit-service", action, body)
                #expect(reply.status == .notFound, "\(action): \(reply.status) \(reply.body)")
            }
            // Bob cannot tie his habit to Alice's action-plan task either.
            let task = try await app.owner.text(SQLStatement(
                "INSERT INTO action_tasks (user_id, title, type) VALUES ($1::uuid, 't', 'ADMIN') RETURNING id::text", [.text(alice.id)])) ?? ""
            let tied = try await bob.functions.call("habit-service", "create", json(["title": "x", "task_id": task]))
            #expect(tied.status == .forbidden, "\(tied.body)")

            let state = try await alice.functions.call("habit-service", "list").array.first
            #expect(state?["title"] as? String == "meditate")
            #expect(state?["done_today"] as? Bool == true)

            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            let refused = try await anon.call("habit-service", "list")
            #expect(refused.status == .unauthorized)
            #expect(refused.code == "unauthorized")
        }
    }

    @Test("days are the user's own: completing with no date checks off their local today; streaks count back over history")
    func timezoneAndHistory() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "tz@habits.test")
            try await app.owner.execute(SQLStatement(
                "INSERT INTO user_comm_preferences (user_id, timezone) VALUES ($1::uuid, 'Pacific/Kiritimati')", [.text(user.id)]))
            let id = try #require(try await user.functions.call("habit-service", "create", #"{"title":"stretch"}"#).object["id"] as? String)
            // Ten earlier days, written by the server (past the 7-day limit of end users).
            try await app.owner.execute(SQLStatement(
                """
                INSERT INTO habit_completions (habit_id, completed_on)
                SELECT $1::uuid, (now() AT TIME ZONE 'Pacific/Kiritimati')::date - d FROM generate_series(1, 10) AS d
                """, [.text(id)]))
            let done = try await user.functions.call("habit-service", "complete", json(["habit_id": id]))
            #expect(done.status == .created, "\(done.body)")
            let local = try await app.owner.text(SQLStatement("SELECT (now() AT TIME ZONE 'Pacific/Kiritimati')::date || ''"))
            #expect((done.object["completion"] as? [String: Any])?["completed_on"] as? String == local)
            #expect((done.object["habit"] as? [String: Any])?["current_streak"] as? Int == 11)

            // A lapsed streak shows as 0 in the list even before the daily job resets it.
            try await app.owner.execute(SQLStatement("DELETE FROM habit_completions WHERE completed_on >= (now() AT TIME ZONE 'Pacific/Kiritimati')::date - 2"))
            try await app.owner.execute(SQLStatement("UPDATE habits SET current_streak = 8, longest_streak = 11 WHERE id = $1::uuid", [.text(id)]))
            #expect(try await user.functions.call("habit-service", "list").array.first?["current_streak"] as? Int == 0)
        }
    }

    @Test("stats: completion rates over 7 and 30 days, totals and best weekday, per habit and overall")
    func stats() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "stats@habits.test")
            let id = try #require(try await user.functions.call("habit-service", "create", #"{"title":"run"}"#).object["id"] as? String)
            let weekly = try #require(try await user.functions.call("habit-service", "create", #"{"title":"review","frequency":"weekly"}"#).object["id"] as? String)
            try await app.owner.execute(SQLStatement(
                "UPDATE habits SET created_at = now() - interval '60 days' WHERE user_id = $1::uuid", [.text(user.id)]))
            // Done on the three days before today (and not yet today): 3 of 6 finished days in 7, 3 of 29 in 30.
            try await app.owner.execute(SQLStatement(
                "INSERT INTO habit_completions (habit_id, completed_on) SELECT $1::uuid, (now() AT TIME ZONE 'UTC')::date - d FROM generate_series(1, 3) AS d",
                [.text(id)]))
            let one = try await user.functions.call("habit-service", "stats", json(["habit_id": id]))
            #expect(one.status == .ok, "\(one.body)")
            #expect(one.object["completion_rate_7d"] as? Double == 50.0)
            #expect(one.object["scheduled_7d"] as? Int == 6)
            #expect(one.object["completed_30d"] as? Int == 3)
            #expect(one.object["scheduled_30d"] as? Int == 29)
            #expect(one.object["total_completions"] as? Int == 3)
            #expect(one.object["current_streak"] as? Int == 3)
            #expect(["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"].contains(one.object["best_day_of_week"] as? String ?? ""))

            _ = try await user.functions.call("habit-service", "complete", json(["habit_id": id]))
            let after = try await user.functions.call("habit-service", "stats", json(["habit_id": id]))
            #expect(after.object["completion_rate_7d"] as? Double == 57.1, "today counts once done: 4 of 7")

            let all = try await user.functions.call("habit-service", "stats")
            #expect(all.status == .ok)
            let habits = all.object["habits"] as? [[String: Any]] ?? []
            #expect(habits.count == 2)
            let weeklyStats = habits.first { $0["habit_id"] as? String == weekly }
            #expect(weeklyStats?["completed_7d"] as? Int == 0)
            #expect(weeklyStats?["best_day_of_week"] is NSNull)
            let overall = all.object["overall"] as? [String: Any] ?? [:]
            #expect(overall["habits"] as? Int == 2)
            #expect(overall["total_completions"] as? Int == 4)
            #expect(overall["best_current_streak"] as? Int == 4)
        }
    }
}
