import Tokens
import AppConfig
import Database
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing
import TestSupport
import VisionaryApp

@Suite("Health")
struct HealthTests {
    @Test("GET /health answers 200 once the schema is migrated")
    func healthy() async throws {
        let database = try await TestCluster.shared.makeDatabase(migrated: false)
        var config = AppConfig()
        config.port = 0
        let app = buildApplication(
            try await ApplicationParts.make(config: config, secret: TestApp.secret, owner: database, logger: TestCluster.logger),
            logger: TestCluster.logger)
        try await app.test(.live) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ok","database":"ok"}"#)
            }
        }
        // The port opened only after migrating: the schema is there.
        let tables = try await TestCluster.withConnection(database) { connection in
            try await connection.query("SELECT count(*)::int FROM internal.schema_migrations", logger: TestCluster.logger)
                .collect().first?.decode(Int.self)
        }
        #expect(tables == (try Migration.bundled()).count)
        try await TestCluster.shared.dropDatabase(database)
    }

    @Test("GET /health answers 503 when the database cannot be reached")
    func unhealthy() async throws {
        var config = AppConfig()
        config.port = 0
        config.migrateOnStart = false
        let nowhere = DatabaseEndpoint(host: "127.0.0.1", port: 1, username: "nobody", password: nil, database: "none")
        var parts = try await ApplicationParts.make(config: config, secret: TestApp.secret, owner: nowhere, logger: TestCluster.logger)
        parts.migrations = []
        let app = buildApplication(parts, logger: TestCluster.logger)
        try await app.test(.live) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }
}
