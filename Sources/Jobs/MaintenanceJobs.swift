import Core
import Database
import Foundation

/// The database's own upkeep and the users' weekly reviews as jobs, each one call of a function
/// of the migrations, run as the schema owner.
public enum MaintenanceJobs {
    /// The scheduled kinds with the function each calls (with no arguments) and how often.
    static let upkeep: [(kind: String, function: String, every: Duration)] = [
        ("leaderboards.refresh", "public.refresh_team_leaderboards()", .seconds(3_600)),
        ("partner-invitations.expire", "public.expire_partner_invitations()", .seconds(3_600)),
        ("habits.refresh-streaks", "public.refresh_habit_streaks()", .seconds(86_400)),
        ("retention.purge", "public.purge_soft_deleted()", .seconds(86_400)),
        ("auth.clear-expired", "auth.clear_expired()", .seconds(3_600)),
    ]

    public static func handlers(database: SQLRunner) -> [JobHandler] {
        upkeep.map { work in
            JobHandler(kind: work.kind) { _ in
                // The function names are the fixed text above, never input.
                try await database.execute(SQLStatement("SELECT \(work.function)"))
            }
        } + [
            // Hourly: the weekly-review jobs of the users whose moment the hour that began at
            // the job's due time is (a late run still serves the hour it was scheduled for).
            JobHandler(kind: "weekly-reviews.schedule") { job in
                try await database.execute(SQLStatement("SELECT internal.enqueue_weekly_reviews($1::timestamptz)", [.text(job.runAt)]))
            },
            // One user's week, as the schedule job enqueued it.
            JobHandler(kind: "weekly-review") { job in
                let week = try JSONDecoder().decode(WeeklyReview.self, from: Data(job.payload.utf8))
                try await database.execute(SQLStatement(
                    "SELECT internal.compute_weekly_review($1::uuid, $2::date)", [.text(week.userID.uuidString), .text(week.weekStart)]))
            },
        ]
    }

    public static var schedule: [JobScheduler.Entry] {
        upkeep.map { JobScheduler.Entry(kind: $0.kind, every: $0.every) } + [JobScheduler.Entry(kind: "weekly-reviews.schedule", every: .seconds(3_600))]
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
