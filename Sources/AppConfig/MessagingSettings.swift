/// How the server reaches people: the mail relay that sends the outbox, and Twilio for SMS and
/// voice check-ins. Both are off by default — mail then waits in the outbox, and SMS and voice
/// check-ins are marked skipped.
public struct MessagingSettings: Sendable, Equatable {
    /// `VISIONARY_SMTP_URL`: the relay, `smtp://user:password@host:port` (STARTTLS when the relay
    /// offers it) or `smtps://…` (TLS from the first byte); nil keeps mail in the outbox.
    public var smtp: SMTPRelay?
    /// `VISIONARY_SMTP_CA_FILE`: PEM certificates to trust for the relay instead of the system's.
    public var smtpCAFile: String?
    /// `VISIONARY_MAIL_FROM`: the sender of every message, `Name <address>` or a bare address.
    public var mailFrom = "Visionary <no-reply@localhost>"
    /// `VISIONARY_TWILIO_*`: the account SMS and calls go out through; nil when not configured.
    public var twilio: TwilioAccount?

    public init() {}

    mutating func read(_ value: (String) -> String?) throws(ConfigError) {
        if let raw = value("VISIONARY_SMTP_URL") {
            guard let relay = SMTPRelay(url: raw) else {
                throw .invalid("VISIONARY_SMTP_URL", AppConfig.redactingPassword(raw), "smtp://[user:password@]host[:port] or smtps://…")
            }
            smtp = relay
        }
        smtpCAFile = value("VISIONARY_SMTP_CA_FILE") ?? smtpCAFile
        if let raw = value("VISIONARY_MAIL_FROM") {
            guard MailAddress.bare(raw) != nil else { throw .invalid("VISIONARY_MAIL_FROM", raw, "an address, or Name <address>") }
            mailFrom = raw
        }
        let twilioSettings = ["VISIONARY_TWILIO_ACCOUNT_SID", "VISIONARY_TWILIO_AUTH_TOKEN", "VISIONARY_TWILIO_FROM"].map { ($0, value($0)) }
        let given = twilioSettings.filter { $0.1 != nil }
        if !given.isEmpty {
            if let missing = twilioSettings.first(where: { $0.1 == nil }) {
                throw .invalid(missing.0, "(unset)", "a value: Twilio needs an account SID, an auth token and a sending number")
            }
            let baseURL = value("VISIONARY_TWILIO_BASE_URL") ?? TwilioAccount.defaultBaseURL
            let lower = baseURL.lowercased()
            guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
                throw .invalid("VISIONARY_TWILIO_BASE_URL", baseURL, "an http:// or https:// URL")
            }
            twilio = TwilioAccount(
                baseURL: baseURL, accountSID: twilioSettings[0].1!, authToken: twilioSettings[1].1!, from: twilioSettings[2].1!)
        }
    }

    /// The settings for `dump-config`, credentials redacted.
    var redacted: [(name: String, value: String)] {
        [
            ("VISIONARY_SMTP_URL", smtp.map { $0.redactedURL } ?? "(none: mail waits in the outbox)"),
            ("VISIONARY_SMTP_CA_FILE", smtpCAFile ?? "(the system's trust roots)"),
            ("VISIONARY_MAIL_FROM", mailFrom),
            ("VISIONARY_TWILIO_BASE_URL", twilio?.baseURL ?? "(Twilio not configured: SMS and voice check-ins are skipped)"),
            ("VISIONARY_TWILIO_ACCOUNT_SID", twilio?.accountSID ?? "(none)"),
            ("VISIONARY_TWILIO_AUTH_TOKEN", twilio == nil ? "(none)" : "(set, redacted)"),
            ("VISIONARY_TWILIO_FROM", twilio?.from ?? "(none)"),
        ]
    }
}

/// A mail relay, parsed from `VISIONARY_SMTP_URL`.
public struct SMTPRelay: Sendable, Equatable {
    public enum Security: Sendable, Equatable {
        /// Plain TCP, upgraded with STARTTLS when the relay offers it (`smtp://`).
        case startTLSWhenOffered
        /// TLS from the first byte (`smtps://`).
        case implicitTLS
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?

    public init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
    }

    /// `smtp://[user[:password]@]host[:port]` (port 25 by default) or `smtps://…` (465); user and
    /// password percent-decoded. Nil for anything else.
    public init?(url: String) {
        let security: Security
        let rest: Substring
        if url.lowercased().hasPrefix("smtp://") {
            security = .startTLSWhenOffered
            rest = url.dropFirst("smtp://".count)
        } else if url.lowercased().hasPrefix("smtps://") {
            security = .implicitTLS
            rest = url.dropFirst("smtps://".count)
        } else {
            return nil
        }
        var authority = rest
        while authority.hasSuffix("/") { authority.removeLast() }
        guard !authority.contains("/"), !authority.contains("?"), !authority.contains("#") else { return nil }
        var username: String?, password: String?
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                username = Self.percentDecoded(credentials[..<colon])
                password = Self.percentDecoded(credentials[credentials.index(after: colon)...])
                guard password != nil else { return nil }
            } else {
                username = Self.percentDecoded(credentials)
            }
            guard let name = username, !name.isEmpty else { return nil }
        }
        var host = authority, port = security == .implicitTLS ? 465 : 25
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else { return nil }
            host = authority[..<colon]
            port = number
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "@" }) else { return nil }
        self.init(host: String(host), port: port, security: security, username: username, password: password)
    }

    /// `%XX` escapes decoded; nil when one is malformed or the result is not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = utf8.next().flatMap(hexValue), let low = utf8.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The URL with the password replaced by `***`.
    public var redactedURL: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let user = username.map { $0 + (password == nil ? "" : ":***") + "@" } ?? ""
        return "\(scheme)://\(user)\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}

/// The Twilio account SMS and calls go out through (`VISIONARY_TWILIO_*`).
public struct TwilioAccount: Sendable, Equatable {
    public static let defaultBaseURL = "https://api.twilio.com"

    /// `VISIONARY_TWILIO_BASE_URL` (default Twilio's API).
    public var baseURL: String
    /// `VISIONARY_TWILIO_ACCOUNT_SID`.
    public var accountSID: String
    /// `VISIONARY_TWILIO_AUTH_TOKEN` (a secret: redacted when printed).
    public var authToken: String
    /// `VISIONARY_TWILIO_FROM`: the number messages and calls come from (E.164).
    public var from: String

    public init(baseURL: String = TwilioAccount.defaultBaseURL, accountSID: String, authToken: String, from: String) {
        self.baseURL = baseURL
        self.accountSID = accountSID
        self.authToken = authToken
        self.from = from
    }
}

/// Mail addresses as the sender setting and the outbox hold them.
public enum MailAddress {
    /// The address of `Name <address>` or of a bare address; nil unless it has one `@` with
    /// text on both sides and no space, angle bracket or line break.
    public static func bare(_ text: String) -> String? {
        var address = Substring(text.trimmingWhitespace())
        if address.hasSuffix(">"), let open = address.lastIndex(of: "<") {
            address = address[address.index(after: open)..<address.index(before: address.endIndex)]
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              !address.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "\r" || $0 == "\n" || $0 == "\t" })
        else { return nil }
        return String(address)
    }
}
