import Testing

/// The Visionary AI web app's own calls, replayed through the official client against the real
/// `visionary serve`: each script of Tests/Compatibility named `app_*_flow.py` sends the app's
/// exact requests (citing the app file each replays) and checks the fields the app reads, plus
/// the attacker's side of every rule those calls rely on.
@Suite("the app's client, unchanged", .serialized)
struct AppClientReplayTests {
    let runner = PythonClientCompatibilityTests()

    /// Board images, reference images, documents and workbooks in the app's buckets and paths;
    /// ownership by the object's owner, private buckets private through every endpoint.
    @Test("the app's storage calls", .timeLimit(.minutes(5)))
    func storage() async throws { try await runner.runScript("app_storage_flow.py") }

    /// The app's read-then-write credit spend; every other credit write refused.
    @Test("the app's credit spend", .timeLimit(.minutes(5)))
    func credits() async throws { try await runner.runScript("app_credits_flow.py") }

    /// The REST reads and writes of the app's screens (boards, teams, leaderboards, invitations).
    @Test("the app's screens over REST", .timeLimit(.minutes(5)))
    func screens() async throws { try await runner.runScript("app_screens_flow.py") }

    /// onboarding-themes as ThemeSelector and MasterPromptQnA call it.
    @Test("onboarding-themes as the app calls it", .timeLimit(.minutes(5)))
    func onboarding() async throws { try await runner.runScript("app_onboarding_flow.py") }

    /// partner-collaboration as PartnerDashboard calls it.
    @Test("partner-collaboration as the app calls it", .timeLimit(.minutes(5)))
    func partner() async throws { try await runner.runScript("app_partner_flow.py") }

    /// print-products as PrintProducts calls it.
    @Test("print-products as the app calls it", .timeLimit(.minutes(5)))
    func print() async throws { try await runner.runScript("app_print_flow.py") }

    /// habit-service with the app's contract.
    @Test("habit-service as the app calls it", .timeLimit(.minutes(5)))
    func habits() async throws { try await runner.runScript("app_habits_flow.py") }

    /// amie-prompt-builder with the app's contract.
    @Test("amie-prompt-builder as the app calls it", .timeLimit(.minutes(5)))
    func amie() async throws { try await runner.runScript("app_amie_flow.py") }
}
