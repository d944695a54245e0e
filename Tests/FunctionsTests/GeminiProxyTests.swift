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

/// `gemini-proxy` against the loopback model provider, over both APIs: every action's reply
/// shape, the model's answers read as untrusted input, and image generation paid for exactly
/// once — refunded when the provider fails, never charged twice, never more than the credits
/// there are — from the attacker's side too.
@Suite("AI: gemini-proxy")
struct GeminiProxyTests {
    static let key = "provider-key-1"

    static func app(_ provider: AIProviderTestServer?, api: AISettings.Provider = .gemini, _ adjust: @escaping @Sendable (inout AppConfig) -> Void = { _ in }) async throws -> TestApp {
        try await TestApp.make { config in
            config.publicURL = "https://api.visionary.test"
            if let provider {
                config.ai.provider = api
                config.ai.baseURL = api == .gemini ? provider.geminiBaseURL : provider.openAIBaseURL
                config.ai.apiKey = key
                config.ai.attempts = 2
                config.ai.timeoutSeconds = 5
            }
            adjust(&config)
        }
    }

    static func credits(_ app: TestApp, _ user: TestUser) async throws -> Int {
        Int(try await app.owner.text(SQLStatement("SELECT credits::text FROM public.profiles WHERE id = $1::uuid", [.text(user.id)])) ?? "") ?? -1
    }

    static func ledger(_ app: TestApp, _ user: TestUser) async throws -> [String] {
        (try await app.owner.text(SQLStatement(
            "SELECT string_agg(reason || ':' || delta, ',' ORDER BY created_at) FROM public.credit_ledger WHERE user_id = $1::uuid",
            [.text(user.id)])) ?? "").split(separator: ",").map(String.init)
    }

    static let png = "data:image/png;base64," + Data(AIProviderTestServer.png).base64EncodedString()

    @Test("without a provider every model action answers 503 ai_not_configured, charging nothing; diagnose says so")
    func notConfigured() async throws {
        let app = try await Self.app(nil)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@noai.test")
            for body in [#"{"action":"chat","message":"hi"}"#, #"{"action":"generate_image","prompt":"a beach"}"#, #"{"action":"action_plan","visionContext":"a farm"}"#] {
                let reply = try await ann.functions.call("gemini-proxy", nil, body)
                #expect(reply.status == .serviceUnavailable && reply.code == "ai_not_configured", "\(body) \(reply.body)")
            }
            #expect(try await Self.credits(app, ann) == 3)
            let diagnose = try await ann.functions.call("gemini-proxy", nil, #"{"action":"diagnose"}"#)
            #expect(diagnose.status == .ok && diagnose.body.contains(#""configured":false"#), "\(diagnose.body)")
        }
    }

    @Test("chat, summarize, projections, figures and plans over Gemini: the reply shapes, the key in its header, the model's JSON checked")
    func textActionsOverGemini() async throws {
        let provider = await AIProviderTestServer(apiKey: Self.key)
        defer { provider.stop() }
        let app = try await Self.app(provider)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@gemini.test")
            let chat = try await ann.functions.call("gemini-proxy", nil, #"{"action":"chat","history":[{"role":"user","text":"I dream of Lisbon"},{"role":"model","text":"Lovely"}],"message":"What next?"}"#)
            #expect(chat.status == .ok && chat.object["success"] as? Bool == true && chat.object["text"] as? String == "Echo: What next?", "\(chat.body)")
            #expect(UUID(uuidString: chat.object["requestId"] as? String ?? "") != nil)
            let sent = try #require(provider.requests.last)
            #expect(sent.api == "gemini" && sent.call == "generateContent" && sent.body["systemInstruction"] != nil)
            #expect(sent.body["contents"]?.arrayValue?.count == 3 && sent.body["contents"]?.arrayValue?[1]["role"]?.stringValue == "model")
            #expect(!sent.text.contains(Self.key) && !sent.query.contains(Self.key), "the key travels in x-goog-api-key, not the body or URL")

            provider.script(.text("A sunlit terrace over Lisbon's rooftops at dusk."))
            let summary = try await ann.functions.call("gemini-proxy", nil, #"{"action":"summarize","history":[{"role":"user","text":"Lisbon, a terrace"}]}"#)
            #expect(summary.object["summary"] as? String == "A sunlit terrace over Lisbon's rooftops at dusk.", "\(summary.body)")

            // JSON in code fences, one row missing a number, one with numbers as strings.
            provider.script(.text("```json\n[{\"year\":2027,\"savings\":1000,\"projected\":1100,\"goal\":5000},{\"year\":2028,\"savings\":\"2,000\",\"projected\":2300,\"goal\":5000},{\"year\":2029}]\n```"))
            let projection = try await ann.functions.call("gemini-proxy", nil, #"{"action":"financial_projection","description":"save 1000 a year"}"#)
            let rows = projection.object["projection"] as? [[String: Any]] ?? []
            #expect(rows.count == 2 && rows[1]["savings"] as? Double == 2000, "\(projection.body)")
            #expect(try #require(provider.requests.last).body["generationConfig"]?["responseMimeType"]?.stringValue == "application/json")

            provider.script(.text(#"{"currentSavings":50000,"monthlyContribution":-5,"targetGoal":"1e400","targetYear":99999,"dreamDescription":"A boat"}"#))
            let figures = try await ann.functions.call("gemini-proxy", nil, #"{"action":"parse_financial","history":"I have 50k saved"}"#)
            let data = figures.object["data"] as? [String: Any] ?? [:]
            #expect(data["currentSavings"] as? Double == 50000 && data["monthlyContribution"] as? Double == 0, "\(figures.body)")
            #expect(data["targetGoal"] is NSNull && data["targetYear"] is NSNull && data["dreamDescription"] as? String == "A boat")

            // The model's ids are never used; types outside the three are ADMIN; a milestone without a title is dropped.
            let otherTask = UUID().uuidString
            provider.script(.text(#"[{"year":2027,"title":"Save","tasks":[{"id":"\#(otherTask)","title":"Open an account","type":"finance","dueDate":"2027-01-31","aiMetadata":{"suggestedTool":"GMAIL"}},{"title":"Drop tables","type":"DROP TABLE","dueDate":"2027-02-30"}]},{"year":2028}]"#))
            let plan = try await ann.functions.call("gemini-proxy", nil, #"{"action":"action_plan","visionContext":"Retire in Lisbon","financialContext":"Target: $1,000,000"}"#)
            let milestones = plan.object["plan"] as? [[String: Any]] ?? []
            let tasks = milestones.first?["tasks"] as? [[String: Any]] ?? []
            #expect(milestones.count == 1 && tasks.count == 2, "\(plan.body)")
            #expect(tasks[0]["id"] as? String != otherTask && tasks[0]["type"] as? String == "FINANCE" && tasks[1]["type"] as? String == "ADMIN")
            #expect(tasks[1]["dueDate"] is NSNull && tasks[0]["isCompleted"] as? Bool == false)

            provider.script(.text("I cannot produce JSON today"))
            #expect(try await ann.functions.call("gemini-proxy", nil, #"{"action":"action_plan","visionContext":"x"}"#).status == .badGateway)

            // Refusals: anon, a forged token, no message, an unknown action, the original's raw pass-through.
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            #expect(try await anon.call("gemini-proxy", nil, #"{"action":"chat","message":"hi"}"#).status == .unauthorized)
            #expect(try await ann.functions.with(bearer: ann.token + "x").call("gemini-proxy", nil, #"{"action":"chat","message":"hi"}"#).status == .unauthorized)
            #expect(try await ann.functions.call("gemini-proxy", nil, #"{"action":"chat"}"#).status == .badRequest)
            #expect(try await ann.functions.call("gemini-proxy", nil, #"{"action":"chat","message":"hi","history":"not a list"}"#).status == .badRequest)
            #expect(try await ann.functions.call("gemini-proxy", nil, #"{"action":"raw","contents":[]}"#).status == .badRequest)
            let long = String(repeating: "a", count: 8_001)
            #expect(try await ann.functions.call("gemini-proxy", nil, #"{"action":"chat","message":"\#(long)"}"#).status == .badRequest)
        }
    }

    @Test("an image costs a FREE user one credit: charged before the call, refunded when it fails, the app's own spend claimed once")
    func imageCredits() async throws {
        let provider = await AIProviderTestServer(apiKey: Self.key)
        defer { provider.stop() }
        let app = try await Self.app(provider)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@credits.test")
            let bob = try await signUp(client, app: app, email: "bob@credits.test")
            let made = try await ann.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"a beach house","titleText":"Home","images":["\#(Self.png)"],"userId":"\#(bob.id)"}"#)
            #expect(made.status == .ok && (made.object["image"] as? String)?.hasPrefix("data:image/png;base64,") == true, "\(made.body)")
            let sent = try #require(provider.requests.last)
            #expect(sent.body["contents"]?.arrayValue?.first?["parts"]?.arrayValue?.count == 2 && sent.text.contains("Home"))
            // The body's userId is ignored: the token's user pays.
            let (annCredits, bobCredits) = (try await Self.credits(app, ann), try await Self.credits(app, bob))
            #expect(annCredits == 2 && bobCredits == 3)

            // A provider that keeps failing: 502, the credit back; a malformed answer and a blocked prompt likewise.
            provider.script(.status(500), .status(503))
            let failed = try await ann.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"x"}"#)
            #expect(failed.status == .badGateway, "\(failed.body)")
            provider.script(.malformed)
            #expect(try await ann.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"x"}"#).status == .badGateway)
            provider.script(.blocked)
            #expect(try await ann.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"x"}"#).status == .unprocessableContent)
            #expect(try await Self.credits(app, ann) == 2)
            #expect(try await Self.ledger(app, ann) == ["signup_bonus:3", "generation:-1", "generation:-1", "generation_refund:1", "generation:-1", "generation_refund:1", "generation:-1", "generation_refund:1"])

            // The app's own spend (one less, by REST) pays for the next image; it is not charged again, and pays once only.
            let spend = try await client.execute(
                uri: "/rest/v1/profiles?id=eq.\(ann.id)", method: .patch,
                headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(ann.token)", .contentType: "application/json"],
                body: .init(string: #"{"credits":1}"#)) { $0.status }
            #expect(spend == .noContent)
            #expect(try await ann.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"y"}"#).status == .ok)
            #expect(try await Self.credits(app, ann) == 1)
            #expect(try await ann.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"z"}"#).status == .ok)
            #expect(try await Self.credits(app, ann) == 0)
            let broke = try await ann.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"z"}"#)
            #expect(broke.status.code == 402 && broke.code == "insufficient_credits", "\(broke.body)")

            // A paid tier is unlimited: no credit moves.
            _ = try await app.owner.text(SQLStatement("UPDATE public.profiles SET subscription_tier = 'PRO' WHERE id = $1::uuid", [.text(ann.id)]))
            #expect(try await ann.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"z"}"#).status == .ok)
            #expect(try await Self.credits(app, ann) == 0)

            // Inputs: a URL instead of a picture, bytes that are no picture, too many pictures, a picture too large.
            for images in [#"["https://example.test/me.png"]"#, #"["\#(Data("not a picture".utf8).base64EncodedString())"]"#,
                           "[" + Array(repeating: "\"\(Self.png)\"", count: 5).joined(separator: ",") + "]", #""one""#] {
                let refused = try await bob.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"x","images":\#(images)}"#)
                #expect(refused.status == .badRequest, "\(images.prefix(60)) \(refused.body)")
            }
            #expect(try await Self.credits(app, bob) == 3)
        }
    }

    @Test("20 concurrent images by a user with 3 credits charge exactly 3; store: true saves the picture and the board as the caller's")
    func concurrentImagesAndStore() async throws {
        let provider = await AIProviderTestServer(apiKey: Self.key)
        defer { provider.stop() }
        let app = try await Self.app(provider) { $0.ai.freeQuota.requestsPerMinute = 100 }
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@burst.test")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask { Int(try await ann.functions.concurrent.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"p"}"#).status.code) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 3 && statuses.filter { $0 == 402 }.count == 17, "\(statuses)")
            #expect(try await Self.credits(app, ann) == 0)
            #expect(try await Self.ledger(app, ann).filter { $0.hasPrefix("generation") }.count == 3)

            let bob = try await signUp(client, app: app, email: "bob@burst.test")
            let stored = try await bob.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"a garden","store":true}"#)
            let board = stored.object["board"] as? [String: Any] ?? [:]
            let url = try #require(board["image_url"] as? String, "\(stored.body)")
            #expect(url.hasPrefix("https://api.visionary.test/storage/v1/object/public/visions/\(bob.id)/"))
            let path = String(url.dropFirst("https://api.visionary.test".count))
            let image = try await client.execute(uri: path, method: .get) { ($0.status, Array(buffer: $0.body)) }
            #expect(image.0 == .ok && image.1 == AIProviderTestServer.png)
            #expect(try await app.owner.text(SQLStatement("SELECT owner::text FROM storage.objects WHERE bucket_id = 'visions' AND name = $1", [.text(String(url.split(separator: "/visions/").last ?? ""))])) == bob.id)
            let boards = try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.vision_boards WHERE user_id = $1::uuid", [.text(bob.id)]))
            #expect(boards == "1")
            // A picture that cannot be stored (the board refused) leaves no board, no object, and the credit back.
            try await app.owner.execute(SQLStatement(
                "CREATE FUNCTION public.refuse_boards() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boards are closed today'; END $$"))
            try await app.owner.execute(SQLStatement(
                "CREATE TRIGGER refuse_boards BEFORE INSERT ON public.vision_boards FOR EACH ROW EXECUTE FUNCTION public.refuse_boards()"))
            let credits = try await Self.credits(app, bob)
            let refused = try await bob.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"x","store":true}"#)
            #expect(refused.status == .unprocessableContent, "\(refused.body)")
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM storage.objects WHERE bucket_id = 'visions' AND name LIKE $1", [.text("\(bob.id)/%")])) == "1")
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.vision_boards WHERE user_id = $1::uuid", [.text(bob.id)])) == "1")
            #expect(try await Self.credits(app, bob) == credits)

            // A charge that neither delivered nor was refunded (the server stopped mid-way) is refunded by the hourly job, once.
            let lost = UUID().uuidString
            #expect(try await app.owner.text(SQLStatement("SELECT internal.charge_generation($1::uuid, $2::uuid)", [.text(bob.id), .text(lost)])) == "charge")
            #expect(try await Self.credits(app, bob) == credits - 1)
            #expect(try await app.owner.text(SQLStatement("SELECT internal.refund_stale_generations(now() - interval '15 minutes')::text")) == "0")
            #expect(try await app.owner.text(SQLStatement("SELECT internal.refund_stale_generations(now() + interval '1 minute')::text")) == "1")
            #expect(try await Self.credits(app, bob) == credits)
            #expect(try await app.owner.text(SQLStatement("SELECT internal.refund_stale_generations(now() + interval '1 minute')::text")) == "0")
        }
    }

    @Test("over the OpenAI API: chat and images (edits with references); quota, provider rate limits, timeouts and a wrong key")
    func openAIAndLimits() async throws {
        let provider = await AIProviderTestServer(apiKey: Self.key)
        defer { provider.stop() }
        let app = try await Self.app(provider, api: .openai) { config in
            config.ai.freeQuota.requestsPerMinute = 3
            config.ai.timeoutSeconds = 1
        }
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@openai.test")
            let chat = try await ann.functions.call("gemini-proxy", nil, #"{"action":"chat","message":"hello"}"#)
            #expect(chat.object["text"] as? String == "Echo: hello", "\(chat.body)")
            #expect(try #require(provider.requests.last).body["messages"]?.arrayValue?.first?["role"]?.stringValue == "system")
            let edited = try await ann.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"me on a boat","images":["\#(Self.png)"]}"#)
            #expect(edited.status == .ok && provider.requests.last?.call == "edits", "\(edited.body)")
            // The provider's own 429 (with a Retry-After too long to wait): 503 with its Retry-After, the credit back.
            provider.script(.status(429, retryAfter: 30))
            let limited = try await ann.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"p"}"#)
            #expect(limited.status == .serviceUnavailable && limited.code == "ai_rate_limited" && limited.header("Retry-After") == "30", "\(limited.body)")
            #expect(try await Self.credits(app, ann) == 2)
            // Three requests a minute: the fourth is refused with the wait.
            let refused = try await ann.functions.call("gemini-proxy", nil, #"{"action":"chat","message":"again"}"#)
            #expect(refused.status == .tooManyRequests && Int(refused.header("Retry-After") ?? "") ?? 0 >= 1, "\(refused.body)")

            let bob = try await signUp(client, app: app, email: "bob@openai.test")
            provider.script(.slow(.milliseconds(1500), .text("late")))
            let slow = try await bob.functions.call("gemini-proxy", nil, #"{"action":"chat","message":"hello"}"#)
            #expect(slow.status == .gatewayTimeout && slow.code == "ai_timeout", "\(slow.body)")
        }
        let wrongKey = try await Self.app(provider, api: .openai) { $0.ai.apiKey = "wrong" }
        try await wrongKey.run { client in
            let cy = try await signUp(client, app: wrongKey, email: "cy@openai.test")
            let reply = try await cy.functions.call("gemini-proxy", nil, #"{"action":"chat","message":"hello"}"#)
            #expect(reply.status == .badGateway && !reply.body.contains("Incorrect API key"), "\(reply.body)")
        }
    }
}

extension GeminiProxyTests {
    /// The last user turn the provider was sent (either API).
    static func lastUserText(_ provider: AIProviderTestServer) -> String? {
        guard let request = provider.requests.last else { return nil }
        if request.api == "gemini" {
            return request.body["contents"]?.arrayValue?.last?["parts"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined()
        }
        return request.body["messages"]?.arrayValue?.last?["content"]?.stringValue
    }
}

extension GeminiProxyTests {
    @Test("an imagen-… image model is called through :predict, with the chat role left on its own model")
    func imagen() async throws {
        let provider = await AIProviderTestServer(apiKey: Self.key)
        defer { provider.stop() }
        let app = try await Self.app(provider) { $0.ai.setImage(model: "imagen-4.0-generate-001") }
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@imagen.test")
            let made = try await ann.functions.call("gemini-proxy", nil, #"{"action":"generate_image","prompt":"a lighthouse"}"#)
            #expect(made.status == .ok && (made.object["image"] as? String)?.hasPrefix("data:image/png;base64,") == true, "\(made.body)")
            let sent = try #require(provider.requests.last)
            #expect(sent.call == "predict" && sent.model == "imagen-4.0-generate-001")
            #expect(sent.body["instances"]?.arrayValue?.first?["prompt"]?.stringValue == "a lighthouse")
            _ = try await ann.functions.call("gemini-proxy", nil, #"{"action":"chat","message":"hi"}"#)
            #expect(provider.requests.last?.model == "gemini-2.5-flash")
        }
    }
}
