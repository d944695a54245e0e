import Core
import Database
import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

/// Seeds, as the schema owner, one user's data for the knowledge base (days are UTC days, the
/// day of a user without a time-zone preference):
/// - boards: two live prompts over 20 characters, one short, one in the bin;
/// - documents: two with financial figures (the later one's budget wins);
/// - tasks: milestones due today, in 5 days (open) and in 3 days (done), an open non-milestone
///   and a completed admin task (5 in all, 2 done, 3 open finance tasks);
/// - habits: Meditate (daily, done the last 5 days, moods 4, 5, 4), Run (weekly, never done),
///   one archived; a streak achievement of 3 days, and the habit's streak copy made stale (40);
/// - one coaching session, one prediction behind pace, three weekly reviews with rising mood.
private func seedKnowledge(_ app: TestApp, for user: TestUser) async throws {
    let id = SQLValue.text(user.id)
    let statements = [
        """
        INSERT INTO vision_boards (user_id, prompt, image_url, created_at, deleted_at) VALUES
          ($1::uuid, 'A beach house in Portugal with my family', 'https://img/1.png', now() - interval '3 days', NULL),
          ($1::uuid, 'Short prompt', 'https://img/2.png', now() - interval '2 days', NULL),
          ($1::uuid, 'Retirement in the mountains of Costa Rica, off the electricity grid', 'https://img/3.png', now() - interval '1 day', NULL),
          ($1::uuid, 'A villa in Thailand, a yacht, a city loft and more', 'https://img/4.png', now(), now())
        """,
        """
        INSERT INTO documents (user_id, name, url, type, structured_data, created_at) VALUES
          ($1::uuid, 'Budget', '', 'MANUAL', '{"monthlyBudget": 4200, "retirementGoal": 1500000}', now() - interval '2 days'),
          ($1::uuid, 'Statement', '', 'UPLOAD', '{"monthlyBudget": 5000, "currentSavings": 250000}', now() - interval '1 day')
        """,
        """
        INSERT INTO action_tasks (user_id, title, due_date, type, is_completed, milestone_year)
        SELECT $1::uuid, t.title, to_char((now() AT TIME ZONE 'UTC')::date + t.days, 'YYYY-MM-DD'), t.type, t.done, t.year
          FROM (VALUES ('Open brokerage account', 5, 'FINANCE', false, 2026), ('Sell the car', 0, 'FINANCE', false, 2026),
                       ('Done milestone', 3, 'FINANCE', true, 2026), ('Budget review', 9, 'FINANCE', false, NULL),
                       ('Pay bills', 1, 'ADMIN', true, NULL)) AS t (title, days, type, done, year)
        """,
        """
        INSERT INTO habits (user_id, title, frequency, is_active, created_at) VALUES
          ($1::uuid, 'Meditate', 'daily', true, now() - interval '61 days'), ($1::uuid, 'Run', 'weekly', true, now() - interval '60 days'),
          ($1::uuid, 'Old habit', 'daily', false, now() - interval '60 days')
        """,
        """
        INSERT INTO habit_completions (habit_id, user_id, completed_at, completed_on, mood_rating)
        SELECT h.id, h.user_id, now() - make_interval(days => d), (now() AT TIME ZONE 'UTC')::date - d, CASE d WHEN 0 THEN 4 WHEN 1 THEN 5 WHEN 2 THEN 4 END
          FROM habits h CROSS JOIN generate_series(0, 4) AS d WHERE h.user_id = $1::uuid AND h.title = 'Meditate'
        """,
        "INSERT INTO user_achievements (user_id, achievement_type, achievement_key, value) VALUES ($1::uuid, 'streak', 'login_streak', 3)",
        "UPDATE user_achievements SET value = 40 WHERE user_id = $1::uuid AND achievement_key LIKE 'habit\\_streak\\_%'",
        """
        INSERT INTO agent_sessions (user_id, session_type, summary, action_items)
        VALUES ($1::uuid, 'text', 'Talked about savings', '["Open IRA", {"text": "Call advisor"}, "Third item"]')
        """,
        // The database's own action-plan prediction (from the tasks above) makes way for this hand-written one.
        "DELETE FROM progress_predictions WHERE user_id = $1::uuid",
        """
        INSERT INTO progress_predictions (user_id, goal_type, current_pace, recommendations)
        VALUES ($1::uuid, 'savings', 0.65, '["Automate transfers"]')
        """,
        """
        INSERT INTO weekly_reviews (user_id, week_start, week_end, mood_average)
        SELECT $1::uuid, d - w * 7, d - w * 7 + 6, m FROM (SELECT (now() AT TIME ZONE 'UTC')::date AS d) t,
               (VALUES (3, 2.5), (2, 3.0), (1, 4.0)) AS r (w, m)
        """,
    ]
    for sql in statements {
        try await app.owner.execute(SQLStatement(sql, [id]))
    }
}

@Suite("compile-knowledge-base")
struct CompileKnowledgeBaseTests {
    @Test("compile derives every field from the caller's rows; summary and ai_context formats; get answers the stored row; get_ai_context's text")
    func compile() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@kb.test")
            try await seedKnowledge(app, for: alice)

            let full = try await alice.functions.call("compile-knowledge-base")
            #expect(full.status == .ok, "\(full.body)")
            #expect(full.object["success"] as? Bool == true)
            let kb = try #require(full.object["knowledgeBase"] as? [String: Any])
            #expect(kb["id"] == nil && kb["user_id"] == nil && kb["created_at"] == nil)
            #expect(kb["names"] as? String == "alice")
            #expect(kb["vision_statements"] as? [String] == [
                "Retirement in the mountains of Costa Rica, off the electricity grid", "A beach house in Portugal with my family",
            ], "newest first, over 20 characters, not in the bin")
            #expect(kb["vision_board_count"] as? Int == 3)
            #expect(kb["dream_locations"] as? [String] == ["Portugal", "Costa rica", "Beach", "Mountain"], "no city in electricity, nothing of the binned board")
            #expect(kb["top_priorities"] as? [String] == ["Sell the car", "Open brokerage account", "Retirement", "Family"])

            let goals = try #require(kb["goals_summary"] as? [String: Any])
            #expect(goals["totalTasks"] as? Int == 5)
            #expect(goals["completionRate"] as? Int == 40)
            #expect(goals["byCategory"] as? [String: Int] == ["FINANCE": 4, "ADMIN": 1])
            #expect(goals["byStatus"] as? [String: Int] == ["completed": 2, "pending": 3])
            let upcoming = goals["upcomingMilestones"] as? [[String: Any]] ?? []
            #expect(upcoming.map { "\($0["title"] ?? "") \($0["daysUntil"] ?? "")" } == ["Sell the car 0", "Open brokerage account 5"],
                    "due today is 0 days away; a done milestone is not upcoming")
            let milestones = kb["milestones"] as? [[String: Any]] ?? []
            #expect(milestones.map { "\($0["title"] ?? "") \($0["status"] ?? "") \($0["category"] ?? "")" }
                    == ["Sell the car pending FINANCE", "Done milestone completed FINANCE", "Open brokerage account pending FINANCE"])
            #expect(milestones.allSatisfy { $0["id"] is String && $0["dueDate"] is String })
            #expect(kb["active_tasks_count"] as? Int == 3)
            #expect(kb["completed_tasks_count"] as? Int == 2)

            let habits = try #require(kb["habits_summary"] as? [String: Any])
            #expect(habits["totalHabits"] as? Int == 3)
            #expect(habits["activeHabits"] as? Int == 2)
            #expect(habits["completions30Days"] as? Int == 5)
            #expect(habits["averageMood"] as? Double == 4.3)
            let stats = habits["habitStats"] as? [[String: Any]] ?? []
            #expect(stats.map { "\($0["title"] ?? "") \($0["completions30Days"] ?? "") \($0["completionRate"] ?? "")" } == ["Meditate 5 17", "Run 0 0"])
            #expect(habits["overallCompletionRate"] as? Int == 9)
            #expect(kb["active_habits_count"] as? Int == 2)
            #expect(kb["total_streak_days"] as? Int == 8, "Meditate's live streak 5 + the 3-day streak achievement; the stale copy (40) is not added")

            let financial = try #require(kb["financial_summary"] as? [String: Any])
            #expect(financial["hasDocuments"] as? Bool == true)
            #expect(financial["documentTypes"] as? [String] == ["MANUAL", "UPLOAD"])
            #expect(financial["monthlyBudget"] as? Int == 5000, "the later document wins")
            #expect(financial["retirementGoal"] as? Int == 1_500_000)
            #expect(kb["monthly_budget"] as? Double == 5000)
            #expect((kb["plaid_accounts_summary"] as? [String: Any])?["connected"] as? Bool == false)

            #expect(kb["sentiment_trend"] as? String == "improving")
            #expect(kb["conversation_insights"] as? String == "Recent coaching conversations:\nTalked about savings")
            #expect(kb["agent_notes"] as? String == "Action: Open IRA\nAction: Call advisor\nWarning: savings behind pace (65%)")
            #expect(kb["recommended_focus_areas"] as? [String] == ["Automate transfers", "Complete finance tasks"])
            let sources = (kb["data_sources"] as? [[String: Any]] ?? []).map { "\($0["source"] ?? "") \($0["count"] ?? "")" }
            #expect(sources == ["profile 1", "vision_boards 3", "documents 2", "action_tasks 5", "habits 3", "habit_completions 5",
                                "achievements 2", "agent_sessions 1", "weekly_reviews 3", "plaid_items 0", "progress_predictions 1"])
            #expect(kb["last_compiled_at"] is String)

            let summary = try await alice.functions.send(.get, "compile-knowledge-base?format=summary")
            #expect(summary.status == .ok, "\(summary.body)")
            let digest = try #require(summary.object["summary"] as? [String: Any])
            #expect(digest["visionBoardCount"] as? Int == 3)
            #expect(digest["activeHabits"] as? Int == 2)
            #expect(digest["totalStreakDays"] as? Int == 8)
            #expect(digest["activeTasks"] as? Int == 3)
            #expect(digest["completedTasks"] as? Int == 2)
            #expect(digest["recommendedFocusAreas"] as? [String] == ["Automate transfers", "Complete finance tasks"])
            #expect(digest["lastCompiled"] is String)
            #expect(summary.object["knowledgeBase"] == nil)

            let context = try await alice.functions.call("compile-knowledge-base", "compile", #"{"format":"ai_context"}"#)
            #expect(context.status == .ok, "\(context.body)")
            let text = try #require(context.object["context"] as? String)
            #expect(text.hasPrefix("**User:** alice\n**Dream Locations:** Portugal, Costa rica, Beach, Mountain\n\n**Vision Boards:** 3 created\n**Key Visions:**\n"))

            let cached = try await alice.functions.call("compile-knowledge-base", "get")
            #expect(cached.status == .ok, "\(cached.body)")
            #expect(cached.object["cached"] as? Bool == true)
            let row = try #require(cached.object["knowledgeBase"] as? [String: Any])
            #expect(row["user_id"] as? String == alice.id, "get answers the stored row")
            #expect(row["vision_board_count"] as? Int == 3)

            let ai = try await alice.functions.send(.post, "compile-knowledge-base?action=get_ai_context")
            #expect(ai.status == .ok, "\(ai.body)")
            let lines = (ai.object["context"] as? String ?? "").components(separatedBy: "\n")
            for line in ["**User:** alice", "**Vision Boards:** 3 created", "- Retirement in the mountains of Costa Rica, off the electricity grid...",
                         "**Financial:**", "- Goal: $1,500,000", "- Current: $250,000", "- Budget: $5,000/mo",
                         "**Goals:** 5 tasks (40% complete)", "**Upcoming Milestones:**", "- Sell the car (0 days)", "- Open brokerage account (5 days)",
                         "**Habits:** 2 active, 9% completion rate", "**Average Mood:** 4.3/5",
                         "**Recommended Focus:**", "- Automate transfers", "- Complete finance tasks",
                         "**Sentiment Trend:** improving", "**Notes:**", "Action: Open IRA", "Warning: savings behind pace (65%)"] {
                #expect(lines.contains(line), "\(line) in \(lines)")
            }
            #expect(!lines.contains { $0.hasPrefix("**Target Retirement:**") }, "no retirement year is known")
            #expect(ai.object["context"] as? String == text, "a fresh knowledge base is answered as stored")
        }
    }

    @Test("attacker: the anon key and no token get 401; another user's compile and get see only their own (empty) data, whatever userId they send; a bad format is 400")
    func attacker() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@victim.test")
            let bob = try await signUp(client, app: app, email: "bob@attacker.test")
            try await seedKnowledge(app, for: alice)
            #expect(try await alice.functions.call("compile-knowledge-base").status == .ok)

            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            for action in ["compile", "get", "get_ai_context"] {
                let reply = try await anon.call("compile-knowledge-base", action, json(["userId": alice.id]))
                #expect(reply.status == .unauthorized, "\(action): \(reply.body)")
                #expect(!reply.body.contains("Portugal"))
            }
            #expect(try await anon.send(.post, "compile-knowledge-base", authorization: .some(nil)).status == .unauthorized)

            let first = try await bob.functions.call("compile-knowledge-base", "get", json(["userId": alice.id]))
            #expect(first.status == .ok, "\(first.body)")
            #expect(first.object["cached"] == nil, "bob has no knowledge base yet: it is compiled")
            let kb = try #require(first.object["knowledgeBase"] as? [String: Any])
            #expect(kb["names"] as? String == "bob")
            #expect(kb["vision_board_count"] as? Int == 0)
            #expect(kb["vision_statements"] as? [String] == [])
            #expect(kb["total_streak_days"] as? Int == 0)
            #expect(kb["active_tasks_count"] as? Int == 0)
            #expect((kb["financial_summary"] as? [String: Any])?["hasDocuments"] as? Bool == false)
            #expect((kb["data_sources"] as? [[String: Any]] ?? []).allSatisfy { $0["source"] as? String == "profile" || $0["count"] as? Int == 0 })
            #expect(kb["sentiment_trend"] as? String == "insufficient_data")
            #expect(!first.body.contains("Portugal") && !first.body.contains("alice"))

            let again = try await bob.functions.call("compile-knowledge-base", "get", json(["userId": alice.id]))
            #expect(again.object["cached"] as? Bool == true)
            #expect((again.object["knowledgeBase"] as? [String: Any])?["user_id"] as? String == bob.id)
            let context = try await bob.functions.call("compile-knowledge-base", "get_ai_context", json(["userId": alice.id]))
            #expect(context.object["context"] as? String == "**User:** bob\n\n**Goals:** 0 tasks (0% complete)\n\n**Habits:** 0 active, 0% completion rate")
            #expect(try await app.owner.text(SQLStatement(
                "SELECT vision_board_count || ' ' || names FROM user_knowledge_base WHERE user_id = $1::uuid", [.text(alice.id)])) == "3 alice",
                    "alice's row is untouched")

            for path in ["compile-knowledge-base?format=xml", "compile-knowledge-base?action=get&format=", "compile-knowledge-base?action=drop"] {
                let reply = try await bob.functions.send(.post, path)
                #expect(reply.status == .badRequest, "\(path): \(reply.body)")
                #expect(reply.code == "invalid_request")
            }
        }
    }
}
