import AppConfig
import AsyncHTTPClient

/// The models the AI features use, made from the settings: a chat model and an image model,
/// each nil when no provider is configured for it (the features then answer 503
/// `ai_not_configured`).
public struct AIProviders: Sendable {
    public let chat: (any ChatModel)?
    public let image: (any ImageModel)?

    public init(chat: (any ChatModel)?, image: (any ImageModel)?) {
        self.chat = chat
        self.image = image
    }

    public init(_ settings: AISettings, client: HTTPClient = ProviderClient.shared) {
        func model(_ endpoint: AISettings.Endpoint) -> any ChatModel & ImageModel {
            switch endpoint.provider {
            case .gemini:
                GeminiModel(baseURL: endpoint.baseURL, apiKey: endpoint.apiKey, model: endpoint.model, client: client,
                            timeoutSeconds: settings.timeoutSeconds, attempts: settings.attempts)
            case .openai:
                OpenAICompatibleModel(baseURL: endpoint.baseURL, apiKey: endpoint.apiKey, model: endpoint.model, client: client,
                                      timeoutSeconds: settings.timeoutSeconds, attempts: settings.attempts)
            }
        }
        chat = settings.chatEndpoint.map(model)
        image = settings.imageEndpoint.map(model)
    }

    /// No models: every AI feature answers 503.
    public static let none = AIProviders(chat: nil, image: nil)
}
