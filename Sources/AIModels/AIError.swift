/// Why a model gave no answer. The messages are safe to show users: they never quote the
/// provider's body, which may echo the request or the key.
public enum AIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No provider is configured for this role (chat or image).
    case notConfigured(String)
    /// The provider kept answering 429; `retryAfter` is its `Retry-After` in seconds, when given.
    case rateLimited(retryAfter: Int?)
    /// The provider could not be reached, or kept failing (5xx), for every attempt.
    case unavailable(String)
    /// The provider answered no within the time allowed.
    case timedOut
    /// The provider refused the request (a 4xx other than 429): a bad key, an unknown model, a
    /// request it will not take.
    case refused(status: Int, String)
    /// The provider declined to answer this content (its safety filters).
    case blocked(String)
    /// The answer could not be read as the provider's API describes it.
    case malformedReply(String)

    public var description: String {
        switch self {
        case .notConfigured(let role): "no AI provider is configured for \(role)"
        case .rateLimited(let seconds): "the AI provider is rate limiting" + (seconds.map { " (retry after \($0) s)" } ?? "")
        case .unavailable(let reason): "the AI provider is unavailable: \(reason)"
        case .timedOut: "the AI provider did not answer in time"
        case .refused(let status, let reason): "the AI provider refused the request (\(status)): \(reason)"
        case .blocked(let reason): "the AI provider declined to answer: \(reason)"
        case .malformedReply(let reason): "the AI provider's answer could not be read: \(reason)"
        }
    }
}
