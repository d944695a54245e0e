import AppConfig
import Core
import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jobs
import Mail
import Testing
import TestSupport
import Tokens

@testable import VisionaryApp

/// The mail.send job against a real database and a loopback SMTP server.
@Suite("Mail: delivery through the job queue to an SMTP relay")
struct MailDeliveryTests {
    /// A worker running only mail.send jobs, on the system clock (the outbox trigger enqueues
    /// with the database's now), with retries after one second.
    static func worker(_ database: SQLRunner, relay: SMTPRelay, trustRoots: String? = nil) -> JobWorker {
        let delivery = MailDelivery(database: database, client: SMTPClient(relay: relay, trustRootsFile: trustRoots, timeout: .seconds(20)),
                                    from: "Visionary <hello@visionary.test>")
        return JobWorker(
            queue: JobQueue(database: database), handlers: [delivery.handler],
            settings: .init(retry: RetryPolicy(base: .seconds(1), maximum: .seconds(1), jitter: 0)), logger: TestCluster.logger)
    }

    static func outbox(_ database: SQLRunner, _ id: String) async throws -> String? {
        try await database.text(SQLStatement(
            "SELECT concat_ws(' ', attempts, (sent_at IS NOT NULL)::text, (failed_at IS NOT NULL)::text, last_error) FROM auth.mail_outbox WHERE id = $1::uuid",
            [.text(id)]))
    }

    static func write(_ database: SQLRunner, to recipient: String, template: String = "recovery", payload: String = #"{"token":"246810"}"#) async throws -> String {
        try #require(try await database.text(SQLStatement(
            "INSERT INTO auth.mail_outbox (recipient, template, payload) VALUES ($1, $2, $3::jsonb) RETURNING id::text",
            [.text(recipient), .text(template), .json(payload)])))
    }

    static func withRunner(_ body: @Sendable (SQLRunner) async throws -> Void) async throws {
        try await TestCluster.shared.withDatabase { database in
            try await database.withPool(logger: TestCluster.logger) { pool in
                try await body(SQLRunner(pool: pool, logger: TestCluster.logger))
            }
        }
    }

    @Test("a message reaches the relay once, authenticated, with its template rendered; a second run sends nothing")
    func delivered() async throws {
        let server = try await SMTPTestServer(credentials: ("mailer", "relay-password"))
        defer { server.stop() }
        try await Self.withRunner { database in
            let id = try await Self.write(database, to: "ann@example.com")
            let worker = Self.worker(database, relay: SMTPRelay(url: "smtp://mailer:relay-password@127.0.0.1:\(server.port)")!)
            #expect(await worker.runOnce() == 1)
            #expect(await worker.runOnce() == 0, "the job is done")
            let received = try server.received()
            #expect(received.count == 1)
            let mail = try #require(received.first)
            #expect(mail.mailFrom == "hello@visionary.test" && mail.rcptTos == ["ann@example.com"] && mail.authenticatedAs == "mailer")
            #expect(mail.data.contains("Subject: Reset your password"))
            #expect(MailMessageTests.part("text/plain", of: mail.data)?.contains("246810") == true)
            #expect(try await Self.outbox(database, id) == "1 true false")
        }
    }

    @Test("a temporary refusal is retried with backoff and recorded; a wrong password waits for mending, not a dead end")
    func retried() async throws {
        let server = try await SMTPTestServer(credentials: ("mailer", "right"), refuseFirst: 1)
        defer { server.stop() }
        try await Self.withRunner { database in
            let id = try await Self.write(database, to: "bob@example.com")
            let wrong = Self.worker(database, relay: SMTPRelay(url: "smtp://mailer:wrong@127.0.0.1:\(server.port)")!)
            #expect(await wrong.runOnce() == 1)
            let afterWrong = try #require(try await Self.outbox(database, id))
            #expect(afterWrong.hasPrefix("1 false false AUTH: 535"), "\(afterWrong)")
            #expect(!afterWrong.contains("wrong"), "the password is not in the error")

            let worker = Self.worker(database, relay: SMTPRelay(url: "smtp://mailer:right@127.0.0.1:\(server.port)")!)
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(await worker.runOnce() == 1)
            #expect(try await Self.outbox(database, id) == "2 false false (message): 451 4.3.0 try again later")
            #expect(try server.received().isEmpty)
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(await worker.runOnce() == 1)
            #expect(try server.received().count == 1)
            #expect(try await Self.outbox(database, id) == "3 true false")
        }
    }

    @Test("a recipient that is no address and an unknown template fail for good, without a retry or a dead letter")
    func permanent() async throws {
        let server = try await SMTPTestServer()
        defer { server.stop() }
        try await Self.withRunner { database in
            let bad = try await Self.write(database, to: "not an address>\r\nRCPT TO:<eve@evil.test")
            let unknown = try await Self.write(database, to: "cat@example.com", template: "no_such_template")
            let worker = Self.worker(database, relay: SMTPRelay(url: "smtp://127.0.0.1:\(server.port)")!)
            #expect(await worker.runOnce() == 2)
            #expect(try await Self.outbox(database, bad) == "1 false true the sender or the recipient is not a mail address")
            #expect(try await Self.outbox(database, unknown) == "1 false true no mail template is named no_such_template")
            #expect(try server.received().isEmpty)
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(await worker.runOnce() == 0, "nothing to retry")
            #expect(try await JobQueue(database: database).list(state: "dead", limit: 10).isEmpty)
        }
    }

    @Test("STARTTLS when the relay offers it: the credentials and the message go encrypted to a relay trusted by its CA file")
    func startTLS() async throws {
        let certificate = try await SMTPTestServer.makeCertificate()
        let server = try await SMTPTestServer(credentials: ("mailer", "tls-password"), certificate: certificate)
        defer { server.stop() }
        try await Self.withRunner { database in
            let id = try await Self.write(database, to: "dan@example.com")
            let relay = SMTPRelay(url: "smtp://mailer:tls-password@localhost:\(server.port)")!
            let untrusting = Self.worker(database, relay: relay)
            #expect(await untrusting.runOnce() == 1)
            #expect(try await Self.outbox(database, id)?.hasPrefix("1 false false") == true, "the system's roots do not trust the test certificate")
            #expect(try server.received().isEmpty)

            try await Task.sleep(for: .milliseconds(1_100))
            #expect(await Self.worker(database, relay: relay, trustRoots: certificate.cert).runOnce() == 1)
            let mail = try #require(try server.received().first)
            #expect(mail.tls && mail.authenticatedAs == "mailer")
            #expect(try await Self.outbox(database, id) == "2 true false")
        }
    }

    @Test("end to end: a password recovery asked over HTTP arrives at the relay configured for the server")
    func recoveryOverHTTP() async throws {
        let server = try await SMTPTestServer()
        defer { server.stop() }
        let app = try await TestApp.make { config in
            config.messaging.smtp = SMTPRelay(url: "smtp://127.0.0.1:\(server.port)")
            config.messaging.mailFrom = "Accounts <accounts@visionary.test>"
        }
        try await app.run { client in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[HTTPField.Name("apikey")!] = app.keys.anon
            for (path, body) in [("/auth/v1/signup", #"{"email":"eve@example.com","password":"secret-password"}"#),
                                 ("/auth/v1/recover", #"{"email":"eve@example.com"}"#)] {
                try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .ok, "\(path)")
                }
            }
            let database = SQLRunner(pool: app.parts.ownerDatabase, logger: TestCluster.logger)
            let worker = JobWorker(
                queue: JobQueue(database: database), handlers: BackgroundWork.handlers(database: database, config: app.parts.config, keyRing: TestApp.keyRing),
                logger: TestCluster.logger)
            #expect(await worker.runOnce() >= 1)
            let mail = try #require(try server.received().first { $0.rcptTos == ["eve@example.com"] })
            #expect(mail.mailFrom == "accounts@visionary.test" && mail.data.contains("From: Accounts <accounts@visionary.test>"))
            let text = try #require(MailMessageTests.part("text/plain", of: mail.data))
            let token = try await database.text(SQLStatement(
                "SELECT payload->>'token' FROM auth.mail_outbox WHERE recipient = 'eve@example.com' AND template = 'recovery'"))
            #expect(text.contains(try #require(token)))
        }
    }
}
