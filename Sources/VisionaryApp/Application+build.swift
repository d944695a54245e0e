import AppConfig
import AuthAPI
import Database
import HTTPSupport
import Hummingbird
import Logging
import PostgresNIO
import Tokens

/// What the HTTP application is built from: each piece already made, so tests can pass their own.
public struct ApplicationParts: Sendable {
    public var config: AppConfig
    public var keys: APIKeys
    /// Pool of connections as the schema owner (migrations, Auth, health); never API requests.
    public var ownerDatabase: PostgresClient
    public var migrations: [Migration]
    public var auth: AuthService
    /// Called once the port is open, with the address clients should use.
    public var onListening: @Sendable (String) async -> Void

    public init(
        config: AppConfig, keys: APIKeys, ownerDatabase: PostgresClient, migrations: [Migration], auth: AuthService,
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) {
        self.config = config
        self.keys = keys
        self.ownerDatabase = ownerDatabase
        self.migrations = migrations
        self.auth = auth
        self.onListening = onListening
    }

    /// The Auth service for a configuration, on the owner pool, hashing with bcrypt.
    public static func makeAuth(
        config: AppConfig, secret: String, ownerDatabase: PostgresClient, logger: Logger
    ) async throws -> AuthService {
        var settings = config.auth
        settings.issuer = "http://\(config.host):\(config.port)/auth/v1"
        return try await AuthService(
            database: SQLRunner(client: ownerDatabase, logger: logger), settings: settings, jwtSecret: secret,
            passwords: BCryptPasswordHasher(cost: settings.bcryptCost))
    }
}

/// Builds the HTTP application: middleware (CORS outermost, then the API-key gate), the API
/// surfaces, the database pool as a service, and migrations before the port opens (when
/// enabled), so a listening server always has an up-to-date schema.
public func buildApplication(_ parts: ApplicationParts, logger: Logger) -> some ApplicationProtocol {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: CORSMiddleware())
    let keys = parts.keys
    router.add(middleware: APIKeyMiddleware(isKnownKey: { keys.role(ofKey: $0) != nil }))
    HealthRoutes(database: parts.ownerDatabase, logger: logger).register(on: router)
    AuthRoutes(service: parts.auth).register(on: router)

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(parts.config.host, port: parts.config.port), serverName: "visionary"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? parts.config.port
            await parts.onListening("http://\(parts.config.host):\(port)")
        },
        logger: logger
    )
    app.addServices(DatabaseService(parts.ownerDatabase))
    if parts.config.migrateOnStart {
        let migrator = Migrator(migrations: parts.migrations, logger: logger)
        app.beforeServerStarts {
            let applied = try await migrator.migrate(parts.ownerDatabase)
            logger.info("schema is up to date", metadata: ["applied": "\(applied)"])
        }
    }
    return app
}
