import Database
import Hummingbird
import Logging

/// `GET /health`: 200 when the server can reach its database, 503 when it cannot.
struct HealthRoutes {
    let database: DatabasePool
    let logger: Logger

    func register(on router: Router<some RequestContext>) {
        router.get("health") { _, _ in try await check() }
        router.head("health") { _, _ in try await check() }
    }

    /// How long the database may take to answer before the server reports itself unavailable.
    static let timeout = Duration.seconds(3)

    @Sendable func check() async throws -> Response {
        let healthy = await databaseAnswers()
        let body = healthy ? #"{"status":"ok","database":"ok"}"# : #"{"status":"unavailable","database":"unreachable"}"#
        return Response(
            status: healthy ? .ok : .serviceUnavailable,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
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
