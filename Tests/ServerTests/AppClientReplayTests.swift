import Testing

/// The Visionary AI web app's own calls, replayed through the official client against the real
/// `visionary serve`: each script of Tests/Compatibility named `app_*_flow.py` sends the app's
/// exact requests (citing the app file each replays) and checks the fields the app reads, plus
/// the attacker's side of every rule those calls rely on. The scripts share one server (each
/// signs up its own users), so the suite starts one embedded PostgreSQL, not one per script.
@Suite("the app's client, unchanged")
struct AppClientReplayTests {
    /// One script per part of the app:
    /// - storage: board and reference images, documents and workbooks in the app's buckets and
    ///   paths; ownership by the object's owner, private buckets private through every endpoint;
    /// - credits: the read-then-write spend; every other credit write refused; 20 racing spends;
    /// - screens: the REST reads and writes of the team screens (membership, invitation codes,
    ///   leaderboard rows, teams with member counts);
    /// - onboarding, partner, print, habits, amie: each function as the app calls it.
    static let scripts = [
        "app_storage_flow.py", "app_credits_flow.py", "app_screens_flow.py", "app_onboarding_flow.py",
        "app_partner_flow.py", "app_print_flow.py", "app_habits_flow.py", "app_amie_flow.py",
    ]

    @Test("the app's storage, credit, screen and function calls, script by script", .timeLimit(.minutes(15)))
    func replay() async throws {
        try await PythonClientCompatibilityTests.withServer { python, server in
            for script in Self.scripts {
                try await PythonClientCompatibilityTests.run(script, python: python, on: server)
            }
        }
    }
}
