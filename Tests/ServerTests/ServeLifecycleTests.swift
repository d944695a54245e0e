import AppConfig
import Core
import Database
import Foundation
import Testing
import TestSupport
import Tokens
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `visionary serve` as a user runs it: the real binary, its own embedded PostgreSQL in a fresh
/// data folder. Whatever way the server ends, no PostgreSQL process may outlive it.
@Suite("visionary serve", .serialized)
struct ServeLifecycleTests {
    @Test("serves /health after migrating, stops on SIGTERM, leaves no postgres behind")
    func gracefulStop() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try await server.waitForHealth()
        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)
        #expect(try await server.postgresGone())
    }

    @Test("/metrics of a running server: requests by route and status, failed sign-ins, storage bytes, the upkeep jobs it ran; the worker stops with it")
    func metrics() async throws {
        let secret = "metrics-test-secret-with-at-least-32-characters"
        let server = try ServerProcess(environment: ["VISIONARY_JWT_SECRET": secret, "VISIONARY_METRICS_TOKEN": "scrape-token"])
        defer { server.cleanUp() }
        try await server.waitForHealth()
        let base = "http://127.0.0.1:\(server.port)"
        var signIn = URLRequest(url: URL(string: base + "/auth/v1/token?grant_type=password")!)
        signIn.httpMethod = "POST"
        signIn.setValue(APIKeys(secret: secret).anon, forHTTPHeaderField: "apikey")
        signIn.setValue("application/json", forHTTPHeaderField: "Content-Type")
        signIn.httpBody = Data(#"{"email":"nobody@metrics.test","password":"wrong-password"}"#.utf8)
        let (_, refused) = try await URLSession.shared.data(for: signIn)
        #expect((refused as? HTTPURLResponse)?.statusCode == 400)
        // 13 bytes stored, then sent back.
        var upload = URLRequest(url: URL(string: base + "/storage/v1/object/visions/metrics.txt")!)
        upload.httpMethod = "POST"
        upload.setValue(APIKeys(secret: secret).serviceRole, forHTTPHeaderField: "apikey")
        upload.setValue("Bearer " + APIKeys(secret: secret).serviceRole, forHTTPHeaderField: "Authorization")
        upload.setValue("text/plain", forHTTPHeaderField: "Content-Type")
        upload.httpBody = Data("hello metrics".utf8)
        let (_, stored) = try await URLSession.shared.data(for: upload)
        #expect((stored as? HTTPURLResponse)?.statusCode == 200)
        let (sent, _) = try await URLSession.shared.data(from: URL(string: base + "/storage/v1/object/public/visions/metrics.txt")!)
        #expect(String(decoding: sent, as: UTF8.self) == "hello metrics")

        // The upkeep jobs run as the server starts; their counts show once they are done.
        var text = ""
        for _ in 0..<40 {
            let (body, response) = try await URLSession.shared.data(from: URL(string: base + "/metrics")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            text = String(decoding: body, as: UTF8.self)
            if text.contains(#"visionary_jobs_total{kind="leaderboards.refresh",outcome="succeeded"} 1"#) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(text.contains(#"hb_requests{http_route="/health",http_request_method="GET",http_response_status_code="200"}"#), "\(text.prefix(3000))")
        #expect(text.contains(#"http_server_request_duration_count{http_route="/auth/v1/token",http_request_method="POST",http_response_status_code="400"} 1"#))
        #expect(text.contains(#"visionary_auth_sign_ins_total{outcome="failed"} 1"#))
        #expect(text.contains(#"visionary_jobs_total{kind="leaderboards.refresh",outcome="succeeded"} 1"#))
        #expect(text.contains(#"visionary_jobs_queue_depth{state="dead"} 0.0"#))
        #expect(text.contains(#"visionary_storage_bytes_total{direction="in"} 13"#))
        #expect(text.contains(#"visionary_storage_bytes_total{direction="out"} 13"#))
        #expect(text.contains("visionary_database_up 1.0"))
        // Every series the alerting rules watch is one the server writes.
        let rules = try String(contentsOfFile: AlertRulesTests.rulesFile, encoding: .utf8)
        for name in AlertRulesTests.metricNames(in: rules) where name != "up" {
            #expect(text.contains("\n\(name){") || text.contains("\n\(name) "), "ops/alerts.yml watches \(name), which /metrics does not show")
        }

        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)
        #expect(try await server.postgresGone())
    }

    @Test("a killed server takes its postgres with it")
    func killed() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try await server.waitForHealth()
        #expect(server.postgresProcesses() > 0)
        server.signal(SIGKILL)
        _ = try await server.waitForExit()
        #expect(try await server.postgresGone())
    }

    @Test("a server that fails on start-up (port taken) leaves no postgres behind")
    func startupFailure() async throws {
        let blocker = try PortBlocker()
        let server = try ServerProcess(port: blocker.port)
        defer { server.cleanUp() }
        let status = try await server.waitForExit()
        #expect(status != 0)
        #expect(try await server.postgresGone())
        blocker.close()
    }

    @Test("a server whose key ring lacks the key of a stored secret refuses to start, naming the version")
    func missingKeyVersion() async throws {
        let folder = NSTemporaryDirectory() + "visionary-serve-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try ServerProcess(dataDirectory: folder)
        try await first.waitForHealth()
        #expect(FileManager.default.fileExists(atPath: folder + "/encryption-keys"), "the embedded default generated a key")
        // A secret sealed under version 7, written while the first server's database runs.
        let cluster = try EmbeddedCluster.locate(config: TestCluster.config(dataDirectory: folder))
        let endpoint = try cluster.endpoint(port: try #require(cluster.runningPort()))
        try await endpoint.withPool(logger: TestCluster.logger) { pool in
            try await SQLRunner(pool: pool, logger: TestCluster.logger).execute(SQLStatement("""
                WITH u AS (INSERT INTO auth.users (email) VALUES ('sealed@keys.test') RETURNING id)
                INSERT INTO public.plaid_items (user_id, access_token_encrypted, token_key_version) SELECT id, decode(repeat('ab', 40), 'hex'), 7 FROM u
                """))
        }
        first.signal(SIGTERM)
        #expect(try await first.waitForExit() == 0)

        let second = try ServerProcess(dataDirectory: folder)
        defer { second.cleanUp() }
        #expect(try await second.waitForExit() != 0)
        #expect(second.output().contains("public.plaid_items: version 7"), "\(second.output().suffix(500))")
        #expect(try await second.postgresGone())
    }

    @Test("data persists across restarts")
    func persists() async throws {
        let folder = NSTemporaryDirectory() + "visionary-serve-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try ServerProcess(dataDirectory: folder)
        try await first.waitForHealth()
        first.signal(SIGTERM)
        _ = try await first.waitForExit()
        let second = try ServerProcess(dataDirectory: folder)
        try await second.waitForHealth()
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
        // The second start found the cluster and its schema: nothing was migrated again.
        #expect(second.output().contains("applied=[]"))
        #expect(try await second.postgresGone())
    }
}

/// A `visionary serve` child process with its own data folder and port.
final class ServerProcess: Sendable {
    let process: Process
    let dataDirectory: String
    let port: Int
    let logFile: String

    /// `environment` is added to (and overrides) the test process's own environment.
    init(dataDirectory: String? = nil, port: Int? = nil, environment extra: [String: String] = [:]) throws {
        self.dataDirectory = dataDirectory ?? NSTemporaryDirectory() + "visionary-serve-\(UUID().uuidString)"
        self.port = try port ?? PortBlocker.freePort()
        self.logFile = self.dataDirectory + ".log"
        FileManager.default.createFile(atPath: logFile, contents: nil)
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("visionary")
        process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--data-dir", self.dataDirectory, "--port", String(self.port), "--log-level", "info"]
        var environment = ProcessInfo.processInfo.environment
        environment["VISIONARY_PG_BIN"] = TestCluster.config(dataDirectory: "").postgresBinDirectory
        environment.merge(extra) { _, new in new }
        process.environment = environment.compactMapValues { $0 }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    func output() -> String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    func waitForHealth() async throws {
        let url = URL(string: "http://127.0.0.1:\(port)/health")!
        for _ in 0..<600 {
            if !process.isRunning { break }
            // Healthy, and this process says it is listening: the port it was given may have been
            // taken by another test's server between choosing it and binding it.
            if let (_, response) = try? await URLSession.shared.data(from: url),
               (response as? HTTPURLResponse)?.statusCode == 200, output().contains("API URL:") { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("server never became healthy:\n\(output())")
        throw CancellationError()
    }

    func waitForExit() async throws -> Int32 {
        for _ in 0..<600 where process.isRunning {
            try await Task.sleep(for: .milliseconds(100))
        }
        if process.isRunning {
            Issue.record("server did not exit:\n\(output())")
            signal(SIGKILL)
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Processes whose command line runs PostgreSQL on this server's cluster.
    func postgresProcesses() -> Int {
        let marker = Array("-D\u{0}\(dataDirectory)/postgres".utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.count { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return Array(data).firstRange(of: marker) != nil
        }
    }

    /// Waits up to 30 s for every such process to be gone.
    func postgresGone() async throws -> Bool {
        for _ in 0..<300 {
            if postgresProcesses() == 0 { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("postgres still running after the server ended:\n\(output())")
        return false
    }

    func cleanUp() {
        if process.isRunning { signal(SIGKILL) }
        try? FileManager.default.removeItem(atPath: dataDirectory)
        try? FileManager.default.removeItem(atPath: logFile)
    }
}

/// A listening socket on a loopback port, to make that port unavailable.
final class PortBlocker: Sendable {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard fd >= 0, ok else { throw POSIXError(.EADDRINUSE) }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    static func freePort() throws -> Int {
        let blocker = try PortBlocker()
        defer { blocker.close() }
        return blocker.port
    }

    func close() { _ = Glibc.close(descriptor) }
}
