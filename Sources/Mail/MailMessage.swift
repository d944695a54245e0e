import Foundation

/// One message as it goes on the wire (RFC 5322 with MIME): a plain-text and an HTML
/// alternative, both base64 in lines of 76, the subject an RFC 2047 encoded word when it is
/// not plain ASCII. Header values are stripped of line breaks, so nothing in a template's
/// values can add a header.
public struct MailMessage: Sendable, Equatable {
    /// The `From` header as configured (`Name <address>` or an address).
    public var from: String
    /// The envelope sender: the address inside `from`.
    public var sender: String
    public var recipient: String
    public var subject: String
    public var text: String
    public var html: String

    public init(from: String, sender: String, recipient: String, subject: String, text: String, html: String) {
        self.from = from
        self.sender = sender
        self.recipient = recipient
        self.subject = subject
        self.text = text
        self.html = html
    }

    /// The message's bytes, lines ended by CRLF (before SMTP's dot-stuffing).
    /// - Parameters:
    ///   - date: the `Date` header's moment.
    ///   - id: unique per message; the `Message-ID` is `<id@sender's domain>`, the boundary
    ///     derives from it too.
    public func rendered(date: Date, id: String) -> String {
        let domain = sender.split(separator: "@").last.map(String.init) ?? "localhost"
        let boundary = "=_visionary_\(id.filter { $0.isLetter || $0.isNumber })"
        var lines = [
            "From: \(Self.headerValue(from))",
            "To: \(Self.headerValue(recipient))",
            "Subject: \(Self.encodedWord(Self.headerValue(subject)))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: <\(id.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." })@\(Self.headerValue(domain))>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
        ]
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines += [
                "--\(boundary)",
                "Content-Type: \(type); charset=utf-8",
                "Content-Transfer-Encoding: base64",
                "",
            ]
            lines += Self.base64Lines(Data(body.utf8))
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The value with every line break and other control character replaced by a space.
    static func headerValue(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    /// Printable ASCII as it is; anything else as `=?UTF-8?B?…?=` words of at most 45 bytes
    /// of text each (whole characters), so each word stays within a header line.
    static func encodedWord(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0.value > 0x7E }) else { return value }
        var words: [String] = []
        var chunk = ""
        for character in value {
            if chunk.utf8.count + character.utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    static func base64Lines(_ data: Data) -> [String] {
        let encoded = data.base64EncodedString()
        guard !encoded.isEmpty else { return [] }
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    /// `Thu, 03 Dec 2026 10:15:00 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
