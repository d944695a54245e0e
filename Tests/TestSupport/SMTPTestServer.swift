import Foundation

/// A loopback SMTP server (aiosmtpd, `Tests/Compatibility/smtp_test_server.py`) of one test:
/// started with the options the test needs, it keeps every message it accepts, and stops when
/// `stop()` is called or the test process ends.
///
/// `VISIONARY_SMTP_TEST_SERVER` names the python of the virtualenv that holds it, as printed by
/// `scripts/install-smtp-test-server.sh` (`make test` installs it and sets the variable).
// Unchecked: `process` is only started in `init` and terminated in `stop`.
public final class SMTPTestServer: @unchecked Sendable {
    public let port: Int
    let folder: String
    let process: Process

    /// What the server received: the envelope, the message as sent, and how the client came.
    public struct Received: Decodable, Sendable {
        public let mailFrom: String
        public let rcptTos: [String]
        public let data: String
        public let authenticatedAs: String?
        public let tls: Bool

        enum CodingKeys: String, CodingKey {
            case data, tls
            case mailFrom = "mail_from"
            case rcptTos = "rcpt_tos"
            case authenticatedAs = "authenticated_as"
        }
    }

    /// - Parameters:
    ///   - credentials: required before mail is accepted.
    ///   - certificate: PEM certificate and key files; STARTTLS is then offered and required.
    ///   - refuseFirst: messages answered `451` before the server accepts any.
    public init(credentials: (user: String, password: String)? = nil, certificate: (cert: String, key: String)? = nil, refuseFirst: Int = 0) async throws {
        guard let python = ProcessInfo.processInfo.environment["VISIONARY_SMTP_TEST_SERVER"], !python.isEmpty else {
            throw S3TestServer.Unavailable(description: """
                VISIONARY_SMTP_TEST_SERVER is not set: it names the python of the virtualenv holding the SMTP \
                test server. Run `make test` (it installs it with scripts/install-smtp-test-server.sh and \
                sets the variable), or set it to the last line printed by that script.
                """)
        }
        folder = NSTemporaryDirectory() + "visionary-smtp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var arguments = [S3TestServer.script("smtp_test_server.py"), folder + "/port", folder + "/mail", "--refuse-first", String(refuseFirst)]
        if let credentials { arguments += ["--user", credentials.user, "--password", credentials.password] }
        if let certificate { arguments += ["--tls", certificate.cert, certificate.key] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            if let text = try? String(contentsOfFile: folder + "/port", encoding: .utf8), let port = Int(text) {
                self.port = port
                return
            }
            guard process.isRunning, ContinuousClock.now < deadline else {
                process.terminate()
                throw S3TestServer.Unavailable(description: "the SMTP test server did not start (status \(process.isRunning ? "running" : "\(process.terminationStatus)"))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The messages accepted so far, in the order they arrived.
    public func received() throws -> [Received] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/mail")) ?? []
        return try names.filter { $0.hasSuffix(".json") }
            .sorted { Int($0.dropLast(5)) ?? 0 < Int($1.dropLast(5)) ?? 0 }
            .map { try JSONDecoder().decode(Received.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/mail/" + $0))) }
    }

    /// Ends the server (not waited for: `Process.waitUntilExit` spins off the main thread on
    /// Linux) and removes its messages.
    public func stop() {
        process.terminate()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A self-signed certificate for `localhost` and 127.0.0.1 made by `openssl`, in a new
    /// folder: the files of the certificate (also the trust root to give the client) and its key.
    public static func makeCertificate() async throws -> (cert: String, key: String) {
        let folder = NSTemporaryDirectory() + "visionary-smtp-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let openssl = try await Program.run("/usr/bin/env", [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", folder + "/key.pem", "-out", folder + "/cert.pem",
        ])
        guard openssl.status == 0 else { throw S3TestServer.Unavailable(description: "openssl could not make a test certificate") }
        return (folder + "/cert.pem", folder + "/key.pem")
    }
}
