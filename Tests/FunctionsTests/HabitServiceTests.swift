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
            let created = try await alice.functions.call("habit-service", "create", #"{"title":"  Read 10 pages ","reminderTime":"07:30","userId":"\#(UUID().uuidString)"}"#)
            #expect(created.status == .created, "\(created.body)")
            #expect(created.object["success"] as? Bool == true)
            let newHabit = created.object["habit"] as? [String: Any] ?? [:]
            let id = try #require(newHabit["id"] as? String)
            #expect(newHabit["frequency"] as? String == "daily")
            #expect(newHabit["reminder_time"] as? String == "07:30:00")
            #expect(newHabit["currentStreak"] as? Int == 0)
            #expect(newHabit["completedToday"] as? Bool == false)
            #expect(newHabit["done_today"] == nil, "one name for the live state")

            let done = try await alice.functions.call("habit-service", "complete", json(["habitId": id, "notes": "easy", "moodRating": 4]))
            #expect(done.status == .created, "\(done.body)")
            #expect(done.object["currentStreak"] as? Int == 1)
            #expect(done.object["habitTitle"] as? String == "Read 10 pages")
            let habit = try #require(done.object["habit"] as? [String: Any])
            #expect(habit["currentStreak"] as? Int == 1)
            #expect(habit["longestStreak"] as? Int == 1)
            #expect(habit["completedToday"] as? Bool == true)
            #expect((done.object["completion"] as? [String: Any])?["mood_rating"] as? Int == 4)

            let again = try await alice.functions.call("habit-service", "complete", json(["habitId": id]))
            #expect(again.status == .conflict)
            #expect(again.error?.contains("already checked off") == true)

            // Yesterday may still be checked off: the streak grows to 2.
            let yesterday = try await app.owner.text(SQLStatement("SELECT (now() AT TIME ZONE 'UTC')::date - 1 || ''")) ?? ""
            let back = try await alice.functions.call("habit-service", "complete", json(["habitId": id, "date": yesterday]))
            #expect(back.status == .created, "\(back.body)")
            #expect((back.object["habit"] as? [String: Any])?["currentStreak"] as? Int == 2)

            let list = try await alice.functions.call("habit-service", "list")
            #expect(list.status == .ok)
            #expect(list.object["count"] as? Int == 1)
            let listed = list.object["habits"] as? [[String: Any]] ?? []
            #expect(listed.first?["currentStreak"] as? Int == 2)
            #expect(listed.first?["totalCompletions"] as? Int == 2)
            #expect(listed.first?["title"] as? String == "Read 10 pages")
            let one = try await alice.functions.call("habit-service", "get", json(["habitId": id]))
            let recent = (one.object["habit"] as? [String: Any])?["recentCompletions"] as? [[String: Any]] ?? []
            let today = try await app.owner.text(SQLStatement("SELECT (now() AT TIME ZONE 'UTC')::date || ''"))
            #expect(recent.map { $0["completed_on"] as? String } == [today, yesterday], "newest first: \(one.body)")
            #expect(recent.first?["notes"] as? String == "easy")

            let undone = try await alice.functions.call("habit-service", "uncomplete", json(["habitId": id]))
            #expect(undone.status == .ok, "\(undone.body)")
            #expect(undone.object["currentStreak"] as? Int == 1, "yesterday still counts")
            #expect((undone.object["habit"] as? [String: Any])?["completedToday"] as? Bool == false)
            #expect(try await alice.functions.call("habit-service", "uncomplete", json(["habitId": id])).status == .notFound)

            let updated = try await alice.functions.call("habit-service", "update", json(["habitId": id, "frequency": "custom", "customDays": [1, 3, 5]]))
            #expect(updated.status == .ok, "\(updated.body)")
            #expect((updated.object["habit"] as? [String: Any])?["frequency"] as? String == "custom")
            #expect((updated.object["habit"] as? [String: Any])?["custom_days"] as? [Int] == [1, 3, 5])
            #expect(try await alice.functions.call("habit-service", "update", json(["habitId": id])).status == .badRequest, "nothing to change")

            let archived = try await alice.functions.call("habit-service", "delete", json(["habitId": id]))
            #expect(archived.status == .ok)
            #expect((archived.object["habit"] as? [String: Any])?["is_active"] as? Bool == false)
            #expect(archived.object["message"] as? String == "Habit \"Read 10 pages\" archived")
            #expect(try await alice.functions.call("habit-service", "list").object["count"] as? Int == 0)
            #expect(try await alice.functions.call("habit-service", "list", #"{"includeInactive":true}"#).object["count"] as? Int == 1)
            let archivedDone = try await alice.functions.call("habit-service", "complete", json(["habitId": id]))
            #expect(archivedDone.status == .unprocessableContent)

            let gone = try await alice.functions.call("habit-service", "delete", json(["habitId": id, "permanent": true]))
            #expect(gone.status == .ok)
            #expect(gone.object["success"] as? Bool == true)
            #expect(try await alice.functions.call("habit-service", "list", #"{"includeInactive":true}"#).object["count"] as? Int == 0)
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
                ("create", #"{"title":"x","frequency":"custom","customDays":[]}"#),
                ("create", #"{"title":"x","customDays":[7]}"#), ("create", #"{"title":"x","customDays":[1.5]}"#),
                ("create", #"{"title":"x","customDays":"mon"}"#), ("create", #"{"title":"x","customDays":[0,1,2,3,4,5,6,0]}"#),
                ("create", #"{"title":"x","reminderTime":"25:00"}"#), ("create", #"{"title":"x","reminderTime":"07:30:99"}"#),
                ("create", #"{"title":"x","taskId":"nope"}"#), ("create", json(["title": String(repeating: "x", count: 201)])),
                ("complete", #"{}"#), ("complete", #"{"habitId":"12"}"#),
                ("complete", json(["habitId": UUID().uuidString, "moodRating": 9])),
                ("complete", json(["habitId": UUID().uuidString, "moodRating": 1e300])),
                ("complete", json(["habitId": UUID().uuidString, "moodRating": 0])),
                ("complete", json(["habitId": UUID().uuidString, "date": "yesterday"])),
                ("update", #"{"title":"x"}"#), ("update", json(["habitId": UUID().uuidString, "isActive": "maybe"])),
                ("update", json(["habitId": UUID().uuidString])), ("get", #"{}"#),
                ("stats", #"{"habitId":"x"}"#), ("stats", #"{"period":0}"#), ("stats", #"{"period":367}"#),
                ("stats", #"{"period":"9999999999999999999999"}"#),
                ("list", #"{"includeInactive":"yes"}"#), ("list", #"{"taskId":"x"}"#),
            ]
            for (action, body) in bad {
                let reply = try await user.functions.call("habit-service", action, body)
                #expect(reply.status == .badRequest, "\(action) \(body): \(reply.status) \(reply.body)")
                #expect(reply.code == "invalid_request")
                #expect(reply.error?.isEmpty == false)
            }
            let id = try await createHabit(user, #"{"title":"walk"}"#)
            let future = try await app.owner.text(SQLStatement("SELECT (now() AT TIME ZONE 'UTC')::date + 2 || ''")) ?? ""
            let old = try await app.owner.text(SQLStatement("SELECT (now() AT TIME ZONE 'UTC')::date - 10 || ''")) ?? ""
            for day in [future, old] {
                let reply = try await user.functions.call("habit-service", "complete", json(["habitId": id, "date": day]))
                #expect(reply.status == .unprocessableContent, "\(day): \(reply.body)")
            }
            #expect(try await user.functions.call("habit-service", "complete", json(["habitId": id, "date": "2024-02-30"])).status == .badRequest)
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM habit_completions")) == "0", "failed writes leave nothing")
        }
    }

    @Test("another user's habit: never seen, read, completed, edited, undone or deleted, whatever userId the body names; the anon key gets 401")
    func attacker() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@victim.test")
            let bob = try await signUp(client, app: app, email: "bob@attacker.test")
            let id = try await createHabit(alice, #"{"title":"meditate"}"#)
            _ = try await alice.functions.call("habit-service", "complete", json(["habitId": id]))

            let bobsList = try await bob.functions.call("habit-service", "list", json(["includeInactive": true, "userId": alice.id]))
            #expect(bobsList.object["count"] as? Int == 0, "\(bobsList.body)")
            for (action, body) in [
                ("get", json(["habitId": id])), ("complete", json(["habitId": id, "userId": alice.id])),
                ("uncomplete", json(["habitId": id])), ("update", json(["habitId": id, "title": "hacked"])),
                ("delete", json(["habitId": id])), ("delete", json(["habitId": id, "permanent": true])),
                ("stats", json(["habitId": id])),
            ] {
                let reply = try await bob.functions.call("habit-service", action, body)
                #expect(reply.status == .notFound, "\(action): \(reply.status) \(reply.body)")
            }
            let bobsStats = try await bob.functions.call("habit-service", "stats", json(["userId": alice.id]))
            #expect((bobsStats.object["stats"] as? [String: Any])?["totalHabits"] as? Int == 0, "\(bobsStats.body)")
            // A habit created with Alice's id in the body is Bob's.
            let planted = try await createHabit(bob, json(["title": "planted", "userId": alice.id, "user_id": alice.id]))
            #expect(try await app.owner.text(SQLStatement("SELECT user_id::text FROM habits WHERE id = $1::uuid", [.text(planted)])) == bob.id)
            // Bob cannot tie his habit to Alice's action-plan task either.
            let task = try await app.owner.text(SQLStatement(
                "INSERT INTO action_tasks (user_id, title, type) VALUES ($1::uuid, 't', 'ADMIN') RETURNING id::text", [.text(alice.id)])) ?? ""
            let tied = try await bob.functions.call("habit-service", "create", json(["title": "x", "taskId": task]))
            #expect(tied.status == .forbidden, "\(tied.body)")

            let state = (try await alice.functions.call("habit-service", "list").object["habits"] as? [[String: Any]])?.first
            #expect(state?["title"] as? String == "meditate")
            #expect(state?["completedToday"] as? Bool == true)

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
            let id = try await createHabit(user, #"{"title":"stretch"}"#)
            // Ten earlier days, written by the server (past the 7-day limit of end users).
            try await app.owner.execute(SQLStatement(
                """
                INSERT INTO habit_completions (habit_id, completed_on)
                SELECT $1::uuid, (now() AT TIME ZONE 'Pacific/Kiritimati')::date - d FROM generate_series(1, 10) AS d
                """, [.text(id)]))
            let done = try await user.functions.call("habit-service", "complete", json(["habitId": id]))
            #expect(done.status == .created, "\(done.body)")
            let local = try await app.owner.text(SQLStatement("SELECT (now() AT TIME ZONE 'Pacific/Kiritimati')::date || ''"))
            #expect((done.object["completion"] as? [String: Any])?["completed_on"] as? String == local)
            #expect(done.object["currentStreak"] as? Int == 11)

            // A lapsed streak shows as 0 in the list even before the daily job resets it.
            try await app.owner.execute(SQLStatement("DELETE FROM habit_completions WHERE completed_on >= (now() AT TIME ZONE 'Pacific/Kiritimati')::date - 2"))
            try await app.owner.execute(SQLStatement("UPDATE habits SET current_streak = 8, longest_streak = 11 WHERE id = $1::uuid", [.text(id)]))
            let listed = (try await user.functions.call("habit-service", "list").object["habits"] as? [[String: Any]])?.first
            #expect(listed?["currentStreak"] as? Int == 0)
            #expect(listed?["longestStreak"] as? Int == 11)
        }
    }

    @Test("stats over a period of local days: completed and expected days, rate, mood, dates, per habit and overall")
    func stats() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "stats@habits.test")
            let id = try await createHabit(user, #"{"title":"run"}"#)
            let weekly = try await createHabit(user, #"{"title":"review","frequency":"weekly"}"#)
            try await app.owner.execute(SQLStatement(
                "UPDATE habits SET created_at = now() - interval '60 days' WHERE user_id = $1::uuid", [.text(user.id)]))
            // Done on the three days before today (and not yet today): 3 of 6 finished days in 7, 3 of 29 in 30.
            try await app.owner.execute(SQLStatement(
                """
                INSERT INTO habit_completions (habit_id, completed_on, mood_rating)
                SELECT $1::uuid, (now() AT TIME ZONE 'UTC')::date - d, d + 1 FROM generate_series(1, 3) AS d
                """, [.text(id)]))
            let week = try await user.functions.call("habit-service", "stats", json(["habitId": id, "period": 7]))
            #expect(week.status == .ok, "\(week.body)")
            let seven = week.object["stats"] as? [String: Any] ?? [:]
            #expect(seven["completionRate"] as? Double == 50.0)
            #expect(seven["expectedDays"] as? Int == 6)
            #expect(seven["completedDays"] as? Int == 3)
            #expect(seven["averageMood"] as? Double == 3.0)
            #expect((seven["completionDates"] as? [String])?.count == 3)
            #expect(seven["period"] as? String == "7 days")
            #expect(seven["habitTitle"] as? String == "run")
            #expect(seven["currentStreak"] as? Int == 3)
            #expect(seven["totalCompletions"] as? Int == 3)
            #expect(["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"].contains(seven["bestDayOfWeek"] as? String ?? ""))

            // The period is read from the query string too, as the app's GET sends it; 30 by default.
            let month = try await user.functions.send(.get, "habit-service?action=stats&habitId=\(id)")
            let thirty = month.object["stats"] as? [String: Any] ?? [:]
            #expect(thirty["expectedDays"] as? Int == 29, "\(month.body)")
            #expect(thirty["completionRate"] as? Double == 10.3)

            _ = try await user.functions.call("habit-service", "complete", json(["habitId": id]))
            let after = try await user.functions.call("habit-service", "stats", json(["habitId": id, "period": "7"]))
            #expect((after.object["stats"] as? [String: Any])?["completionRate"] as? Double == 57.1, "today counts once done: 4 of 7")

            let all = try await user.functions.call("habit-service", "stats", json(["period": 7]))
            #expect(all.status == .ok)
            let overall = all.object["stats"] as? [String: Any] ?? [:]
            let habits = overall["habitStats"] as? [[String: Any]] ?? []
            #expect(habits.count == 2)
            let weeklyStats = habits.first { $0["habitId"] as? String == weekly }
            #expect(weeklyStats?["completedDays"] as? Int == 0)
            #expect(weeklyStats?["completionRate"] as? Double == 0)
            #expect(overall["totalHabits"] as? Int == 2)
            #expect(overall["totalCompletions"] as? Int == 4)
            #expect(overall["bestStreak"] as? Int == 4)
            #expect(overall["habitsWithStreaks"] as? Int == 1)
            #expect(overall["achievements"] as? [Any] != nil)
        }
    }
}

/// Creates a habit through the function; its id.
func createHabit(_ user: TestUser, _ body: String) async throws -> String {
    let reply = try await user.functions.call("habit-service", "create", body)
    return try #require((reply.object["habit"] as? [String: Any])?["id"] as? String, "\(reply.body)")
}
