import AIModels
import AppConfig
import Core
import Testing

@Suite("AI models: budgets, settings, pictures")
struct AIModelsTests {
    @Test("the budget keeps required pieces, then the most relevant that fit, in their given order")
    func budget() {
        let pieces = [
            ContextBudget.Piece(kind: "system", text: String(repeating: "s", count: 40), relevance: nil),   // 10 tokens
            ContextBudget.Piece(kind: "a", text: String(repeating: "a", count: 40), relevance: 0.2),        // 10
            ContextBudget.Piece(kind: "b", text: String(repeating: "b", count: 80), relevance: 0.9),        // 20
            ContextBudget.Piece(kind: "c", text: String(repeating: "c", count: 40), relevance: 0.5),        // 10
            ContextBudget.Piece(kind: "message", text: String(repeating: "m", count: 40), relevance: nil),  // 10
        ]
        #expect(ContextBudget(tokens: 50).fit(pieces).map(\.kind) == ["system", "b", "c", "message"])
        #expect(ContextBudget(tokens: 30).fit(pieces).map(\.kind) == ["system", "c", "message"])
        #expect(ContextBudget(tokens: 0).fit(pieces).map(\.kind) == ["system", "message"], "required pieces go in over budget")
        #expect(ContextBudget(tokens: 1000).fit(pieces).count == 5)
        #expect(ContextBudget.estimateTokens("") == 1 && ContextBudget.estimateTokens("abcdefgh") == 2)
    }

    @Test("a role's settings fall back to the shared ones, but not across providers")
    func endpoints() throws {
        let config = try AppConfig(environment: [
            "VISIONARY_AI_PROVIDER": "gemini", "VISIONARY_AI_API_KEY": "shared",
            "VISIONARY_AI_IMAGE_PROVIDER": "openai", "VISIONARY_AI_IMAGE_BASE_URL": "http://127.0.0.1:9/v1/",
            "VISIONARY_AI_CHAT_MODEL": "gemini-x",
        ], workingDirectory: "/")
        let chat = try #require(config.ai.chatEndpoint)
        #expect(chat.provider == .gemini && chat.apiKey == "shared" && chat.model == "gemini-x" && chat.baseURL == AISettings.Provider.gemini.defaultBaseURL)
        let image = try #require(config.ai.imageEndpoint)
        #expect(image.provider == .openai && image.apiKey == nil && image.baseURL == "http://127.0.0.1:9/v1" && image.model == "gpt-image-1")
        #expect(try AppConfig(environment: [:], workingDirectory: "/").ai.chatEndpoint == nil)
        #expect(throws: ConfigError.self) { try AppConfig(environment: ["VISIONARY_AI_PROVIDER": "skynet"], workingDirectory: "/") }
        #expect(throws: ConfigError.self) { try AppConfig(environment: ["VISIONARY_AI_TIMEOUT": "0"], workingDirectory: "/") }
        #expect(throws: ConfigError.self, "a call's tries must end before a charge is taken for lost") {
            try AppConfig(environment: ["VISIONARY_AI_TIMEOUT": "300", "VISIONARY_AI_ATTEMPTS": "3"], workingDirectory: "/")
        }
        #expect(!config.redactedSettings.map(\.value).joined().contains("shared"), "keys are never printed")
    }

    @Test("pictures are typed by their bytes, not by what a provider says")
    func pictures() throws {
        #expect(GeneratedImage.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == "image/png")
        #expect(GeneratedImage.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == "image/jpeg")
        #expect(GeneratedImage.sniff(Array("RIFF1234WEBPVP8 ".utf8)) == "image/webp")
        #expect(GeneratedImage.sniff(Array("<svg onload=alert(1)>".utf8)) == nil)
        #expect(throws: AIError.self) { try GeneratedImage(checking: Array("GIF89a".utf8), declared: "image/png") }
        #expect(try GeneratedImage(checking: [0xFF, 0xD8, 0xFF, 0xDB]).dataURL == "data:image/jpeg;base64,/9j/2w==")
    }
}
