import AppConfig
import Foundation

/// An S3-compatible server on loopback (moto's server mode) shared by the whole test run,
/// started on first use on a free port. It stops by itself when the test process ends.
///
/// `VISIONARY_S3_TEST_SERVER` names the python of the virtualenv that holds it, as printed by
/// `scripts/install-s3-test-server.sh` (`make test` installs it and sets the variable).
public actor S3TestServer {
    public static let shared = S3TestServer()
    private var started: Task<Int, any Error>?

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// The port it listens on, starting it if needed.
    public func port() async throws -> Int {
        if let started { return try await started.value }
        let task = Task<Int, any Error> { try await Self.launch() }
        started = task
        return try await task.value
    }

    /// Points `config` at the server, in a bucket of its own (created when the store prepares).
    public static func configure(_ config: inout AppConfig, port: Int, bucket: String = "test-" + UUID().uuidString.lowercased()) {
        config.storage.backend = .s3
        config.storage.s3Endpoint = "http://127.0.0.1:\(port)"
        config.storage.s3Bucket = bucket
        config.storage.s3Region = "us-east-1"
        config.storage.s3AccessKeyID = "test-access-key"
        config.storage.s3SecretAccessKey = "test-secret-key"
    }

    private static func launch() async throws -> Int {
        guard let python = ProcessInfo.processInfo.environment["VISIONARY_S3_TEST_SERVER"], !python.isEmpty else {
            throw Unavailable(description: """
                VISIONARY_S3_TEST_SERVER is not set: it names the python of the virtualenv holding the \
                S3-compatible test server. Run `make test` (it installs it with \
                scripts/install-s3-test-server.sh and sets the variable), or set it to the last line \
                printed by that script.
                """)
        }
        let portFile = NSTemporaryDirectory() + "visionary-s3-\(getpid())-\(UUID().uuidString).port"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script("s3_test_server.py"), portFile]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) {
                try? FileManager.default.removeItem(atPath: portFile)
                return port
            }
            guard process.isRunning else { throw Unavailable(description: "the S3 test server exited with \(process.terminationStatus)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw Unavailable(description: "the S3 test server did not start within 60 s")
    }

    /// A file of Tests/Compatibility, found from this source file's place in the repository.
    public static func script(_ name: String, file: String = #filePath) -> String {
        URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Compatibility").appendingPathComponent(name).path
    }
}
