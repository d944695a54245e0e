import AIModels
import AppConfig
import Core
import Database
import Foundation
import FunctionsAPI
import Knowledge

/// The original app's `voice-coach-session`: a spoken coaching session as text turns (the app
/// does the speech) — `start`, `process` (the user's words, answered by the coach), `end` (the
/// summary, key topics and action items, proposed as tasks for the user's confirmation),
/// `list` and `get`. The app names no action, so it is read from the body as the original came
/// to: `sessionId` with `transcript` is `process`, `sessionId` alone `end`, `sessionType` alone
/// `start`, and anything else `list`. Everything runs as the caller.
struct VoiceCoachSession: Sendable {
    let models: ModelAccess
    let database: CallerDatabase
    let knowledge: KnowledgeBase

    /// The schema's session types, and the app's own names for them.
    static let sessionTypes: [String: String] = [
        "on_demand": "on_demand", "habit_trigger": "habit_trigger", "weekly_review": "weekly_review",
        "milestone_celebration": "milestone_celebration", "pace_warning": "pace_warning", "check_in": "check_in",
        "morning_intention": "morning_intention", "morning_routine": "morning_intention", "celebration": "milestone_celebration",
        "reflection": "on_demand", "goal_setting": "on_demand", "accountability": "check_in", "crisis_support": "on_demand",
    ]
    static let devices = ["apple_watch", "iphone", "android", "web", "phone_call"]
    static let sessionID = ParameterDescription("sessionId", "string (uuid)", required: true, "one of the caller's voice sessions")

    var function: ActionFunction {
        ActionFunction(name: "voice-coach-session", summary: "Voice coaching sessions: the coach's side of a spoken conversation, with its summary.", defaultAction: "list",
                       inferAction: Self.inferAction, actions: [
            Action("start", "{success, session: {id, sessionType, startedAt}, openingMessage, theme: {name, voiceStyle} | null}: opens a session.",
                   parameters: [ParameterDescription("sessionType", "string", Self.sessionTypes.keys.sorted().joined(separator: " | ") + " (default check_in)"),
                                ParameterDescription("deviceType", "string", Self.devices.joined(separator: " | ") + " (default web)"),
                                ParameterDescription("triggerContext", "object", "what started it")]) { input in
                try await start(input)
            },
            Action("process", "{success, response, sentiment (0-1), turnCount}: the coach's spoken answer (2 to 4 sentences) to the user's words; with isPartial, the words are only kept: {success, message}.",
                   parameters: [Self.sessionID, ParameterDescription("transcript", "string", required: true, "what the user said"),
                                ParameterDescription("isPartial", "boolean", "an unfinished utterance, kept but not answered")]) { input in
                try await process(input)
            },
            Action("end", "{success, session, summary: {duration (minutes), durationSeconds, keyTopics, actionItems, sentiment, turnCount, text, proposedActions}}: closes the session with its summary; the action items become create_task actions waiting for the user's confirmation.",
                   parameters: [Self.sessionID]) { input in
                try await end(input)
            },
            Action("list", "{success, sessions, stats: {totalSessions, completedSessions, totalMinutes, averageSentiment}}: the caller's sessions, newest first.",
                   parameters: [ParameterDescription("limit", "integer", "1-100 (default 20)"), ParameterDescription("type", "string", "only sessions of this type")]) { input in
                let type = try input.string("type", maxLength: 50).map { Self.sessionTypes[$0] ?? $0 }
                return .json(try await database.json(input.caller, readOnly: true, """
                    WITH listed AS (
                      SELECT * FROM public.voice_coach_sessions WHERE $2::text IS NULL OR session_type = $2::text
                       ORDER BY started_at DESC, id LIMIT $1::integer
                    ), ended AS (SELECT * FROM public.voice_coach_sessions WHERE ended_at IS NOT NULL)
                    SELECT jsonb_build_object('success', true,
                             'sessions', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                 'id', id, 'session_type', session_type, 'trigger_context', trigger_context, 'device_type', device_type,
                                 'status', status, 'started_at', started_at, 'ended_at', ended_at, 'duration_seconds', duration_seconds,
                                 'duration_minutes', round(coalesce(duration_seconds, 0) / 60.0), 'key_topics', key_topics,
                                 'sentiment_score', sentiment_score, 'coaching_notes', coaching_notes) ORDER BY started_at DESC, id) FROM listed), '[]'::jsonb),
                             'stats', jsonb_build_object(
                                 'totalSessions', (SELECT count(*) FROM public.voice_coach_sessions),
                                 'completedSessions', (SELECT count(*) FROM ended),
                                 'totalMinutes', (SELECT round(coalesce(sum(duration_seconds), 0) / 60.0) FROM ended),
                                 'averageSentiment', (SELECT round(coalesce(avg(coalesce(sentiment_score, 0.5)), 0.5)::numeric, 3) FROM ended)))::text
                    """, [.int(try input.int("limit", in: 1...100) ?? 20), type.map(SQLValue.text) ?? .null]) ?? "null")
            },
            Action("get", "{success, session}: one of the caller's sessions with its turns.", parameters: [Self.sessionID]) { input in
                .json(try await database.json(input.caller, readOnly: true,
                    "SELECT jsonb_build_object('success', true, 'session', to_jsonb(s))::text FROM public.voice_coach_sessions s WHERE s.id = $1::uuid",
                    [.text(try input.requiredUUID("sessionId"))], orNotFound: "Session not found"))
            },
        ])
    }

    static func inferAction(_ input: ActionInput) -> String? {
        if input.has("sessionId") { return input.has("transcript") ? "process" : "end" }
        return input.has("sessionType") ? "start" : nil
    }

    func start(_ input: ActionInput) async throws -> FunctionResponse {
        let requested = try input.string("sessionType", maxLength: 50) ?? "check_in"
        guard let type = Self.sessionTypes[requested] else { throw FunctionError.invalid("Invalid sessionType: one of \(Self.sessionTypes.keys.sorted().joined(separator: ", "))") }
        let device = try input.choice("deviceType", Self.devices) ?? "web"
        let context = try input.object("triggerContext") ?? "{}"
        guard let started = try await database.value(input.caller, """
            WITH theme AS (
              SELECT t.name, t.display_name, t.motivation_style FROM public.user_identity_profiles p
                JOIN public.motivational_themes t ON t.id = p.theme_id WHERE p.user_id = auth.uid()
            ), started AS (
              INSERT INTO public.voice_coach_sessions (session_type, trigger_context, device_type, theme_used)
              VALUES ($1, $2::jsonb || jsonb_build_object('requested_type', $4::text), $3, (SELECT name FROM theme))
              RETURNING id, session_type, started_at
            )
            SELECT jsonb_build_object('id', s.id, 'sessionType', s.session_type, 'startedAt', s.started_at,
                                      'themeName', (SELECT display_name FROM theme), 'voiceStyle', (SELECT motivation_style FROM theme))::text
              FROM started s
            """, [.text(type), .text(context), .text(device), .text(requested)]) else { throw FunctionError.internalError }
        let coach = started["themeName"]?.stringValue ?? "AMIE"
        var reply: [String: JSONValue] = [
            "success": .bool(true),
            "session": .object(["id": started["id"] ?? .null, "sessionType": started["sessionType"] ?? .null, "startedAt": started["startedAt"] ?? .null]),
            "openingMessage": .string(Self.opening(type, coach: coach)),
            "theme": .null,
        ]
        if let name = started["themeName"]?.stringValue {
            reply["theme"] = .object(["name": .string(name), "voiceStyle": started["voiceStyle"] ?? .null])
        }
        return .json(JSONValue.object(reply).jsonText)
    }

    func process(_ input: ActionInput) async throws -> FunctionResponse {
        let user = try await database.liveUser(input.caller)
        let id = try input.requiredUUID("sessionId")
        let words = try input.text("transcript", maxLength: models.settings.maxPromptCharacters)
        let partial = try input.bool("isPartial") ?? false
        let session = try await activeSession(id, input)
        if partial {
            try await append(id, [Self.turn("user", words, partial: true)], chunks: [], sentiment: nil, input)
            return .json(#"{"success":true,"message":"Partial transcript stored"}"#)
        }
        let model = try models.chatModel()
        try await models.admit(user)
        let notes = await knowledge.notes(matching: words, limit: 3, as: input.caller)
        var system = """
            \(session["prompt"]?.stringValue ?? AmiePromptBuilder.defaultPrompt)

            This is a spoken \(CoachTools.label(session["session_type"]?.stringValue ?? "check_in")) session: answer in 2 to 4 \
            conversational sentences, ask one question at a time, and use no lists or formatting.
            """
        let noteLines = notes.compactMap { $0["text"]?.stringValue }.map { "- " + $0 }
        if !noteLines.isEmpty { system += "\n\nFrom their notes:\n" + noteLines.joined(separator: "\n") }
        var messages = [ChatMessage(.system, system)]
        for turn in session["turns"]?.arrayValue ?? [] {
            messages.append(ChatMessage(turn["role"]?.stringValue == "user" ? .user : .assistant, turn["content"]?.stringValue ?? ""))
        }
        messages.append(ChatMessage(.user, words))
        let request = ChatRequest(messages: messages, maxOutputTokens: 300, temperature: 0.7)
        let reply = try await ModelAccess.answering { try await model.complete(request) }
        try await models.record(user, reply, for: request)
        let answer = reply.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? GeminiProxy.emptyAnswer : reply.text
        let sentiment = Self.sentiment(words)
        let chunks = notes.compactMap { $0["chunkId"]?.stringValue }
        let turns = try await append(id, [Self.turn("user", words), Self.turn("assistant", answer)], chunks: chunks, sentiment: sentiment, input)
        return .json(JSONValue.object([
            "success": .bool(true), "response": .string(answer), "sentiment": .number(sentiment), "turnCount": .number(Double(turns)),
        ]).jsonText)
    }

    func end(_ input: ActionInput) async throws -> FunctionResponse {
        let user = try await database.liveUser(input.caller)
        let id = try input.requiredUUID("sessionId")
        guard let session = try await database.value(input.caller, readOnly: true,
            "SELECT to_jsonb(s)::text FROM public.voice_coach_sessions s WHERE s.id = $1::uuid", [.text(id)]) else {
            throw FunctionError.notFound("Session not found")
        }
        if session["ended_at"] != nil, session["ended_at"] != .null {
            return .json(JSONValue.object(["success": .bool(true), "message": .string("Session already ended"), "session": session]).jsonText)
        }
        let turns = (session["turns"]?.arrayValue ?? []).filter { $0["partial"] != .bool(true) }
        let said = turns.filter { $0["role"]?.stringValue == "user" }.compactMap { $0["content"]?.stringValue }
        let transcript = turns.map { "\($0["role"]?.stringValue == "user" ? "You" : "Coach"): \($0["content"]?.stringValue ?? "")" }.joined(separator: "\n")
        var topics = Self.keywords(said.joined(separator: " "))
        var items: [String] = []
        var summary: String?
        // The summary is the model's when it can give one; the session closes either way.
        if models.providers.chat != nil, !said.isEmpty {
            let request = ChatRequest(messages: [
                ChatMessage(.system, Self.summaryInstructions), ChatMessage(.user, String(transcript.suffix(models.settings.maxPromptCharacters * 2))),
            ], maxOutputTokens: 500, temperature: 0.3, json: true)
            do {
                let reply = try await models.complete(request, for: user)
                if let value = try? ModelJSON.value(reply.text) {
                    let modelTopics = (value["keyTopics"]?.arrayValue ?? []).compactMap { ModelJSON.string($0, limit: 60) }
                    if !modelTopics.isEmpty { topics = Array(modelTopics.prefix(5)) }
                    items = Array((value["actionItems"]?.arrayValue ?? []).compactMap { ModelJSON.string($0, limit: 300) }.prefix(5))
                    summary = ModelJSON.string(value["summary"], limit: 2000)
                }
            } catch is FunctionError {
                // The quota spent or the provider failing: the words' own topics stand.
            }
        }
        let sentiment = session["sentiment_score"]?.doubleValue ?? 0.5
        let result = try await database.value(input.caller, """
            WITH closed AS (
              UPDATE public.voice_coach_sessions
                 SET ended_at = now(), status = 'completed', ended_reason = 'user_ended',
                     duration_seconds = greatest(0, extract(epoch FROM now() - started_at))::integer,
                     key_topics = $2::text[], action_items_generated = $3::jsonb, coaching_notes = $4, transcript = $5,
                     sentiment_score = $6::double precision
               WHERE id = $1::uuid AND ended_at IS NULL
              RETURNING *
            ), proposed AS (
              INSERT INTO public.agent_actions (action_type, input_params)
              SELECT 'create_task', jsonb_build_object('title', item, 'description', 'From your voice coaching session', 'type', 'LIFESTYLE')
                FROM closed, jsonb_array_elements_text($3::jsonb) AS item
              RETURNING id
            )
            SELECT jsonb_build_object('session', (SELECT to_jsonb(c) FROM closed c),
                                      'proposed', coalesce((SELECT jsonb_agg(id) FROM proposed), '[]'::jsonb))::text
            """, [.text(id), .textArray(topics), .text(JSONValue.array(items.map(JSONValue.string)).jsonText), summary.map(SQLValue.text) ?? .null,
                  .text(transcript), .text(String(sentiment))]) ?? .object([:])
        guard let closed = result["session"], closed != .null else { throw FunctionError.conflict("Session has already ended") }
        let seconds = closed["duration_seconds"]?.intValue ?? 0
        return .json(JSONValue.object([
            "success": .bool(true), "session": closed,
            "summary": .object([
                "duration": .number(Double((seconds + 30) / 60)), "durationSeconds": .number(Double(seconds)),
                "keyTopics": .array(topics.map(JSONValue.string)), "actionItems": .array(items.map(JSONValue.string)),
                "sentiment": .number(sentiment), "turnCount": .number(Double(said.count)), "text": summary.map(JSONValue.string) ?? .null,
                "proposedActions": result["proposed"] ?? .array([]),
            ]),
        ]).jsonText)
    }

    /// The caller's session, still open, with the coach's prompt; 404 or 409 otherwise.
    func activeSession(_ id: String, _ input: ActionInput) async throws -> JSONValue {
        guard let session = try await database.value(input.caller, readOnly: true, """
            SELECT jsonb_build_object('session_type', s.session_type, 'ended', s.ended_at IS NOT NULL,
                     -- Users may write their turns and prompt themselves: the last 30 answered turns, every text cut.
                     'turns', (SELECT coalesce(jsonb_agg(jsonb_build_object('role', x.t ->> 'role', 'content', left(x.t ->> 'content', 4000)) ORDER BY x.n), '[]'::jsonb)
                                 FROM (SELECT t, n FROM jsonb_array_elements(s.turns) WITH ORDINALITY AS e (t, n)
                                        WHERE (t -> 'partial') IS DISTINCT FROM 'true'::jsonb ORDER BY n DESC LIMIT 30) x),
                     'prompt', (SELECT left(coalesce(p.master_prompt, btrim(t.system_prompt_template)), 8000)
                                  FROM public.user_identity_profiles p LEFT JOIN public.motivational_themes t ON t.id = p.theme_id
                                 WHERE p.user_id = auth.uid()))::text
              FROM public.voice_coach_sessions s WHERE s.id = $1::uuid
            """, [.text(id)]) else { throw FunctionError.notFound("Session not found or access denied") }
        guard session["ended"] != .bool(true) else { throw FunctionError.conflict("Session has already ended") }
        return session
    }

    /// Adds turns (at most 200 kept) and the notes used; the number of the user's answered turns.
    @discardableResult
    func append(_ id: String, _ turns: [JSONValue], chunks: [String], sentiment: Double?, _ input: ActionInput) async throws -> Int {
        let count = try await database.json(input.caller, """
            UPDATE public.voice_coach_sessions
               SET turns = (SELECT coalesce(jsonb_agg(t ORDER BY n), '[]'::jsonb) FROM (
                              SELECT t, n FROM jsonb_array_elements(turns || $2::jsonb) WITH ORDINALITY AS e (t, n)
                               ORDER BY n DESC LIMIT 200) kept),
                   knowledge_chunks_used = ARRAY(SELECT DISTINCT unnest(knowledge_chunks_used || $3::uuid[])),
                   sentiment_score = coalesce($4::double precision, sentiment_score)
             WHERE id = $1::uuid AND ended_at IS NULL
            RETURNING (SELECT count(*) FROM jsonb_array_elements(turns) AS t WHERE t ->> 'role' = 'user' AND NOT coalesce((t ->> 'partial')::boolean, false))::text
            """, [.text(id), .text(JSONValue.array(turns).jsonText), .textArray(chunks), sentiment.map { .text(String($0)) } ?? .null])
        guard let count else { throw FunctionError.conflict("Session has already ended") }
        return Int(count) ?? 0
    }

    static func turn(_ role: String, _ content: String, partial: Bool = false) -> JSONValue {
        var turn: [String: JSONValue] = ["role": .string(role), "content": .string(content), "at": .string(ISO8601DateFormatter().string(from: Date()))]
        if partial { turn["partial"] = .bool(true) }
        return .object(turn)
    }

    static let summaryInstructions = """
        Read this voice coaching session and answer with JSON only: {"keyTopics": [up to 5 short topics], "actionItems": \
        [the concrete things the user committed to, each a short task title], "summary": "two or three sentences"}.
        """

    static func opening(_ type: String, coach: String) -> String {
        switch type {
        case "morning_intention": "Good morning! It's \(coach). What is the one thing that would make today a good day?"
        case "milestone_celebration": "This is \(coach), and there is something to celebrate. How does it feel to have got here?"
        case "weekly_review": "Hi, it's \(coach). Let's look back at your week together. What went well?"
        case "pace_warning": "Hi, it's \(coach). Your plan has slipped a little behind; shall we find a way to catch up?"
        case "habit_trigger": "Hi, it's \(coach). It's time for your habit. How are you feeling about it today?"
        case "check_in": "Hi, it's \(coach). How are things going with your goals?"
        default: "Hi, I'm \(coach). What would you like to talk about?"
        }
    }

    static let positive: Set<String> = ["good", "great", "happy", "excited", "proud", "better", "love", "progress", "confident", "grateful", "motivated", "done"]
    static let negative: Set<String> = ["bad", "sad", "tired", "stressed", "worried", "anxious", "stuck", "behind", "failed", "hard", "overwhelmed", "lonely"]
    static let stopWords: Set<String> = ["about", "after", "again", "also", "because", "been", "being", "could", "every", "from", "have", "into", "just",
                                          "like", "more", "much", "need", "really", "should", "some", "that", "their", "them", "then", "there", "these",
                                          "they", "thing", "things", "this", "today", "want", "were", "what", "when", "where", "which", "will", "with", "would", "your"]

    /// 0.5 moved by a tenth for each hopeful or troubled word, within 0 and 1.
    static func sentiment(_ text: String) -> Double {
        let words = text.lowercased().split { !$0.isLetter }.map(String.init)
        let score = 0.5 + 0.1 * Double(words.filter(positive.contains).count) - 0.1 * Double(words.filter(negative.contains).count)
        return (min(1, max(0, score)) * 100).rounded() / 100
    }

    /// The five most frequent words of more than four letters that say something.
    static func keywords(_ text: String) -> [String] {
        var counts: [String: Int] = [:]
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter }) where word.count > 4 && !stopWords.contains(String(word)) {
            counts[String(word), default: 0] += 1
        }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5).map(\.key)
    }
}
