import AIModels
import AppConfig
import Core
import Database
import Foundation
import FunctionsAPI

/// The AI models as the functions use them: only for a signed-in user, within that user's quota
/// (requests a minute, tokens a day, by tier; 429 with `Retry-After` beyond it), with the tokens
/// each call used counted, and every provider failure answered in the Functions catalogue.
struct ModelAccess: Sendable {
    let providers: AIProviders
    let settings: AISettings
    /// The server's own connection: quotas are bookkeeping users neither read nor call.
    let owner: SQLRunner

    /// The chat model, or 503 `ai_not_configured`.
    func chatModel() throws(FunctionError) -> any ChatModel {
        guard let chat = providers.chat else { throw Self.notConfigured("chats") }
        return chat
    }

    /// The image model, or 503 `ai_not_configured`.
    func imageModel() throws(FunctionError) -> any ImageModel {
        guard let image = providers.image else { throw Self.notConfigured("images") }
        return image
    }

    static func notConfigured(_ role: String) -> FunctionError {
        .notConfigured("ai", "No AI model provider is configured on this server for \(role) (VISIONARY_AI_PROVIDER)")
    }

    /// Takes one request from the user's quota, or answers 429 with the seconds to wait.
    func admit(_ user: UUID) async throws {
        let wait = try await owner.text(SQLStatement(
            "SELECT internal.take_ai_request($1::uuid, $2::integer, $3::integer, $4::integer, $5::integer)::text",
            [.text(user.uuidString), .int(settings.freeQuota.requestsPerMinute), .int(settings.freeQuota.tokensPerDay),
             .int(settings.paidQuota.requestsPerMinute), .int(settings.paidQuota.tokensPerDay)])).flatMap { Int($0) } ?? 0
        guard wait <= 0 else {
            throw FunctionError.tooManyRequests("You have used your AI allowance for now; try again in \(wait) seconds", retryAfter: wait)
        }
    }

    /// Counts the tokens of a call against the user's day: as the provider reported them, or,
    /// when it reported none (a stream cut short, a server that does not count), estimated from
    /// the request and the answer.
    func record(_ user: UUID, _ reply: ChatReply, for request: ChatRequest) async throws {
        try await record(user, Self.usage(reply, for: request))
    }

    static func usage(_ reply: ChatReply, for request: ChatRequest) -> TokenUsage {
        guard reply.usage.total == 0 else { return reply.usage }
        return TokenUsage(input: request.messages.reduce(0) { $0 + ContextBudget.estimateTokens($1.text) },
                          output: ContextBudget.estimateTokens(reply.text))
    }

    func record(_ user: UUID, _ usage: TokenUsage) async throws {
        try await Self.record(usage, of: user.uuidString, on: owner)
    }

    /// Counts `usage` against `user`'s day on the server's connection (background work too).
    static func record(_ usage: TokenUsage, of user: String, on owner: SQLRunner) async throws {
        guard usage.total > 0 else { return }
        try await owner.execute(SQLStatement(
            "SELECT internal.record_ai_tokens($1::uuid, $2::integer)", [.text(user), .int(min(usage.total, Int(Int32.max)))]))
    }

    /// One chat call for the user: admitted, made, counted.
    func complete(_ request: ChatRequest, for user: UUID) async throws -> ChatReply {
        let model = try chatModel()
        try await admit(user)
        let reply = try await Self.answering { try await model.complete(request) }
        try await record(user, reply, for: request)
        return reply
    }

    /// Runs a model call, its failures answered as the catalogue's.
    static func answering<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AIError {
            throw failure(error)
        }
    }

    /// A provider's failure as the Functions surface answers it; never the provider's own words.
    static func failure(_ error: AIError) -> FunctionError {
        switch error {
        case .notConfigured(let role):
            return notConfigured(role)
        case .rateLimited(let retryAfter):
            var failure = FunctionError(status: 503, code: "ai_rate_limited", message: "The AI provider is busy; try again shortly")
            failure.retryAfter = max(1, retryAfter ?? 10)
            return failure
        case .timedOut:
            return FunctionError(status: 504, code: "ai_timeout", message: "The AI provider did not answer in time; try again")
        case .blocked(let reason):
            return .unprocessable("The AI provider declined this request: \(reason)")
        case .unavailable, .refused, .malformedReply:
            return .upstream(error.description)
        }
    }
}
