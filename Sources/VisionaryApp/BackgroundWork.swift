import AppConfig
import Database
import Jobs
import Logging
import ServiceLifecycle

/// The worker and the scheduler of a process, started once the database is ready for them
/// (`serve` migrates before its port opens; a worker that polled before would only log that
/// the queue's table does not exist yet).
struct BackgroundWork: Service {
    let worker: JobWorker
    let scheduler: JobScheduler
    let ready: AsyncStream<Void>

    /// The upkeep jobs of `MaintenanceJobs` and their schedule, on the owner's connections.
    init(database: SQLRunner, config: AppConfig, ready: AsyncStream<Void>, logger: Logger) {
        let queue = JobQueue(database: database)
        worker = JobWorker(
            queue: queue, handlers: MaintenanceJobs.handlers(database: database),
            settings: JobWorker.Settings(concurrency: config.workerConcurrency), logger: logger)
        scheduler = JobScheduler(queue: queue, entries: MaintenanceJobs.schedule, logger: logger)
        self.ready = ready
    }

    func run() async throws {
        // Cancelled by a graceful shutdown that comes first: then there is nothing to start.
        let started = await cancelWhenGracefulShutdown { () async -> Bool in
            for await _ in ready { return true }
            return false
        }
        guard started else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            group.addTask { try await scheduler.run() }
            try await group.waitForAll()
        }
    }
}
