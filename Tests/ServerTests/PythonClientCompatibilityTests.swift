import AppConfig
import Foundation
import Testing
import TestSupport
import Tokens

/// The official Supabase Python client (supabase-py, pinned in Tests/Compatibility/requirements.txt)
/// against the real `visionary serve`: the client builds every request and parses every response
/// itself, so a pass proves the wire format, not just our reading of it.
///
/// The client lives in a virtualenv made by `scripts/install-python-client.sh`; `make test` runs
/// that script and names the venv's python in `VISIONARY_PYTHON_CLIENT`.
@Suite("official Python client", .serialized)
struct PythonClientCompatibilityTests {
    /// A fixed secret, so the test knows the keys the server hands out.
    static let secret = "python-client-compatibility-secret-0123456789"

    @Test("supabase-py drives the Auth email/password flows", .timeLimit(.minutes(5)))
    func authFlows() async throws {
        try await runScript("auth_client_flow.py")
    }

    /// Selects with filters, order, range, counts and single objects; inserts, upserts, updates,
    /// deletes and RPC as signed-up users; RLS from another user's and the anon key's side; errors.
    @Test("supabase-py drives the REST query builder and RPC", .timeLimit(.minutes(5)))
    func restFlows() async throws {
        try await runScript("rest_client_flow.py")
    }

    /// The domain functions through `client.functions.invoke`: JSON bodies, methods, queries in
    /// the name, sub-paths, FunctionsHttpError for 4xx, unknown functions, JWT verification.
    @Test("supabase-py invokes the Functions", .timeLimit(.minutes(5)))
    func functionsFlows() async throws {
        try await runScript("functions_client_flow.py")
    }

    /// Buckets, uploads, downloads, public and signed URLs, list, remove, move, copy and the
    /// refusals (checklist items 35–44), on the default local store.
    @Test("supabase-py drives Storage on the local store", .timeLimit(.minutes(5)))
    func storageFlows() async throws {
        try await runScript("storage_client_flow.py")
    }

    /// The same flow with the server configured for an S3-compatible store.
    @Test("supabase-py drives Storage on the S3 store", .timeLimit(.minutes(5)))
    func storageFlowsOnS3() async throws {
        let port = try await S3TestServer.shared.port()
        var config = AppConfig()
        S3TestServer.configure(&config, port: port)
        try await runScript("storage_client_flow.py", environment: [
            "VISIONARY_STORAGE_BACKEND": "s3", "VISIONARY_STORAGE_S3_ENDPOINT": config.storage.s3Endpoint ?? "",
            "VISIONARY_STORAGE_S3_BUCKET": config.storage.s3Bucket ?? "", "VISIONARY_STORAGE_S3_REGION": config.storage.s3Region,
            "VISIONARY_STORAGE_S3_ACCESS_KEY_ID": config.storage.s3AccessKeyID ?? "",
            "VISIONARY_STORAGE_S3_SECRET_ACCESS_KEY": config.storage.s3SecretAccessKey ?? "",
        ])
    }

    /// Starts a real `visionary serve` with the fixed secret and runs one script of
    /// Tests/Compatibility against it with the URL and both API keys; every check must pass.
    func runScript(_ name: String, environment extra: [String: String] = [:]) async throws {
        try await Self.withServer(environment: extra) { python, server in
            try await Self.run(name, python: python, on: server)
        }
    }

    /// A real `visionary serve` with the fixed secret for `body`, given the client's python; it
    /// must stop cleanly afterwards. Without `VISIONARY_PYTHON_CLIENT` the test fails, saying how
    /// to set it.
    static func withServer(environment extra: [String: String] = [:], _ body: (String, ServerProcess) async throws -> Void) async throws {
        guard let python = ProcessInfo.processInfo.environment["VISIONARY_PYTHON_CLIENT"], !python.isEmpty else {
            Issue.record("""
                VISIONARY_PYTHON_CLIENT is not set: it names the python of the virtualenv holding the \
                pinned Supabase client. Run `make test` (it installs the client with \
                scripts/install-python-client.sh and sets the variable), or set it to the last line \
                printed by scripts/install-python-client.sh.
                """)
            return
        }
        let server = try ServerProcess(environment: [
            "VISIONARY_JWT_SECRET": secret,
            "VISIONARY_AUTH_BCRYPT_COST": "4",
            "VISIONARY_AUTH_RATE_LIMIT_PER_ADDRESS": "1000000",
            "VISIONARY_AUTH_RATE_LIMIT_PER_EMAIL": "1000000",
            "VISIONARY_AUTH_AUTOCONFIRM": "true",
            "VISIONARY_AUTH_DISABLE_SIGNUP": "false",
            "VISIONARY_REST_PLAN_ENABLED": "true",
        ].merging(extra) { _, new in new })
        defer { server.cleanUp() }
        try await server.waitForHealth()
        try await body(python, server)
        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }

    /// Runs one script of Tests/Compatibility against `server` with the URL and both API keys;
    /// every check must pass.
    static func run(_ name: String, python: String, on server: ServerProcess) async throws {
        let keys = APIKeys(secret: secret)
        let run = try await PythonScript.run(
            python: python, script: script(name),
            arguments: ["http://127.0.0.1:\(server.port)", keys.anon, keys.serviceRole]
        )

        let summary = run.output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(
            run.status == 0 && summary.hasSuffix(" passed, 0 failed"),
            """
            \(name) exited with \(run.status)\(run.timedOut ? " (killed after the time limit)" : ""):
            \(run.output)
            --- server log (tail) ---
            \(String(server.output().suffix(6000)))
            """
        )
    }

    /// A file of Tests/Compatibility, found from this source file's place in the repository.
    static func script(_ name: String, file: String = #filePath) -> String {
        URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Compatibility").appendingPathComponent(name).path
    }
}

/// One run of a Python script, its stdout and stderr interleaved in a temp file.
struct PythonScript {
    let status: Int32
    let output: String
    let timedOut: Bool

    static func run(python: String, script: String, arguments: [String], timeLimit: Duration = .seconds(180)) async throws -> PythonScript {
        let logFile = NSTemporaryDirectory() + "visionary-python-\(UUID().uuidString).log"
        FileManager.default.createFile(atPath: logFile, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: logFile) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        defer { try? log.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()

        let deadline = ContinuousClock.now + timeLimit
        var timedOut = false
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                timedOut = true
                process.terminate()
                break
            }
            do {
                try await Task.sleep(for: .milliseconds(50))
            } catch {
                process.terminate()  // cancelled: leave no client behind
                throw error
            }
        }
        process.waitUntilExit()
        let output = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return PythonScript(status: process.terminationStatus, output: output, timedOut: timedOut)
    }
}
