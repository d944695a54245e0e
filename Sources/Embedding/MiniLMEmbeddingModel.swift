import COpenBLAS
import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// all-MiniLM-L6-v2 run in the server: the sentence-transformers model (384 dimensions) read
/// from its own files (`model.safetensors`, `vocab.txt`, `config.json`), tokenised by
/// ``WordPieceTokenizer``, encoded by ``BERTEncoder``, mean-pooled and L2-normalised.
///
/// Encoding is CPU work: it runs on a blocking thread pool, one batch at a time (OpenBLAS
/// already spreads each product over the cores), never on the event loops.
public final class MiniLMEmbeddingModel: EmbeddingModel {
    public let identifier: String
    public var dimensions: Int { encoder.configuration.hiddenSize }
    public let tokenizer: WordPieceTokenizer
    /// Tokens per input, `[CLS]` and `[SEP]` included; longer texts are cut, as the reference does.
    public let maxTokens: Int
    /// Texts are encoded in batches of at most this many tokens.
    public let batchTokens: Int
    let encoder: BERTEncoder
    /// OpenBLAS's threads for full batches (VISIONARY_EMBEDDING_THREADS, else its default).
    private let threads: Int32
    private let pool: NIOThreadPool
    private let oneAtATime = NIOLock()

    /// Loads the model from `directory`. `threads` caps OpenBLAS's threads (nil: its default, one per core).
    public init(directory: URL, threads: Int? = nil, batchTokens: Int = 2048, pool: NIOThreadPool = MiniLMEmbeddingModel.pool) throws {
        func read(_ name: String) throws -> Data {
            do { return try Data(contentsOf: directory.appendingPathComponent(name)) } catch {
                throw EmbeddingError.invalidModel("cannot read \(name) in \(directory.path)")
            }
        }
        let configuration: BERTConfiguration
        do { configuration = try JSONDecoder().decode(BERTConfiguration.self, from: try read("config.json")) } catch let error as EmbeddingError {
            throw error
        } catch { throw EmbeddingError.invalidModel("config.json: \(error)") }
        struct SentenceConfiguration: Decodable { let max_seq_length: Int }
        let sentence = try? JSONDecoder().decode(SentenceConfiguration.self, from: try read("sentence_bert_config.json"))
        guard let vocabulary = String(data: try read("vocab.txt"), encoding: .utf8) else {
            throw EmbeddingError.invalidModel("vocab.txt is not UTF-8")
        }
        tokenizer = try WordPieceTokenizer(vocabulary: vocabulary)
        guard tokenizer.size <= configuration.vocabSize else {
            throw EmbeddingError.invalidModel("vocab.txt has \(tokenizer.size) entries, the model \(configuration.vocabSize)")
        }
        encoder = try BERTEncoder(configuration: configuration, tensors: try SafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors")))
        maxTokens = min(sentence?.max_seq_length ?? 256, configuration.maxPositionEmbeddings)
        self.batchTokens = max(batchTokens, maxTokens)
        self.pool = pool
        identifier = "builtin/all-MiniLM-L6-v2@\(configuration.hiddenSize)"
        self.threads = threads.map { Int32(max(1, $0)) } ?? openblas_get_num_threads()
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await pool.runIfActive { self.embedNow(texts) }
    }

    /// The thread embedding runs on: one of its own, so the model's work never holds up the
    /// shared blocking pool (password hashing, file I/O); OpenBLAS spreads each product over the cores.
    public static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    /// Encodes on the calling thread; for benchmarks and tools that own their thread.
    public func embedNow(_ texts: [String]) -> [[Float]] {
        let sequences = texts.map { tokenizer.encode($0, maxTokens: maxTokens) }
        return encode(sequences)
    }

    /// Floating-point operations the encoder performs for these texts (for throughput figures).
    public func operations(for texts: [String]) -> Double {
        encoder.operations(lengths: texts.map { tokenizer.encode($0, maxTokens: maxTokens).count })
    }

    /// Batches sequences of similar length together (packing wastes nothing, but shorter
    /// batches keep the attention scratch small), encoding each batch under the lock.
    private func encode(_ sequences: [[Int32]]) -> [[Float]] {
        let order = sequences.indices.sorted { sequences[$0].count < sequences[$1].count }
        var vectors = [[Float]](repeating: [], count: sequences.count)
        var batch: [Int] = []
        var tokens = 0
        func flush() {
            guard !batch.isEmpty else { return }
            let encoded = oneAtATime.withLock {
                // A short batch (a search's query) reads all the weights for little arithmetic:
                // one thread does it sooner than several that must be woken and joined.
                openblas_set_num_threads(tokens < 128 ? 1 : threads)
                return encoder.embed(batch.map { sequences[$0] })
            }
            for (index, vector) in zip(batch, encoded) { vectors[index] = vector }
            batch = []
            tokens = 0
        }
        for index in order {
            if tokens + sequences[index].count > batchTokens { flush() }
            batch.append(index)
            tokens += sequences[index].count
        }
        flush()
        return vectors
    }
}

/// The built-in model as the server holds it: named and sized before it is loaded, loaded from
/// `directory` on first use, and loaded once per process whoever asks (servers in one process
/// share the weights, about 90 MB).
public final class BuiltinEmbeddingModel: EmbeddingModel {
    public static let identifier = "builtin/all-MiniLM-L6-v2@384"
    public var identifier: String { Self.identifier }
    public var dimensions: Int { 384 }
    public let directory: URL
    let threads: Int?

    public init(directory: URL, threads: Int? = nil) {
        self.directory = directory.standardizedFileURL
        self.threads = threads
    }

    private static let loaded = NIOLockedValueBox<[String: Result<MiniLMEmbeddingModel, EmbeddingError>]>([:])

    /// The loaded model (loading it on the first call). A model that fails to load fails the
    /// same way until the process restarts, without reading its files again.
    public func model() throws -> MiniLMEmbeddingModel {
        try Self.loaded.withLockedValue { models in
            if let loaded = models[directory.path] { return try loaded.get() }
            let loaded = Result { () throws(EmbeddingError) -> MiniLMEmbeddingModel in
                let model: MiniLMEmbeddingModel
                do { model = try MiniLMEmbeddingModel(directory: directory, threads: threads) } catch let error as EmbeddingError {
                    throw error
                } catch { throw .invalidModel("\(error)") }
                guard model.identifier == Self.identifier else {
                    throw .invalidModel("\(directory.path) holds \(model.identifier), not \(Self.identifier)")
                }
                return model
            }
            models[directory.path] = loaded
            return try loaded.get()
        }
    }

    /// Loads the model on the model's own thread if no one has, so that neither the first search
    /// nor the tokeniser's first count reads 90 MB on the thread that asked (an event loop). The
    /// server calls it as it starts; a failure is kept, and reported where the model is used.
    public func load() async throws {
        _ = try await loaded()
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await loaded().embed(texts)
    }

    private func loaded() async throws -> MiniLMEmbeddingModel {
        if let loaded = Self.loaded.withLockedValue({ $0[directory.path] }) { return try loaded.get() }
        return try await MiniLMEmbeddingModel.pool.runIfActive { try self.model() }
    }
}
