import Foundation
import Logging
import ServiceLifecycle

/// Recurring work: for each entry, once per period, a job of its kind is enqueued for the
/// period's start. The idempotency key names the period, so however many processes run the
/// scheduler, each period's job is enqueued once and runs once.
public struct JobScheduler: Service {
    /// A kind of job enqueued every `every`, its periods counted from the Unix epoch.
    public struct Entry: Sendable, Equatable {
        public var kind: String
        public var every: Duration

        public init(kind: String, every: Duration) {
            self.kind = kind
            self.every = every
        }

        /// The start of the period `date` falls in, and the key naming that period.
        func period(of date: Date) -> (start: Date, key: String) {
            let length = max(Int64(every.components.seconds), 1)
            let index = Int64(date.timeIntervalSince1970.rounded(.down)) / length
            return (Date(timeIntervalSince1970: TimeInterval(index * length)), "every \(length)s #\(index)")
        }
    }

    let queue: JobQueue
    let entries: [Entry]
    let clock: JobClock
    let logger: Logger
    /// How often the scheduler looks at the time.
    let tickInterval: Duration

    public init(queue: JobQueue, entries: [Entry], clock: JobClock = .system, logger: Logger, tickInterval: Duration = .seconds(30)) {
        self.queue = queue
        self.entries = entries
        self.clock = clock
        self.logger = logger
        self.tickInterval = tickInterval
    }

    public func run() async throws {
        guard !entries.isEmpty else { return try await gracefulShutdown() }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await tick()
                try await clock.sleep(tickInterval)
            }
        }
    }

    /// Enqueues the current period's job of every entry (a no-op for those already enqueued).
    public func tick() async {
        let now = clock.now()
        for entry in entries {
            let period = entry.period(of: now)
            do {
                try await queue.enqueue(kind: entry.kind, runAt: period.start, now: now, idempotencyKey: period.key)
            } catch {
                if !Task.isCancelled { logger.error("could not schedule a job", metadata: ["kind": "\(entry.kind)", "error": "\(error)"]) }
            }
        }
    }
}
