import AIModels
import AppConfig
import Database
import DomainFunctions
import Fulfilment
import Jobs
import Knowledge
import Logging
import Mail
import Phone
import Secrets
import Teams
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
    /// `checkins.deliver-phone` with Twilio, `teams.refresh-tokens` with Teams (its tokens opened
    /// and sealed with `keyRing`), and always `print.fulfil` (paid orders to the printer) and
    /// `knowledge.ingest` (large knowledge sources).
    init(database: SQLRunner, config: AppConfig, keyRing: KeyRing, fulfilment: PrintFulfilment, knowledge: KnowledgeBase, ready: AsyncStream<Void>, logger: Logger) {
        let queue = JobQueue(database: database)
        worker = JobWorker(
            queue: queue, handlers: Self.handlers(database: database, config: config, keyRing: keyRing) + [fulfilment.handler, knowledge.handler],
            settings: JobWorker.Settings(concurrency: config.workerConcurrency), logger: logger)
        scheduler = JobScheduler(queue: queue, entries: Self.schedule(config: config), logger: logger)
        self.ready = ready
    }

    static func handlers(database: SQLRunner, config: AppConfig, keyRing: KeyRing) -> [JobHandler] {
        let narrator = WeeklyReviewNarrator(chat: AIProviders(config.ai).chat, owner: database)
        var handlers = MaintenanceJobs.handlers(
            database: database, phoneChannels: config.messaging.twilio == nil ? [] : PhoneCheckins.channels,
            narrate: { try await narrator.narrate(review: $0) })
        if let twilio = config.messaging.twilio {
            handlers.append(PhoneCheckins(database: database, twilio: TwilioClient(account: twilio)).handler)
        }
        if let relay = config.messaging.smtp {
            let client = SMTPClient(relay: relay, trustRootsFile: config.messaging.smtpCAFile)
            handlers.append(MailDelivery(database: database, client: client, from: config.messaging.mailFrom).handler)
        }
        if let teams = config.integrations.teams {
            let tokens = TeamsTokens(database: database, ring: keyRing, microsoft: MicrosoftClient(app: teams))
            // Tokens expiring before the run after next are refreshed now.
            handlers.append(JobHandler(kind: TeamsTokens.kind) { _ in _ = try await tokens.refreshExpiring(within: Double(2 * TeamsTokens.every.components.seconds)) })
        }
        return handlers
    }

    static func schedule(config: AppConfig) -> [JobScheduler.Entry] {
        MaintenanceJobs.schedule
            + (config.messaging.twilio == nil ? [] : [JobScheduler.Entry(kind: PhoneCheckins.kind, every: PhoneCheckins.every)])
            + (config.integrations.teams == nil ? [] : [JobScheduler.Entry(kind: TeamsTokens.kind, every: TeamsTokens.every)])
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
