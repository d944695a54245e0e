import Core

/// A model that answers a conversation: text, or calls of the tools it was offered.
public protocol ChatModel: Sendable {
    /// Provider and model, for logs and usage records (`gemini/gemini-2.5-flash`).
    var identifier: String { get }
    /// The whole answer at once.
    func complete(_ request: ChatRequest) async throws -> ChatReply
    /// The answer as it is written: text pieces as they come, then `.finished` with the whole
    /// reply (text, tool calls, usage). The stream ends after `.finished` or with an `AIError`.
    func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error>
}

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case system, user, assistant, tool
    }

    public var role: Role
    public var text: String
    /// Pictures sent with a user's turn.
    public var images: [ImageInput]
    /// The tools an assistant's turn called.
    public var toolCalls: [ToolCall]
    /// For a tool's turn: the call it answers.
    public var toolCall: ToolCall?

    public init(_ role: Role, _ text: String, images: [ImageInput] = [], toolCalls: [ToolCall] = [], answering toolCall: ToolCall? = nil) {
        self.role = role
        self.text = text
        self.images = images
        self.toolCalls = toolCalls
        self.toolCall = toolCall
    }
}

/// A picture given to a model: its bytes and type (`image/png`, `image/jpeg`, `image/webp`).
public struct ImageInput: Sendable, Equatable {
    public let mimeType: String
    public let data: [UInt8]

    public init(mimeType: String, data: [UInt8]) {
        self.mimeType = mimeType
        self.data = data
    }
}

/// A function the model may call: its name, what it does, and its arguments as a JSON Schema object.
public struct ToolDeclaration: Sendable, Equatable {
    public let name: String
    public let description: String
    public let parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// A call of a tool the model made. Its arguments are the model's words: untrusted input.
public struct ToolCall: Sendable, Equatable {
    /// The provider's id of the call (made up where the provider has none).
    public let id: String
    public let name: String
    /// A JSON object (empty when the model sent none or something else).
    public let arguments: JSONValue

    public init(id: String, name: String, arguments: JSONValue) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// What to ask of a chat model.
public struct ChatRequest: Sendable {
    public var messages: [ChatMessage]
    public var tools: [ToolDeclaration]
    public var maxOutputTokens: Int?
    public var temperature: Double?
    /// Whether the answer must be one JSON value (the provider's JSON mode).
    public var json: Bool

    public init(messages: [ChatMessage], tools: [ToolDeclaration] = [], maxOutputTokens: Int? = nil, temperature: Double? = nil, json: Bool = false) {
        self.messages = messages
        self.tools = tools
        self.maxOutputTokens = maxOutputTokens
        self.temperature = temperature
        self.json = json
    }
}

/// Tokens a call used, as the provider counted them.
public struct TokenUsage: Sendable, Equatable {
    public var input: Int
    public var output: Int

    public init(input: Int = 0, output: Int = 0) {
        self.input = input
        self.output = output
    }

    public var total: Int { input.addingReportingOverflow(output).overflow ? Int.max : input + output }
}

/// A chat model's answer.
public struct ChatReply: Sendable, Equatable {
    public var text: String
    public var toolCalls: [ToolCall]
    public var usage: TokenUsage

    public init(text: String, toolCalls: [ToolCall] = [], usage: TokenUsage = TokenUsage()) {
        self.text = text
        self.toolCalls = toolCalls
        self.usage = usage
    }
}

/// One step of a streamed answer.
public enum ChatEvent: Sendable, Equatable {
    /// A piece of the answer's text.
    case text(String)
    /// The whole answer, last.
    case finished(ChatReply)
}
