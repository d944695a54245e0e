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

/// `agent-chat`, `confirm-agent-action` and `cancel-agent-action` against the loopback provider:
/// the coach is told what it should know within its budget, its tool calls wait for the user,
/// run once with the user's rights when confirmed and never when cancelled — and nobody else's
/// session, action or rows are reachable through them.
@Suite("AI: agent-chat and agent actions")
struct AgentChatTests {
    static func app(_ provider: AIProviderTestServer, api: AISettings.Provider = .gemini, _ adjust: @escaping @Sendable (inout AppConfig) -> Void = { _ in }) async throws -> TestApp {
        try await GeminiProxyTests.app(provider, api: api) { config in
            config.knowledge.modelDirectory = ProcessInfo.processInfo.environment["VISIONARY_EMBEDDING_MODEL_DIR"]
            adjust(&config)
        }
    }

    static func rest(_ client: any TestClientProtocol, _ app: TestApp, _ user: TestUser, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> (status: HTTPResponse.Status, body: String) {
        try await client.execute(
            uri: "/rest/v1/" + path, method: method,
            headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(user.token)", .contentType: "application/json",
                      HTTPField.Name("Prefer")!: "return=representation"],
            body: body.map { ByteBuffer(string: $0) }) { ($0.status, String(buffer: $0.body)) }
    }

    static func count(_ app: TestApp, _ sql: String, _ binds: [SQLValue] = []) async throws -> Int {
        Int(try await app.owner.text(SQLStatement("SELECT (\(sql))::text", binds)) ?? "") ?? -1
    }

    @Test("a turn tells the coach the user's notes, habits, tasks and history; a session is the caller's alone")
    func context() async throws {
        let provider = await AIProviderTestServer(apiKey: GeminiProxyTests.key)
        defer { provider.stop() }
        let app = try await Self.app(provider)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@coach.test")
            let bob = try await signUp(client, app: app, email: "bob@coach.test")
            let note = try await ann.functions.call("knowledge-ingest", "ingest", #"{"sourceType":"notes","sourceName":"Running","content":"I run along the river every morning before work."}"#)
            #expect(note.status == .ok, "\(note.body)")
            #expect(try await Self.rest(client, app, ann, .post, "habits", #"{"title":"Meditate"}"#).status == .created)
            #expect(try await Self.rest(client, app, ann, .post, "action_tasks", #"{"title":"Open a savings account","type":"FINANCE"}"#).status == .created)
            #expect(try await Self.rest(client, app, bob, .post, "habits", #"{"title":"Bob's secret habit"}"#).status == .created)

            let first = try await ann.functions.call("agent-chat", nil, #"{"message":"How do I keep my morning run going?","userId":"\#(bob.id)"}"#)
            #expect(first.status == .ok && first.object["response"] as? String == "Echo: How do I keep my morning run going?", "\(first.body)")
            let session = try #require(first.object["sessionId"] as? String)
            #expect(first.object["amieTheme"] as? String == "default" && (first.object["pendingActions"] as? [Any])?.isEmpty == true)
            let sent = try #require(provider.requests.last)
            let system = sent.body["systemInstruction"]?["parts"]?.arrayValue?.first?["text"]?.stringValue ?? ""
            #expect(system.contains("river every morning") && system.contains("Meditate") && system.contains("Open a savings account"), "\(system)")
            #expect(!system.contains("Bob's secret habit"))
            #expect(sent.body["tools"]?.arrayValue?.first?["functionDeclarations"]?.arrayValue?.count == 5)

            let second = try await ann.functions.call("agent-chat", nil, #"{"message":"And in winter?","sessionId":"\#(session)"}"#)
            #expect(second.object["sessionId"] as? String == session)
            let turns = provider.requests.last?.body["contents"]?.arrayValue ?? []
            #expect(turns.count == 3 && turns[1]["role"]?.stringValue == "model", "\(turns)")
            #expect(try await Self.count(app, "SELECT count(*) FROM public.agent_messages WHERE session_id = $1::uuid", [.text(session)]) == 4)
            #expect(try await Self.count(app, "SELECT count(*) FROM public.agent_sessions WHERE user_id = $1::uuid", [.text(bob.id)]) == 0, "the body's userId is ignored")

            // Another user's session, a malformed one, no message, anon.
            #expect(try await bob.functions.call("agent-chat", nil, #"{"message":"hi","sessionId":"\#(session)"}"#).status == .notFound)
            #expect(try await bob.functions.call("agent-chat", nil, #"{"message":"hi","sessionId":"nope"}"#).status == .badRequest)
            #expect(try await bob.functions.call("agent-chat", nil, #"{"message":"  "}"#).status == .badRequest)
            #expect(try await FunctionsClient(client: client, apiKey: app.keys.anon).call("agent-chat", nil, #"{"message":"hi"}"#).status == .unauthorized)
            #expect(try await Self.count(app, "SELECT count(*) FROM public.agent_messages WHERE session_id = $1::uuid", [.text(session)]) == 4)

        }
    }

    @Test("a small budget drops the least relevant facts, never the message")
    func budget() async throws {
        let provider = await AIProviderTestServer(apiKey: GeminiProxyTests.key)
        defer { provider.stop() }
        let app = try await Self.app(provider) { $0.ai.contextTokens = 500 }
        try await app.run { client in
            let bob = try await signUp(client, app: app, email: "bob@budget.test")
            for index in 0..<30 {
                _ = try await Self.rest(client, app, bob, .post, "action_tasks", #"{"title":"Errand number \#(index) with a long description of what to do","type":"ADMIN"}"#)
            }
            #expect(try await bob.functions.call("agent-chat", nil, #"{"message":"What should I do first?"}"#).status == .ok)
            let prompt = provider.requests.last?.body["systemInstruction"]?["parts"]?.arrayValue?.first?["text"]?.stringValue ?? ""
            let listed = prompt.components(separatedBy: "Open task").count - 1
            #expect(listed > 0 && listed < 30, "\(listed) tasks in \(prompt.count) characters")
            #expect(GeminiProxyTests.lastUserText(provider) == "What should I do first?")
        }
    }

    @Test("tool calls wait for the user: confirmed they run once as the user, cancelled they never run, others' rows stay out of reach")
    func actions() async throws {
        let provider = await AIProviderTestServer(apiKey: GeminiProxyTests.key)
        defer { provider.stop() }
        let app = try await Self.app(provider)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@actions.test")
            let bob = try await signUp(client, app: app, email: "bob@actions.test")
            let bobsHabit = try #require((try JSONSerialization.jsonObject(with: Data(try await Self.rest(client, app, bob, .post, "habits", #"{"title":"Bob runs"}"#).body.utf8)) as? [[String: Any]])?.first?["id"] as? String)

            provider.script(.toolCalls([.init("create_task", #"{"title":"Call the bank","type":"finance","due_date":"2027-03-01"}"#),
                                        .init("launch_missiles", #"{}"#),
                                        .init("mark_habit_complete", #"{"habit_id":"\#(bobsHabit)"}"#)]))
            let turn = try await ann.functions.call("agent-chat", nil, #"{"message":"Remind me to call the bank and tick off running"}"#)
            let pending = turn.object["pendingActions"] as? [[String: Any]] ?? []
            #expect(turn.status == .ok && pending.count == 2, "unknown tools are dropped: \(turn.body)")
            #expect((turn.object["response"] as? String)?.contains("create task") == true)
            let task = try #require(pending.first { $0["action_type"] as? String == "create_task" }?["id"] as? String)
            let foreign = try #require(pending.first { $0["action_type"] as? String == "mark_habit_complete" }?["id"] as? String)
            #expect(try await Self.count(app, "SELECT count(*) FROM public.action_tasks WHERE user_id = $1::uuid", [.text(ann.id)]) == 0, "nothing runs before confirmation")

            // The user cannot run, forge or rewrite actions by REST.
            #expect(try await Self.rest(client, app, ann, .patch, "agent_actions?id=eq.\(task)", #"{"action_status":"completed"}"#).status == .forbidden)
            #expect(try await Self.rest(client, app, ann, .post, "agent_actions", #"{"action_type":"create_task","action_status":"completed"}"#).status == .forbidden)
            // Another user cannot confirm or cancel it.
            #expect(try await bob.functions.call("confirm-agent-action", nil, #"{"action_id":"\#(task)"}"#).status == .notFound)
            #expect(try await bob.functions.call("cancel-agent-action", nil, #"{"action_id":"\#(task)"}"#).status == .notFound)

            let confirmed = try await ann.functions.call("confirm-agent-action", nil, #"{"action_id":"\#(task)","feedback":{"rating":5,"comment":"great"}}"#)
            #expect(confirmed.status == .ok && confirmed.object["success"] as? Bool == true && confirmed.object["message"] as? String == "Action executed: create task", "\(confirmed.body)")
            #expect(try await app.owner.text(SQLStatement("SELECT title || '|' || type || '|' || due_date FROM public.action_tasks WHERE user_id = $1::uuid", [.text(ann.id)])) == "Call the bank|FINANCE|2027-03-01")
            let again = try await ann.functions.call("confirm-agent-action", nil, #"{"action_id":"\#(task)"}"#)
            #expect(again.object["success"] as? Bool == false && again.object["status"] as? String == "completed", "\(again.body)")
            #expect(try await Self.count(app, "SELECT count(*) FROM public.action_tasks WHERE user_id = $1::uuid", [.text(ann.id)]) == 1, "runs once")
            #expect(try await app.owner.text(SQLStatement("SELECT output_result #>> '{feedback,rating}' FROM public.agent_actions WHERE id = $1::uuid", [.text(task)])) == "5")

            // A tool call naming Bob's habit fails as Ann's own REST call would; Bob's habit is untouched.
            let failed = try await ann.functions.call("confirm-agent-action", nil, #"{"action_id":"\#(foreign)"}"#)
            #expect(failed.status == .ok && failed.object["success"] as? Bool == false && failed.object["status"] as? String == "failed", "\(failed.body)")
            #expect(try await Self.count(app, "SELECT count(*) FROM public.habit_completions WHERE habit_id = $1::uuid", [.text(bobsHabit)]) == 0)
            #expect(try await app.owner.text(SQLStatement("SELECT action_status || '|' || (error_message IS NOT NULL) FROM public.agent_actions WHERE id = $1::uuid", [.text(foreign)])) == "failed|true")

            // Cancelled: never runs.
            provider.script(.toolCalls([.init("create_habit", #"{"title":"Journal"}"#)]))
            let habitTurn = try await ann.functions.call("agent-chat", nil, #"{"message":"Help me journal"}"#)
            let habit = try #require((habitTurn.object["pendingActions"] as? [[String: Any]])?.first?["id"] as? String, "\(habitTurn.body)")
            let cancelled = try await ann.functions.call("cancel-agent-action", nil, #"{"action_id":"\#(habit)","reason":"not now"}"#)
            #expect(cancelled.object["success"] as? Bool == true && cancelled.object["actionType"] as? String == "create_habit", "\(cancelled.body)")
            #expect(try await ann.functions.call("confirm-agent-action", nil, #"{"action_id":"\#(habit)"}"#).object["status"] as? String == "cancelled")
            #expect(try await Self.count(app, "SELECT count(*) FROM public.habits WHERE user_id = $1::uuid", [.text(ann.id)]) == 0)
            #expect(try await ann.functions.call("confirm-agent-action", nil, #"{"action_id":"not-an-id"}"#).status == .badRequest)

            // A user who opted out of confirmation: the action runs within the turn.
            #expect(try await Self.rest(client, app, ann, .post, "user_comm_preferences", #"{"agent_auto_approve":true}"#).status == .created)
            provider.script(.toolCalls([.init("create_habit", #"{"title":"Stretch","frequency":"weekdays"}"#)]))
            let automatic = try await ann.functions.call("agent-chat", nil, #"{"message":"Add stretching on weekdays"}"#)
            let done = (automatic.object["actions"] as? [[String: Any]])?.first
            #expect(done?["action_status"] as? String == "completed" && (automatic.object["pendingActions"] as? [Any])?.isEmpty == true, "\(automatic.body)")
            #expect(try await app.owner.text(SQLStatement("SELECT frequency FROM public.habits WHERE user_id = $1::uuid AND title = 'Stretch'", [.text(ann.id)])) == "weekdays")
        }
    }

    @Test("streamed turns over both APIs: text as it comes, then the whole reply with the actions; a failure is an error event")
    func streaming() async throws {
        let provider = await AIProviderTestServer(apiKey: GeminiProxyTests.key)
        defer { provider.stop() }
        for api in [AISettings.Provider.gemini, .openai] {
            let app = try await Self.app(provider, api: api)
            try await app.run { client in
                let ann = try await signUp(client, app: app, email: "ann-\(api.rawValue)@stream.test")
                provider.script(.text("Keep going, one step at a time."))
                let streamed = try await ann.functions.call("agent-chat", nil, #"{"message":"Motivate me","stream":true}"#)
                #expect(streamed.status == .ok && streamed.header("Content-Type") == "text/event-stream")
                let events = streamed.body.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
                    .compactMap { try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any] }
                let pieces = events.filter { $0["type"] as? String == "text" }.compactMap { $0["text"] as? String }
                #expect(pieces.count == 3 && pieces.joined() == "Keep going, one step at a time.", "\(api) \(streamed.body)")
                let done = try #require(events.last, "\(streamed.body)")
                #expect(done["type"] as? String == "done" && done["response"] as? String == "Keep going, one step at a time." && done["sessionId"] is String)

                provider.script(.toolCalls([.init("create_task", #"{"title":"Walk 10 minutes"}"#)]))
                let tools = try await ann.functions.call("agent-chat", nil, #"{"message":"Plan a walk","stream":true}"#)
                #expect(tools.body.contains(#""action_type":"create_task""#) && tools.body.contains(#""Walk 10 minutes""#), "\(api) \(tools.body)")

                // A server that answers a stream request with one plain body still gives the whole answer.
                provider.script(.unstreamed("All at once."))
                let plain = try await ann.functions.call("agent-chat", nil, #"{"message":"Say it","stream":true}"#)
                #expect(plain.body.contains(#""text":"All at once.""#) && plain.body.contains(#""response":"All at once.""#), "\(api) \(plain.body)")

                provider.script(.status(500), .status(500))
                let failed = try await ann.functions.call("agent-chat", nil, #"{"message":"Hello?","stream":true}"#)
                #expect(failed.body.contains(#""type":"error""#) && failed.body.contains("upstream_error"), "\(api) \(failed.body)")
            }
        }
    }
}

extension AgentChatTests {
    @Test("amie-prompt-builder lists the notes the hybrid search ranks first for the message, not merely the newest; never another user's")
    func promptBuilderKnowledge() async throws {
        let provider = await AIProviderTestServer(apiKey: GeminiProxyTests.key)
        defer { provider.stop() }
        let app = try await Self.app(provider)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@prompt.test")
            let bob = try await signUp(client, app: app, email: "bob@prompt.test")
            for (name, content) in [("Running", "I run along the river every morning before work."),
                                    ("House", "We are saving a deposit for a house with a garden.")] {
                #expect(try await ann.functions.call("knowledge-ingest", "ingest", json(["sourceType": "notes", "sourceName": name, "content": content])).status == .ok)
            }
            for user in [ann, bob] {
                try await app.owner.execute(SQLStatement(
                    "INSERT INTO public.user_identity_profiles (user_id, master_prompt) VALUES ($1::uuid, 'Coach me kindly.')", [.text(user.id)]))
            }
            // No word of the message is in either note: by words alone the newest (House) would come first.
            let reply = try await ann.functions.call("amie-prompt-builder", "get_system_prompt", #"{"userMessage":"how do I keep fit?"}"#)
            let prompt = try #require(reply.object["systemPrompt"] as? String, "\(reply.body)")
            let running = try #require(prompt.range(of: "river")?.lowerBound, "\(prompt)")
            let house = try #require(prompt.range(of: "deposit")?.lowerBound, "\(prompt)")
            #expect(running < house, "\(prompt)")
            let bobs = try await bob.functions.call("amie-prompt-builder", "get_system_prompt", #"{"userMessage":"how do I keep fit?"}"#)
            #expect(bobs.status == .ok && !(bobs.object["systemPrompt"] as? String ?? "river").contains("river"), "\(bobs.body)")
        }
    }
}
