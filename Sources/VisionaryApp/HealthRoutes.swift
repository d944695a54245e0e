import Core
import Database
import HTTPSupport
import Hummingbird
import Logging
import RESTAPI

/// `GET /health`: 200 when the server can reach its database, 503 when it cannot.
/// `GET /ready`: 200 when it can also serve every API — the database answers, every bundled
/// migration is applied as bundled, and the REST schema cache is loaded; 503 naming what is not.
struct HealthRoutes {
    let database: DatabasePool
    let migrations: [Migration]
    let schemaCache: SchemaCacheStore
    let logger: Logger

    func register(on router: Router<some RequestContext>) {
        router.get("health") { _, _ in try await health() }
        router.head("health") { _, _ in try await health() }
        router.get("ready") { _, _ in try await ready() }
        router.head("ready") { _, _ in try await ready() }
    }

    /// How long the database may take to answer before the server reports itself unavailable.
    static let timeout = Duration.seconds(3)

    @Sendable func health() async throws -> Response {
        let healthy = await databaseAnswers()
        let body = healthy ? #"{"status":"ok","database":"ok"}"# : #"{"status":"unavailable","database":"unreachable"}"#
        return .json(body, status: healthy ? .ok : .serviceUnavailable)
    }

    @Sendable func ready() async throws -> Response {
        let reachable = await databaseAnswers()
        let migrationState = reachable ? await self.migrationState() : "unknown"
        // A cache that did not load at start is tried again here, as a REST request would.
        let loaded = reachable ? await schemaCache.loaded() != nil : schemaCache.cache != nil
        let isReady = reachable && migrationState == "current" && loaded
        let body = """
            {"status":"\(isReady ? "ready" : "unavailable")","database":"\(reachable ? "ok" : "unreachable")",\
            "migrations":"\(migrationState)","schema_cache":"\(loaded ? "loaded" : "not loaded")"}
            """
        return .json(body, status: isReady ? .ok : .serviceUnavailable)
    }

    /// `current`, `pending: 41, 42`, `changed: 7` (an applied migration edited since), or
    /// `unknown` when the database could not say.
    func migrationState() async -> String {
        do {
            let outstanding = try await withDeadline(Self.timeout) { [database, migrations, logger] in
                try await Migrator(migrations: migrations, logger: logger).outstanding(database)
            }
            if !outstanding.changed.isEmpty { return "changed: " + outstanding.changed.map(String.init).joined(separator: ", ") }
            if !outstanding.pending.isEmpty { return "pending: " + outstanding.pending.map(String.init).joined(separator: ", ") }
            return "current"
        } catch {
            logger.warning("readiness check: migrations unknown", metadata: ["error": "\(DatabaseErrorText.describe(error))"])
            return "unknown"
        }
    }

    /// Whether `SELECT 1` succeeds within the timeout (an unreachable database would otherwise
    /// hold the request for as long as the pool keeps trying to connect).
    func databaseAnswers() async -> Bool {
        do {
            return try await withDeadline(Self.timeout) { [database, logger] in
                try await database.probe(logger: logger)
                return true
            }
        } catch {
            logger.warning("health check: database unreachable", metadata: ["error": "\(DatabaseErrorText.describe(error))"])
            return false
        }
    }
}
