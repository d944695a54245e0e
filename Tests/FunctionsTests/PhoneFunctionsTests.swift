import AppConfig
import Core
import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport
import Tokens

/// `verify-phone`, `send-sms` and `make-call` against a loopback Twilio: a number becomes
/// verified only by the code texted to it, and texts and calls reach only a user's own verified
/// number, whoever asks and whatever the request names.
@Suite("phone: verification, texts and calls")
struct PhoneFunctionsTests {
    static let sid = "AC00112233445566778899"

    static func app(_ twilio: TwilioTestServer?) async throws -> TestApp {
        try await TestApp.make { config in
            if let twilio {
                config.messaging.twilio = TwilioAccount(baseURL: twilio.baseURL, accountSID: sid, authToken: "token", from: "+15550001000")
            }
        }
    }

    /// The 6-digit code of the last text Twilio received for `number`.
    static func code(_ twilio: TwilioTestServer, to number: String) throws -> String {
        let text = try #require(twilio.requests.last { $0.form["To"] == number }?.form["Body"])
        let match = try #require(text.firstMatch(of: /\d{6}/))
        return String(match.output)
    }

    static func preferences(_ app: TestApp, _ user: TestUser) async throws -> String? {
        try await app.owner.text(SQLStatement(
            "SELECT phone_number || ' ' || phone_verified FROM public.user_comm_preferences WHERE user_id = $1::uuid", [.text(user.id)]))
    }

    @Test("a code texted to the number verifies it, once; wrong, foreign, expired and early codes do not")
    func verification() async throws {
        let twilio = try await TwilioTestServer(accountSID: Self.sid, authToken: "token")
        defer { twilio.stop() }
        let app = try await Self.app(twilio)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@verify.test")
            let bob = try await signUp(client, app: app, email: "bob@verify.test")
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)

            #expect(try await anon.call("verify-phone", "start", #"{"phone_number":"+15550001111"}"#).status == .unauthorized)
            #expect(try await ann.functions.call("verify-phone", "start").status == .unprocessableContent, "no number yet")
            #expect(try await ann.functions.call("verify-phone", "start", #"{"phone_number":"555-0001"}"#).status == .badRequest)
            #expect(twilio.requests.isEmpty)

            let started = try await ann.functions.call("verify-phone", "start", #"{"phone_number":"+1 (555) 000-1111"}"#)
            #expect(started.status == .ok, "\(started.body)")
            #expect(started.object["phone_number"] as? String == "+15550001111")
            #expect(started.object["expires_at"] is String)
            let code = try Self.code(twilio, to: "+15550001111")
            #expect(try await ann.functions.call("verify-phone", "start", #"{"phone_number":"+15550001111"}"#).status == .tooManyRequests,
                    "one code a minute")

            // Bob's own code does not verify with Ann's digits: codes are bound to their user.
            #expect(try await bob.functions.call("verify-phone", "start", #"{"phone_number":"+15550002222"}"#).status == .ok)
            let bobCode = try Self.code(twilio, to: "+15550002222")
            if bobCode != code {
                #expect(try await bob.functions.call("verify-phone", "confirm", json(["code": code])).error == "the code is wrong; 4 tries left")
            }
            #expect(try await ann.functions.call("verify-phone", "confirm", #"{"code":"12 345"}"#).status == .badRequest)
            let wrong = String(format: "%06d", (Int(code)! + 1) % 1_000_000)
            let miss = try await ann.functions.call("verify-phone", "confirm", json(["code": wrong]))
            #expect(miss.status == .badRequest && miss.error == "the code is wrong; 4 tries left", "\(miss.body)")
            #expect(try await Self.preferences(app, ann) == nil, "nothing verified yet")

            let confirmed = try await ann.functions.call("verify-phone", nil, json(["code": code]))
            #expect(confirmed.status == .ok, "\(confirmed.body)")
            #expect(confirmed.object["verified"] as? Bool == true)
            #expect(try await Self.preferences(app, ann) == "+15550001111 true")
            let replay = try await ann.functions.call("verify-phone", "confirm", json(["code": code]))
            #expect(replay.status == .badRequest && replay.error?.contains("no code is pending") == true, "a code works once")
            #expect(try await ann.functions.call("verify-phone", "start").object["already_verified"] as? Bool == true)

            // An expired code is void; five wrong tries void the code.
            try await app.owner.execute(SQLStatement(
                "UPDATE internal.phone_verifications SET sent_at = now() - interval '20 minutes', expires_at = now() - interval '10 minutes' WHERE user_id = $1::uuid",
                [.text(bob.id)]))
            #expect(try await bob.functions.call("verify-phone", "confirm", json(["code": bobCode])).error?.contains("expired") == true)
            #expect(try await bob.functions.call("verify-phone", "start").status == .unprocessableContent, "the pending number was never Bob's")
            #expect(try await bob.functions.call("verify-phone", "start", #"{"phone_number":"+15550002222"}"#).status == .ok)
            let fresh = try Self.code(twilio, to: "+15550002222")
            let other = String(format: "%06d", (Int(fresh)! + 7) % 1_000_000)
            var last: FunctionsClient.Reply?
            for _ in 0..<5 { last = try await bob.functions.call("verify-phone", "confirm", json(["code": other])) }
            #expect(last?.status == .tooManyRequests, "\(last?.body ?? "")")
            #expect(try await bob.functions.call("verify-phone", "confirm", json(["code": fresh])).status == .badRequest)
            #expect(try await bob.functions.call("verify-phone", "start", #"{"phone_number":"+15550002222"}"#).status == .tooManyRequests,
                    "a voided code does not restart the minute")
            #expect(try await Self.preferences(app, bob) == nil)
        }
    }

    @Test("texts and calls reach only the user's own verified number, within the hourly allowances")
    func textsAndCalls() async throws {
        let twilio = try await TwilioTestServer(accountSID: Self.sid, authToken: "token")
        defer { twilio.stop() }
        let app = try await Self.app(twilio)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@sms.test")
            let bob = try await signUp(client, app: app, email: "bob@sms.test")
            let service = FunctionsClient(client: client, apiKey: app.keys.serviceRole)
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            try await app.owner.execute(SQLStatement(
                "INSERT INTO public.user_comm_preferences (user_id, phone_number, phone_verified) VALUES ($1::uuid, '+15550001111', true), ($2::uuid, '+15550002222', false)",
                [.text(ann.id), .text(bob.id)]))

            let sent = try await ann.functions.call("send-sms", nil, #"{"message":"Hello me"}"#)
            #expect(sent.status == .ok, "\(sent.body)")
            #expect(sent.object["success"] as? Bool == true && sent.object["to"] as? String == "+15550001111")
            #expect((sent.object["messageSid"] as? String)?.hasPrefix("SM") == true && sent.object["status"] as? String == "queued")
            #expect(twilio.requests.last?.form["Body"] == "Hello me" && twilio.requests.last?.form["To"] == "+15550001111")

            // The attacker's side: another number, another user, anon, an unverified number, no words.
            let before = twilio.requests.count
            #expect(try await ann.functions.call("send-sms", nil, #"{"to":"+15559999999","message":"spam"}"#).status == .forbidden)
            #expect(try await ann.functions.call("send-sms", nil, json(["userId": bob.id, "message": "hi"])).status == .forbidden)
            #expect(try await anon.call("send-sms", nil, json(["userId": ann.id, "message": "hi"])).status == .unauthorized)
            #expect(try await bob.functions.call("send-sms", nil, #"{"message":"hi"}"#).error?.contains("not verified") == true)
            #expect(try await ann.functions.call("send-sms", nil, "{}").status == .badRequest)
            #expect(try await ann.functions.call("send-sms", nil, #"{"template":"phish"}"#).status == .badRequest)
            #expect(try await ann.functions.call("send-sms", nil, #"{"template":"welcome","templateData":{"name":{"x":1}}}"#).status == .badRequest)
            #expect(try await service.call("send-sms", nil, #"{"message":"hi"}"#).status == .badRequest, "the server names the user")
            #expect(twilio.requests.count == before, "none of them reached Twilio")

            // The server texts a user by id, with a template; the number given must be theirs.
            let reminder = try await service.call("send-sms", nil, json([
                "userId": ann.id, "to": "+1 555 000 1111", "template": "habit_reminder",
                "templateData": ["name": "Ann", "habitTitle": "Walk", "streak": 3] as [String: Any]]))
            #expect(reminder.status == .ok, "\(reminder.body)")
            let words = try #require(twilio.requests.last?.form["Body"])
            #expect(words.contains("Ann") && words.contains("\"Walk\"") && words.contains("3-day"), "\(words)")

            // Calls: only when the user allows them, in a voice name that cannot break the TwiML.
            #expect(try await ann.functions.call("make-call", nil, #"{"message":"hi"}"#).error?.contains("calls are not enabled") == true)
            try await app.owner.execute(SQLStatement("UPDATE public.user_comm_preferences SET call_enabled = true WHERE user_id = $1::uuid", [.text(ann.id)]))
            #expect(try await ann.functions.call("make-call", nil, #"{"voiceType":"x\"><Play>http://evil</Play>"}"#).status == .badRequest)
            let call = try await ann.functions.call("make-call", nil, #"{"message":"Breathe <in> & out","voiceType":"Polly.Amy"}"#)
            #expect(call.status == .ok, "\(call.body)")
            #expect((call.object["callSid"] as? String)?.hasPrefix("CA") == true)
            let twiml = try #require(twilio.requests.last?.form["Twiml"])
            #expect(twiml.contains(#"<Say voice="Polly.Amy">Breathe &lt;in&gt; &amp; out</Say>"#), "\(twiml)")
            #expect(try await service.call("make-call", nil, json(["userId": ann.id, "template": "morning_motivation"])).status == .ok)
            #expect(try await ann.functions.call("make-call").status == .ok)
            #expect(try await ann.functions.call("make-call").status == .tooManyRequests, "3 calls an hour")

            // Each sent text and call is kept with the user's check-ins.
            let kept = try await app.owner.text(SQLStatement(
                "SELECT string_agg(channel, ',' ORDER BY channel) FROM public.scheduled_checkins WHERE user_id = $1::uuid AND status = 'sent' AND response ? 'provider_id'",
                [.text(ann.id)]))
            #expect(kept == "call,call,call,sms,sms")

            // Ten texts an hour: the refused `to` above counted too.
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<8 { statuses.append(try await ann.functions.call("send-sms", nil, #"{"message":"again"}"#).status) }
            #expect(statuses.filter { $0 == .ok }.count == 7 && statuses.last == .tooManyRequests, "\(statuses)")
            #expect(twilio.requests.filter { $0.resource == "Messages.json" }.count == 9)

            // Twilio's refusal is relayed as a 502 with its words, and nothing is kept as sent.
            try await app.owner.execute(SQLStatement(
                "UPDATE public.user_comm_preferences SET phone_number = $2, phone_verified = true WHERE user_id = $1::uuid",
                [.text(bob.id), .text(TwilioTestServer.refusedNumber)]))
            let refused = try await bob.functions.call("send-sms", nil, #"{"message":"hi"}"#)
            #expect(refused.status == .badGateway && refused.code == "upstream_error", "\(refused.body)")
            #expect(refused.error?.contains("not a valid phone number") == true)
            #expect(try await app.owner.text(SQLStatement(
                "SELECT count(*)::text FROM public.scheduled_checkins WHERE user_id = $1::uuid", [.text(bob.id)])) == "0")
        }
    }

    @Test("without Twilio configured, each answers 503 phone_not_configured")
    func notConfigured() async throws {
        let app = try await Self.app(nil)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@nophone.test")
            for (function, body) in [("send-sms", #"{"message":"hi"}"#), ("make-call", "{}"), ("verify-phone", #"{"phone_number":"+15550001111"}"#)] {
                let reply = try await ann.functions.call(function, nil, body)
                #expect(reply.status == .serviceUnavailable && reply.code == "phone_not_configured", "\(function): \(reply.body)")
            }
            // A token whose session has ended acts no more, though the server acts for it.
            let logout = try await client.execute(uri: "/auth/v1/logout", method: .post,
                                                  headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(ann.token)"])
            #expect(logout.status == .noContent)
            for function in ["send-sms", "make-call", "verify-phone"] {
                #expect(try await ann.functions.call(function, nil, #"{"message":"hi"}"#).status == .unauthorized, "\(function)")
            }
        }
    }
}
