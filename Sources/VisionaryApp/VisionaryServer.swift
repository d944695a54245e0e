import Tokens
import AppConfig
import Database
import Hummingbird
import Logging
import Foundation
import Metrics
import Prometheus

/// `visionary serve`: resolves the database (starting the embedded cluster when no
/// `DATABASE_URL` is set), serves until SIGINT/SIGTERM, then stops what it started.
public enum VisionaryServer {
    public static func run(config: AppConfig, logger: Logger) async throws {
        let secrets = try ProjectSecrets.load(config: config)
        let keys = APIKeys(secret: secrets.jwtSecret)
        try await DatabaseHandle.using(config: config, logger: logger) { endpoint in
            let parts = try await ApplicationParts.make(
                config: config, secret: secrets.jwtSecret, keyRing: secrets.keyRing, owner: endpoint, logger: logger,
                onListening: { url in
                    // Written unbuffered, so a log file or pipe shows it at once.
                    FileHandle.standardOutput.write(Data("""
                        Visionary Server is listening.
                          API URL:          \(url)
                          anon key:         \(keys.anon)
                          service_role key: \(keys.serviceRole)
                          database:         \(AppConfig.redactingPassword(endpoint.url))

                        """.utf8))
                })
            // The process's metrics backend, once: /metrics shows what it collects.
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: parts.metrics))
            try await buildApplication(parts, logger: logger).runService()
        }
    }
}

/// The database a server process uses, and the embedded PostgreSQL it started, if any.
public struct DatabaseHandle: Sendable {
    public let endpoint: DatabaseEndpoint
    let supervised: SupervisedPostgres?

    /// `DATABASE_URL` when set; else the embedded cluster: reused when already running
    /// (`visionary db start`), otherwise started as a child of this process.
    public static func open(config: AppConfig, logger: Logger) async throws -> DatabaseHandle {
        if let url = config.databaseURL {
            return DatabaseHandle(endpoint: try DatabaseEndpoint(url: url), supervised: nil)
        }
        let cluster = try EmbeddedCluster.locate(config: config)
        if let port = cluster.runningPort() {
            logger.info("using the running embedded PostgreSQL", metadata: ["port": "\(port)"])
            return DatabaseHandle(endpoint: try cluster.endpoint(port: port), supervised: nil)
        }
        let supervised = try await cluster.startSupervised(logger: logger)
        logger.info("started the embedded PostgreSQL", metadata: ["port": "\(supervised.port)"])
        return DatabaseHandle(endpoint: try cluster.endpoint(port: supervised.port), supervised: supervised)
    }

    /// Stops the embedded PostgreSQL if this process started it.
    public func close() async {
        await supervised?.stop()
    }

    /// Runs `body` on the database's endpoint (see `open`), then stops what `open` started,
    /// however `body` ends.
    public static func using<T: Sendable>(
        config: AppConfig, logger: Logger, _ body: (DatabaseEndpoint) async throws -> T
    ) async throws -> T {
        let database = try await open(config: config, logger: logger)
        do {
            let result = try await body(database.endpoint)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }
}
