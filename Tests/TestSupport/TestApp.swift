import AppConfig
import AuthAPI
import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Secrets
import Tokens
import VisionaryApp

/// A server under test: the real application on its own freshly migrated database, with a
/// fixed JWT secret and a low bcrypt cost, reached over real HTTP by `app.test(.live)`. Every
/// `make` is followed by one `run`, which drops the database (and frees its place in the test
/// cluster) however the body ends.
public struct TestApp: Sendable {
    public static let secret = "test-secret-with-at-least-32-characters-0123456789"
    /// The encryption keys of every test server: versions 1 and 2, 2 the newest.
    public static let encryptionKeys = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
    public static let keyRing = try! KeyRing(parsing: encryptionKeys)
    public let database: DatabaseEndpoint
    public let keys = APIKeys(secret: TestApp.secret)
    public let parts: ApplicationParts
    /// Where the server's log lines go (the test cluster's quiet logger unless a test listens).
    public var logger: Logger = TestCluster.logger

    /// - Parameter logger: the server's logger, for tests that read what it logs.
    /// - Parameter adjust: changes to the configuration (Auth settings, say) before building.
    public static func make(logger: Logger = TestCluster.logger, _ adjust: (inout AppConfig) -> Void = { _ in }) async throws -> TestApp {
        let database = try await TestCluster.shared.makeDatabase()
        var config = AppConfig()
        config.port = 0
        config.migrateOnStart = false
        config.auth.bcryptCost = 4
        // Many servers share the test cluster at once: small pools keep them under its limit.
        config.databasePoolSize = 6
        // Opened on demand, not all at start: a hundred servers may start at once.
        config.databasePoolMinimum = 0
        // Stored objects go to a folder of this server's own, never the working directory.
        config.storage.localDirectory = NSTemporaryDirectory() + "visionary-test-\(UUID().uuidString)"
        // A busy machine may leave the test client's kept-alive connection quiet for a while.
        config.httpIdleTimeoutSeconds = 3_600
        // Scheduled upkeep would change rows under the tests' feet; the job tests run it themselves.
        config.workerEnabled = false
        adjust(&config)
        do {
            return TestApp(
                database: database,
                parts: try await ApplicationParts.make(config: config, secret: secret, keyRing: keyRing, owner: database, logger: logger),
                logger: logger)
        } catch {
            try? await TestCluster.shared.dropDatabase(database)
            throw error
        }
    }

    /// Runs `body` against the live server, then drops the database.
    public func run(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = buildApplication(parts, logger: logger)
        defer { try? FileManager.default.removeItem(atPath: parts.config.storage.localDirectory ?? "") }
        do {
            try await app.test(.live) { client in try await body(client) }
        } catch {
            try? await TestCluster.shared.dropDatabase(database)
            throw error
        }
        try await TestCluster.shared.dropDatabase(database)
    }
}

extension TestApp {
    /// Signs a user up through the Auth API (password `secret-password`): their access token
    /// and id, empty when the sign-up failed (the test's next expectation then fails).
    public func signUp(_ client: any TestClientProtocol, email: String) async throws -> (token: String, id: String) {
        let reply = try await client.execute(
            uri: "/auth/v1/signup", method: .post,
            headers: [HTTPField.Name("apikey")!: keys.anon, .contentType: "application/json"],
            body: ByteBuffer(string: #"{"email":"\#(email)","password":"secret-password"}"#)
        ) { String(buffer: $0.body) }
        let json = (try JSONSerialization.jsonObject(with: Data(reply.utf8))) as? [String: Any] ?? [:]
        return (json["access_token"] as? String ?? "", (json["user"] as? [String: Any])?["id"] as? String ?? "")
    }
}
