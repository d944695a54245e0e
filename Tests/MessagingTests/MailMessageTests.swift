import AppConfig
import Core
import Foundation
import Testing

@testable import Mail

/// The message as it goes on the wire, the templates and the relay URL, without a relay.
@Suite("Mail: messages, templates and the relay URL")
struct MailMessageTests {
    static let date = Date(timeIntervalSince1970: 1_796_290_000)

    /// The decoded text of the part of `type` in a rendered message.
    static func part(_ type: String, of message: String) -> String? {
        let lines = message.components(separatedBy: "\r\n")
        guard let start = lines.firstIndex(of: "Content-Type: \(type); charset=utf-8") else { return nil }
        let body = lines[(start + 3)...].prefix { !$0.hasPrefix("--") }
        return Data(base64Encoded: body.joined()).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("a rendered message: headers, both parts in base64 lines of at most 76, an encoded subject when it is not ASCII")
    func rendered() throws {
        let message = MailMessage(
            from: "Visionary <hello@visionary.test>", sender: "hello@visionary.test", recipient: "ann@example.com",
            subject: "Ünïcödé subject that is long enough to need more than one encoded word, surely", text: "Hello Ann,\n.\nbye",
            html: "<p>Hello</p>")
        let wire = message.rendered(date: Self.date, id: "0a1b-2c")
        #expect(wire.hasPrefix("From: Visionary <hello@visionary.test>\r\nTo: ann@example.com\r\nSubject: =?UTF-8?B?"))
        #expect(wire.contains("\r\nDate: Thu, 03 Dec 2026 09:26:40 +0000\r\n"))
        #expect(wire.contains("\r\nMessage-ID: <0a1b-2c@visionary.test>\r\n"))
        #expect(wire.contains("Content-Type: multipart/alternative; boundary=\"=_visionary_0a1b2c\""))
        #expect(wire.hasSuffix("--=_visionary_0a1b2c--\r\n"))
        #expect(!wire.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends with CRLF")
        #expect(wire.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
        #expect(Self.part("text/plain", of: wire) == "Hello Ann,\n.\nbye")
        #expect(Self.part("text/html", of: wire) == "<p>Hello</p>")
        let subjectLines = wire.components(separatedBy: "\r\n").drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subjectLines.count > 1, "folded into several encoded words")
        let decoded = subjectLines.map { line in
            line.replacingOccurrences(of: "Subject: ", with: "").trimmingCharacters(in: .whitespaces)
                .dropFirst("=?UTF-8?B?".count).dropLast(2)
        }.map { String(decoding: Data(base64Encoded: String($0)) ?? Data(), as: UTF8.self) }.joined()
        #expect(decoded == message.subject)
    }

    @Test("line breaks in a subject or an address cannot add a header")
    func headerInjection() {
        let message = MailMessage(
            from: "V <v@x.test>", sender: "v@x.test", recipient: "ann@x.test\r\nBcc: eve@evil.test",
            subject: "Hi\r\nBcc: eve@evil.test", text: "", html: "")
        let headers = message.rendered(date: Self.date, id: "1").components(separatedBy: "\r\n\r\n")[0]
        #expect(!headers.components(separatedBy: "\r\n").contains { $0.hasPrefix("Bcc:") })
        #expect(headers.contains("Subject: Hi  Bcc: eve@evil.test"))
    }

    @Test("dot-stuffing doubles a leading dot on every line and ends with CRLF")
    func dotStuffing() {
        #expect(SMTPClient.dotStuffed("a\r\n.\r\n..b\r\nc\r\n") == "a\r\n..\r\n...b\r\nc\r\n")
        #expect(SMTPClient.dotStuffed("no newline") == "no newline\r\n")
    }

    @Test("every template renders; payload values are escaped in HTML and only http(s) links become buttons")
    func templates() throws {
        for name in MailTemplates.names {
            let mail = try MailTemplates.render(name, payload: ["token": .string("123456"), "link": .string("https://app.test/verify?t=1")])
            #expect(!mail.subject.isEmpty && !mail.text.isEmpty && mail.html.contains("<html>"), "\(name)")
        }
        let recovery = try MailTemplates.render("recovery", payload: ["token": .string("987654"), "link": .string("https://app.test/v?a=1&b=2")])
        #expect(recovery.text.contains("987654") && recovery.text.contains("https://app.test/v?a=1&b=2"))
        #expect(recovery.html.contains("href=\"https://app.test/v?a=1&amp;b=2\""))

        let hostile = try MailTemplates.render("partner_invitation", payload: [
            "inviter_email": .string("<script>alert(1)</script>@x.test"), "message": .string("\"><img src=x onerror=alert(1)>"),
            "invite_code": .string("ABCD1234"), "expires_at": .string("2026-12-10T00:00:00+00:00"),
        ])
        #expect(!hostile.html.contains("<script>") && !hostile.html.contains("<img"))
        #expect(hostile.html.contains("&lt;script&gt;") && hostile.text.contains("ABCD1234") && hostile.text.contains("until 2026-12-10"))
        let scripted = try MailTemplates.render("confirmation", payload: ["token": .string("1"), "link": .string("javascript:alert(1)")])
        #expect(!scripted.html.contains("javascript:") && !scripted.text.contains("javascript:"))

        let checkin = try MailTemplates.render("checkin", payload: ["checkin_type": .string("daily_habit"), "content": .object(["text": .string("Walk?")])])
        #expect(checkin.subject == "Your daily habit" && checkin.text.hasPrefix("Walk?"))
        #expect(throws: MailTemplates.UnknownTemplate.self) { try MailTemplates.render("nope", payload: [:]) }
    }

    @Test("the relay URL: scheme, credentials (percent-decoded), port defaults; anything else is refused")
    func relayURL() throws {
        let relay = try #require(SMTPRelay(url: "smtp://mailer%40x.test:p%3Ass@relay.test:2525"))
        #expect(relay == SMTPRelay(host: "relay.test", port: 2525, security: .startTLSWhenOffered, username: "mailer@x.test", password: "p:ss"))
        #expect(relay.redactedURL == "smtp://mailer@x.test:***@relay.test:2525")
        #expect(SMTPRelay(url: "smtps://relay.test") == SMTPRelay(host: "relay.test", port: 465, security: .implicitTLS))
        #expect(SMTPRelay(url: "SMTP://[::1]:25/")?.host == "::1")
        #expect(SMTPRelay(url: "smtp://relay.test")?.port == 25)
        for bad in ["http://relay.test", "smtp://", "smtp://relay.test:0", "smtp://relay.test:99999", "smtp://relay.test:x",
                    "smtp://relay.test/path", "smtp://:pw@relay.test", "smtp://u:%zz@relay.test", "smtp://re lay.test"] {
            #expect(SMTPRelay(url: bad) == nil, "\(bad)")
        }
    }

    @Test("settings: the relay, the sender and Twilio are read, checked and redacted")
    func settings() throws {
        let config = try AppConfig(environment: [
            "VISIONARY_SMTP_URL": "smtp://u:secret-pass@relay.test:587", "VISIONARY_MAIL_FROM": "Team <team@x.test>",
            "VISIONARY_TWILIO_ACCOUNT_SID": "AC123", "VISIONARY_TWILIO_AUTH_TOKEN": "twilio-secret", "VISIONARY_TWILIO_FROM": "+15550001111",
        ], workingDirectory: "/")
        #expect(config.messaging.smtp?.password == "secret-pass")
        #expect(config.messaging.twilio == TwilioAccount(accountSID: "AC123", authToken: "twilio-secret", from: "+15550001111"))
        let printed = config.redactedSettings.map { "\($0.name)=\($0.value)" }.joined(separator: "\n")
        #expect(!printed.contains("secret-pass") && !printed.contains("twilio-secret"))
        #expect(printed.contains("VISIONARY_SMTP_URL=smtp://u:***@relay.test:587"))
        #expect(throws: ConfigError.self) { try AppConfig(environment: ["VISIONARY_SMTP_URL": "http://x"], workingDirectory: "/") }
        #expect(throws: ConfigError.self) { try AppConfig(environment: ["VISIONARY_MAIL_FROM": "no address"], workingDirectory: "/") }
        #expect(throws: ConfigError.self) { try AppConfig(environment: ["VISIONARY_TWILIO_ACCOUNT_SID": "AC1"], workingDirectory: "/") }
        do {
            _ = try AppConfig(environment: ["VISIONARY_SMTP_URL": "smtp://u:leaked@relay.test:0"], workingDirectory: "/")
            Issue.record("an invalid relay URL was accepted")
        } catch {
            #expect(!error.description.contains("leaked"), "the error does not repeat the password")
        }
    }
}
