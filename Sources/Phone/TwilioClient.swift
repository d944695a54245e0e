import AppConfig
import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Twilio's REST API for the two things the server does by phone: send a text
/// (`Messages.json`) and place a call that speaks a message (`Calls.json` with TwiML), both
/// as form posts with the account's Basic credentials, at `VISIONARY_TWILIO_BASE_URL`.
public struct TwilioClient: Sendable {
    let account: TwilioAccount
    let client: HTTPClient

    public init(account: TwilioAccount, client: HTTPClient = .shared) {
        self.account = account
        self.client = client
    }

    /// What Twilio answered: the message's or call's id and its status.
    public struct Accepted: Sendable, Equatable, Decodable {
        public let sid: String
        public let status: String?
    }

    /// Why Twilio did not take it: its own message when it gave one.
    public struct Refused: Error, CustomStringConvertible {
        public let status: Int
        public let message: String
        public var description: String { "Twilio answered \(status): \(message)" }
    }

    public func sendText(to number: String, body: String) async throws -> Accepted {
        try await post("Messages.json", ["To": number, "From": account.from, "Body": String(body.prefix(1_600))])
    }

    /// Places a call that speaks `text`, in `voice` (a Twilio voice name such as `Polly.Joanna`)
    /// or Twilio's default.
    public func call(_ number: String, saying text: String, voice: String? = nil) async throws -> Accepted {
        try await post("Calls.json", ["To": number, "From": account.from, "Twiml": Self.twiml(saying: text, voice: voice)])
    }

    /// `<Response><Say>…</Say></Response>`, the text and the voice XML-escaped.
    public static func twiml(saying text: String, voice: String? = nil) -> String {
        let attribute = voice.map { " voice=\"\($0.markupEscaped)\"" } ?? ""
        return #"<?xml version="1.0" encoding="UTF-8"?><Response><Say\#(attribute)>\#(text.markupEscaped)</Say></Response>"#
    }

    func post(_ resource: String, _ fields: KeyValuePairs<String, String>) async throws -> Accepted {
        var base = account.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        let sid = account.accountSID.percentEncoded(keepingSlash: false)
        var request = HTTPClientRequest(url: "\(base)/2010-04-01/Accounts/\(sid)/\(resource)")
        request.method = .POST
        let credentials = Data("\(account.accountSID):\(account.authToken)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        // Form encoding as RFC 3986 percent-encoding: every form decoder reads `%20` as a space.
        let form = fields.map { "\($0.key.percentEncoded(keepingSlash: false))=\($0.value.percentEncoded(keepingSlash: false))" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 256 * 1024)
        guard (200..<300).contains(response.status.code) else {
            let message = (try? JSONDecoder().decode(TwilioError.self, from: Data(buffer: body)))?.message ?? "no message"
            throw Refused(status: Int(response.status.code), message: String(message.prefix(300)))
        }
        return try JSONDecoder().decode(Accepted.self, from: Data(buffer: body))
    }

    struct TwilioError: Decodable {
        let message: String?
    }
}
