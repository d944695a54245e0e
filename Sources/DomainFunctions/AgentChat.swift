import AIModels
import AppConfig
import Core
import Database
import Foundation
import FunctionsAPI
import Knowledge

/// The original app's `agent-chat`: one turn of a conversation with AMIE, the coach —
/// `{message, sessionId?, useAMIE?}` answered `{response, sessionId, amieTheme}` — for the user
/// the token names (the original's body `userId` is ignored). The coach is told the user's
/// master prompt (or theme), the notes of their knowledge base that match the message, their
/// active habits with live streaks, their open tasks and the conversation so far, within a token
/// budget that drops the least relevant first. The tools it calls become `agent_actions` waiting
/// for the user's confirmation (`pendingActions`), or run at once for users who chose that. With
/// `stream: true` the answer comes as server-sent events.
struct AgentChat: Sendable {
    let models: ModelAccess
    let database: CallerDatabase
    let knowledge: KnowledgeBase

    /// Notes of the knowledge base looked up for each message, and turns of history read.
    static let knowledgeNotes = 8
    static let historyTurns = 20

    var function: ActionFunction {
        ActionFunction(name: "agent-chat", summary: "A conversation with AMIE, the coach that knows the user and proposes actions.", defaultAction: "send", actions: [
            Action("send", "One turn: {response, sessionId, amieTheme, pendingActions: [{id, action_type, input_params, action_status}], actions (every action the turn made, with status and result)}. Starts a conversation when sessionId is absent; 404 for a session that is not the caller's or has ended. With stream: true, server-sent events: {type: 'text', text} pieces, then {type: 'done', …the reply} (or {type: 'error', error, code}).",
                   parameters: [ParameterDescription("message", "string", required: true, "the user's message"),
                                ParameterDescription("sessionId", "string (uuid)", "the conversation to continue"),
                                ParameterDescription("useAMIE", "boolean", "coach with the user's own master prompt and theme (default true)"),
                                ParameterDescription("stream", "boolean", "answer as server-sent events (default false)")]) { input in
                try await send(input)
            },
        ])
    }

    func send(_ input: ActionInput) async throws -> FunctionResponse {
        let user = try await database.liveUser(input.caller)
        let message = try input.text("message", maxLength: models.settings.maxPromptCharacters)
        let requested = try input.uuid("sessionId")
        let personal = try input.bool("useAMIE") ?? true
        let streaming = try input.bool("stream") ?? false
        let model = try models.chatModel()
        try await models.admit(user)
        let clock = ContinuousClock()
        let started = clock.now
        // The notes are looked up (the message embedded, then searched) while the turn is stored and its facts read.
        async let notes = knowledge.notes(matching: message, limit: Self.knowledgeNotes, as: input.caller)
        let session = try await open(requested, message: message, input)
        let turn = try await context(session: session, message: message, notes: await notes, personal: personal, input)
        let request = ChatRequest(messages: turn.messages, tools: CoachTools.declarations, maxOutputTokens: 1024, temperature: 0.7)
        guard streaming else {
            let built = clock.now
            let reply = try await ModelAccess.answering { try await model.complete(request) }
            let answered = clock.now
            var response = FunctionResponse.json(try await finish(reply, request: request, session: session, theme: turn.theme, user: user, input).jsonText)
            // Where the turn's time went (the benchmark reads it; browsers show it).
            response.headers.append(("Server-Timing", [
                serverTiming("context", built - started), serverTiming("model", answered - built), serverTiming("total", clock.now - started),
            ].joined(separator: ", ")))
            return response
        }
        let events = AsyncThrowingStream<[UInt8], any Error> { continuation in
            let task = Task {
                func send(_ event: JSONValue) { continuation.yield(Array("data: \(event.jsonText)\n\n".utf8)) }
                var written = ""
                var finished = false
                do {
                    for try await event in model.stream(request) {
                        switch event {
                        case .text(let piece):
                            written += piece
                            send(.object(["type": .string("text"), "text": .string(piece)]))
                        case .finished(let reply):
                            finished = true
                            guard case .object(var done) = try await finish(reply, request: request, session: session, theme: turn.theme, user: user, input) else { break }
                            done["type"] = .string("done")
                            send(.object(done))
                        }
                    }
                } catch {
                    let failure = (error as? AIError).map(ModelAccess.failure) ?? FunctionError(translating: error)
                        ?? FunctionError(status: 500, code: "FUNCTION_ERROR", message: "The turn could not be completed")
                    send(.object(["type": .string("error"), "error": .string(failure.message), "code": .string(failure.code)]))
                }
                if !finished, !written.isEmpty || Task.isCancelled {
                    // A stream cut short once the model had begun (or the client gone) still cost tokens: counted by estimate.
                    let models = models, spent = ChatReply(text: written)
                    await Task.detached { try? await models.record(user, spent, for: request) }.value
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        return .eventStream(events)
    }

    /// The conversation this turn belongs to, with the user's message stored in it.
    func open(_ requested: String?, message: String, _ input: ActionInput) async throws -> String {
        let session = try await database.json(input.caller, """
            WITH started AS (
              INSERT INTO public.agent_sessions (session_type, status) SELECT 'text', 'active' WHERE $1::uuid IS NULL RETURNING id
            ), chosen AS (
              SELECT id FROM started
              UNION ALL
              SELECT s.id FROM public.agent_sessions s WHERE s.id = $1::uuid AND s.status = 'active'
            )
            INSERT INTO public.agent_messages (session_id, user_id, role, content)
            SELECT id, auth.uid(), 'user', $2 FROM chosen
            RETURNING session_id::text
            """, [requested.map(SQLValue.text) ?? .null, .text(message)])
        guard let session else { throw FunctionError.notFound("Session not found, or it has ended") }
        return session
    }

    /// What the coach is told this turn, fitted to the budget, and the theme it speaks in.
    func context(session: String, message: String, notes: [JSONValue], personal: Bool, _ input: ActionInput) async throws -> (messages: [ChatMessage], theme: String) {
        let facts = try await database.value(input.caller, readOnly: true, Self.factsSQL, [.text(session), .int(Self.historyTurns)]) ?? .object([:])
        let theme = personal ? facts["theme"]?.stringValue ?? "default" : "default"
        let persona = (personal ? facts["prompt"]?.stringValue : nil) ?? AmiePromptBuilder.defaultPrompt
        let today = facts["today"]?.stringValue ?? ""
        var pieces = [ContextBudget.Piece(kind: "system", text: """
            \(persona)

            Today is \(today). When the user asks for something one of your tools does, call the tool: it is proposed to the \
            user, who confirms it before it runs. Use only ids that appear below.
            """, relevance: nil)]
        let topScore = notes.compactMap { $0["score"]?.doubleValue }.max() ?? 1
        for note in notes {
            guard let text = note["text"]?.stringValue else { continue }
            let score = (note["score"]?.doubleValue ?? 0) / max(topScore, .leastNonzeroMagnitude)
            pieces.append(.init(kind: "fact", text: "From their notes (\(note["sourceName"]?.stringValue ?? "note")): \(text)", relevance: 0.5 + 0.4 * score))
        }
        for habit in facts["habits"]?.arrayValue ?? [] {
            pieces.append(.init(kind: "fact", text: "Habit \"\(habit["title"]?.stringValue ?? "")\" (id \(habit["id"]?.stringValue ?? ""), \(habit["frequency"]?.stringValue ?? "daily"), streak \(habit["streak"]?.intValue ?? 0), \(habit["done_today"] == .bool(true) ? "done today" : "not done today"))", relevance: 0.45))
        }
        for task in facts["tasks"]?.arrayValue ?? [] {
            pieces.append(.init(kind: "fact", text: "Open task \"\(task["title"]?.stringValue ?? "")\" (id \(task["id"]?.stringValue ?? "")\(task["due_date"]?.stringValue.map { ", due \($0)" } ?? ""))", relevance: 0.4))
        }
        // The history holds this turn's message last; earlier turns matter more the more recent they are.
        let history = (facts["history"]?.arrayValue ?? []).dropLast()
        for (index, turn) in history.enumerated() {
            let role = turn["role"]?.stringValue == "user" ? "user" : "assistant"
            pieces.append(.init(kind: role, text: turn["content"]?.stringValue ?? "", relevance: 0.3 + 0.6 * Double(index + 1) / Double(history.count)))
        }
        pieces.append(.init(kind: "message", text: message, relevance: nil))
        let kept = ContextBudget(tokens: models.settings.contextTokens).fit(pieces)
        let factLines = kept.filter { $0.kind == "fact" }.map { "- " + $0.text }
        var system = kept[0].text
        if !factLines.isEmpty { system += "\n\nWhat you know about the user:\n" + factLines.joined(separator: "\n") }
        var messages = [ChatMessage(.system, system)]
        for piece in kept {
            switch piece.kind {
            case "user", "message": messages.append(ChatMessage(.user, piece.text))
            case "assistant": messages.append(ChatMessage(.assistant, piece.text))
            default: break
            }
        }
        return (messages, theme)
    }

    /// The caller's profile prompt and theme, active habits with live streaks, open tasks and the
    /// conversation's last turns (oldest first). Users write these rows themselves: every text is
    /// cut to a bounded length here, so no row can make a turn's context (or memory) large.
    static let factsSQL = """
        WITH profile AS (
          SELECT left(coalesce(p.master_prompt, btrim(t.system_prompt_template)), 8000) AS prompt, t.name AS theme
            FROM public.user_identity_profiles p
            LEFT JOIN public.motivational_themes t ON t.id = p.theme_id
           WHERE p.user_id = auth.uid()
        )
        SELECT jsonb_build_object(
                 'prompt', (SELECT prompt FROM profile), 'theme', (SELECT theme FROM profile), 'today', current_date,
                 'habits', coalesce((SELECT jsonb_agg(jsonb_build_object('id', h ->> 'id', 'title', left(h ->> 'title', 200), 'frequency', h ->> 'frequency',
                                                                        'streak', h -> 'current_streak', 'done_today', h -> 'done_today'))
                                       FROM (SELECT h FROM jsonb_array_elements(public.list_habits(false)) AS h LIMIT 30) e), '[]'::jsonb),
                 'tasks', coalesce((SELECT jsonb_agg(jsonb_build_object('id', t.id, 'title', left(t.title, 200), 'due_date', left(t.due_date, 20)) ORDER BY t.due_date NULLS LAST, t.created_at)
                                      FROM (SELECT * FROM public.action_tasks WHERE NOT is_completed ORDER BY due_date NULLS LAST, created_at LIMIT 30) t), '[]'::jsonb),
                 'history', coalesce((SELECT jsonb_agg(jsonb_build_object('role', m.role, 'content', left(m.content, 4000)) ORDER BY m.created_at, m.id)
                                        FROM (SELECT * FROM public.agent_messages WHERE session_id = $1::uuid ORDER BY created_at DESC, id DESC LIMIT $2::integer) m), '[]'::jsonb)
               )::text
        """

    /// Records the turn: the model's tool calls as actions (run at once for users who chose so),
    /// the coach's message, the tokens used. The reply's members.
    func finish(_ reply: ChatReply, request: ChatRequest, session: String, theme: String, user: UUID, _ input: ActionInput) async throws -> JSONValue {
        try await models.record(user, reply, for: request)
        let calls: [JSONValue] = reply.toolCalls.prefix(5).compactMap { call in
            guard CoachTools.names.contains(call.name), call.arguments.jsonText.utf8.count <= CoachTools.maxArgumentBytes else { return nil }
            return .object(["action_type": .string(call.name), "input_params": call.arguments])
        }
        var text = reply.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty {
            text = calls.isEmpty ? GeminiProxy.emptyAnswer
                : "I have prepared \(calls.count == 1 ? "an action" : "\(calls.count) actions") for you: " + calls.compactMap { $0["action_type"]?.stringValue }.map(CoachTools.label).joined(separator: ", ") + "."
        }
        var actions = try await database.value(input.caller, """
            WITH preference AS (
              SELECT coalesce((SELECT agent_auto_approve FROM public.user_comm_preferences WHERE user_id = auth.uid()), false) AS automatic
            ), proposed AS (
              INSERT INTO public.agent_actions (action_type, input_params, requires_approval, session_id)
              SELECT c.action_type, c.input_params, NOT (SELECT automatic FROM preference), $1::uuid
                FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (action_type text, input_params jsonb)) WITH ORDINALITY AS c (action_type, input_params, n)
               ORDER BY c.n
              RETURNING id, action_type, input_params, requires_approval
            ), message AS (
              INSERT INTO public.agent_messages (session_id, user_id, role, content, metadata)
              VALUES ($1::uuid, auth.uid(), 'agent', $3, jsonb_build_object('amie_theme', $4::text, 'personalized', $4::text <> 'default',
                      'model', $5::text, 'actions', (SELECT coalesce(jsonb_agg(id), '[]'::jsonb) FROM proposed)))
            )
            SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'action_type', action_type, 'input_params', input_params,
                                                         'requires_approval', requires_approval)), '[]'::jsonb)::text
              FROM proposed
            """, [.text(session), .text(JSONValue.array(calls).jsonText), .text(text), .text(theme), .text(models.providers.chat?.identifier ?? "")])?.arrayValue ?? []
        // Actions of users who chose to skip confirmation run now, each on its own.
        for (index, action) in actions.enumerated() where action["requires_approval"] == .bool(false) {
            guard let id = action["id"]?.stringValue else { continue }
            let result = try await database.value(input.caller, "SELECT internal.execute_agent_action($1::uuid)::text", [.text(id)]) ?? .object([:])
            guard case .object(var fields) = action else { continue }
            fields["action_status"] = result["status"] ?? .string("failed")
            fields["output_result"] = result["result"] ?? .object([:])
            if let error = result["error"] { fields["error_message"] = error }
            actions[index] = .object(fields)
        }
        actions = actions.map { action in
            guard case .object(var fields) = action else { return action }
            if fields["action_status"] == nil { fields["action_status"] = .string("pending") }
            return .object(fields)
        }
        return .object([
            "response": .string(text), "sessionId": .string(session), "amieTheme": .string(theme),
            "pendingActions": .array(actions.filter { $0["action_status"] == .string("pending") }), "actions": .array(actions),
        ])
    }
}
