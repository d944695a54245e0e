import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A loopback server that speaks both model APIs the server uses — Gemini's
/// `models/{model}:generateContent`, `:streamGenerateContent?alt=sse` and `:predict` under
/// `/v1beta`, and OpenAI's `/v1/chat/completions` (plain or SSE), `/v1/images/generations` and
/// `/v1/images/edits` — checking the key each expects. Answers follow a script of queued
/// replies; with none queued, a chat answers `Echo: <the last user message>` and an image call a
/// small PNG. Every request's JSON body is recorded.
public final class AIProviderTestServer: Sendable {
    /// One scripted answer.
    public indirect enum Reply: Sendable {
        case text(String)
        /// Tool calls, each a name and its arguments as JSON text (with no text beside them).
        case toolCalls([ToolCallScript])
        /// An error status (with `Retry-After` for 429s when given).
        case status(Int, retryAfter: Int? = nil)
        /// A 200 whose body is not the API's JSON.
        case malformed
        /// The provider's safety refusal (Gemini: a blocked prompt; OpenAI: a 400).
        case blocked
        /// Waits this long, then answers the next reply.
        case slow(Duration, Reply)
        /// An image answer with these bytes (default: a 1×1 PNG).
        case image([UInt8])
        /// Text answered as one JSON body even when a stream was asked for (as some local servers do).
        case unstreamed(String)
    }

    public struct ToolCallScript: Sendable {
        public let name: String
        public let arguments: String
        public init(_ name: String, _ arguments: String) {
            self.name = name
            self.arguments = arguments
        }
    }

    /// A request the server received.
    public struct Recorded: Sendable {
        /// `gemini` or `openai`.
        public let api: String
        /// What was called: `generateContent`, `streamGenerateContent`, `predict`, `chat`, `images`, `edits`.
        public let call: String
        public let model: String
        /// The JSON body (an empty object for multipart bodies).
        public let body: JSONValue
        /// The body's text as sent.
        public let text: String
        /// The request's query string (empty when none).
        public var query: String = ""
    }

    public static let png: [UInt8] = Array(Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")!)

    let server: LoopbackServer
    let state: State

    final class State: Sendable {
        let script = Mutex<[Reply]>([])
        let requests = Mutex<[Recorded]>([])
    }

    public init(apiKey: String) async {
        let state = State()
        let router = Router()
        router.post("v1beta/models/:call") { request, context in
            guard request.headers[HTTPField.Name("x-goog-api-key")!] == apiKey else {
                return LoopbackServer.json(#"{"error":{"code":403,"message":"API key not valid.","status":"PERMISSION_DENIED"}}"#, status: .forbidden)
            }
            let target = (context.parameters.get("call") ?? "").split(separator: ":", maxSplits: 1).map(String.init)
            guard target.count == 2 else { return LoopbackServer.json(#"{"error":{"code":404}}"#, status: .notFound) }
            let text = String(buffer: try await request.body.collect(upTo: 32 * 1024 * 1024))
            let body = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
            var recorded = Recorded(api: "gemini", call: target[1], model: target[0], body: body, text: text)
            recorded.query = request.uri.query ?? ""
            state.requests.withLock { $0.append(recorded) }
            let reply = await Self.next(state, image: target[1] == "predict" || target[0].contains("image"), echo: Self.lastGeminiUserText(body))
            return Self.gemini(reply, call: target[1])
        }
        router.post("v1/chat/completions") { request, _ in
            guard request.headers[.authorization] == "Bearer \(apiKey)" else { return Self.openAIUnauthorized }
            let text = String(buffer: try await request.body.collect(upTo: 32 * 1024 * 1024))
            let body = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
            state.requests.withLock { $0.append(Recorded(api: "openai", call: "chat", model: body["model"]?.stringValue ?? "", body: body, text: text)) }
            let echo = body["messages"]?.arrayValue?.last { $0["role"]?.stringValue == "user" }.flatMap(Self.openAIText) ?? ""
            let reply = await Self.next(state, image: false, echo: echo)
            return Self.openAIChat(reply, stream: body["stream"] == .bool(true), promptLength: text.count)
        }
        for call in ["generations", "edits"] {
            router.post("v1/images/\(call)") { request, _ in
                guard request.headers[.authorization] == "Bearer \(apiKey)" else { return Self.openAIUnauthorized }
                let text = String(buffer: try await request.body.collect(upTo: 32 * 1024 * 1024))
                let body = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .object([:])
                state.requests.withLock { $0.append(Recorded(api: "openai", call: call == "edits" ? "edits" : "images", model: body["model"]?.stringValue ?? "", body: body, text: text)) }
                switch await Self.next(state, image: true, echo: "") {
                case .image(let bytes): return LoopbackServer.json(#"{"created":1,"data":[{"b64_json":"\#(Data(bytes).base64EncodedString())"}]}"#)
                case let reply: return Self.openAIFailure(reply) ?? LoopbackServer.json(#"{"created":1,"data":[{"url":"https://images.test/1.png"}]}"#)
                }
            }
        }
        server = await LoopbackServer.start(router, label: "ai-provider-test-server")
        self.state = state
    }

    /// Queues answers, used in order by the next calls.
    public func script(_ replies: Reply...) { state.script.withLock { $0 += replies } }
    /// Every request received, in order.
    public var requests: [Recorded] { state.requests.withLock { $0 } }
    /// `VISIONARY_AI_BASE_URL` for `gemini`.
    public var geminiBaseURL: String { server.baseURL + "/v1beta" }
    /// `VISIONARY_AI_BASE_URL` for `openai`.
    public var openAIBaseURL: String { server.baseURL + "/v1" }
    public func stop() { server.stop() }

    // MARK: Script

    static func next(_ state: State, image: Bool, echo: String) async -> Reply {
        var reply = state.script.withLock { $0.isEmpty ? nil : $0.removeFirst() } ?? (image ? .image(png) : .text("Echo: \(echo)"))
        while case .slow(let delay, let then) = reply {
            try? await Task.sleep(for: delay)
            reply = then
        }
        return reply
    }

    static func lastGeminiUserText(_ body: JSONValue) -> String {
        let user = body["contents"]?.arrayValue?.last { $0["role"]?.stringValue == "user" }
        return user?["parts"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined() ?? ""
    }

    static func openAIText(_ message: JSONValue) -> String? {
        if let text = message["content"]?.stringValue { return text }
        return message["content"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined()
    }

    // MARK: Gemini answers

    static func gemini(_ reply: Reply, call: String) -> Response {
        switch reply {
        case .status(let status, let retryAfter):
            var response = LoopbackServer.json(#"{"error":{"code":\#(status),"message":"scripted failure","status":"UNAVAILABLE"}}"#, status: .init(code: status))
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return response
        case .malformed:
            return LoopbackServer.json("<html>bad gateway</html>")
        case .blocked:
            return LoopbackServer.json(#"{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":5,"totalTokenCount":5}}"#)
        case .image(let bytes):
            let data = Data(bytes).base64EncodedString()
            if call == "predict" { return LoopbackServer.json(#"{"predictions":[{"bytesBase64Encoded":"\#(data)","mimeType":"image/png"}]}"#) }
            return LoopbackServer.json(#"{"candidates":[{"content":{"role":"model","parts":[{"text":"Here it is."},{"inlineData":{"mimeType":"image/png","data":"\#(data)"}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":1290}}"#)
        case .text(let text):
            let usage = #""usageMetadata":{"promptTokenCount":\#(40),"candidatesTokenCount":\#(max(1, text.count / 4)),"totalTokenCount":\#(40 + max(1, text.count / 4))}"#
            guard call == "streamGenerateContent" else {
                return LoopbackServer.json(#"{"candidates":[{"content":{"role":"model","parts":[{"text":\#(text.jsonQuoted)}]},"finishReason":"STOP"}],\#(usage)}"#)
            }
            let pieces = split(text)
            let events = pieces.enumerated().map { index, piece in
                let last = index == pieces.count - 1
                return #"data: {"candidates":[{"content":{"role":"model","parts":[{"text":\#(piece.jsonQuoted)}]}\#(last ? #","finishReason":"STOP""# : "")}]\#(last ? "," + usage : "")}"# + "\r\n\r\n"
            }
            return sse(events)
        case .toolCalls(let calls):
            let parts = calls.map { #"{"functionCall":{"name":\#($0.name.jsonQuoted),"args":\#($0.arguments)}}"# }.joined(separator: ",")
            let body = #"{"candidates":[{"content":{"role":"model","parts":[\#(parts)]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":10}}"#
            return call == "streamGenerateContent" ? sse(["data: \(body)\r\n\r\n"]) : LoopbackServer.json(body)
        case .slow(_, let then):
            return gemini(then, call: call)
        case .unstreamed(let text):
            return gemini(.text(text), call: "generateContent")
        }
    }

    // MARK: OpenAI answers

    static let openAIUnauthorized = LoopbackServer.json(
        #"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#, status: .unauthorized)

    static func openAIFailure(_ reply: Reply) -> Response? {
        switch reply {
        case .status(let status, let retryAfter):
            var response = LoopbackServer.json(#"{"error":{"message":"scripted failure","type":"server_error"}}"#, status: .init(code: status))
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return response
        case .malformed: return LoopbackServer.json("not json at all")
        case .blocked:
            return LoopbackServer.json(#"{"error":{"message":"Your request was rejected by the safety system","type":"invalid_request_error","code":"content_policy_violation"}}"#, status: .badRequest)
        default: return nil
        }
    }

    static func openAIChat(_ reply: Reply, stream: Bool, promptLength: Int) -> Response {
        if let failure = openAIFailure(reply) { return failure }
        let promptTokens = max(1, promptLength / 4)
        switch reply {
        case .unstreamed(let text):
            return openAIChat(.text(text), stream: false, promptLength: promptLength)
        case .text(let text):
            let usage = #""usage":{"prompt_tokens":\#(promptTokens),"completion_tokens":\#(max(1, text.count / 4)),"total_tokens":\#(promptTokens + max(1, text.count / 4))}"#
            guard stream else {
                return LoopbackServer.json(#"{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":\#(text.jsonQuoted)},"finish_reason":"stop"}],\#(usage)}"#)
            }
            var events = split(text).map { #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":\#($0.jsonQuoted)}}]}"# + "\n\n" }
            events.append(#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],\#(usage)}"# + "\n\n")
            events.append("data: [DONE]\n\n")
            return sse(events)
        case .toolCalls(let calls):
            let usage = #""usage":{"prompt_tokens":\#(promptTokens),"completion_tokens":10,"total_tokens":\#(promptTokens + 10)}"#
            guard stream else {
                let list = calls.enumerated().map { #"{"id":"call_\#($0)","type":"function","function":{"name":\#($1.name.jsonQuoted),"arguments":\#($1.arguments.jsonQuoted)}}"# }
                return LoopbackServer.json(#"{"id":"chatcmpl-2","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[\#(list.joined(separator: ","))]},"finish_reason":"tool_calls"}],\#(usage)}"#)
            }
            // Streamed tool calls come in pieces: the name first, the arguments split in two.
            var events: [String] = []
            for (index, call) in calls.enumerated() {
                let half = call.arguments.index(call.arguments.startIndex, offsetBy: call.arguments.count / 2)
                events.append(#"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":\#(index),"id":"call_\#(index)","type":"function","function":{"name":\#(call.name.jsonQuoted),"arguments":""}}]}}]}"# + "\n\n")
                for piece in [String(call.arguments[..<half]), String(call.arguments[half...])] {
                    events.append(#"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":\#(index),"function":{"arguments":\#(piece.jsonQuoted)}}]}}]}"# + "\n\n")
                }
            }
            events.append(#"data: {"choices":[],\#(usage)}"# + "\n\n")
            events.append("data: [DONE]\n\n")
            return sse(events)
        case .image, .status, .malformed, .blocked:
            return LoopbackServer.json(#"{"id":"chatcmpl-3","choices":[{"index":0,"message":{"role":"assistant","content":"an image is not a chat answer"}}]}"#)
        case .slow(_, let then):
            return openAIChat(then, stream: stream, promptLength: promptLength)
        }
    }

    // MARK: Helpers

    static func split(_ text: String) -> [String] {
        guard text.count > 3 else { return [text] }
        let third = text.count / 3
        let first = text.index(text.startIndex, offsetBy: third), second = text.index(first, offsetBy: third)
        return [String(text[..<first]), String(text[first..<second]), String(text[second...])]
    }

    static func sse(_ events: [String]) -> Response {
        Response(status: .ok, headers: [.contentType: "text/event-stream"],
                 body: ResponseBody(contentsOf: events.map { ByteBuffer(string: $0) }))
    }
}
