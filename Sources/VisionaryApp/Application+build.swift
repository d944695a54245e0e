import APIKeys
import AppConfig
import Database
import Hummingbird
import Logging
import PostgresNIO

/// What the HTTP application is built from: each piece already made, so tests can pass their own.
public struct ApplicationParts: Sendable {
    public var config: AppConfig
    public var keys: APIKeys
    /// Pool of connections as the schema owner (migrations, health, server-side work).
    public var ownerDatabase: PostgresClient
    public var migrations: [Migration]
    /// Called once the port is open, with the address clients should use.
    public var onListening: @Sendable (String) async -> Void

    public init(
        config: AppConfig, keys: APIKeys, ownerDatabase: PostgresClient, migrations: [Migration],
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) {
        self.config = config
        self.keys = keys
        self.ownerDatabase = ownerDatabase
        self.migrations = migrations
        self.onListening = onListening
    }
}

/// Builds the HTTP application: routes, the database pool as a service, and migrations before
/// the port opens (when enabled), so a listening server always has an up-to-date schema.
public func buildApplication(_ parts: ApplicationParts, logger: Logger) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: LogRequestsMiddleware(.debug))
    HealthRoutes(database: parts.ownerDatabase, logger: logger).register(on: router)

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
