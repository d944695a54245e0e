import AppConfig
import Core
import Database
import Foundation
import Jobs
import Phone
import Testing
import TestSupport

@testable import VisionaryApp

/// SMS and call check-ins through a loopback Twilio, only to users' own verified numbers.
@Suite("Phone: check-ins by text and call through Twilio")
struct PhoneCheckinsTests {
    static let sid = "AC0123456789abcdef"

    static func config(_ twilio: TwilioTestServer, token: String = "twilio-token") -> AppConfig {
        var config = AppConfig()
        config.messaging.twilio = TwilioAccount(baseURL: twilio.baseURL, accountSID: sid, authToken: token, from: "+15550001000")
        return config
    }

    /// A user with a phone number (verified by the server or not) and one check-in due a minute ago.
    static func user(_ database: SQLRunner, _ email: String, phone: String?, verified: Bool, channel: String, calls: Bool = true,
                     content: String = #"{"text":"Walk?"}"#) async throws -> String {
        try #require(try await database.text(SQLStatement(
            """
            WITH u AS (INSERT INTO auth.users (email) VALUES ($1) RETURNING id),
                 p AS (INSERT INTO public.user_comm_preferences (user_id, phone_number, phone_verified, call_enabled)
                       SELECT id, $2, $3, $4 FROM u)
            INSERT INTO public.scheduled_checkins (user_id, checkin_type, scheduled_for, channel, content)
            SELECT id, 'daily_habit', now() - interval '1 minute', $5, $6::jsonb FROM u RETURNING id::text
            """, [.text(email), phone.map(SQLValue.text) ?? .null, .bool(verified), .bool(calls), .text(channel), .json(content)])))
    }

    static func state(_ database: SQLRunner, _ id: String) async throws -> String? {
        try await database.text(SQLStatement(
            "SELECT concat_ws(' ', status, response->>'skipped_reason', left(response->>'provider_id', 2), response->>'error') FROM public.scheduled_checkins WHERE id = $1::uuid",
            [.text(id)]))
    }

    static func run(_ kind: String, _ database: SQLRunner, config: AppConfig) async throws {
        let queue = JobQueue(database: database)
        try await queue.enqueue(kind: kind, runAt: Date(), now: Date())
        let worker = JobWorker(queue: queue, handlers: BackgroundWork.handlers(database: database, config: config, keyRing: TestApp.keyRing), logger: TestCluster.logger)
        #expect(await worker.runOnce() == 1)
    }

    @Test("due texts and calls go to verified numbers only, with the check-in's words; refusals and unverified numbers are recorded")
    func delivered() async throws {
        let twilio = try await TwilioTestServer(accountSID: Self.sid, authToken: "twilio-token")
        defer { twilio.stop() }
        try await MailDeliveryTests.withRunner { database in
            let config = Self.config(twilio)
            let text = try await Self.user(database, "ann@phone.test", phone: "+15550001111", verified: true, channel: "sms")
            let call = try await Self.user(database, "dan@phone.test", phone: "+15550002222", verified: true, channel: "call",
                                           content: #"{"message":"Time <to> check in & breathe"}"#)
            let unverified = try await Self.user(database, "bob@phone.test", phone: "+15550003333", verified: false, channel: "sms")
            let noCalls = try await Self.user(database, "eve@phone.test", phone: "+15550004444", verified: true, channel: "call", calls: false)
            let refused = try await Self.user(database, "cat@phone.test", phone: TwilioTestServer.refusedNumber, verified: true, channel: "sms")

            // The minute's general delivery leaves phone check-ins to the phone job when Twilio is configured.
            try await Self.run("checkins.deliver", database, config: config)
            #expect(try await Self.state(database, text) == "pending")
            try await Self.run(PhoneCheckins.kind, database, config: config)

            let requests = twilio.requests
            #expect(requests.count == 3)
            let sms = try #require(requests.first { $0.form["To"] == "+15550001111" })
            #expect(sms.resource == "Messages.json" && sms.form["Body"] == "Walk?" && sms.form["From"] == "+15550001000")
            let voice = try #require(requests.first { $0.form["To"] == "+15550002222" })
            #expect(voice.resource == "Calls.json")
            #expect(voice.form["Twiml"]?.contains("<Say>Time &lt;to&gt; check in &amp; breathe</Say>") == true, "\(voice.form)")
            #expect(!requests.contains { ["+15550003333", "+15550004444"].contains($0.form["To"] ?? "") }, "never an unverified or unwilling number")

            #expect(try await Self.state(database, text) == "sent SM")
            #expect(try await Self.state(database, call) == "sent CA")
            #expect(try await Self.state(database, unverified) == "skipped the user's phone number is not verified")
            #expect(try await Self.state(database, noCalls) == "skipped the user has not allowed calls")
            #expect(try await Self.state(database, refused) == "failed Twilio answered 400: The 'To' number is not a valid phone number.")

            // Run again: nothing is sent twice.
            try await Self.run(PhoneCheckins.kind, database, config: config)
            #expect(twilio.requests.count == 3)
        }
    }

    @Test("wrong Twilio credentials fail the check-in without a second text; with Twilio unset, phone check-ins are skipped")
    func credentialsAndNoProvider() async throws {
        let twilio = try await TwilioTestServer(accountSID: Self.sid, authToken: "twilio-token")
        defer { twilio.stop() }
        try await MailDeliveryTests.withRunner { database in
            let text = try await Self.user(database, "fay@phone.test", phone: "+15550005555", verified: true, channel: "sms")
            try await Self.run(PhoneCheckins.kind, database, config: Self.config(twilio, token: "wrong-token"))
            #expect(try await Self.state(database, text) == "failed Twilio answered 401: Authenticate")
            #expect(twilio.requests.isEmpty, "refused before it was recorded")

            let later = try await Self.user(database, "gus@phone.test", phone: "+15550007777", verified: true, channel: "sms")
            try await Self.run("checkins.deliver", database, config: AppConfig())
            #expect(try await Self.state(database, later) == "skipped no sms provider is configured")
        }
    }
}
