import Core
import Database
import FunctionsAPI
import HummingbirdTesting
import TestSupport
import VisionaryApp

extension TestApp {
    /// Runs `body` against the live server with `extra` functions registered next to the app's
    /// own (stand-ins that echo or fail, for the gateway's tests), then drops the database.
    func run(adding extra: [any EdgeFunction], _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var parts = parts
        parts.functions += extra
        let app = buildApplication(parts, logger: logger)
        do {
            try await app.test(.live) { client in try await body(client) }
        } catch {
            try? await TestCluster.shared.dropDatabase(database)
            throw error
        }
        try await TestCluster.shared.dropDatabase(database)
    }

    /// Statements as the schema owner, for setting up what no API may (back-dated history, a
    /// team's member limit) and for checking what the API did.
    var owner: SQLRunner { SQLRunner(pool: parts.ownerDatabase, logger: TestCluster.logger) }
}
