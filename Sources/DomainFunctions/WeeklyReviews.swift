import AIModels
import AppConfig
import Core
import Database
import Foundation
import FunctionsAPI

/// The coach's words on a weekly review: a short narrative of the week (`ai_insights`) and three
/// next steps (`next_steps`), written by the chat model from the review's own figures. Without a
/// chat model a review stays statistics only.
public struct WeeklyReviewNarrator: Sendable {
    let chat: (any ChatModel)?
    let owner: SQLRunner

    public init(chat: (any ChatModel)?, owner: SQLRunner) {
        self.chat = chat
        self.owner = owner
    }

    /// Writes the narrative of review `id`; false without a chat model. The tokens count against
    /// the review's user, but no quota stops it (the server asked, not the user).
    @discardableResult
    public func narrate(review id: String) async throws -> Bool {
        guard let chat else { return false }
        guard let text = try await owner.text(SQLStatement("""
            SELECT jsonb_build_object('user_id', r.user_id, 'week_start', r.week_start, 'week_end', r.week_end,
                                      'habit_completion_rate', r.habit_completion_rate, 'tasks_completed', r.tasks_completed,
                                      'tasks_total', r.tasks_total, 'mood_average', r.mood_average, 'wins', r.wins, 'blockers', r.blockers)::text
              FROM public.weekly_reviews r WHERE r.id = $1::uuid
            """, [.text(id)])), let review = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
              let user = review["user_id"]?.stringValue else { return false }
        let request = ChatRequest(messages: [
            ChatMessage(.system, Self.instructions), ChatMessage(.user, Self.describe(review)),
        ], maxOutputTokens: 1024, temperature: 0.7, json: true)
        let reply = try await chat.complete(request)
        try await ModelAccess.record(ModelAccess.usage(reply, for: request), of: user, on: owner)
        let (insights, steps) = Self.read(reply.text)
        guard let insights else { throw FunctionError.upstream("the AI provider's review was empty") }
        try await owner.execute(SQLStatement(
            "UPDATE public.weekly_reviews SET ai_insights = $2, next_steps = CASE WHEN $3::jsonb = '[]' THEN next_steps ELSE $3::jsonb END WHERE id = $1::uuid",
            [.text(id), .text(insights), .text(JSONValue.array(steps.map(JSONValue.string)).jsonText)]))
        return true
    }

    static let instructions = """
        You are AMIE, a supportive coach, writing someone's weekly review. From the week's figures, write two short \
        paragraphs that celebrate what went well and name honestly what did not, then three concrete next steps for the \
        coming week. Answer with JSON only: {"insights": string, "nextSteps": [string, string, string]}.
        """

    static func describe(_ review: JSONValue) -> String {
        // Users may write these columns themselves: any number is read within its range.
        let rate = review["habit_completion_rate"]?.doubleValue.map { "\(Int((min(max($0, 0), 1) * 100).rounded())) %" } ?? "no habits scheduled"
        let mood = review["mood_average"]?.doubleValue.map { String(format: "%.1f of 5", min(max($0, 0), 5)) } ?? "not recorded"
        let wins = (review["wins"]?.arrayValue ?? []).compactMap(\.stringValue).prefix(20)
        let blockers = (review["blockers"]?.arrayValue ?? []).compactMap(\.stringValue).prefix(20)
        return """
            Week \(review["week_start"]?.stringValue ?? "") to \(review["week_end"]?.stringValue ?? "").
            Habits done as planned: \(rate). Tasks completed: \(review["tasks_completed"]?.intValue ?? 0) of \(review["tasks_total"]?.intValue ?? 0). Mood: \(mood).
            Wins: \(wins.isEmpty ? "none recorded" : wins.joined(separator: "; ")).
            Still open or missed: \(blockers.isEmpty ? "nothing" : blockers.joined(separator: "; ")).
            """
    }

    /// The narrative and up to three steps; a model that ignored the JSON asked for is taken as narrative.
    static func read(_ text: String) -> (insights: String?, steps: [String]) {
        if let value = try? ModelJSON.value(text), value.objectValue != nil {
            let steps = (value["nextSteps"]?.arrayValue ?? value["next_steps"]?.arrayValue ?? []).compactMap { ModelJSON.string($0, limit: 300) }
            return (ModelJSON.string(value["insights"], limit: 4000), Array(steps.prefix(3)))
        }
        return (ModelJSON.string(.string(text), limit: 4000), [])
    }
}

/// The original app's `generate-weekly-review`: `generate` (the figures of a week and, with a
/// chat model, the coach's narrative), `get`, `list`, and for the server `generate_all`
/// (the original's `process_all`).
struct GenerateWeeklyReview: Sendable {
    let models: ModelAccess
    let database: CallerDatabase
    let narrator: WeeklyReviewNarrator

    static let weekStart = ParameterDescription("weekStart", "string (date)", "the week's first day (default: the Monday of last week)")

    var function: ActionFunction {
        ActionFunction(name: "generate-weekly-review", summary: "Weekly reviews: a week's figures and, with a chat model, the coach's narrative.", defaultAction: "generate", actions: [
            Action("generate", "{success, review}: computes (or recomputes) the caller's review of a week — habit completion rate (0-1), tasks completed and open, mood, wins and blockers — and, when a chat model is configured, the coach's narrative (ai_insights) and next steps; within the caller's AI quota.",
                   parameters: [Self.weekStart]) { input in
                let user = try await database.liveUser(input.caller)
                let week = try input.date("weekStart") ?? Self.lastWeek()
                if models.providers.chat != nil { try await models.admit(user) }
                guard let id = try await models.owner.text(SQLStatement(
                    "SELECT internal.compute_weekly_review($1::uuid, $2::date)::text", [.text(user.uuidString), .text(week)])) else {
                    throw FunctionError.notFound("No review could be computed")
                }
                _ = try await ModelAccess.answering { try await narrator.narrate(review: id) }
                return .json(try await database.json(input.caller, readOnly: true,
                    "SELECT jsonb_build_object('success', true, 'review', to_jsonb(r))::text FROM public.weekly_reviews r WHERE r.id = $1::uuid",
                    [.text(id)], orNotFound: "No review found for this week"))
            },
            Action("get", "{success, review}: the caller's review of a week (404 when there is none).", parameters: [Self.weekStart]) { input in
                let week = try input.date("weekStart") ?? Self.lastWeek()
                return .json(try await database.json(input.caller, readOnly: true,
                    "SELECT jsonb_build_object('success', true, 'review', to_jsonb(r))::text FROM public.weekly_reviews r WHERE r.week_start = $1::date",
                    [.text(week)], orNotFound: "No review found for this week"))
            },
            Action("list", "{success, reviews, count}: the caller's reviews, newest week first.",
                   parameters: [ParameterDescription("limit", "integer", "1-104 (default 12)")]) { input in
                .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object('success', true, 'reviews', coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.week_start DESC), '[]'::jsonb), 'count', count(*))::text
                      FROM (SELECT * FROM public.weekly_reviews ORDER BY week_start DESC LIMIT $1::integer) r
                    """, [.int(try input.int("limit", in: 1...104) ?? 12)]) ?? "null")
            },
            Action("generate_all", "{success, results: {queued}}: queues the weekly-review job (figures and narrative) of every user for the week (default: last week), once per user and week.",
                   access: .serviceRole, parameters: [Self.weekStart]) { input in
                try await queueAll(input)
            },
            Action("process_all", "The original's name of generate_all.", access: .serviceRole, parameters: [Self.weekStart]) { input in
                try await queueAll(input)
            },
        ])
    }

    func queueAll(_ input: ActionInput) async throws -> FunctionResponse {
        let week = try input.date("weekStart") ?? Self.lastWeek()
        let queued = try await models.owner.text(SQLStatement("""
            SELECT count(internal.enqueue_job('weekly-review', jsonb_build_object('user_id', p.id, 'week_start', $1::date), now(), now(),
                                              'user ' || p.id || ' week ' || $1::date))::text
              FROM public.profiles p
            """, [.text(week)])) ?? "0"
        return .json(#"{"success":true,"results":{"queued":\#(queued),"weekStart":"\#(week)"}}"#)
    }

    /// The Monday of last week (UTC), the original's default.
    static func lastWeek(now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let thisMonday = calendar.dateInterval(of: .weekOfYear, for: now)?.start ?? now
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: calendar.date(byAdding: .day, value: -7, to: thisMonday) ?? now)
    }
}
