import Tokens
import AppConfig
import Database
import HTTPTypes
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
        let app = try await Self.application(on: database, migrating: true)
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

    /// The server on `database`, on a free port, migrating it before the port opens or not.
    static func application(on database: DatabaseEndpoint, migrating: Bool) async throws -> some ApplicationProtocol {
        var config = AppConfig()
        config.port = 0
        config.migrateOnStart = migrating
        return buildApplication(
            try await ApplicationParts.make(config: config, secret: TestApp.secret, keyRing: TestApp.keyRing, owner: database, logger: TestCluster.logger),
            logger: TestCluster.logger)
    }

    @Test("GET /health answers 503 when the database cannot be reached")
    func unhealthy() async throws {
        var config = AppConfig()
        config.port = 0
        config.migrateOnStart = false
        let nowhere = DatabaseEndpoint(host: "127.0.0.1", port: 1, username: "nobody", password: nil, database: "none")
        var parts = try await ApplicationParts.make(config: config, secret: TestApp.secret, keyRing: TestApp.keyRing, owner: nowhere, logger: TestCluster.logger)
        parts.migrations = []
        let app = buildApplication(parts, logger: TestCluster.logger)
        try await app.test(.live) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body)
                    == #"{"status":"unavailable","database":"unreachable","migrations":"unknown","schema_cache":"not loaded"}"#)
            }
        }
    }

    @Test("GET /ready answers 200 when the database answers, the migrations are current and the schema cache is loaded")
    func ready() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            for method in [HTTPRequest.Method.get, .head] {
                try await client.execute(uri: "/ready", method: method) { response in
                    #expect(response.status == .ok)
                    if method == .get {
                        #expect(String(buffer: response.body)
                            == #"{"status":"ready","database":"ok","migrations":"current","schema_cache":"loaded"}"#)
                    }
                }
            }
        }
    }

    @Test("GET /ready answers 503 naming a pending migration, and one edited after it was applied, while /health stays 200")
    func notReady() async throws {
        let bundled = try Migration.bundled()
        let last = try #require(bundled.last)
        try await TestCluster.shared.withDatabase(migrated: false) { database in
            _ = try await database.withClient(logger: TestCluster.logger) { client in
                try await Migrator(migrations: Array(bundled.dropLast()), logger: TestCluster.logger).migrate(client)
            }
            let app = try await Self.application(on: database, migrating: false)
            try await app.test(.live) { client in
                try await client.execute(uri: "/health", method: .get) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "/ready", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(String(buffer: response.body)
                        == #"{"status":"unavailable","database":"ok","migrations":"pending: \#(last.version)","schema_cache":"loaded"}"#)
                }
                try await TestCluster.withConnection(database) { connection in
                    _ = try await connection.query("UPDATE internal.schema_migrations SET checksum = 'edited' WHERE version = 1", logger: TestCluster.logger).collect()
                }
                try await client.execute(uri: "/ready", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(String(buffer: response.body).contains(#""migrations":"changed: 1""#))
                }
            }
        }
    }
}

/// Who may read `/metrics`, and what an in-process server shows there.
@Suite("Metrics")
struct MetricsTests {
    @Test("loopback callers, and others only with the configured bearer token", arguments: [
        ("127.0.0.1", nil, nil, true), ("127.8.9.10", nil, nil, true), ("::1", nil, nil, true), ("::ffff:127.0.0.1", nil, nil, true),
        ("10.0.0.7", nil, nil, false), ("10.0.0.7", "Bearer scrape-token", nil, false), ("10.0.0.7", "Bearer scrape-token", "scrape-token", true),
        ("10.0.0.7", "Bearer scrape-tokeN", "scrape-token", false), ("10.0.0.7", "scrape-token", "scrape-token", false),
        ("10.0.0.7", "Bearer ", "", false), ("2001:db8::1", "Bearer scrape-token", "scrape-token", true), (nil, nil, "scrape-token", false),
        ("1127.0.0.1", nil, nil, false),
    ] as [(String?, String?, String?, Bool)])
    func access(peer: String?, authorization: String?, token: String?, allowed: Bool) {
        #expect(MetricsAccess.allows(peer: peer, authorization: authorization, token: token) == allowed)
    }

    @Test("GET /metrics answers Prometheus text with the job queue's gauges")
    func scrape() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = String(buffer: response.body)
                #expect(text.contains(#"visionary_jobs_queue_depth{state="queued"} 0.0"#), "\(text)")
                #expect(text.contains("# TYPE visionary_jobs_oldest_due_age_seconds gauge"))
                #expect(text.contains(#"visionary_db_pool_size{pool="api"} 6.0"#), "the test server's pools have 6 connections")
                #expect(text.contains(#"visionary_db_pool_connections{pool="api",state="waiting"} 0.0"#))
                // The scrape itself holds an owner connection while it reads the queue, and
                // the schema listener holds one for good: both were in use, none is now.
                #expect(text.contains(#"visionary_db_pool_connections{pool="owner",state="in_use"} "#))
            }
        }
    }

    @Test("the memo of compiled REST reads: lookups by outcome, counted once across scrapes, and the reads held")
    func compiledReads() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            func scrape() async throws -> String {
                try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            }
            func read(_ query: String) async throws {
                let headers: HTTPFields = [HTTPField.Name("apikey")!: app.keys.anon]
                try await client.execute(uri: "/rest/v1/" + query, method: .get, headers: headers) { #expect($0.status == .ok) }
            }
            try await read("motivational_themes?select=id")
            try await read("motivational_themes?select=id")
            try await read("motivational_themes?select=name")
            let first = try await scrape()
            #expect(first.contains("# TYPE visionary_rest_compiled_read_lookups_total counter"), "\(first)")
            #expect(first.contains(#"visionary_rest_compiled_read_lookups_total{outcome="hit"} 1"#), "\(first)")
            #expect(first.contains(#"visionary_rest_compiled_read_lookups_total{outcome="miss"} 2"#))
            #expect(first.contains("visionary_rest_compiled_reads_held 2.0"))
            // A scrape with nothing new in between changes nothing: the totals are not added twice.
            try await read("motivational_themes?select=name")
            let second = try await scrape()
            #expect(second.contains(#"visionary_rest_compiled_read_lookups_total{outcome="hit"} 2"#), "\(second)")
            #expect(second.contains(#"visionary_rest_compiled_read_lookups_total{outcome="miss"} 2"#))
            let third = try await scrape()
            #expect(third.contains(#"visionary_rest_compiled_read_lookups_total{outcome="hit"} 2"#), "\(third)")
        }
    }
}
