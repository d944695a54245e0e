import Core
import Database

/// The database's own upkeep as scheduled jobs, each one call of a maintenance function of the
/// migrations, run as the schema owner.
public enum MaintenanceJobs {
    /// Each kind with the function it calls and how often.
    static let work: [(kind: String, function: String, every: Duration)] = [
        ("leaderboards.refresh", "public.refresh_team_leaderboards()", .seconds(3_600)),
        ("partner-invitations.expire", "public.expire_partner_invitations()", .seconds(3_600)),
        ("habits.refresh-streaks", "public.refresh_habit_streaks()", .seconds(86_400)),
        ("retention.purge", "public.purge_soft_deleted()", .seconds(86_400)),
        ("auth.clear-expired", "auth.clear_expired()", .seconds(3_600)),
    ]

    public static func handlers(database: SQLRunner) -> [JobHandler] {
        work.map { work in
            JobHandler(kind: work.kind) { _ in
                // The function names are the fixed text above, never input.
                try await database.execute(SQLStatement("SELECT \(work.function)"))
            }
        }
    }

    public static var schedule: [JobScheduler.Entry] {
        work.map { JobScheduler.Entry(kind: $0.kind, every: $0.every) }
    }
}
