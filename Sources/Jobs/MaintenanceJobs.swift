import Core
import Database
import Foundation

/// The database's own upkeep, check-in delivery and the users' weekly reviews as jobs, each one
/// call of a function of the migrations, run as the schema owner.
public enum MaintenanceJobs {
    /// A scheduled kind: how often, and the statement its job runs (given the job, whose due
    /// time is the start of its period, so a late run still serves the period it was for).
    struct Scheduled: Sendable {
        let kind: String
        let every: Duration
        let statement: @Sendable (Job) -> SQLStatement

        /// A kind that calls `function` (fixed text, never input) with no arguments.
        init(_ kind: String, every: Duration, calling function: String) {
            self.init(kind, every: every) { _ in SQLStatement("SELECT \(function)") }
        }

        init(_ kind: String, every: Duration, statement: @escaping @Sendable (Job) -> SQLStatement) {
            self.kind = kind
            self.every = every
            self.statement = statement
        }
    }

    static let hour = Duration.seconds(3_600)
    static let day = Duration.seconds(86_400)

    /// The scheduled kinds; `phoneChannels` are the check-in channels a phone provider delivers
    /// (`checkins.deliver` leaves them to its job instead of skipping them).
    static func scheduled(phoneChannels: [String]) -> [Scheduled] { [
        Scheduled("leaderboards.refresh", every: hour, calling: "public.refresh_team_leaderboards()"),
        Scheduled("partner-invitations.expire", every: hour, calling: "public.expire_partner_invitations()"),
        Scheduled("habits.refresh-streaks", every: day, calling: "public.refresh_habit_streaks()"),
        Scheduled("retention.purge", every: day, calling: "public.purge_soft_deleted()"),
        Scheduled("auth.clear-expired", every: hour, calling: "auth.clear_expired()"),
        // The weekly-review jobs of the users whose review hour began at the job's due time.
        Scheduled("weekly-reviews.schedule", every: hour) { job in
            SQLStatement("SELECT internal.enqueue_weekly_reviews($1::timestamptz)", [.text(job.runAt)])
        },
        // Check-ins due by the minute the job is for; sms, voice and call are skipped unless a
        // phone provider delivers them.
        Scheduled("checkins.deliver", every: .seconds(60)) { job in
            SQLStatement("SELECT internal.deliver_due_checkins($1::timestamptz, $2)", [.text(job.runAt), .textArray(phoneChannels)])
        },
        // Pictures paid for but neither delivered nor refunded a quarter of an hour on (the server stopped mid-way).
        Scheduled("generations.refund-stale", every: hour) { job in
            SQLStatement("SELECT internal.refund_stale_generations($1::timestamptz - interval '15 minutes')", [.text(job.runAt)])
        },
        // Succeeded jobs are kept a week.
        Scheduled("jobs.prune", every: day) { job in
            SQLStatement("SELECT internal.prune_jobs($1::timestamptz - interval '7 days')", [.text(job.runAt)])
        },
    ] }

    /// `narrate`, when given, adds the coach's words to each computed weekly review (its id); its
    /// failure leaves the review's figures as they are.
    public static func handlers(
        database: SQLRunner, phoneChannels: [String] = [], narrate: (@Sendable (String) async throws -> Void)? = nil
    ) -> [JobHandler] {
        scheduled(phoneChannels: phoneChannels).map { work in
            JobHandler(kind: work.kind) { job in try await database.execute(work.statement(job)) }
        } + [
            // One user's week, as weekly-reviews.schedule enqueued it.
            JobHandler(kind: "weekly-review") { job in
                let week = try JSONDecoder().decode(WeeklyReview.self, from: Data(job.payload.utf8))
                let review = try await database.text(SQLStatement(
                    "SELECT internal.compute_weekly_review($1::uuid, $2::date)::text", [.text(week.userID.uuidString), .text(week.weekStart)]))
                if let narrate, let review { try? await narrate(review) }
            },
        ]
    }

    public static var schedule: [JobScheduler.Entry] {
        scheduled(phoneChannels: []).map { JobScheduler.Entry(kind: $0.kind, every: $0.every) }
    }

    /// The payload of a weekly-review job.
    struct WeeklyReview: Decodable {
        let userID: UUID
        let weekStart: String

        enum CodingKeys: String, CodingKey {
            case userID = "user_id"
            case weekStart = "week_start"
        }
    }
}
