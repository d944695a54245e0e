import AsyncHTTPClient
import Core
import Foundation

/// The OpenAI API and the servers that speak it (local model servers included): chats through
/// `/chat/completions` with `tools` and SSE streaming, pictures through `/images/generations`,
/// or `/images/edits` when reference pictures are given. The base URL includes `/v1`, as
/// OpenAI's own clients take it; the key goes as the bearer.
public struct OpenAICompatibleModel: ChatModel, ImageModel {
    public let model: String
    let baseURL: String
    let connection: ProviderConnection

    public var identifier: String { "openai/\(model)" }

    public init(baseURL: String, apiKey: String?, model: String, client: HTTPClient = ProviderClient.shared, timeoutSeconds: Int = 60, attempts: Int = 3) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.model = model
        let headers = apiKey.flatMap { $0.isEmpty ? nil : [("Authorization", "Bearer \($0)")] } ?? []
        connection = ProviderConnection(client: client, headers: headers, timeoutSeconds: timeoutSeconds, attempts: attempts)
    }

    // MARK: Chat

    public func complete(_ request: ChatRequest) async throws -> ChatReply {
        try Self.reply(try Self.decode(try await connection.post("\(baseURL)/chat/completions", json: body(request, stream: false))))
    }

    /// A `chat.completion` as a reply: its text, tool calls and usage.
    static func reply(_ response: JSONValue) throws -> ChatReply {
        guard let message = response["choices"]?.arrayValue?.first?["message"] else {
            throw AIError.malformedReply("no choices")
        }
        if message["refusal"]?.stringValue.map({ !$0.isEmpty }) == true, message["content"]?.stringValue == nil {
            throw AIError.blocked("the model refused")
        }
        var reply = ChatReply(text: message["content"]?.stringValue ?? "", usage: usage(response["usage"]))
        for (index, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
            guard let name = call["function"]?["name"]?.stringValue else { continue }
            reply.toolCalls.append(ToolCall(id: call["id"]?.stringValue ?? "call_\(index + 1)", name: name,
                                            arguments: arguments(call["function"]?["arguments"]?.stringValue ?? "")))
        }
        return reply
    }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
        ProviderConnection.stream { continuation in
            let events = try await connection.events("\(baseURL)/chat/completions", json: body(request, stream: true))
            var reply = ChatReply(text: "")
            var calls: [Int: (id: String?, name: String, arguments: String)] = [:]
            for try await data in events {
                if data.trimmingCharacters(in: .whitespaces) == "[DONE]" { break }
                let chunk = try Self.decode(Array(data.utf8))
                if chunk["choices"]?.arrayValue?.first?["message"] != nil {
                    // Not streamed after all: the whole answer at once.
                    let whole = try Self.reply(chunk)
                    if !whole.text.isEmpty { continuation.yield(.text(whole.text)) }
                    continuation.yield(.finished(whole))
                    return
                }
                if chunk["usage"]?.objectValue != nil { reply.usage = Self.usage(chunk["usage"]) }
                guard let delta = chunk["choices"]?.arrayValue?.first?["delta"] else { continue }
                if let text = delta["content"]?.stringValue, !text.isEmpty {
                    reply.text += text
                    continuation.yield(.text(text))
                }
                for call in delta["tool_calls"]?.arrayValue ?? [] {
                    let index = call["index"]?.intValue ?? 0
                    guard (0..<64).contains(index) else { throw AIError.malformedReply("tool call index \(index)") }
                    var entry = calls[index] ?? (nil, "", "")
                    if let id = call["id"]?.stringValue { entry.id = id }
                    if let name = call["function"]?["name"]?.stringValue { entry.name += name }
                    if let piece = call["function"]?["arguments"]?.stringValue { entry.arguments += piece }
                    calls[index] = entry
                }
            }
            reply.toolCalls = calls.sorted { $0.key < $1.key }.filter { !$0.value.name.isEmpty }.map { index, call in
                ToolCall(id: call.id ?? "call_\(index + 1)", name: call.name, arguments: Self.arguments(call.arguments))
            }
            continuation.yield(.finished(reply))
        }
    }

    func body(_ request: ChatRequest, stream: Bool) -> [UInt8] {
        var body: [String: JSONValue] = ["model": .string(model), "messages": .array(request.messages.map(Self.message))]
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { tool in
                .object(["type": .string("function"), "function": .object([
                    "name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters,
                ])])
            })
        }
        if let tokens = request.maxOutputTokens { body["max_tokens"] = .number(Double(tokens)) }
        if let temperature = request.temperature { body["temperature"] = .number(temperature) }
        if request.json { body["response_format"] = .object(["type": .string("json_object")]) }
        if stream {
            body["stream"] = .bool(true)
            body["stream_options"] = .object(["include_usage": .bool(true)])
        }
        return Array(JSONValue.object(body).jsonText.utf8)
    }

    static func message(_ message: ChatMessage) -> JSONValue {
        var fields: [String: JSONValue] = ["role": .string(message.role.rawValue)]
        if message.images.isEmpty {
            fields["content"] = .string(message.text)
        } else {
            fields["content"] = .array([.object(["type": .string("text"), "text": .string(message.text)])] + message.images.map { image in
                .object(["type": .string("image_url"), "image_url": .object([
                    "url": .string("data:\(image.mimeType);base64,\(Data(image.data).base64EncodedString())"),
                ])])
            })
        }
        if !message.toolCalls.isEmpty {
            fields["tool_calls"] = .array(message.toolCalls.map { call in
                .object(["id": .string(call.id), "type": .string("function"),
                         "function": .object(["name": .string(call.name), "arguments": .string(call.arguments.jsonText)])])
            })
        }
        if let call = message.toolCall { fields["tool_call_id"] = .string(call.id) }
        return .object(fields)
    }

    static func usage(_ usage: JSONValue?) -> TokenUsage {
        TokenUsage(input: max(0, usage?["prompt_tokens"]?.intValue ?? 0), output: max(0, usage?["completion_tokens"]?.intValue ?? 0))
    }

    /// A tool call's arguments: the JSON object the model wrote, or an empty one when it wrote
    /// something else (the tool then refuses its missing fields).
    static func arguments(_ text: String) -> JSONValue {
        (try? ProviderConnection.object(Array(text.utf8), "arguments")) ?? .object([:])
    }

    static func decode(_ bytes: [UInt8]) throws -> JSONValue {
        try ProviderConnection.object(bytes, "not a JSON object")
    }

    // MARK: Images

    public func generate(prompt: String, references: [ImageInput]) async throws -> GeneratedImage {
        let reply: [UInt8]
        if references.isEmpty {
            var body: [String: JSONValue] = ["model": .string(model), "prompt": .string(prompt), "n": .number(1)]
            // DALL·E answers a URL unless asked for base64; the gpt-image models always answer base64 and refuse the field.
            if model.hasPrefix("dall-e") { body["response_format"] = .string("b64_json") }
            reply = try await connection.post("\(baseURL)/images/generations", json: Array(JSONValue.object(body).jsonText.utf8))
        } else {
            var form = MultipartBody()
            form.field("model", model)
            form.field("prompt", prompt)
            for (index, image) in references.enumerated() {
                form.file("image[]", filename: "reference-\(index + 1).\(image.mimeType.split(separator: "/").last ?? "png")", type: image.mimeType, image.data)
            }
            reply = try await connection.post("\(baseURL)/images/edits", body: form.bytes, contentType: form.contentType)
        }
        let response = try Self.decode(reply)
        guard let encoded = response["data"]?.arrayValue?.first?["b64_json"]?.stringValue,
              let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters), !data.isEmpty else {
            throw AIError.malformedReply("the answer holds no base64 image")
        }
        return try GeneratedImage(checking: Array(data))
    }
}

/// A `multipart/form-data` body, for `/images/edits`.
struct MultipartBody {
    let boundary = "visionary-" + UUID().uuidString
    private var parts: [UInt8] = []
    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    mutating func field(_ name: String, _ value: String) {
        parts += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    mutating func file(_ name: String, filename: String, type: String, _ data: [UInt8]) {
        parts += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
        parts += data
        parts += Array("\r\n".utf8)
    }

    /// The parts and the closing boundary.
    var bytes: [UInt8] { parts + Array("--\(boundary)--\r\n".utf8) }
}
