import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A hosted embedding model behind OpenAI's `POST {baseURL}/embeddings` (`/v1` included in the
/// base URL, as OpenAI's own clients take it): OpenAI itself, or any server speaking its API.
/// Texts go in batches; 429 and 5xx answers are retried with backoff.
public struct OpenAIEmbeddingClient: EmbeddingModel {
    public let baseURL: String
    let apiKey: String?
    public let model: String
    public let dimensions: Int
    /// Whether to send `dimensions` (models that shorten their vectors take it; others refuse it).
    let requestDimensions: Bool
    let client: HTTPClient
    let timeout: TimeAmount
    let attempts: Int
    let batchSize: Int

    public var identifier: String { "openai/\(model)@\(dimensions)" }

    /// The client of every embedding call: it never follows a redirect (which would carry the key
    /// to another host) and lives as long as the process.
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public init(
        baseURL: String, apiKey: String?, model: String, dimensions: Int, requestDimensions: Bool = true,
        client: HTTPClient = OpenAIEmbeddingClient.client, timeout: TimeAmount = .seconds(30), attempts: Int = 3, batchSize: Int = 64
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.model = model
        self.dimensions = dimensions
        self.requestDimensions = requestDimensions
        self.client = client
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.batchSize = max(1, batchSize)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let batch = Array(texts[start..<min(texts.count, start + batchSize)])
            vectors += try await embedBatch(batch)
            start += batch.count
        }
        return vectors
    }

    private struct Request: Encodable {
        let model: String
        let input: [String]
        let dimensions: Int?
        let encoding_format = "float"
    }

    private struct Reply: Decodable {
        struct Item: Decodable {
            let index: Int
            let embedding: [Float]
        }
        let data: [Item]
    }

    private func embedBatch(_ texts: [String]) async throws -> [[Float]] {
        let body = try JSONEncoder().encode(Request(model: model, input: texts, dimensions: requestDimensions ? dimensions : nil))
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: "\(baseURL)/embeddings")
            request.method = .POST
            if let apiKey, !apiKey.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
            let status: Int
            let bytes: ByteBuffer
            do {
                let response = try await client.execute(request, timeout: timeout)
                status = Int(response.status.code)
                // The body gets the same time again: the request's timeout ends with the headers.
                bytes = try await withDeadline(.nanoseconds(timeout.nanoseconds)) { try await response.body.collect(upTo: 64 * 1024 * 1024) }
            } catch {
                if attempt < attempts { try await backoff(attempt); continue }
                throw EmbeddingError.provider("no answer (\(type(of: error)))")
            }
            if status == 429 || status >= 500 {
                if attempt < attempts { try await backoff(attempt); continue }
                throw EmbeddingError.provider("answered \(status)")
            }
            guard (200..<300).contains(status) else {
                // Its answer stays out of the message: users read it, and a provider's refusal may quote the key.
                throw EmbeddingError.provider("refused the request (\(status))")
            }
            return try vectors(from: Data(buffer: bytes), count: texts.count)
        }
    }

    /// The reply's vectors in input order, each of the configured length and unit-normalised.
    func vectors(from data: Data, count: Int) throws -> [[Float]] {
        guard let reply = try? JSONDecoder().decode(Reply.self, from: data) else {
            throw EmbeddingError.malformedReply("not an embeddings list")
        }
        var vectors = [[Float]?](repeating: nil, count: count)
        for item in reply.data {
            guard vectors.indices.contains(item.index), vectors[item.index] == nil else {
                throw EmbeddingError.malformedReply("index \(item.index) out of range or repeated")
            }
            guard item.embedding.count == dimensions, item.embedding.allSatisfy(\.isFinite) else {
                throw EmbeddingError.malformedReply("a vector of \(item.embedding.count) dimensions, \(dimensions) expected")
            }
            let norm = item.embedding.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { throw EmbeddingError.malformedReply("a zero vector") }
            vectors[item.index] = item.embedding.map { $0 / norm }
        }
        guard vectors.allSatisfy({ $0 != nil }) else { throw EmbeddingError.malformedReply("fewer vectors than texts") }
        return vectors.map { $0! }
    }

    private func backoff(_ attempt: Int) async throws {
        try await Task.sleep(for: .milliseconds(200 * (1 << min(attempt - 1, 4))))
    }
}
