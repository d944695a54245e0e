import Crypto
import Database
import Foundation
import HTTPSupport
import Hummingbird
import Jobs
import Logging
import NIOCore
import Prometheus
import RESTAPI
import Synchronization

/// `GET /metrics`: the process's metrics in Prometheus's text format — HTTP requests by route
/// template, method and status with their durations (`RequestMetricsMiddleware`), jobs by
/// kind and outcome, Auth's sign-ins and rate-limit refusals, Storage's bytes in and out — and,
/// read at each scrape, the job queue's depth by state, the age of its oldest due job, and
/// whether the database answered; each pool's size, connections in use and statements waiting
/// for one; and how REST reads fared in the memo of compiled reads (`CompiledReads`).
/// `ops/alerts.yml` holds alerting rules over them.
/// Answered to loopback callers, and to any caller bearing `VISIONARY_METRICS_TOKEN`; 403 to
/// others.
struct MetricsRoutes {
    let registry: PrometheusCollectorRegistry
    let token: String?
    let queue: JobQueue
    /// The pools whose connections in use and waited for are reported, by name.
    let pools: [(name: String, pool: DatabasePool)]
    let compiledReads: CompiledReads
    let logger: Logger
    /// The memo's lookups counted into the registry so far.
    let reportedLookups = ReportedLookups()

    func register(on router: Router<AppRequestContext>) {
        router.get("metrics") { request, context in try await answer(request, context: context) }
    }

    func answer(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard MetricsAccess.allows(peer: context.remoteAddress, authorization: request.headers[.authorization], token: token) else {
            return .json(#"{"message":"metrics are served to loopback callers and to the bearer of the metrics token"}"#, status: .forbidden)
        }
        await readQueue()
        readPools()
        readCompiledReads()
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }

    /// The registry's gauge of this name and labels, with its help line.
    func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// Each pool's size and its connections in use and waited for right now.
    func readPools() {
        for (name, pool) in pools {
            let connections = "Database connections of the pool in use, and requests waiting for one."
            gauge("visionary_db_pool_connections", connections, [("pool", name), ("state", "in_use")]).set(to: Double(pool.leases.inUse))
            gauge("visionary_db_pool_connections", connections, [("pool", name), ("state", "waiting")]).set(to: Double(pool.leases.waiting))
            gauge("visionary_db_pool_size", "Most connections the pool opens.", [("pool", name)]).set(to: Double(pool.leases.size))
        }
    }

    /// REST reads served compiled (`hit`) or compiled afresh (`miss`), as counters, and the
    /// compiled reads held now.
    func readCompiledReads() {
        let statistics = compiledReads.statistics
        let help = "REST reads looked up among those compiled before: hit, or miss (compiled afresh)."
        let hits = registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "visionary_rest_compiled_read_lookups_total", unitName: "", helpText: help),
            labels: [("outcome", "hit")])
        let misses = registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "visionary_rest_compiled_read_lookups_total", unitName: "", helpText: help),
            labels: [("outcome", "miss")])
        reportedLookups.raise(hits: hits, misses: misses, to: statistics)
        gauge("visionary_rest_compiled_reads_held", "REST reads held compiled.").set(to: Double(statistics.held))
    }

    /// The queue's depth by state and the age of its oldest due job, as gauges (left as they
    /// were when the database does not answer), and whether it answered (`visionary_database_up`).
    func readQueue() async {
        let up = gauge("visionary_database_up", "1 when the database answered the last scrape, else 0.")
        do {
            let depth = try await queue.depth()
            for (state, count) in [("queued", depth.queued), ("running", depth.running), ("dead", depth.dead)] {
                gauge("visionary_jobs_queue_depth", "Jobs in the queue by state.", [("state", state)]).set(to: Double(count))
            }
            gauge("visionary_jobs_oldest_due_age_seconds", "Seconds the oldest due job has waited.").set(to: max(depth.oldestDueAge, 0))
            up.set(to: 1)
        } catch {
            up.set(to: 0)
            logger.warning("metrics: could not read the job queue", metadata: ["error": "\(DatabaseErrorText.describe(error))"])
        }
    }
}

/// The memo's lookups already counted into the registry: each scrape raises the counters by what
/// the memo's totals gained since, so they only ever grow, whichever scrapes overlap.
final class ReportedLookups: Sendable {
    private let reported = Mutex((hits: 0, misses: 0))

    func raise(hits: Counter, misses: Counter, to statistics: CompiledReads.Statistics) {
        reported.withLock { reported in
            hits.increment(by: Int64(max(statistics.hits - reported.hits, 0)))
            misses.increment(by: Int64(max(statistics.misses - reported.misses, 0)))
            reported = (max(statistics.hits, reported.hits), max(statistics.misses, reported.misses))
        }
    }
}

/// Who may read `/metrics`.
public enum MetricsAccess {
    /// A loopback caller (127.0.0.0/8, ::1), or one whose `Authorization` is `Bearer <token>`
    /// with the configured token (compared in constant time).
    public static func allows(peer: String?, authorization: String?, token: String?) -> Bool {
        if let peer, isLoopback(peer) { return true }
        guard let token, !token.isEmpty, let authorization, authorization.hasPrefix("Bearer ") else { return false }
        let presented = SHA256.hash(data: Data(authorization.dropFirst("Bearer ".count).utf8))
        let expected = SHA256.hash(data: Data(token.utf8))
        return presented == expected
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }
}
