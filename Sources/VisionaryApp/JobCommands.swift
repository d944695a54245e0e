import AppConfig
import Database
import Foundation
import Jobs
import Logging
import StorageAPI
import Tokens
import ServiceLifecycle
import UnixSignals

/// The work behind `visionary worker` and `visionary jobs …`.
public enum JobCommands {
    /// `visionary worker`: the background worker and scheduler alone, without the HTTP server,
    /// until SIGINT/SIGTERM (a running job then ends or is released). Migrates first unless
    /// migrating is switched off.
    public static func worker(config: AppConfig) async throws {
        let logger = makeLogger(config)
        try await DatabaseHandle.using(config: config, logger: logger) { endpoint in
            let pool = try DatabasePool(endpoint: endpoint, maximumConnections: config.workerConcurrency + 2, logger: logger)
            let (ready, readiness) = AsyncStream<Void>.makeStream()
            let secrets = try ProjectSecrets.load(config: config)
            let database = SQLRunner(pool: pool, logger: logger)
            // Storage as the fulfilment job uses it: its requests switch into the API roles on the owner's connections.
            let storage = StorageService(
                runner: APIRequestRunner(pool: pool, logger: logger),
                callers: CallerResolver(secret: secrets.jwtSecret, keys: APIKeys(secret: secrets.jwtSecret), leeway: 0, requireExpiry: true),
                store: try ApplicationParts.makeObjectStore(config), projectSecret: secrets.jwtSecret, settings: config.storage, logger: logger)
            let work = BackgroundWork(
                database: database, config: config, keyRing: secrets.keyRing,
                fulfilment: try ApplicationParts.makeFulfilment(config, database: database, storage: storage, logger: logger),
                knowledge: ApplicationParts.makeKnowledge(config, runner: APIRequestRunner(pool: pool, logger: logger), owner: database),
                ready: ready, logger: logger)
            let migrations = config.migrateOnStart ? try Migration.bundled() : []
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: pool), .init(service: StartWork(pool: pool, migrations: migrations, readiness: readiness, logger: logger)),
                           .init(service: work)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            logger.info("worker started", metadata: ["worker": "\(work.worker.name)", "concurrency": "\(config.workerConcurrency)"])
            try await group.run()
        }
    }

    /// `visionary jobs list`: the most recent jobs (of `state` when given), one line each.
    public static func list(config: AppConfig, state: String?, limit: Int) async throws -> String {
        let records = try await withQueue(config) { queue in try await queue.list(state: state, limit: limit) }
        guard !records.isEmpty else { return state.map { "no \($0) jobs" } ?? "no jobs" }
        return records.map { job in
            "\(job.id.uuidString.lowercased())  \(job.kind)  \(job.state)  attempt \(job.attempts)/\(job.maxAttempts)  run at \(job.runAt)"
                + (job.lastError.map { "  error: \($0.prefix(200))" } ?? "")
        }.joined(separator: "\n")
    }

    /// `visionary jobs retry ID`: a dead letter queued again with its attempts reset.
    public static func retry(config: AppConfig, id: UUID) async throws -> String {
        let done = try await withQueue(config) { queue in try await queue.retry(id, now: Date()) }
        guard done else { throw DatabaseCommandError("no dead job \(id.uuidString.lowercased())") }
        return "job \(id.uuidString.lowercased()) queued again"
    }

    /// `visionary jobs discard ID`: a dead letter, or a job still waiting, deleted.
    public static func discard(config: AppConfig, id: UUID) async throws -> String {
        let done = try await withQueue(config) { queue in try await queue.discard(id) }
        guard done else { throw DatabaseCommandError("no dead or waiting job \(id.uuidString.lowercased())") }
        return "job \(id.uuidString.lowercased()) discarded"
    }

    static func withQueue<T: Sendable>(_ config: AppConfig, _ body: @Sendable (JobQueue) async throws -> T) async throws -> T {
        try await DatabaseCommands.withOwnerRunner(config: config) { runner in try await body(JobQueue(database: runner)) }
    }
}

/// Migrates (when there are migrations to apply), then lets the background work start; then
/// waits for the end like the other services.
struct StartWork: Service {
    let pool: DatabasePool
    let migrations: [Migration]
    let readiness: AsyncStream<Void>.Continuation
    let logger: Logger

    func run() async throws {
        if !migrations.isEmpty { try await Migrator(migrations: migrations, logger: logger).migrate(pool) }
        readiness.yield()
        readiness.finish()
        try await gracefulShutdown()
    }
}
