import AppConfig
import Core
import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import Tokens

/// `generate-weekly-review`, `voice-coach-session` and progress predictions against the loopback
/// provider: the coach's words added to figures the database computes, the app's action-less
/// calls understood, sessions and reviews the caller's alone.
@Suite("AI: weekly reviews, voice sessions, predictions")
struct CoachingFunctionsTests {
    static func row(_ app: TestApp, _ sql: String, _ binds: [SQLValue] = []) async throws -> String? {
        try await app.owner.text(SQLStatement("SELECT (\(sql))::text", binds))
    }

    @Test("a weekly review: figures from the database, the narrative and next steps from the model; statistics only without one")
    func weeklyReview() async throws {
        let provider = await AIProviderTestServer(apiKey: GeminiProxyTests.key)
        defer { provider.stop() }
        let app = try await GeminiProxyTests.app(provider)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@review.test")
            let bob = try await signUp(client, app: app, email: "bob@review.test")
            let week = GenerateWeeklyReviewDates.lastMonday()
            _ = try await app.owner.text(SQLStatement("""
                INSERT INTO public.action_tasks (user_id, title, type, is_completed, created_at, updated_at)
                VALUES ($1::uuid, 'File taxes', 'FINANCE', true, $2::date, $2::date + 2), ($1::uuid, 'Book flights', 'LIFESTYLE', false, $2::date, $2::date)
                """, [.text(ann.id), .text(week)]))
            provider.script(.text(#"{"insights":"A steady week: taxes filed.","nextSteps":["Book the flights","Walk daily","Review budget","A fourth"]}"#))
            let generated = try await ann.functions.call("generate-weekly-review", nil, #"{"weekStart":"\#(week)","userId":"\#(bob.id)"}"#)
            let review = generated.object["review"] as? [String: Any] ?? [:]
            #expect(generated.status == .ok && review["ai_insights"] as? String == "A steady week: taxes filed.", "\(generated.body)")
            #expect(review["next_steps"] as? [String] == ["Book the flights", "Walk daily", "Review budget"])
            #expect(review["tasks_completed"] as? Int == 1 && review["tasks_total"] as? Int == 2 && review["wins"] as? [String] == ["File taxes"])
            #expect(provider.requests.last?.text.contains("Tasks completed: 1 of 2") == true)
            #expect(try await Self.row(app, "SELECT count(*) FROM public.weekly_reviews WHERE user_id = $1::uuid", [.text(bob.id)]) == "0")

            let got = try await ann.functions.call("generate-weekly-review", "get", #"{"weekStart":"\#(week)"}"#)
            #expect((got.object["review"] as? [String: Any])?["id"] as? String == review["id"] as? String)
            #expect(try await bob.functions.call("generate-weekly-review", "get", #"{"weekStart":"\#(week)"}"#).status == .notFound)
            #expect((try await ann.functions.call("generate-weekly-review", "list").object["count"] as? Int) == 1)
            #expect(try await ann.functions.call("generate-weekly-review", "get", #"{"weekStart":"last tuesday"}"#).status == .badRequest)
            #expect(try await ann.functions.call("generate-weekly-review", "generate_all").status == .forbidden)

            // The provider down: the request fails, the figures stay (the narrative of before is kept).
            provider.script(.status(500), .status(500))
            #expect(try await ann.functions.call("generate-weekly-review", nil, #"{"weekStart":"\#(week)"}"#).status == .badGateway)
            #expect(try await Self.row(app, "SELECT ai_insights FROM public.weekly_reviews WHERE user_id = $1::uuid", [.text(ann.id)]) == "A steady week: taxes filed.")

            // The server queues every user's week once.
            let service = FunctionsClient(client: client, apiKey: app.keys.serviceRole)
            let queued = try await service.call("generate-weekly-review", "process_all", #"{"weekStart":"\#(week)"}"#)
            #expect((queued.object["results"] as? [String: Any])?["queued"] as? Int == 2, "\(queued.body)")
            _ = try await service.call("generate-weekly-review", "generate_all", #"{"weekStart":"\#(week)"}"#)
            #expect(try await Self.row(app, "SELECT count(*) FROM internal.jobs WHERE kind = 'weekly-review'") == "2")
        }
        let statisticsOnly = try await GeminiProxyTests.app(nil)
        try await statisticsOnly.run { client in
            let cy = try await signUp(client, app: statisticsOnly, email: "cy@review.test")
            let reply = try await cy.functions.call("generate-weekly-review", nil, "{}")
            let review = reply.object["review"] as? [String: Any] ?? [:]
            #expect(reply.status == .ok && review["ai_insights"] is NSNull && review["week_start"] as? String == GenerateWeeklyReviewDates.lastMonday(), "\(reply.body)")
        }
    }

    @Test("a voice session: the app's action-less calls, the coach's answers, the summary with action items for confirmation")
    func voiceSession() async throws {
        let provider = await AIProviderTestServer(apiKey: GeminiProxyTests.key)
        defer { provider.stop() }
        let app = try await GeminiProxyTests.app(provider)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@voice.test")
            let bob = try await signUp(client, app: app, email: "bob@voice.test")
            let started = try await ann.functions.call("voice-coach-session", nil, #"{"sessionType":"morning_routine","deviceType":"iphone"}"#)
            let session = try #require((started.object["session"] as? [String: Any])?["id"] as? String, "\(started.body)")
            #expect((started.object["session"] as? [String: Any])?["sessionType"] as? String == "morning_intention")
            #expect((started.object["openingMessage"] as? String)?.contains("AMIE") == true && started.object["theme"] is NSNull)

            provider.script(.text("That sounds like a great plan. What will you do first?"))
            let answered = try await ann.functions.call("voice-coach-session", nil, #"{"sessionId":"\#(session)","transcript":"I feel great and motivated to run today"}"#)
            #expect(answered.object["response"] as? String == "That sounds like a great plan. What will you do first?", "\(answered.body)")
            #expect(answered.object["sentiment"] as? Double == 0.7 && answered.object["turnCount"] as? Int == 1)
            let partial = try await ann.functions.call("voice-coach-session", nil, #"{"sessionId":"\#(session)","transcript":"and then","isPartial":true}"#)
            #expect(partial.object["message"] as? String == "Partial transcript stored")
            let sent = provider.requests.last?.body["systemInstruction"]?["parts"]?.arrayValue?.first?["text"]?.stringValue ?? ""
            #expect(sent.contains("morning intention") && sent.contains("2 to 4"))

            // Turns and prompts the user wrote themselves, however long, reach the model cut.
            try await app.owner.execute(SQLStatement(
                "UPDATE public.voice_coach_sessions SET turns = turns || jsonb_build_array(jsonb_build_object('role', 'user', 'content', repeat('long ', 100000))) WHERE id = $1::uuid",
                [.text(session)]))
            provider.script(.text("Noted."))
            #expect(try await ann.functions.call("voice-coach-session", nil, #"{"sessionId":"\#(session)","transcript":"ok"}"#).status == .ok)
            #expect((provider.requests.last?.text.count ?? .max) < 20_000)

            // Bob reaches none of it.
            #expect(try await bob.functions.call("voice-coach-session", nil, #"{"sessionId":"\#(session)","transcript":"hi"}"#).status == .notFound)
            #expect(try await bob.functions.call("voice-coach-session", nil, #"{"sessionId":"\#(session)"}"#).status == .notFound)
            #expect(try await bob.functions.call("voice-coach-session", "get", #"{"sessionId":"\#(session)"}"#).status == .notFound)
            #expect(try await ann.functions.call("voice-coach-session", nil, #"{"sessionType":"party"}"#).status == .badRequest)

            provider.script(.text(#"{"keyTopics":["running","mornings"],"actionItems":["Run 5 km on Saturday"],"summary":"Ann plans her runs."}"#))
            let ended = try await ann.functions.call("voice-coach-session", nil, #"{"sessionId":"\#(session)"}"#)
            let summary = ended.object["summary"] as? [String: Any] ?? [:]
            #expect(summary["keyTopics"] as? [String] == ["running", "mornings"] && summary["actionItems"] as? [String] == ["Run 5 km on Saturday"], "\(ended.body)")
            #expect(summary["text"] as? String == "Ann plans her runs." && summary["turnCount"] as? Int == 3)
            let proposed = try #require((summary["proposedActions"] as? [String])?.first)
            #expect(try await Self.row(app, "SELECT action_status || '|' || (input_params ->> 'title') FROM public.agent_actions WHERE id = $1::uuid", [.text(proposed)]) == "pending|Run 5 km on Saturday")
            #expect(try await Self.row(app, "SELECT count(*) FROM public.action_tasks WHERE user_id = $1::uuid", [.text(ann.id)]) == "0")
            #expect(try await Self.row(app, "SELECT transcript FROM public.voice_coach_sessions WHERE id = $1::uuid", [.text(session)])?.hasPrefix("You: I feel great") == true)
            let again = try await ann.functions.call("voice-coach-session", nil, #"{"sessionId":"\#(session)"}"#)
            #expect(again.object["message"] as? String == "Session already ended")
            #expect(try await ann.functions.call("voice-coach-session", nil, #"{"sessionId":"\#(session)","transcript":"hello?"}"#).status == .conflict)

            // A provider that fails does not keep a session open: it ends with the words' own topics.
            let second = try await ann.functions.call("voice-coach-session", nil, #"{"sessionType":"reflection"}"#)
            let secondID = try #require((second.object["session"] as? [String: Any])?["id"] as? String)
            provider.script(.text("Tell me more."))
            _ = try await ann.functions.call("voice-coach-session", nil, #"{"sessionId":"\#(secondID)","transcript":"Budgeting budgeting groceries budgeting"}"#)
            provider.script(.status(500), .status(500))
            let closed = try await ann.functions.call("voice-coach-session", nil, #"{"sessionId":"\#(secondID)"}"#)
            let fallback = closed.object["summary"] as? [String: Any] ?? [:]
            #expect(closed.status == .ok && fallback["keyTopics"] as? [String] == ["budgeting", "groceries"] && fallback["text"] is NSNull, "\(closed.body)")

            let listed = try await ann.functions.call("voice-coach-session", nil, "{}")
            #expect((listed.object["sessions"] as? [Any])?.count == 2 && (listed.object["stats"] as? [String: Any])?["completedSessions"] as? Int == 2, "\(listed.body)")
            #expect((try await bob.functions.call("voice-coach-session", "list").object["sessions"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("progress predictions follow the tasks: pace by least squares, a completion date, a confidence; only the owner reads them")
    func predictions() async throws {
        let app = try await GeminiProxyTests.app(nil)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@pace.test")
            let bob = try await signUp(client, app: app, email: "bob@pace.test")
            // Ten tasks: one completed on each of the last six days (two a day would be a slope of 2), four open, due in 20 days.
            _ = try await app.owner.text(SQLStatement("""
                INSERT INTO public.action_tasks (user_id, title, type, is_completed, due_date, updated_at)
                SELECT $1::uuid, 'Done ' || n, 'ADMIN', true, NULL, now() - make_interval(days => n) FROM generate_series(1, 6) AS n
                UNION ALL
                SELECT $1::uuid, 'Open ' || n, 'ADMIN', false, to_char(current_date + 20, 'YYYY-MM-DD'), now() FROM generate_series(1, 4) AS n
                """, [.text(ann.id)]))
            let prediction = try #require(try await Self.row(app, """
                SELECT jsonb_build_object('pace', current_pace, 'predicted', predicted_completion_date - current_date, 'confidence', confidence_score,
                                          'target', target_date - current_date)
                  FROM public.progress_predictions WHERE user_id = $1::uuid AND goal_type = 'action_plan'
                """, [.text(ann.id)]))
            let values = try JSONDecoder().decode(JSONValue.self, from: Data(prediction.utf8))
            // One task a day: four left take four days; the target needs 4/20 = 0.2 a day, so the pace is 5.
            #expect(values["predicted"]?.intValue == 4 && values["target"]?.intValue == 20, "\(prediction)")
            #expect(values["pace"]?.doubleValue == 5 && values["confidence"]?.doubleValue == 1, "\(prediction)")
            // Completing every open task removes the prediction; Bob sees none of Ann's.
            let bobSees = try await client.execute(
                uri: "/rest/v1/progress_predictions?select=id", method: .get,
                headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(bob.token)"]) { String(buffer: $0.body) }
            #expect(bobSees == "[]")
            // A due date with a date's shape but no such day is kept as text, without failing the write or the prediction.
            let odd = try await client.execute(
                uri: "/rest/v1/action_tasks", method: .post,
                headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(ann.token)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"title":"Leap day","type":"ADMIN","due_date":"2027-02-30"}"#)) { $0.status }
            #expect(odd == .created)
            #expect(try await Self.row(app, "SELECT target_date - current_date FROM public.progress_predictions WHERE user_id = $1::uuid", [.text(ann.id)]) == "20")
            let done = try await client.execute(
                uri: "/rest/v1/action_tasks?is_completed=eq.false", method: .patch,
                headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(ann.token)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"is_completed":true}"#)) { $0.status }
            #expect(done == .noContent)
            #expect(try await Self.row(app, "SELECT count(*) FROM public.progress_predictions WHERE user_id = $1::uuid", [.text(ann.id)]) == "0")
        }
    }
}

/// The week generate-weekly-review takes by default, computed independently of the server.
enum GenerateWeeklyReviewDates {
    static func lastMonday(now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let weekday = calendar.component(.weekday, from: now)  // 1 = Sunday
        let sinceMonday = (weekday + 5) % 7
        let monday = calendar.date(byAdding: .day, value: -sinceMonday - 7, to: calendar.startOfDay(for: now))!
        let parts = calendar.dateComponents([.year, .month, .day], from: monday)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
