/// The hosted models behind the AI features: which provider answers chats and which draws
/// images, and how much of them each user may use.
public struct AISettings: Sendable, Equatable {
    /// An API the server speaks to a model provider in.
    public enum Provider: String, Sendable, Equatable {
        /// Google's Gemini API (`generateContent`, Imagen's `:predict`), which the app was built on.
        case gemini
        /// The OpenAI API (`/chat/completions`, `/images/generations`) and the many servers, local
        /// ones included, that speak it.
        case openai

        /// The provider's own address, used when no base URL is set.
        public var defaultBaseURL: String {
            switch self {
            case .gemini: "https://generativelanguage.googleapis.com/v1beta"
            case .openai: "https://api.openai.com/v1"
            }
        }

        public var defaultChatModel: String {
            switch self {
            case .gemini: "gemini-2.5-flash"
            case .openai: "gpt-4o-mini"
            }
        }

        public var defaultImageModel: String {
            switch self {
            case .gemini: "gemini-2.5-flash-image"
            case .openai: "gpt-image-1"
            }
        }
    }

    /// One role's model, resolved: the provider, where it is, its key and the model's name.
    public struct Endpoint: Sendable, Equatable {
        public var provider: Provider
        public var baseURL: String
        public var apiKey: String?
        public var model: String

        public init(provider: Provider, baseURL: String, apiKey: String?, model: String) {
            self.provider = provider
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
        }
    }

    /// One role's own settings (`VISIONARY_AI_CHAT_*`, `VISIONARY_AI_IMAGE_*`), each falling back
    /// to the shared `VISIONARY_AI_*` value.
    struct RoleOverride: Sendable, Equatable {
        var provider: Provider?
        var baseURL: String?
        var apiKey: String?
        var model: String?
    }

    /// How much one user may ask of the models: requests a minute and tokens (in and out) a day.
    public struct Quota: Sendable, Equatable {
        public var requestsPerMinute: Int
        public var tokensPerDay: Int

        public init(requestsPerMinute: Int, tokensPerDay: Int) {
            self.requestsPerMinute = requestsPerMinute
            self.tokensPerDay = tokensPerDay
        }
    }

    /// `VISIONARY_AI_PROVIDER`: `gemini` or `openai`; unset, the AI features answer 503
    /// `ai_not_configured` (unless a role names its own provider).
    public var provider: Provider?
    /// `VISIONARY_AI_BASE_URL` (default: the provider's own), `VISIONARY_AI_API_KEY`.
    public var baseURL: String?
    public var apiKey: String?
    /// `VISIONARY_AI_CHAT_MODEL`, `VISIONARY_AI_IMAGE_MODEL` (defaults: the provider's current
    /// general models; `imagen-…` image models are called through `:predict`).
    var chat = RoleOverride()
    var image = RoleOverride()
    /// `VISIONARY_AI_TIMEOUT`: seconds one call to a provider may take (default 60; 1-600).
    public var timeoutSeconds = 60
    /// `VISIONARY_AI_ATTEMPTS`: tries of a call that meets a 429, a 5xx or no answer (default 3; 1-10;
    /// the timeout times the attempts at most 600 seconds).
    public var attempts = 3
    /// `VISIONARY_AI_REQUESTS_PER_MINUTE`, `VISIONARY_AI_TOKENS_PER_DAY`: a FREE user's quota
    /// (default 10 a minute, 100,000 tokens a day).
    public var freeQuota = Quota(requestsPerMinute: 10, tokensPerDay: 100_000)
    /// `VISIONARY_AI_PAID_REQUESTS_PER_MINUTE`, `VISIONARY_AI_PAID_TOKENS_PER_DAY`: the quota of
    /// every other tier (default 30 a minute, 1,000,000 tokens a day).
    public var paidQuota = Quota(requestsPerMinute: 30, tokensPerDay: 1_000_000)
    /// `VISIONARY_AI_MAX_PROMPT_CHARS`: the longest prompt or message a user may send (default 8,000).
    public var maxPromptCharacters = 8_000
    /// `VISIONARY_AI_MAX_IMAGE_BYTES`: the largest reference image (decoded) a user may send (default 4 MiB).
    public var maxImageBytes = 4 * 1024 * 1024
    /// `VISIONARY_AI_CONTEXT_TOKENS`: the budget of the coach's context — system prompt,
    /// knowledge, habits, tasks and history — in tokens (default 6,000).
    public var contextTokens = 6_000

    public init() {}

    /// The chat model, or nil when no provider is configured for chats.
    public var chatEndpoint: Endpoint? { endpoint(chat) { $0.defaultChatModel } }
    /// The image model, or nil when no provider is configured for images.
    public var imageEndpoint: Endpoint? { endpoint(image) { $0.defaultImageModel } }

    func endpoint(_ role: RoleOverride, defaultModel: (Provider) -> String) -> Endpoint? {
        guard let provider = role.provider ?? provider else { return nil }
        // A role naming another provider than the shared one does not borrow the shared URL and key.
        let sharesProvider = role.provider == nil || role.provider == self.provider
        return Endpoint(
            provider: provider,
            baseURL: role.baseURL ?? (sharesProvider ? baseURL : nil) ?? provider.defaultBaseURL,
            apiKey: role.apiKey ?? (sharesProvider ? apiKey : nil),
            model: role.model ?? defaultModel(provider))
    }

    /// Sets a role's values programmatically (tests, embedders).
    public mutating func setChat(provider: Provider? = nil, baseURL: String? = nil, apiKey: String? = nil, model: String? = nil) {
        chat = RoleOverride(provider: provider, baseURL: baseURL, apiKey: apiKey, model: model)
    }

    public mutating func setImage(provider: Provider? = nil, baseURL: String? = nil, apiKey: String? = nil, model: String? = nil) {
        image = RoleOverride(provider: provider, baseURL: baseURL, apiKey: apiKey, model: model)
    }

    mutating func read(_ value: (String) -> String?) throws(ConfigError) {
        func provider(_ name: String) throws(ConfigError) -> Provider? {
            guard let raw = value(name) else { return nil }
            guard let provider = Provider(rawValue: raw.lowercased()) else { throw .invalid(name, raw, "gemini or openai") }
            return provider
        }
        func url(_ name: String) throws(ConfigError) -> String? {
            guard value(name) != nil else { return nil }
            return try IntegrationSettings.url(name, value, default: "")
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws(ConfigError) -> Int? {
            try value(name).map { raw throws(ConfigError) in try KnowledgeSettings.integer(raw, name, range) }
        }
        self.provider = try provider("VISIONARY_AI_PROVIDER")
        baseURL = try url("VISIONARY_AI_BASE_URL")
        apiKey = value("VISIONARY_AI_API_KEY")
        chat = RoleOverride(provider: try provider("VISIONARY_AI_CHAT_PROVIDER"), baseURL: try url("VISIONARY_AI_CHAT_BASE_URL"),
                            apiKey: value("VISIONARY_AI_CHAT_API_KEY"), model: value("VISIONARY_AI_CHAT_MODEL"))
        image = RoleOverride(provider: try provider("VISIONARY_AI_IMAGE_PROVIDER"), baseURL: try url("VISIONARY_AI_IMAGE_BASE_URL"),
                             apiKey: value("VISIONARY_AI_IMAGE_API_KEY"), model: value("VISIONARY_AI_IMAGE_MODEL"))
        timeoutSeconds = try integer("VISIONARY_AI_TIMEOUT", 1...600) ?? timeoutSeconds
        attempts = try integer("VISIONARY_AI_ATTEMPTS", 1...10) ?? attempts
        // A picture still being made must be over before generations.refund-stale (15 minutes) takes it for lost.
        guard timeoutSeconds * attempts <= 600 else {
            throw .invalid("VISIONARY_AI_TIMEOUT × VISIONARY_AI_ATTEMPTS", "\(timeoutSeconds) × \(attempts)", "at most 600 seconds in all")
        }
        freeQuota.requestsPerMinute = try integer("VISIONARY_AI_REQUESTS_PER_MINUTE", 1...100_000) ?? freeQuota.requestsPerMinute
        freeQuota.tokensPerDay = try integer("VISIONARY_AI_TOKENS_PER_DAY", 1...1_000_000_000) ?? freeQuota.tokensPerDay
        paidQuota.requestsPerMinute = try integer("VISIONARY_AI_PAID_REQUESTS_PER_MINUTE", 1...100_000) ?? paidQuota.requestsPerMinute
        paidQuota.tokensPerDay = try integer("VISIONARY_AI_PAID_TOKENS_PER_DAY", 1...1_000_000_000) ?? paidQuota.tokensPerDay
        maxPromptCharacters = try integer("VISIONARY_AI_MAX_PROMPT_CHARS", 100...1_000_000) ?? maxPromptCharacters
        maxImageBytes = try integer("VISIONARY_AI_MAX_IMAGE_BYTES", 1024...(64 * 1024 * 1024)) ?? maxImageBytes
        contextTokens = try integer("VISIONARY_AI_CONTEXT_TOKENS", 500...1_000_000) ?? contextTokens
    }

    var redacted: [(name: String, value: String)] {
        func describe(_ endpoint: Endpoint?) -> String {
            guard let endpoint else { return "(none: answers 503 ai_not_configured)" }
            return "\(endpoint.provider.rawValue) \(endpoint.model) at \(endpoint.baseURL), key \(endpoint.apiKey == nil ? "(none)" : "(set, redacted)")"
        }
        return [
            ("VISIONARY_AI_PROVIDER", provider?.rawValue ?? "(none)"),
            ("VISIONARY_AI_CHAT_*", describe(chatEndpoint)),
            ("VISIONARY_AI_IMAGE_*", describe(imageEndpoint)),
            ("VISIONARY_AI_TIMEOUT", String(timeoutSeconds)),
            ("VISIONARY_AI_ATTEMPTS", String(attempts)),
            ("VISIONARY_AI_REQUESTS_PER_MINUTE", String(freeQuota.requestsPerMinute)),
            ("VISIONARY_AI_TOKENS_PER_DAY", String(freeQuota.tokensPerDay)),
            ("VISIONARY_AI_PAID_REQUESTS_PER_MINUTE", String(paidQuota.requestsPerMinute)),
            ("VISIONARY_AI_PAID_TOKENS_PER_DAY", String(paidQuota.tokensPerDay)),
            ("VISIONARY_AI_MAX_PROMPT_CHARS", String(maxPromptCharacters)),
            ("VISIONARY_AI_MAX_IMAGE_BYTES", String(maxImageBytes)),
            ("VISIONARY_AI_CONTEXT_TOKENS", String(contextTokens)),
        ]
    }
}
