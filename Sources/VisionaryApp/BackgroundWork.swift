import AppConfig
import Database
import Jobs
import Logging
import Mail
import Phone
import ServiceLifecycle

/// The worker and the scheduler of a process, started once the database is ready for them
/// (`serve` migrates before its port opens; a worker that polled before would only log that
/// the queue's table does not exist yet).
struct BackgroundWork: Service {
    let worker: JobWorker
    let scheduler: JobScheduler
    let ready: AsyncStream<Void>

    /// The upkeep jobs of `MaintenanceJobs` and their schedule, on the owner's connections, and
    /// the outside services' jobs of those configured: `mail.send` with a mail relay,
    /// `checkins.deliver-phone` with Twilio.
    init(database: SQLRunner, config: AppConfig, ready: AsyncStream<Void>, logger: Logger) {
        let queue = JobQueue(database: database)
        worker = JobWorker(
            queue: queue, handlers: Self.handlers(database: database, config: config),
            settings: JobWorker.Settings(concurrency: config.workerConcurrency), logger: logger)
        scheduler = JobScheduler(queue: queue, entries: Self.schedule(config: config), logger: logger)
        self.ready = ready
    }

    static func handlers(database: SQLRunner, config: AppConfig) -> [JobHandler] {
        var handlers = MaintenanceJobs.handlers(database: database, phoneChannels: config.messaging.twilio == nil ? [] : PhoneCheckins.channels)
        if let twilio = config.messaging.twilio {
            handlers.append(PhoneCheckins(database: database, twilio: TwilioClient(account: twilio)).handler)
        }
        if let relay = config.messaging.smtp {
            let client = SMTPClient(relay: relay, trustRootsFile: config.messaging.smtpCAFile)
            handlers.append(MailDelivery(database: database, client: client, from: config.messaging.mailFrom).handler)
        }
        return handlers
    }

    static func schedule(config: AppConfig) -> [JobScheduler.Entry] {
        MaintenanceJobs.schedule + (config.messaging.twilio == nil ? [] : [JobScheduler.Entry(kind: PhoneCheckins.kind, every: PhoneCheckins.every)])
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
