import AsyncHTTPClient
import Core
import Foundation

/// Google's Gemini API: chats through `models/{model}:generateContent` (and
/// `:streamGenerateContent?alt=sse`) with `functionDeclarations`, pictures through the image
/// models' `generateContent` with image output, or Imagen's `:predict` for `imagen-…` models.
/// The key goes in `x-goog-api-key`, never in the URL.
public struct GeminiModel: ChatModel, ImageModel {
    public let model: String
    let baseURL: String
    let connection: ProviderConnection

    public var identifier: String { "gemini/\(model)" }

    public init(baseURL: String, apiKey: String?, model: String, client: HTTPClient = ProviderClient.shared, timeoutSeconds: Int = 60, attempts: Int = 3) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.model = model
        connection = ProviderConnection(client: client, headers: apiKey.map { [("x-goog-api-key", $0)] } ?? [], timeoutSeconds: timeoutSeconds, attempts: attempts)
    }

    var modelURL: String { "\(baseURL)/models/\(model.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? model)" }

    // MARK: Chat

    public func complete(_ request: ChatRequest) async throws -> ChatReply {
        let bytes = try await connection.post("\(modelURL):generateContent", json: Self.body(request))
        var reply = ChatReply(text: "")
        try Self.read(try Self.decode(bytes), into: &reply)
        return reply
    }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
        ProviderConnection.stream { continuation in
            let events = try await connection.events("\(modelURL):streamGenerateContent?alt=sse", json: Self.body(request))
            var reply = ChatReply(text: "")
            for try await data in events {
                // Counted in bytes: a piece may end inside a grapheme (a flag, an accent) that the next one completes.
                let before = reply.text.utf8.count
                try Self.read(try Self.decode(Array(data.utf8)), into: &reply)
                if reply.text.utf8.count > before { continuation.yield(.text(String(decoding: reply.text.utf8.dropFirst(before), as: UTF8.self))) }
            }
            continuation.yield(.finished(reply))
        }
    }

    static func body(_ request: ChatRequest) -> [UInt8] {
        var body: [String: JSONValue] = [:]
        let system = request.messages.filter { $0.role == .system }.map(\.text).joined(separator: "\n\n")
        if !system.isEmpty { body["systemInstruction"] = .object(["parts": .array([.object(["text": .string(system)])])]) }
        body["contents"] = .array(request.messages.filter { $0.role != .system }.map(content))
        if !request.tools.isEmpty {
            body["tools"] = .array([.object(["functionDeclarations": .array(request.tools.map { tool in
                .object(["name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters])
            })])])
        }
        var generation: [String: JSONValue] = [:]
        if let tokens = request.maxOutputTokens { generation["maxOutputTokens"] = .number(Double(tokens)) }
        if let temperature = request.temperature { generation["temperature"] = .number(temperature) }
        if request.json { generation["responseMimeType"] = .string("application/json") }
        if !generation.isEmpty { body["generationConfig"] = .object(generation) }
        return Array(JSONValue.object(body).jsonText.utf8)
    }

    static func content(_ message: ChatMessage) -> JSONValue {
        var parts: [JSONValue] = []
        switch message.role {
        case .tool:
            parts.append(.object(["functionResponse": .object([
                "name": .string(message.toolCall?.name ?? "tool"),
                "response": .object(["result": .string(message.text)]),
            ])]))
        default:
            if !message.text.isEmpty { parts.append(.object(["text": .string(message.text)])) }
            for image in message.images {
                parts.append(.object(["inlineData": .object([
                    "mimeType": .string(image.mimeType), "data": .string(Data(image.data).base64EncodedString()),
                ])]))
            }
            for call in message.toolCalls {
                parts.append(.object(["functionCall": .object(["name": .string(call.name), "args": call.arguments])]))
            }
        }
        if parts.isEmpty { parts.append(.object(["text": .string("")])) }
        return .object(["role": .string(message.role == .assistant ? "model" : "user"), "parts": .array(parts)])
    }

    static func decode(_ bytes: [UInt8]) throws -> JSONValue {
        try ProviderConnection.object(bytes, "not a generateContent answer")
    }

    /// Adds one `GenerateContentResponse` (the whole answer, or one piece of a stream) to `reply`.
    static func read(_ response: JSONValue, into reply: inout ChatReply) throws {
        if let reason = response["promptFeedback"]?["blockReason"]?.stringValue {
            throw AIError.blocked("the prompt was blocked (\(reason))")
        }
        if let usage = response["usageMetadata"] {
            reply.usage = TokenUsage(input: usage["promptTokenCount"]?.intValue ?? reply.usage.input,
                                     output: usage["candidatesTokenCount"]?.intValue ?? reply.usage.output)
        }
        guard case .array(let candidates)? = response["candidates"], let candidate = candidates.first else {
            if response["usageMetadata"] != nil { return }
            throw AIError.malformedReply("no candidates")
        }
        if let reason = candidate["finishReason"]?.stringValue, ["SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION"].contains(reason) {
            throw AIError.blocked("the answer was withheld (\(reason))")
        }
        guard case .array(let parts)? = candidate["content"]?["parts"] else { return }
        for part in parts {
            if let text = part["text"]?.stringValue, part["thought"] != .bool(true) { reply.text += text }
            if let call = part["functionCall"], let name = call["name"]?.stringValue {
                let arguments = call["args"]?.objectValue.map(JSONValue.object) ?? .object([:])
                reply.toolCalls.append(ToolCall(id: call["id"]?.stringValue ?? "call_\(reply.toolCalls.count + 1)", name: name, arguments: arguments))
            }
        }
    }

    // MARK: Images

    public func generate(prompt: String, references: [ImageInput]) async throws -> GeneratedImage {
        if model.hasPrefix("imagen") { return try await predict(prompt) }
        let body = JSONValue.object([
            "contents": .array([Self.content(ChatMessage(.user, prompt, images: references))]),
            "generationConfig": .object(["responseModalities": .array([.string("TEXT"), .string("IMAGE")])]),
        ])
        let response = try Self.decode(try await connection.post("\(modelURL):generateContent", json: Array(body.jsonText.utf8)))
        var ignored = ChatReply(text: "")
        try Self.read(response, into: &ignored)
        guard case .array(let candidates)? = response["candidates"], case .array(let answerParts)? = candidates.first?["content"]?["parts"] else {
            throw AIError.malformedReply("no candidates")
        }
        for part in answerParts {
            if let inline = part["inlineData"] ?? part["inline_data"], let data = inline["data"]?.stringValue {
                return try Self.image(base64: data, mimeType: (inline["mimeType"] ?? inline["mime_type"])?.stringValue)
            }
        }
        throw AIError.malformedReply("the answer holds no image")
    }

    /// Imagen: `:predict` with one instance, one sample.
    func predict(_ prompt: String) async throws -> GeneratedImage {
        let body = JSONValue.object([
            "instances": .array([.object(["prompt": .string(prompt)])]),
            "parameters": .object(["sampleCount": .number(1)]),
        ])
        let response = try Self.decode(try await connection.post("\(modelURL):predict", json: Array(body.jsonText.utf8)))
        guard case .array(let predictions)? = response["predictions"], let first = predictions.first,
              let data = first["bytesBase64Encoded"]?.stringValue else {
            throw AIError.blocked("no image was returned (filtered or refused)")
        }
        return try Self.image(base64: data, mimeType: first["mimeType"]?.stringValue)
    }

    static func image(base64: String, mimeType: String?) throws -> GeneratedImage {
        guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters), !data.isEmpty else {
            throw AIError.malformedReply("the image is not base64")
        }
        return try GeneratedImage(checking: Array(data), declared: mimeType)
    }
}
