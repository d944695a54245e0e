/// Turns text into vectors for the knowledge base's semantic search. The built-in model runs in
/// the server (`MiniLMEmbeddingModel`); hosted providers speak OpenAI's `/v1/embeddings`
/// (`OpenAIEmbeddingClient`).
public protocol EmbeddingModel: Sendable {
    /// Names the model and its dimensions, recorded with every chunk it embeds: search compares
    /// only vectors of the same identifier.
    var identifier: String { get }
    /// The length of every vector it returns.
    var dimensions: Int { get }
    /// One unit-length vector per text, in order.
    func embed(_ texts: [String]) async throws -> [[Float]]
}

/// Why an embedding could not be made.
public enum EmbeddingError: Error, Equatable, CustomStringConvertible {
    /// The model's files are missing or malformed.
    case invalidModel(String)
    /// The provider answered with an error or could not be reached.
    case provider(String)
    /// The provider answered something that is not the vectors asked for.
    case malformedReply(String)

    public var description: String {
        switch self {
        case .invalidModel(let reason): "embedding model: \(reason)"
        case .provider(let reason): "embedding provider: \(reason)"
        case .malformedReply(let reason): "embedding provider replied malformed: \(reason)"
        }
    }
}
