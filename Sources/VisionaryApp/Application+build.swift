import AIModels
import AppConfig
import AuthAPI
import Core
import Database
import DomainFunctions
import Embedding
import Fulfilment
import Foundation
import FunctionsAPI
import HTTPSupport
import Hummingbird
import Jobs
import Knowledge
import Logging
import NIOCore
import NIOPosix
import ObjectStore
import Payments
import Phone
import Plaid
import Prometheus
import RESTAPI
import Secrets
import Slack
import StorageAPI
import Teams
import Tokens

/// What the HTTP application is built from: each piece already made, so tests can pass their own.
public struct ApplicationParts: Sendable {
    public var config: AppConfig
    public var keys: APIKeys
    public var jwtSecret: String
    /// The keys tokens at rest are sealed with.
    public var keyRing: KeyRing
    /// Pool of connections as the schema owner (migrations, Auth, schema cache); never API requests.
    public var ownerDatabase: DatabasePool
    /// Pool of connections as `authenticator`, which only switches into the API roles.
    public var apiDatabase: DatabasePool
    public var migrations: [Migration]
    public var auth: AuthService
    public var schemaCache: SchemaCacheStore
    public var rest: RESTService
    /// The functions served under `/functions/v1`.
    public var functions: [any EdgeFunction]
    /// The Storage API and the worker that deletes bytes no object names any more.
    public var storage: StorageService
    public var storageSweeper: StorageSweeper
    /// Paid orders to the printer: the print.fulfil job and submit-to-prodigi.
    public var fulfilment: PrintFulfilment
    /// The knowledge base: knowledge-ingest, the knowledge.ingest job and re-embedding.
    public var knowledge: KnowledgeBase
    /// Resolves the caller (role and claims) of every API request from its bearer and API key.
    public var callers: CallerResolver
    /// The asymmetric JWT signing keys, as `internal.signing_keys` holds them (reloaded on change).
    public var signingKeys: SigningKeyStore
    /// Called once the port is open, with the address clients should use.
    public var onListening: @Sendable (String) async -> Void
    /// What `/metrics` shows: the metrics backend `visionary serve` installs writes here.
    public var metrics = PrometheusCollectorRegistry()

    /// Every part for a configuration whose database (owner login) is `owner`.
    public static func make(
        config: AppConfig, secret: String, keyRing: KeyRing, owner: DatabaseEndpoint, logger: Logger,
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) async throws -> ApplicationParts {
        let ownerDatabase = try DatabasePool(
            endpoint: owner, maximumConnections: config.databasePoolSize, keptOpen: config.resolvedDatabasePoolMinimum, logger: logger)
        let apiEndpoint = owner.with(username: AuthenticatorLogin.role, password: AuthenticatorLogin.password(jwtSecret: secret))
        // Split by event loop: a request's statements go out and come back on its own thread.
        let apiDatabase = try DatabasePool(
            endpoint: apiEndpoint, maximumConnections: config.databasePoolSize, keptOpen: config.resolvedDatabasePoolMinimum,
            sessionSettings: APIRequestRunner.sessionSettings(statementTimeout: "\(config.restStatementTimeoutMilliseconds)ms"),
            perEventLoop: MultiThreadedEventLoopGroup.singleton, logger: logger)
        var settings = config.auth
        settings.publicURL = config.resolvedPublicURL
        settings.redirectAllowList = config.redirectAllowList
        let ownerRunner = SQLRunner(pool: ownerDatabase, logger: logger)
        // Filled once the schema is migrated, and again whenever the keys change.
        let signingKeys = SigningKeyStore()
        let auth = try await AuthService(
            database: ownerRunner, settings: settings, jwtSecret: secret,
            passwords: BCryptPasswordHasher(cost: settings.bcryptCost), signingKeys: signingKeys)
        let keys = APIKeys(secret: secret)
        let schemaCache = SchemaCacheStore(loader: SchemaCacheLoader(database: ownerRunner))
        let runner = APIRequestRunner(pool: apiDatabase, logger: logger)
        let callers = CallerResolver(
            secret: secret, keys: keys, signingKeys: signingKeys, leeway: TimeInterval(settings.expiryLeeway), requireExpiry: settings.requireExpiry)
        let phone = PhoneService(
            database: ownerRunner, twilio: config.messaging.twilio.map { TwilioClient(account: $0) },
            codeKey: PhoneService.codeKey(projectSecret: secret))
        let plaid = PlaidService(database: ownerRunner, ring: keyRing, plaid: config.integrations.plaid.map { PlaidClient(account: $0) })
        let states = OAuthStates(projectSecret: secret)
        let slack = SlackService(
            database: ownerRunner, ring: keyRing, states: states, app: config.integrations.slack, publicURL: config.resolvedPublicURL)
        let teams = TeamsService(
            database: ownerRunner, ring: keyRing, states: states, app: config.integrations.teams, publicURL: config.resolvedPublicURL)
        let payments = PaymentService(
            database: ownerRunner, account: config.integrations.stripe,
            redirects: RedirectPolicy(publicURL: config.resolvedPublicURL, patterns: config.redirectAllowList))
        let store = try makeObjectStore(config)
        let sweeper = StorageSweeper(database: ownerRunner, store: store, logger: logger)
        let storage = StorageService(
            runner: runner, callers: callers, store: store, projectSecret: secret, settings: config.storage, logger: logger)
        let fulfilment = try makeFulfilment(config, database: ownerRunner, storage: storage, logger: logger)
        let knowledge = makeKnowledge(config, runner: runner, owner: ownerRunner)
        let functions = DomainFunctions.all(
            runner: runner, phone: phone, plaid: plaid, slack: slack, teams: teams, payments: payments,
            printCallbacks: PrintStatusCallbacks(database: ownerRunner, secret: config.integrations.prodigiCallbackSecret),
            fulfilment: fulfilment, knowledge: knowledge, storage: storage, ai: AIProviders(config.ai), aiSettings: config.ai, owner: ownerRunner,
            publicURL: config.resolvedPublicURL)
        let rest = RESTService(
            cache: schemaCache, runner: runner, callers: callers, maxRows: config.restMaxRows,
            aggregatesEnabled: config.restAggregatesEnabled, functions: functions.map(\.documentation),
            planEnabled: config.restPlanEnabled)
        return ApplicationParts(
            config: config, keys: keys, jwtSecret: secret, keyRing: keyRing, ownerDatabase: ownerDatabase, apiDatabase: apiDatabase,
            migrations: try Migration.bundled(), auth: auth, schemaCache: schemaCache, rest: rest, functions: functions,
            storage: storage, storageSweeper: sweeper, fulfilment: fulfilment, knowledge: knowledge, callers: callers, signingKeys: signingKeys, onListening: onListening)
    }

    /// Print fulfilment as the configuration has it: Prodigi when `VISIONARY_PRODIGI_API_KEY` is
    /// set, the workbook fonts of `VISIONARY_WORKBOOK_FONTS`.
    static func makeFulfilment(_ config: AppConfig, database: SQLRunner, storage: StorageService, logger: Logger) throws -> PrintFulfilment {
        PrintFulfilment(
            database: database, storage: storage, prodigi: config.integrations.prodigi.map { ProdigiClient(account: $0) },
            fonts: try config.integrations.workbookFonts.map { try WorkbookFonts(folder: $0) }, publicURL: config.resolvedPublicURL,
            logger: logger)
    }

    /// The knowledge base with the embedding model the configuration names: the built-in one
    /// (when its files are configured) or an OpenAI-compatible endpoint. The built-in model is
    /// loaded on first use.
    static func makeKnowledge(_ config: AppConfig, runner: APIRequestRunner, owner: SQLRunner) -> KnowledgeBase {
        KnowledgeBase(model: makeEmbeddingModel(config), builtin: builtinEmbeddingModel(config), settings: config.knowledge, runner: runner, owner: owner)
    }

    /// The embedding model of `VISIONARY_EMBEDDING_PROVIDER`; nil when the built-in one has no files configured.
    static func makeEmbeddingModel(_ config: AppConfig) -> (any EmbeddingModel)? {
        let settings = config.knowledge
        switch settings.provider {
        case .builtin:
            return builtinEmbeddingModel(config)
        case .openai:
            return OpenAIEmbeddingClient(
                baseURL: settings.baseURL, apiKey: settings.apiKey, model: settings.model, dimensions: settings.dimensions,
                timeout: .seconds(Int64(settings.timeoutSeconds)))
        }
    }

    /// The built-in model of `VISIONARY_EMBEDDING_MODEL_DIR` (also the tokeniser chunks are measured with).
    static func builtinEmbeddingModel(_ config: AppConfig) -> BuiltinEmbeddingModel? {
        config.knowledge.modelDirectory.map {
            BuiltinEmbeddingModel(directory: URL(fileURLWithPath: AppConfig.resolve($0, against: config.workingDirectory)), threads: config.knowledge.threads)
        }
    }

    /// The object store the configuration names: local files by default, or S3.
    static func makeObjectStore(_ config: AppConfig) throws -> any ObjectStore {
        let settings = config.storage
        switch settings.backend {
        case .local:
            return LocalObjectStore(root: config.resolvedStorageDirectory)
        case .s3:
            let location = S3Location(
                endpoint: settings.s3Endpoint ?? "", bucket: settings.s3Bucket ?? "", region: settings.s3Region,
                accessKeyID: settings.s3AccessKeyID ?? "", secretAccessKey: settings.s3SecretAccessKey ?? "", keyPrefix: settings.s3KeyPrefix)
            return try S3ObjectStore(location: location, stagingDirectory: config.resolvedStorageDirectory + "/uploads")
        }
    }
}

/// Builds the HTTP application: CORS outermost, then the API surfaces, each behind its own edge
/// (one error middleware, one caller middleware), the database pools as services, the start-up work that must finish before the
/// port opens: migrations (when enabled), the API login, and the schema cache; and after it the background worker and scheduler
/// (`VISIONARY_WORKER`).
public func buildApplication(_ parts: ApplicationParts, logger: Logger) -> some ApplicationProtocol {
    let router = Router(context: AppRequestContext.self)
    // Outermost: every answer, errors included, carries its request id and Server-Timing.
    router.add(middleware: RequestTraceMiddleware())
    // A layer every request passes through: only when its lines would be written.
    if logger.logLevel <= .debug { router.add(middleware: LogRequestsMiddleware(.debug)) }
    // Requests by route template, method and status, with their durations.
    router.add(middleware: RequestMetricsMiddleware())
    router.add(middleware: CORSMiddleware())
    MetricsRoutes(
        registry: parts.metrics, token: parts.config.metricsToken,
        queue: JobQueue(database: SQLRunner(pool: parts.ownerDatabase, logger: logger)),
        pools: [("owner", parts.ownerDatabase), ("api", parts.apiDatabase)], compiledReads: parts.rest.compiledReads, logger: logger
    ).register(on: router)
    HealthRoutes(database: parts.ownerDatabase, migrations: parts.migrations, schemaCache: parts.schemaCache, logger: logger)
        .register(on: router)
    AuthRoutes(service: parts.auth, callers: parts.callers).register(on: router)
    // The public keys at the site's root too, where generic JWT libraries look for them.
    let auth = parts.auth
    router.get(".well-known/jwks.json") { _, _ in Response.json(auth.jwks()) }
    RESTRoutes(service: parts.rest).register(on: router)
    FunctionsRoutes(functions: parts.functions, callers: parts.callers).register(on: router)
    StorageRoutes(service: parts.storage).register(on: router)

    // The idle timeout also bounds how long a client may take over a request's head: bytes of an
    // unfinished head are not activity, so a connection that trickles them is closed all the same.
    var app = Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .seconds(Int64(parts.config.httpIdleTimeoutSeconds)))),
        configuration: .init(address: .hostname(parts.config.host, port: parts.config.port), serverName: "visionary"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? parts.config.port
            await parts.onListening("http://\(parts.config.host):\(port)")
        },
        logger: logger
    )
    app.addServices(parts.ownerDatabase, parts.apiDatabase, parts.storageSweeper)
    // The signing keys, whenever `visionary signing-keys` (or anyone) changes them.
    let keyRecords = SigningKeyRecords(database: SQLRunner(pool: parts.ownerDatabase, logger: logger), ring: parts.keyRing)
    let keyGrace = SigningKeyCommands.grace(parts.config)
    let signingKeys = parts.signingKeys
    @Sendable func loadSigningKeys() async throws {
        let generation = signingKeys.nextGeneration()
        signingKeys.replace(try await keyRecords.load(grace: keyGrace), generation: generation)
    }
    @Sendable func reloadSigningKeys() async {
        do {
            try await loadSigningKeys()
        } catch {
            logger.error("could not load the signing keys", metadata: ["error": "\(DatabaseErrorText.describe(error))"])
        }
    }
    // Every minute besides the notification (`reload signing keys` on the pgrst channel, below):
    // one missed while the listener reconnects is made up for within a minute.
    app.addServices(PeriodicTask(every: .seconds(60)) { await reloadSigningKeys() })
    // `NOTIFY pgrst, 'reload schema'` (PostgREST's convention) reloads the schema cache, and
    // `'reload signing keys'` (sent when internal.signing_keys changes) the signing keys: one
    // listening connection for both.
    let schemaCache = parts.schemaCache
    app.addServices(NotificationListener(pool: parts.ownerDatabase, channel: "pgrst", logger: logger) { payload in
        if payload == "reload signing keys" {
            await reloadSigningKeys()
            return
        }
        guard payload.isEmpty || payload == "reload schema" else { return }
        do {
            try await schemaCache.reload()
            logger.info("schema cache reloaded")
        } catch {
            logger.error("could not reload the schema cache", metadata: ["error": "\(DatabaseErrorText.describe(error))"])
        }
    })
    let sweeper = parts.storageSweeper
    app.addServices(NotificationListener(pool: parts.ownerDatabase, channel: StorageSweeper.channel, logger: logger) { _ in
        sweeper.nudge()
    })
    // The background worker and scheduler start once the schema is migrated.
    let (ready, readiness) = AsyncStream<Void>.makeStream()
    if parts.config.workerEnabled {
        app.addServices(BackgroundWork(
            database: SQLRunner(pool: parts.ownerDatabase, logger: logger), config: parts.config, keyRing: parts.keyRing,
            fulfilment: parts.fulfilment, knowledge: parts.knowledge, ready: ready, logger: logger))
    }
    let migrator = parts.config.migrateOnStart ? Migrator(migrations: parts.migrations, logger: logger) : nil
    app.beforeServerStarts {
        // The built-in embedding model loads beside the rest of start-up, not on the first request.
        Task {
            do { try await parts.knowledge.loadBuiltinModel() } catch {
                logger.error("the built-in embedding model could not be loaded; knowledge search and ingestion will fail", metadata: ["error": "\(error)"])
            }
        }
        if let migrator {
            let applied = try await migrator.migrate(parts.ownerDatabase)
            logger.info("schema is up to date", metadata: ["applied": "\(applied)"])
        }
        // Keys stored but not loadable (a ring that cannot open them) would leave this server
        // signing and verifying other than its peers: refuse to start instead. A database that
        // cannot be asked is not a reason to stop: the minute's reload catches up.
        do {
            try await withDeadline(.seconds(15)) { try await loadSigningKeys() }
        } catch let error as DatabaseError where !error.isUnavailable && error.sqlState != "42P01" {
            throw error
        } catch let error as DatabaseError {
            logger.warning("could not load the signing keys", metadata: ["error": "\(DatabaseErrorText.describe(error))"])
        } catch is DeadlineExceeded {
            logger.warning("could not load the signing keys: the database did not answer in time")
        }
        // A stored secret the key ring cannot open would fail on first use: refuse to start instead.
        // (A database that cannot be asked is not a reason to stop: health reports it.)
        do {
            try await withDeadline(.seconds(15)) {
                try await SecretStore(database: SQLRunner(pool: parts.ownerDatabase, logger: logger), ring: parts.keyRing)
                    .checkKeysCoverStoredSecrets()
            }
        } catch let error as KeyRingError {
            throw error
        } catch {
            logger.warning("could not check the stored secrets' key versions", metadata: ["error": "\(DatabaseErrorText.describe(error))"])
        }
        do {
            try await withDeadline(.seconds(15)) {
                try await AuthenticatorLogin.configure(owner: parts.ownerDatabase, jwtSecret: parts.jwtSecret, logger: logger)
            }
        } catch {
            logger.warning("could not set the authenticator login; REST requests need it", metadata: ["error": "\(DatabaseErrorText.describe(error))"])
        }
        do {
            try await withDeadline(.seconds(15)) { try await parts.storage.prepare() }
        } catch {
            logger.error("the object store is not ready; storage requests may fail", metadata: ["error": "\(error)"])
        }
        do {
            try await withDeadline(.seconds(15)) { try await parts.schemaCache.reload() }
        } catch {
            // The port still opens (health and Auth work); REST answers 503 until a reload succeeds.
            logger.error("could not load the schema cache", metadata: ["error": "\(DatabaseErrorText.describe(error))"])
        }
        readiness.yield()
        readiness.finish()
    }
    return app
}
