/// Everything the server can be configured with: one value with defaults, built from the
/// environment and then overridden by command-line flags. Pure: the environment is passed in.
public struct AppConfig: Sendable, Equatable {
    /// Address the HTTP server binds to (`VISIONARY_HOST`).
    public var host: String = "127.0.0.1"
    /// Port the HTTP server listens on (`VISIONARY_PORT`).
    public var port: Int = 54321
    /// Folder for the embedded database, the generated JWT secret and local files
    /// (`VISIONARY_DATA_DIR`); relative paths are resolved against `workingDirectory`.
    public var dataDirectory: String = ".visionary"
    /// Secret that signs API keys and access tokens (`VISIONARY_JWT_SECRET`); when nil, one is
    /// generated on first start and kept in the data folder.
    public var jwtSecret: String?
    /// PostgreSQL to use (`DATABASE_URL`); when nil, the embedded cluster in the data folder.
    public var databaseURL: String?
    /// Folder holding the embedded PostgreSQL binaries (`VISIONARY_PG_BIN`); when nil, the
    /// locations the set-up script installs to are searched.
    public var postgresBinDirectory: String?
    /// Port of the embedded PostgreSQL (`VISIONARY_DB_PORT`); 0 picks a free port.
    public var embeddedDatabasePort: Int = 0
    /// `max_connections` of the embedded PostgreSQL (the test suite's shared cluster needs more).
    public var embeddedMaxConnections: Int = 300
    /// Whether `serve` applies pending migrations before it opens its port (`VISIONARY_MIGRATE`).
    public var migrateOnStart: Bool = true
    /// Log level: trace, debug, info, notice, warning, error or critical (`VISIONARY_LOG_LEVEL`).
    public var logLevel: String = "info"
    /// Connections per pool (owner and API) (`VISIONARY_DB_POOL_SIZE`).
    public var databasePoolSize = 20
    /// Connections each pool keeps open however idle (`VISIONARY_DB_POOL_MIN`); nil: all of them.
    /// Connections above it close after a minute unused, at the price of a timer per request.
    public var databasePoolMinimum: Int?
    /// Most rows a REST read returns, whatever `limit` says (`VISIONARY_REST_MAX_ROWS`); nil for no cap.
    public var restMaxRows: Int?
    /// Whether REST `select` may use aggregate functions — `count()`, `amount.sum()`, `avg`,
    /// `max`, `min` — (`VISIONARY_REST_AGGREGATES_ENABLED`); when not, they are PGRST123.
    public var restAggregatesEnabled = true
    /// Whether `Accept: application/vnd.pgrst.plan…` answers the statement's execution plan
    /// (`VISIONARY_REST_PLAN_ENABLED`, PostgREST's `db-plan-enabled`); when not, it is PGRST107.
    public var restPlanEnabled = false
    /// `statement_timeout` of every REST statement, in milliseconds (`VISIONARY_REST_STATEMENT_TIMEOUT_MS`).
    public var restStatementTimeoutMilliseconds = 8_000
    /// Seconds a connection may sit idle between requests, or between the parts of one (an
    /// unfinished request head included), before it is closed (`VISIONARY_HTTP_IDLE_TIMEOUT`).
    public var httpIdleTimeoutSeconds = 30
    /// Threads that run both the network I/O and every request's work (`VISIONARY_EVENT_LOOP_THREADS`).
    /// Nil: with the embedded database, which needs processors of its own, half the processors
    /// but at least two where there are two (one thread alone queues requests while a processor
    /// idles); all of them with an outside database. Each loop has its own part of the API
    /// database pool, so a request stays on one thread from socket to database and back.
    public var eventLoopThreads: Int?
    /// Whether `serve` also runs the background worker and scheduler (`VISIONARY_WORKER`); off,
    /// they run only in `visionary worker` processes.
    public var workerEnabled = true
    /// Jobs a worker runs at once (`VISIONARY_WORKER_CONCURRENCY`).
    public var workerConcurrency = 4
    /// The bearer token that opens `/metrics` to callers beyond loopback (`VISIONARY_METRICS_TOKEN`).
    public var metricsToken: String?
    /// The address clients reach the server at (`VISIONARY_PUBLIC_URL`): the one source of every
    /// absolute URL the server makes (token issuer, mail links, redirects). Nil: the listen address.
    public var publicURL: String?
    /// Glob patterns of the URLs clients may ask to be sent to besides the public URL
    /// (`VISIONARY_REDIRECT_ALLOW_LIST`, comma-separated; `*` and `?` stop at `.` and `/`, `**` does not).
    public var redirectAllowList: [String] = []
    /// The Auth API's policy (`VISIONARY_JWT_EXPIRY`, `VISIONARY_AUTH_*`).
    public var auth = AuthSettings()
    /// The Storage API's store and limits (`VISIONARY_STORAGE_*`).
    public var storage = StorageSettings()
    /// The mail relay and Twilio (`VISIONARY_SMTP_*`, `VISIONARY_MAIL_FROM`, `VISIONARY_TWILIO_*`).
    public var messaging = MessagingSettings()
    /// Connected accounts (Plaid, …) and the keys their tokens are sealed with.
    public var integrations = IntegrationSettings()
    /// The knowledge base's embedding model and ingestion limits (`VISIONARY_EMBEDDING_*`, `VISIONARY_KNOWLEDGE_*`).
    public var knowledge = KnowledgeSettings()
    /// The model providers of the AI features and their per-user quotas (`VISIONARY_AI_*`).
    public var ai = AISettings()
    /// `text` (default) or `json`: one JSON object per log line (`VISIONARY_LOG_FORMAT`).
    public var logFormat = LogFormat.text
    /// The working directory relative paths are resolved against.
    public var workingDirectory: String = "."

    public init() {}

    /// The configuration the given environment describes; unknown variables are ignored and
    /// malformed values are reported, never guessed at.
    public init(environment: [String: String], workingDirectory: String) throws(ConfigError) {
        self.workingDirectory = workingDirectory
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingWhitespace(), !raw.isEmpty else { return nil }
            return raw
        }
        if let host = value("VISIONARY_HOST") { self.host = host }
        if let port = value("VISIONARY_PORT") { self.port = try Self.port(port, name: "VISIONARY_PORT") }
        if let dir = value("VISIONARY_DATA_DIR") { self.dataDirectory = dir }
        if let secret = value("VISIONARY_JWT_SECRET") { self.jwtSecret = secret }
        if let url = value("DATABASE_URL") { self.databaseURL = url }
        if let bin = value("VISIONARY_PG_BIN") { self.postgresBinDirectory = bin }
        if let port = value("VISIONARY_DB_PORT") {
            self.embeddedDatabasePort = try Self.port(port, name: "VISIONARY_DB_PORT", allowZero: true)
        }
        if let migrate = value("VISIONARY_MIGRATE") {
            self.migrateOnStart = try Self.flag(migrate, name: "VISIONARY_MIGRATE")
        }
        if let level = value("VISIONARY_LOG_LEVEL") { self.logLevel = level }
        if let url = value("VISIONARY_PUBLIC_URL") { self.publicURL = url }
        if let list = value("VISIONARY_REDIRECT_ALLOW_LIST") {
            self.redirectAllowList = list.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        }
        func integer(_ name: String, _ range: ClosedRange<Int>, into target: inout Int) throws(ConfigError) {
            guard let raw = value(name) else { return }
            guard let number = Int(raw), range.contains(number) else {
                throw .invalid(name, raw, "a whole number \(range.lowerBound)-\(range.upperBound)")
            }
            target = number
        }
        /// An optional setting: left nil unless the variable is set.
        func integer(_ name: String, _ range: ClosedRange<Int>, into target: inout Int?) throws(ConfigError) {
            guard value(name) != nil else { return }
            var number = 0
            try integer(name, range, into: &number)
            target = number
        }
        try integer("VISIONARY_JWT_EXPIRY", 300...604_800, into: &auth.accessTokenLifetime)
        try integer("VISIONARY_JWT_LEEWAY", 0...300, into: &auth.expiryLeeway)
        try integer("VISIONARY_AUTH_MIN_PASSWORD_LENGTH", 6...72, into: &auth.minimumPasswordLength)
        try integer("VISIONARY_AUTH_BCRYPT_COST", 4...31, into: &auth.bcryptCost)
        try integer("VISIONARY_AUTH_REFRESH_REUSE_INTERVAL", 0...3600, into: &auth.refreshReuseInterval)
        try integer("VISIONARY_AUTH_RATE_LIMIT_PER_ADDRESS", 1...1_000_000, into: &auth.rateLimitPerAddress)
        try integer("VISIONARY_AUTH_RATE_LIMIT_PER_EMAIL", 1...1_000_000, into: &auth.rateLimitPerEmail)
        try integer("VISIONARY_AUTH_RATE_LIMIT_WINDOW", 1...86_400, into: &auth.rateLimitWindow)
        try integer("VISIONARY_AUTH_SIGNIN_FREE_FAILURES", 1...1_000, into: &auth.signInFreeFailures)
        try integer("VISIONARY_AUTH_SIGNIN_MAX_BACKOFF", 1...86_400, into: &auth.signInMaxBackoff)
        try integer("VISIONARY_REST_MAX_ROWS", 1...10_000_000, into: &restMaxRows)
        try integer("VISIONARY_DB_POOL_SIZE", 1...1_000, into: &databasePoolSize)
        try integer("VISIONARY_DB_POOL_MIN", 0...1_000, into: &databasePoolMinimum)
        try integer("VISIONARY_REST_STATEMENT_TIMEOUT_MS", 100...3_600_000, into: &restStatementTimeoutMilliseconds)
        try integer("VISIONARY_HTTP_IDLE_TIMEOUT", 1...3_600, into: &httpIdleTimeoutSeconds)
        try integer("VISIONARY_EVENT_LOOP_THREADS", 1...1_024, into: &eventLoopThreads)
        try integer("VISIONARY_WORKER_CONCURRENCY", 1...64, into: &workerConcurrency)
        if let raw = value("VISIONARY_WORKER") { workerEnabled = try Self.flag(raw, name: "VISIONARY_WORKER") }
        if let token = value("VISIONARY_METRICS_TOKEN"), !token.isEmpty { metricsToken = token }
        if let raw = value("VISIONARY_REST_PLAN_ENABLED") {
            restPlanEnabled = try Self.flag(raw, name: "VISIONARY_REST_PLAN_ENABLED")
        }
        if let raw = value("VISIONARY_REST_AGGREGATES_ENABLED") {
            restAggregatesEnabled = try Self.flag(raw, name: "VISIONARY_REST_AGGREGATES_ENABLED")
        }
        if let raw = value("VISIONARY_JWT_REQUIRE_EXP") { auth.requireExpiry = try Self.flag(raw, name: "VISIONARY_JWT_REQUIRE_EXP") }
        if let raw = value("VISIONARY_AUTH_AUTOCONFIRM") { auth.autoconfirm = try Self.flag(raw, name: "VISIONARY_AUTH_AUTOCONFIRM") }
        if let raw = value("VISIONARY_AUTH_DISABLE_SIGNUP") { auth.disableSignup = try Self.flag(raw, name: "VISIONARY_AUTH_DISABLE_SIGNUP") }
        if let raw = value("VISIONARY_AUTH_ANONYMOUS") { auth.anonymousSignIns = try Self.flag(raw, name: "VISIONARY_AUTH_ANONYMOUS") }
        auth.oauthProviders = try OAuthProvider.read(value)
        if let raw = value("VISIONARY_LOG_FORMAT") {
            guard let format = LogFormat(rawValue: raw.lowercased()) else { throw .invalid("VISIONARY_LOG_FORMAT", raw, "text or json") }
            logFormat = format
        }
        try storage.read(value)
        try messaging.read(value)
        try integrations.read(value)
        try knowledge.read(value)
        try ai.read(value)
        try validate()
    }

    /// Checks values that flags may also have set.
    public func validate() throws(ConfigError) {
        guard (1...65535).contains(port) else { throw .invalid("port", "\(port)", "a port number 1-65535") }
        guard (0...65535).contains(embeddedDatabasePort) else {
            throw .invalid("database port", "\(embeddedDatabasePort)", "a port number 0-65535")
        }
        guard Self.logLevels.contains(logLevel) else {
            throw .invalid("log level", logLevel, Self.logLevels.joined(separator: ", "))
        }
        if let secret = jwtSecret, secret.utf8.count < 32 {
            throw .invalid("JWT secret", "(\(secret.utf8.count) bytes)", "at least 32 bytes")
        }
        if let publicURL {
            let lower = publicURL.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), !publicURL.contains(where: { $0 == " " || $0 == "?" || $0 == "#" })
            else { throw .invalid("VISIONARY_PUBLIC_URL", publicURL, "an http:// or https:// URL without query or fragment") }
        }
        try storage.validate()
    }

    /// The public URL without a trailing slash: `VISIONARY_PUBLIC_URL`, else `http://host:port`.
    /// The connections each pool keeps open: `databasePoolMinimum`, at most the pool size.
    public var resolvedDatabasePoolMinimum: Int {
        min(databasePoolMinimum ?? databasePoolSize, databasePoolSize)
    }

    /// `eventLoopThreads`, or its default for a machine with `processors` processors.
    public func resolvedEventLoopThreads(processors: Int) -> Int {
        eventLoopThreads ?? (databaseURL == nil ? max(min(2, processors), processors / 2) : max(1, processors))
    }

    public var resolvedPublicURL: String {
        var url = publicURL ?? "http://\(host):\(port)"
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// The data folder as an absolute path.
    public var resolvedDataDirectory: String {
        Self.resolve(dataDirectory, against: workingDirectory)
    }

    /// The local object store's folder as an absolute path.
    public var resolvedStorageDirectory: String {
        storage.localDirectory.map { Self.resolve($0, against: workingDirectory) } ?? resolvedDataDirectory + "/storage"
    }

    /// Name and value of every setting, secrets redacted, in a stable order.
    public var redactedSettings: [(name: String, value: String)] {
        let general: [(name: String, value: String)] = [
            ("VISIONARY_HOST", host),
            ("VISIONARY_PORT", String(port)),
            ("VISIONARY_DATA_DIR", resolvedDataDirectory),
            ("VISIONARY_JWT_SECRET", jwtSecret == nil ? "(generated, kept in the data folder)" : "(set, redacted)"),
            ("DATABASE_URL", databaseURL.map(Self.redactingPassword) ?? "(embedded PostgreSQL)"),
            ("VISIONARY_PG_BIN", postgresBinDirectory ?? "(installed by the set-up script)"),
            ("VISIONARY_DB_PORT", embeddedDatabasePort == 0 ? "0 (a free port)" : String(embeddedDatabasePort)),
            ("VISIONARY_MIGRATE", String(migrateOnStart)),
            ("VISIONARY_LOG_LEVEL", logLevel),
            ("VISIONARY_LOG_FORMAT", logFormat.rawValue),
            ("VISIONARY_PUBLIC_URL", resolvedPublicURL),
            ("VISIONARY_REDIRECT_ALLOW_LIST", redirectAllowList.isEmpty ? "(none: only the public URL)" : redirectAllowList.joined(separator: ",")),
            ("VISIONARY_DB_POOL_SIZE", String(databasePoolSize)),
            ("VISIONARY_DB_POOL_MIN", databasePoolMinimum.map(String.init) ?? "(the pool size)"),
            ("VISIONARY_REST_MAX_ROWS", restMaxRows.map(String.init) ?? "(no cap)"),
            ("VISIONARY_REST_AGGREGATES_ENABLED", String(restAggregatesEnabled)),
            ("VISIONARY_REST_PLAN_ENABLED", String(restPlanEnabled)),
            ("VISIONARY_REST_STATEMENT_TIMEOUT_MS", String(restStatementTimeoutMilliseconds)),
            ("VISIONARY_HTTP_IDLE_TIMEOUT", String(httpIdleTimeoutSeconds)),
            ("VISIONARY_EVENT_LOOP_THREADS", eventLoopThreads.map(String.init) ?? "(half the processors, at least two, with the embedded database; else all)"),
            ("VISIONARY_WORKER", String(workerEnabled)),
            ("VISIONARY_WORKER_CONCURRENCY", String(workerConcurrency)),
            ("VISIONARY_METRICS_TOKEN", metricsToken == nil ? "(none: /metrics answers loopback only)" : "(set, redacted)"),
            ("VISIONARY_JWT_EXPIRY", String(auth.accessTokenLifetime)),
            ("VISIONARY_JWT_LEEWAY", String(auth.expiryLeeway)),
            ("VISIONARY_JWT_REQUIRE_EXP", String(auth.requireExpiry)),
            ("VISIONARY_AUTH_AUTOCONFIRM", String(auth.autoconfirm)),
            ("VISIONARY_AUTH_DISABLE_SIGNUP", String(auth.disableSignup)),
            ("VISIONARY_AUTH_ANONYMOUS", String(auth.anonymousSignIns)),
            ("VISIONARY_AUTH_EXTERNAL_PROVIDERS", auth.oauthProviders.isEmpty ? "(none)" : auth.oauthProviders.map { "\($0.name) (\($0.kind.rawValue), client \($0.clientID))" }.joined(separator: ", ")),
            ("VISIONARY_AUTH_MIN_PASSWORD_LENGTH", String(auth.minimumPasswordLength)),
            ("VISIONARY_AUTH_BCRYPT_COST", String(auth.bcryptCost)),
            ("VISIONARY_AUTH_REFRESH_REUSE_INTERVAL", String(auth.refreshReuseInterval)),
            ("VISIONARY_AUTH_RATE_LIMIT_PER_ADDRESS", String(auth.rateLimitPerAddress)),
            ("VISIONARY_AUTH_RATE_LIMIT_PER_EMAIL", String(auth.rateLimitPerEmail)),
            ("VISIONARY_AUTH_RATE_LIMIT_WINDOW", String(auth.rateLimitWindow)),
            ("VISIONARY_AUTH_SIGNIN_FREE_FAILURES", String(auth.signInFreeFailures)),
            ("VISIONARY_AUTH_SIGNIN_MAX_BACKOFF", String(auth.signInMaxBackoff)),
        ]
        return general + storage.redacted + messaging.redacted + integrations.redacted + knowledge.redacted + ai.redacted
    }

    /// How log lines are written.
    public enum LogFormat: String, Sendable, Equatable {
        /// `timestamp level label: message key=value …`, for people.
        case text
        /// One JSON object per line, for log collectors.
        case json
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    public static func resolve(_ path: String, against base: String) -> String {
        path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base + path : base + "/" + path)
    }

    /// The URL with any password replaced by `***`.
    public static func redactingPassword(_ url: String) -> String {
        let characters = Array(url)
        guard let schemeEnd = (0..<max(0, characters.count - 2)).first(where: {
            characters[$0] == ":" && characters[$0 + 1] == "/" && characters[$0 + 2] == "/"
        }) else { return url }
        let authorityStart = schemeEnd + 3
        let authorityEnd = characters[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" }) ?? characters.count
        guard let at = characters[authorityStart..<authorityEnd].lastIndex(of: "@"),
              let colon = characters[authorityStart..<at].firstIndex(of: ":")
        else { return url }
        return String(characters[..<colon]) + ":***" + String(characters[at...])
    }

    static func port(_ raw: String, name: String, allowZero: Bool = false) throws(ConfigError) -> Int {
        guard let port = Int(raw), (allowZero ? 0 : 1)...65535 ~= port else {
            throw .invalid(name, raw, allowZero ? "a port number 0-65535" : "a port number 1-65535")
        }
        return port
    }

    static func flag(_ raw: String, name: String) throws(ConfigError) -> Bool {
        switch raw.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw .invalid(name, raw, "true or false")
        }
    }
}

/// A setting that cannot be used as given.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case invalid(_ setting: String, _ value: String, _ expected: String)

    public var description: String {
        switch self {
        case .invalid(let setting, let value, let expected):
            return "invalid \(setting): \(value) (expected \(expected))"
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
