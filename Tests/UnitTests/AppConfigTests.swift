import AppConfig
import Database
import Testing

@Suite("Configuration")
struct AppConfigTests {
    @Test("defaults without environment")
    func defaults() throws {
        let config = try AppConfig(environment: [:], workingDirectory: "/srv/app")
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 54321)
        #expect(config.resolvedDataDirectory == "/srv/app/.visionary")
        #expect(config.databaseURL == nil)
        #expect(config.jwtSecret == nil)
        #expect(config.migrateOnStart)
    }

    @Test("reads the documented environment variables")
    func environment() throws {
        let config = try AppConfig(environment: [
            "VISIONARY_PORT": "8080", "VISIONARY_HOST": "0.0.0.0", "VISIONARY_DATA_DIR": "/var/lib/visionary",
            "VISIONARY_JWT_SECRET": String(repeating: "s", count: 40),
            "DATABASE_URL": "postgres://app:pw@db.internal:5433/visionary",
            "VISIONARY_MIGRATE": "false", "VISIONARY_DB_PORT": "0",
        ], workingDirectory: "/srv/app")
        #expect(config.port == 8080)
        #expect(config.host == "0.0.0.0")
        #expect(config.resolvedDataDirectory == "/var/lib/visionary")
        #expect(config.databaseURL == "postgres://app:pw@db.internal:5433/visionary")
        #expect(!config.migrateOnStart)
    }

    @Test("malformed values are refused with the setting's name", arguments: [
        ["VISIONARY_PORT": "eighty"], ["VISIONARY_PORT": "70000"], ["VISIONARY_MIGRATE": "perhaps"],
        ["VISIONARY_JWT_SECRET": "short"], ["VISIONARY_LOG_LEVEL": "loud"], ["VISIONARY_DB_PORT": "-1"],
        ["VISIONARY_EVENT_LOOP_THREADS": "0"], ["VISIONARY_EVENT_LOOP_THREADS": "9223372036854775808"],
        ["VISIONARY_DB_POOL_MIN": "-1"], ["VISIONARY_DB_POOL_MIN": "many"],
    ])
    func refusesMalformed(environment: [String: String]) {
        #expect(throws: ConfigError.self) { try AppConfig(environment: environment, workingDirectory: "/") }
    }

    @Test("event loop threads: half the processors (at least two) beside the embedded database, all with an outside one, or as set")
    func eventLoopThreads() throws {
        #expect(try AppConfig(environment: [:], workingDirectory: "/").resolvedEventLoopThreads(processors: 8) == 4)
        #expect(try AppConfig(environment: [:], workingDirectory: "/").resolvedEventLoopThreads(processors: 2) == 2)
        #expect(try AppConfig(environment: [:], workingDirectory: "/").resolvedEventLoopThreads(processors: 1) == 1)
        let outside = try AppConfig(environment: ["DATABASE_URL": "postgres://app:pw@127.0.0.1:5432/v"], workingDirectory: "/")
        #expect(outside.resolvedEventLoopThreads(processors: 8) == 8)
        let set = try AppConfig(environment: ["VISIONARY_EVENT_LOOP_THREADS": "3"], workingDirectory: "/")
        #expect(set.resolvedEventLoopThreads(processors: 8) == 3)
    }

    @Test("pools keep every connection open unless told otherwise, and never more than their size")
    func poolMinimum() throws {
        #expect(try AppConfig(environment: [:], workingDirectory: "/").resolvedDatabasePoolMinimum == 20)
        let some = try AppConfig(environment: ["VISIONARY_DB_POOL_MIN": "2", "VISIONARY_DB_POOL_SIZE": "8"], workingDirectory: "/")
        #expect(some.resolvedDatabasePoolMinimum == 2)
        let more = try AppConfig(environment: ["VISIONARY_DB_POOL_MIN": "50", "VISIONARY_DB_POOL_SIZE": "8"], workingDirectory: "/")
        #expect(more.resolvedDatabasePoolMinimum == 8)
    }

    @Test("printed settings never show secrets")
    func redaction() throws {
        let secret = String(repeating: "k", count: 40)
        let config = try AppConfig(environment: [
            "VISIONARY_JWT_SECRET": secret, "DATABASE_URL": "postgres://app:hunter2@db:5432/v",
        ], workingDirectory: "/")
        let printed = config.redactedSettings.map { "\($0.name)=\($0.value)" }.joined(separator: "\n")
        #expect(!printed.contains(secret))
        #expect(!printed.contains("hunter2"))
        #expect(printed.contains("postgres://app:***@db:5432/v"))
    }

    @Test("database URLs parse into endpoints; TLS is required off loopback")
    func endpoints() throws {
        let local = try DatabaseEndpoint(url: "postgresql://postgres:p%40ss@127.0.0.1:5433/visionary")
        #expect(local.password == "p@ss")
        #expect(local.port == 5433)
        #expect(local.tls == .disable)
        let remote = try DatabaseEndpoint(url: "postgres://app@db.example.com/app")
        #expect(remote.tls == .verifyFull)
        #expect(remote.port == 5432)
        let plain = try DatabaseEndpoint(url: "postgres://app@db.example.com/app?sslmode=disable")
        #expect(plain.tls == .disable)
        #expect(throws: EndpointError.self) { try DatabaseEndpoint(url: "mysql://x@y/z") }
        #expect(throws: EndpointError.self) { try DatabaseEndpoint(url: "postgres://x@y/z?sslmode=sometimes") }
        let roundTrip = try DatabaseEndpoint(url: local.url)
        #expect(roundTrip == local)
    }
}
