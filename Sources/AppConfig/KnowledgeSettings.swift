/// The knowledge base: which embedding model turns notes into vectors, and how sources are taken in.
public struct KnowledgeSettings: Sendable, Equatable {
    /// Where embeddings come from.
    public enum Provider: String, Sendable, Equatable {
        /// all-MiniLM-L6-v2 run inside the server (384 dimensions); no outside service.
        case builtin
        /// An OpenAI-compatible `/v1/embeddings` endpoint.
        case openai
    }

    /// `VISIONARY_EMBEDDING_PROVIDER`: `builtin` (default) or `openai`.
    public var provider = Provider.builtin
    /// `VISIONARY_EMBEDDING_MODEL_DIR`: the built-in model's files (`model.safetensors`,
    /// `vocab.txt`, `config.json`); `scripts/install-embedding-model.sh` installs them and
    /// `make run` sets it. Unset: the knowledge base searches by full text only.
    public var modelDirectory: String?
    /// `VISIONARY_EMBEDDING_THREADS`: threads of the built-in model's matrix products (default:
    /// OpenBLAS's own choice, one per core).
    public var threads: Int?
    /// `VISIONARY_EMBEDDING_BASE_URL` (default `https://api.openai.com/v1`), `_API_KEY`, `_MODEL`
    /// (default `text-embedding-3-small`), `_DIMENSIONS` (default 1536; at most 1536).
    public var baseURL = "https://api.openai.com/v1"
    public var apiKey: String?
    public var model = "text-embedding-3-small"
    public var dimensions = 1536
    /// `VISIONARY_EMBEDDING_TIMEOUT`: seconds one call to the provider may take (default 30; 1-600);
    /// 429s, 5xx and failed connections are tried three times in all.
    public var timeoutSeconds = 30
    /// `VISIONARY_KNOWLEDGE_MAX_BYTES`: the largest source taken in, in bytes (default 2 MiB: about
    /// three minutes of the built-in model on two cores, during which the job holds a worker slot).
    public var maxSourceBytes = 2 * 1024 * 1024
    /// `VISIONARY_KNOWLEDGE_MAX_USER_BYTES`: the most text one user's sources may hold together,
    /// in bytes (default 50 MiB).
    public var maxUserBytes = 50 * 1024 * 1024
    /// `VISIONARY_KNOWLEDGE_INLINE_BYTES`: sources larger than this are embedded by a background
    /// job, the request answering at once with the source `processing` (default 256 KiB).
    public var inlineBytes = 256 * 1024
    /// `VISIONARY_KNOWLEDGE_URL_FETCH`: whether `ingest` may fetch a `sourceUrl` (default false:
    /// a server that fetches what users name can be turned against its own network). When on,
    /// private, loopback and link-local addresses are still refused.
    public var urlFetch = false
    /// `VISIONARY_PDFTOTEXT`: poppler's `pdftotext`, which reads the text of PDF sources (default:
    /// `pdftotext` on the PATH; `make run` sets the one `scripts/install-pdf-tools.sh` installs).
    public var pdftotext: String?

    public init() {}

    mutating func read(_ value: (String) -> String?) throws(ConfigError) {
        if let raw = value("VISIONARY_EMBEDDING_PROVIDER") {
            guard let provider = Provider(rawValue: raw.lowercased()) else {
                throw .invalid("VISIONARY_EMBEDDING_PROVIDER", raw, "builtin or openai")
            }
            self.provider = provider
        }
        modelDirectory = value("VISIONARY_EMBEDDING_MODEL_DIR")
        threads = try value("VISIONARY_EMBEDDING_THREADS").map { raw throws(ConfigError) in
            try Self.integer(raw, "VISIONARY_EMBEDDING_THREADS", 1...256)
        }
        baseURL = try IntegrationSettings.url("VISIONARY_EMBEDDING_BASE_URL", value, default: baseURL)
        apiKey = value("VISIONARY_EMBEDDING_API_KEY")
        model = value("VISIONARY_EMBEDDING_MODEL") ?? model
        if let raw = value("VISIONARY_EMBEDDING_DIMENSIONS") { dimensions = try Self.integer(raw, "VISIONARY_EMBEDDING_DIMENSIONS", 1...1536) }
        if let raw = value("VISIONARY_EMBEDDING_TIMEOUT") { timeoutSeconds = try Self.integer(raw, "VISIONARY_EMBEDDING_TIMEOUT", 1...600) }
        if let raw = value("VISIONARY_KNOWLEDGE_MAX_BYTES") {
            maxSourceBytes = try Self.integer(raw, "VISIONARY_KNOWLEDGE_MAX_BYTES", 1024...(512 * 1024 * 1024))
        }
        if let raw = value("VISIONARY_KNOWLEDGE_MAX_USER_BYTES") {
            maxUserBytes = try Self.integer(raw, "VISIONARY_KNOWLEDGE_MAX_USER_BYTES", 1024...(64 * 1024 * 1024 * 1024))
        }
        if let raw = value("VISIONARY_KNOWLEDGE_INLINE_BYTES") {
            inlineBytes = try Self.integer(raw, "VISIONARY_KNOWLEDGE_INLINE_BYTES", 0...(512 * 1024 * 1024))
        }
        if let raw = value("VISIONARY_KNOWLEDGE_URL_FETCH") { urlFetch = try AppConfig.flag(raw, name: "VISIONARY_KNOWLEDGE_URL_FETCH") }
        pdftotext = value("VISIONARY_PDFTOTEXT")
    }

    static func integer(_ raw: String, _ name: String, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let number = Int(raw), range.contains(number) else {
            throw .invalid(name, raw, "a whole number \(range.lowerBound)-\(range.upperBound)")
        }
        return number
    }

    var redacted: [(name: String, value: String)] {
        [
            ("VISIONARY_EMBEDDING_PROVIDER", provider.rawValue),
            ("VISIONARY_EMBEDDING_MODEL_DIR", modelDirectory ?? (provider == .builtin ? "(none: knowledge search by full text only)" : "(unused)")),
            ("VISIONARY_EMBEDDING_THREADS", threads.map(String.init) ?? "(OpenBLAS's default)"),
            ("VISIONARY_EMBEDDING_BASE_URL", provider == .openai ? baseURL : "(unused)"),
            ("VISIONARY_EMBEDDING_API_KEY", apiKey == nil ? "(none)" : "(set, redacted)"),
            ("VISIONARY_EMBEDDING_MODEL", provider == .openai ? model : "(unused)"),
            ("VISIONARY_EMBEDDING_DIMENSIONS", provider == .openai ? String(dimensions) : "384 (built-in)"),
            ("VISIONARY_EMBEDDING_TIMEOUT", String(timeoutSeconds)),
            ("VISIONARY_KNOWLEDGE_MAX_BYTES", String(maxSourceBytes)),
            ("VISIONARY_KNOWLEDGE_MAX_USER_BYTES", String(maxUserBytes)),
            ("VISIONARY_KNOWLEDGE_INLINE_BYTES", String(inlineBytes)),
            ("VISIONARY_KNOWLEDGE_URL_FETCH", String(urlFetch)),
            ("VISIONARY_PDFTOTEXT", pdftotext ?? "(pdftotext on the PATH)"),
        ]
    }
}
