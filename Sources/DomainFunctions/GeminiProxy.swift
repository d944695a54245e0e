import AIModels
import AppConfig
import Core
import Database
import Foundation
import FunctionsAPI
import StorageAPI

/// The original app's `gemini-proxy`: the model calls the app makes (`{action, …}` in the body),
/// answered `{success: true, requestId, …}`, for the signed-in caller only — the original's
/// unauthenticated `raw` pass-through is not offered. `generate_image` is paid for: a FREE user's
/// image costs one credit, taken before the model is called (or the app's own spend of the last
/// 10 minutes, claimed) and given back when it fails.
struct GeminiProxy: Sendable {
    let models: ModelAccess
    let database: CallerDatabase
    let storage: StorageService?
    /// `VISIONARY_PUBLIC_URL`, for the stored image's public URL.
    let publicURL: String

    /// Pictures a request may send, and the chat history it may carry.
    static let maxImages = 4
    static let maxHistory = 50

    var function: ActionFunction {
        let history = ParameterDescription("history", "array", "the conversation so far: [{role: 'user' | 'model', text}]")
        return ActionFunction(name: "gemini-proxy", summary: "The app's model calls: chat, summaries, images, financial projections and action plans.", actions: [
            Action("chat", "{success, requestId, text}: the coach's answer to `message` after `history`.",
                   parameters: [history, ParameterDescription("message", "string", required: true, "the user's message")]) { input in
                let user = try await database.liveUser(input.caller)
                let turns = try conversation(input, then: try text(input, "message"))
                let reply = try await models.complete(ChatRequest(messages: [ChatMessage(.system, Self.coachPersona)] + turns,
                                                                  maxOutputTokens: 1024, temperature: 0.7), for: user)
                return Self.success(["text": .string(reply.text.isEmpty ? Self.emptyAnswer : reply.text)])
            },
            Action("summarize", "{success, requestId, summary}: the conversation in `history` as one prompt for a vision-board image.",
                   parameters: [history]) { input in
                let user = try await database.liveUser(input.caller)
                let turns = try conversation(input, then: nil)
                let transcript = turns.map { "\($0.role == .user ? "User" : "Coach"): \($0.text)" }.joined(separator: "\n")
                let reply = try await models.complete(ChatRequest(messages: [
                    ChatMessage(.system, Self.summaryInstructions), ChatMessage(.user, transcript),
                ], maxOutputTokens: 512, temperature: 0.7), for: user)
                return Self.success(["summary": .string(reply.text.trimmingCharacters(in: .whitespacesAndNewlines))])
            },
            Action("generate_image", "{success, requestId, image (a data: URL)}: a vision-board picture of `prompt`, guided by `images` (data: URLs or base64). A FREE user's image costs one credit (402 when none is left; the app's own one-credit spend of the last 10 minutes pays for it instead), given back if the generation fails. With `store: true` the picture is also saved to the caller's `visions` folder and a vision board created: {…, board: {id, image_url}}.",
                   parameters: [ParameterDescription("prompt", "string", "what to draw"),
                                ParameterDescription("images", "array of strings", "up to 4 reference pictures as data: URLs or base64"),
                                ParameterDescription("titleText", "string", "a title to show in the picture"),
                                ParameterDescription("embeddedText", "string", "text to work into the scene"),
                                ParameterDescription("store", "boolean", "save the picture and create the vision board (default false)")]) { input in
                try await generateImage(input)
            },
            Action("financial_projection", "{success, requestId, projection: [{year, savings, projected, goal}]}: five years of the scenario in `description`.",
                   parameters: [ParameterDescription("description", "string", required: true, "the financial scenario")]) { input in
                let user = try await database.liveUser(input.caller)
                let reply = try await models.complete(ChatRequest(messages: [
                    ChatMessage(.system, Self.projectionInstructions), ChatMessage(.user, try text(input, "description")),
                ], maxOutputTokens: 512, temperature: 0.3, json: true), for: user)
                return Self.success(["projection": .array(try ModelJSON.projection(reply.text))])
            },
            Action("parse_financial", "{success, requestId, data: {currentSavings, monthlyContribution, targetGoal, targetYear, dreamDescription}}: the figures a conversation (`history`, a string) mentions.",
                   parameters: [ParameterDescription("history", "string", required: true, "the conversation as text")]) { input in
                let user = try await database.liveUser(input.caller)
                let reply = try await models.complete(ChatRequest(messages: [
                    ChatMessage(.system, Self.parseInstructions), ChatMessage(.user, try text(input, "history")),
                ], maxOutputTokens: 512, temperature: 0.2, json: true), for: user)
                return Self.success(["data": try ModelJSON.financialFigures(reply.text)])
            },
            Action("action_plan", "{success, requestId, plan: [{year, title, marketResearchSnippet, tasks: [{id, title, description, dueDate, type, isCompleted, aiMetadata}]}]}: a three-year plan toward the vision, whose tasks the app inserts as action_tasks.",
                   parameters: [ParameterDescription("visionContext", "string", required: true, "the vision"),
                                ParameterDescription("financialContext", "string", "the financial target")]) { input in
                let user = try await database.liveUser(input.caller)
                let vision = try text(input, "visionContext")
                let finances = try input.string("financialContext", maxLength: models.settings.maxPromptCharacters) ?? "No specific target set"
                let reply = try await models.complete(ChatRequest(messages: [
                    ChatMessage(.system, Self.planInstructions),
                    ChatMessage(.user, "Vision: \(vision)\nFinances: \(finances)\nThis year: \(Calendar(identifier: .gregorian).component(.year, from: Date()))"),
                ], maxOutputTokens: 4096, temperature: 0.5, json: true), for: user)
                return Self.success(["plan": .array(try ModelJSON.actionPlan(reply.text))])
            },
            Action("diagnose", "{success, diagnostics: {chat, images}}: whether this server has a chat and an image model configured (never keys or addresses).", access: .anyone) { _ in
                Self.success(["diagnostics": .object([
                    "chat": .object(["configured": .bool(models.providers.chat != nil)]),
                    "images": .object(["configured": .bool(models.providers.image != nil)]),
                ])])
            },
        ])
    }

    // MARK: Images

    func generateImage(_ input: ActionInput) async throws -> FunctionResponse {
        let user = try await database.liveUser(input.caller)
        var prompt = try input.string("prompt", maxLength: models.settings.maxPromptCharacters) ?? "A beautiful, inspiring vision board image."
        if let title = try input.string("titleText", maxLength: 200), !title.isEmpty { prompt += " Show the title \"\(title)\" prominently." }
        if let text = try input.string("embeddedText", maxLength: 500), !text.isEmpty { prompt += " Work the words \"\(text)\" naturally into the scene." }
        let references = try images(input)
        let store = try input.bool("store") ?? false
        if store, storage == nil { throw FunctionError.notConfigured("storage", "Storage is not available on this server") }
        let model = try models.imageModel()
        try await models.admit(user)
        let request = UUID()
        let paid = try await models.owner.text(SQLStatement(
            "SELECT internal.charge_generation($1::uuid, $2::uuid)", [.text(user.uuidString), .text(request.uuidString)]))
        guard paid != "no_credits" else {
            throw FunctionError(status: 402, code: "insufficient_credits", message: "You have no generation credits left")
        }
        do {
            let image = try await ModelAccess.answering { try await model.generate(prompt: prompt, references: references) }
            var reply: [String: JSONValue] = ["image": .string(image.dataURL)]
            if store { reply["board"] = try await storeBoard(image, prompt: prompt, request: request, user: user, caller: input) }
            // Delivered: the payment stands (an unsettled one is refunded by generations.refund-stale).
            try? await models.owner.execute(SQLStatement("SELECT internal.settle_generation($1::uuid)", [.text(request.uuidString)]))
            return Self.success(reply, requestID: request)
        } catch {
            // The refund must happen even when the request was cancelled mid-way.
            let owner = models.owner
            try? await Task.detached {
                _ = try await owner.text(SQLStatement("SELECT internal.refund_generation($1::uuid)::text", [.text(request.uuidString)]))
            }.value
            throw error
        }
    }

    /// Saves the picture in the caller's `visions` folder and creates their board; on failure
    /// nothing of it is left.
    func storeBoard(_ image: GeneratedImage, prompt: String, request: UUID, user: UUID, caller input: ActionInput) async throws -> JSONValue {
        guard let storage else { throw FunctionError.notConfigured("storage", "Storage is not available on this server") }
        let name = "\(user.uuidString.lowercased())/\(request.uuidString.lowercased()).\(image.mimeType == "image/jpeg" ? "jpg" : image.mimeType == "image/webp" ? "webp" : "png")"
        try await storage.write(bucket: "visions", name: name, bytes: image.data, mimeType: image.mimeType, owner: user)
        let url = "\(publicURL)/storage/v1/object/public/visions/\(name)"
        do {
            return try await database.value(input.caller, """
                INSERT INTO public.vision_boards (prompt, image_url) VALUES ($1, $2)
                RETURNING jsonb_build_object('id', id, 'image_url', image_url)::text
                """, [.text(prompt), .text(url)]) ?? .null
        } catch {
            try? await storage.remove(bucket: "visions", name: name)
            throw error
        }
    }

    /// The reference pictures: data: URLs or bare base64, PNG, JPEG or WebP by their bytes.
    func images(_ input: ActionInput) throws(FunctionError) -> [ImageInput] {
        guard let value = input.value("images") else { return [] }
        guard case .array(let items) = value, items.count <= Self.maxImages else {
            throw .invalid("`images` must be an array of at most \(Self.maxImages) pictures")
        }
        return try items.enumerated().map { index, item throws(FunctionError) in
            guard case .string(let text) = item else { throw .invalid("`images[\(index)]` must be a data: URL or base64 text") }
            if text.hasPrefix("http://") || text.hasPrefix("https://") {
                throw .invalid("`images[\(index)]` is a URL: send the picture itself as a data: URL")
            }
            let encoded = text.hasPrefix("data:") ? text.split(separator: ",", maxSplits: 1).last.map(String.init) ?? "" : text
            // Base64 is 4/3 of the bytes: refuse before decoding anything too large.
            guard encoded.utf8.count <= models.settings.maxImageBytes / 3 * 4 + 8 else {
                throw .invalid("`images[\(index)]` is larger than \(models.settings.maxImageBytes) bytes")
            }
            guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters), !data.isEmpty else {
                throw .invalid("`images[\(index)]` is not base64")
            }
            guard let type = GeneratedImage.sniff(Array(data)) else { throw .invalid("`images[\(index)]` is not a PNG, JPEG or WebP picture") }
            return ImageInput(mimeType: type, data: Array(data))
        }
    }

    // MARK: Inputs

    /// A required prompt text (`ActionInput.text`: non-empty once trimmed), at most the configured length.
    func text(_ input: ActionInput, _ name: String) throws(FunctionError) -> String {
        try input.text(name, maxLength: models.settings.maxPromptCharacters)
    }

    /// `history` ([{role, text}]) as chat turns, then `message` when given.
    func conversation(_ input: ActionInput, then message: String?) throws(FunctionError) -> [ChatMessage] {
        var turns: [ChatMessage] = []
        if let value = input.value("history") {
            guard case .array(let items) = value, items.count <= Self.maxHistory else {
                throw .invalid("`history` must be an array of at most \(Self.maxHistory) turns")
            }
            var characters = 0
            for (index, item) in items.enumerated() {
                guard let text = item["text"]?.stringValue ?? item["content"]?.stringValue else {
                    throw .invalid("`history[\(index)]` must be {role, text}")
                }
                characters += text.count
                guard characters <= models.settings.maxPromptCharacters * 4 else { throw .invalid("`history` is too long") }
                turns.append(ChatMessage(item["role"]?.stringValue == "user" ? .user : .assistant, text))
            }
        }
        if let message { turns.append(ChatMessage(.user, message)) }
        guard !turns.isEmpty else { throw .invalid("`history` is required") }
        return turns
    }

    static func success(_ members: [String: JSONValue], requestID: UUID = UUID()) -> FunctionResponse {
        var members = members
        members["success"] = .bool(true)
        members["requestId"] = .string(requestID.uuidString.lowercased())
        return .json(JSONValue.object(members).jsonText)
    }

    // MARK: Prompts

    static let emptyAnswer = "I could not find the words for that just now. Please try again."

    static let coachPersona = """
        You are Visionary, a warm and practical coach in the Visionary AI app. You help people picture the life they want \
        (where they live, what they do, who they are with) and turn it into steady steps, money included. Ask one question \
        at a time, be concrete, and keep answers short unless asked for detail.
        """

    static let summaryInstructions = """
        Read the conversation and write one vivid prompt for an image generator that shows the future life the user \
        described: the place, the atmosphere, the people and the light. Write it as a description of a scene, without \
        phrases such as "I want". Answer with the prompt only.
        """

    static let projectionInstructions = """
        You project savings over the next five years. Answer with JSON only: an array of 5 objects, one a year, each with \
        the numbers year, savings, projected and goal.
        """

    static let parseInstructions = """
        Read the conversation and answer with JSON only: an object with the numbers currentSavings, monthlyContribution, \
        targetGoal and targetYear, and the string dreamDescription. Use null for what the conversation does not say.
        """

    static let planInstructions = """
        You plan how to reach a vision in three years. Answer with JSON only: an array of 3 milestones, one a year, each \
        {"year": number, "title": string, "marketResearchSnippet": string, "tasks": [{"title": string, "description": \
        string, "dueDate": "YYYY-MM-DD", "type": "FINANCE" | "LIFESTYLE" | "ADMIN", "aiMetadata": {"suggestedTool": \
        "GMAIL" | "MAPS" | "CALENDAR"}}]} with 2 to 5 tasks each.
        """
}
