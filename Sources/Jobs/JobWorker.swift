import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Runs the jobs it has handlers for: takes up to `concurrency` due jobs at a time under a lease,
/// runs them side by side, and records each outcome — finished; failed (retried after the
/// policy's wait, or a dead letter once its attempts are spent); or released, when a graceful
/// shutdown cancels it before it ends. Any number of workers, in any number of processes, may
/// run against one database: the queue gives each job to one of them at a time.
public struct JobWorker: Service {
    public struct Settings: Sendable {
        /// Jobs taken and run at once.
        public var concurrency: Int
        /// How long a worker holds a job before another may take it (as if this one died).
        public var lease: Duration
        /// The wait between polls when nothing was due.
        public var pollInterval: Duration
        public var retry: RetryPolicy

        public init(concurrency: Int = 4, lease: Duration = .seconds(300), pollInterval: Duration = .seconds(1), retry: RetryPolicy = RetryPolicy()) {
            self.concurrency = max(1, concurrency)
            self.lease = lease
            self.pollInterval = pollInterval
            self.retry = retry
        }
    }

    let queue: JobQueue
    let handlers: [String: JobHandler]
    let settings: Settings
    let clock: JobClock
    let logger: Logger
    /// This worker's name in the queue's leases.
    public let name: String

    public init(
        queue: JobQueue, handlers: [JobHandler], settings: Settings = Settings(), clock: JobClock = .system, logger: Logger,
        name: String = JobWorker.defaultName()
    ) {
        self.queue = queue
        self.handlers = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.name = name
    }

    /// `host:pid:random`, unique among the workers of a database.
    public static func defaultName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
    }

    public func run() async throws {
        // A service that ends early would end the whole server: without work, wait for the end.
        guard !handlers.isEmpty else { return try await gracefulShutdown() }
        try? await cancelWhenGracefulShutdown { try await poll() }
    }

    /// Runs jobs until cancelled, up to `concurrency` at once, claiming more as slots free up: a
    /// long job (a large knowledge source, a workbook to render) holds only its own slot, never
    /// the others' turn. Between claims it waits for a job to end or the poll interval to pass.
    func poll() async throws {
        enum Event { case ended, tick }
        await withTaskGroup(of: Event.self) { group in
            var running = 0
            var ticking = false
            while !Task.isCancelled {
                let free = settings.concurrency - running
                if free > 0 {
                    let jobs = await claim(limit: free)
                    for job in jobs {
                        group.addTask {
                            await perform(job)
                            return .ended
                        }
                    }
                    running += jobs.count
                }
                if !ticking {
                    ticking = true
                    let clock = clock, interval = settings.pollInterval
                    group.addTask {
                        try? await clock.sleep(interval)
                        return .tick
                    }
                }
                switch await group.next() {
                case .ended?: running -= 1
                case .tick?: ticking = false
                case nil: return
                }
            }
        }
    }

    /// Up to `limit` due jobs for this worker (none when the queue cannot be asked: logged).
    func claim(limit: Int) async -> [Job] {
        do {
            return try await queue.claim(
                worker: name, kinds: handlers.keys.sorted(), now: clock.now(), lease: settings.lease, limit: limit)
        } catch {
            if !Task.isCancelled { logger.error("could not claim jobs", metadata: ["error": "\(error)"]) }
            return []
        }
    }

    /// Claims one batch and runs it to its end; the number of jobs it took.
    @discardableResult
    public func runOnce() async -> Int {
        let jobs = await claim(limit: settings.concurrency)
        await withTaskGroup(of: Void.self) { group in
            for job in jobs { group.addTask { await perform(job) } }
        }
        return jobs.count
    }

    func perform(_ job: Job) async {
        guard let handler = handlers[job.kind] else { return }
        let outcome: Outcome
        do {
            try await handler.run(job)
            outcome = .finished
        } catch let giveUp as JobGiveUp {
            outcome = .failed(giveUp.reason, final: true)
        } catch {
            outcome = Task.isCancelled || error is CancellationError ? .released : .failed(String(describing: error), final: false)
        }
        // Recorded in a task of its own: a shutdown has cancelled this one, and the outcome
        // must still reach the queue.
        let queue = queue, name = name, clock = clock, retry = settings.retry, logger = logger
        await Task {
            do {
                switch outcome {
                case .finished:
                    try await queue.finish(job.id, worker: name, now: clock.now())
                    JobWorker.count(job, "succeeded")
                case .released:
                    try await queue.release(job.id, worker: name)
                    JobWorker.count(job, "released")
                case .failed(let reason, let final):
                    let now = clock.now()
                    let wait = retry.delay(afterAttempt: job.attempts, random: Double.random(in: 0..<1))
                    let state = final
                        ? try await queue.giveUp(job.id, worker: name, error: reason, now: now)
                        : try await queue.fail(job.id, worker: name, error: reason, retryAt: now.addingTimeInterval(wait.seconds), now: now)
                    JobWorker.count(job, state == "dead" ? "dead" : "failed")
                    let level: Logger.Level = state == "dead" ? .error : .warning
                    logger.log(level: level, "job failed", metadata: [
                        "kind": "\(job.kind)", "job": "\(job.id)", "attempt": "\(job.attempts)", "state": "\(state ?? "taken over")",
                        "error": "\(reason)",
                    ])
                }
            } catch {
                logger.error("could not record a job's outcome", metadata: ["job": "\(job.id)", "error": "\(error)"])
            }
        }.value
    }

    /// `visionary_jobs_total{kind, outcome}`: succeeded, failed (to be retried), dead, released.
    static func count(_ job: Job, _ outcome: String) {
        Counter(label: "visionary_jobs_total", dimensions: [("kind", job.kind), ("outcome", outcome)]).increment()
    }

    enum Outcome {
        case finished, released
        case failed(String, final: Bool)
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var seconds: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}
