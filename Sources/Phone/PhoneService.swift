import Core
import Crypto
import Database
import Foundation

/// What users (and the server for a user) ask of the phone: verify their number by a texted
/// code, and text or call it. A number is never taken from a request to send anything but a
/// verification code: texts and calls go to the user's own verified number, which only a
/// matching code (or the server) sets. The rules and allowances live in the database
/// (migration 0050); this drives them as the owner for a user the caller's token named, and
/// talks to Twilio.
public struct PhoneService: Sendable {
    let database: SQLRunner
    let twilio: TwilioClient?
    let codeKey: SymmetricKey

    /// `twilio` nil: no provider is configured, and every operation throws `PhoneNotConfigured`.
    public init(database: SQLRunner, twilio: TwilioClient?, codeKey: SymmetricKey) {
        self.database = database
        self.twilio = twilio
        self.codeKey = codeKey
    }

    /// The key verification codes are hashed under, derived from the project's secret so that
    /// nothing stored in the database alone can produce a matching code.
    public static func codeKey(projectSecret: String) -> SymmetricKey {
        let derived = HMAC<SHA256>.authenticationCode(
            for: Data("visionary phone verification codes".utf8), using: SymmetricKey(data: Data(projectSecret.utf8)))
        return SymmetricKey(data: Data(derived))
    }

    /// A text or call that Twilio accepted: its id and status, and the number it went to.
    public struct Sent: Sendable, Equatable {
        public let providerID: String
        public let status: String
        public let to: String
    }

    /// Texts `body` to the user's own verified number (10 an hour), and keeps it with the
    /// user's check-ins. `requested` is a number the request named: it must be that one.
    public func text(user: UUID, body: String, requested: String? = nil, content: [String: JSONValue]) async throws -> Sent {
        let twilio = try provider()
        let number = try await recipient(user, channel: "sms", requested: requested)
        let accepted = try await Self.relaying { try await twilio.sendText(to: number, body: body) }
        try await record(user, channel: "sms", content: content, accepted)
        return Sent(providerID: accepted.sid, status: accepted.status ?? "queued", to: number)
    }

    /// Calls the user's own verified number, when the user allows calls (3 an hour), and speaks
    /// `speech` in `voice`.
    public func call(user: UUID, speech: String, voice: String?, requested: String? = nil, content: [String: JSONValue]) async throws -> Sent {
        let twilio = try provider()
        let number = try await recipient(user, channel: "call", requested: requested)
        let accepted = try await Self.relaying { try await twilio.call(number, saying: speech, voice: voice) }
        try await record(user, channel: "call", content: content, accepted)
        return Sent(providerID: accepted.sid, status: accepted.status ?? "queued", to: number)
    }

    func provider() throws(PhoneNotConfigured) -> TwilioClient {
        guard let twilio else { throw PhoneNotConfigured() }
        return twilio
    }

    /// The user's verified number, counted against the allowance; a `requested` number must be
    /// that one, as `internal.e164` reads it.
    func recipient(_ user: UUID, channel: String, requested: String?) async throws -> String {
        struct Answer: Decodable {
            let number: String?
            let requested: String?
        }
        let text = try await database.text(SQLStatement(
            "SELECT jsonb_build_object('number', r, 'requested', internal.e164($3))::text FROM internal.phone_recipient($1::uuid, $2) AS r",
            [.text(user.uuidString), .text(channel), requested.map(SQLValue.text) ?? .null])) ?? "{}"
        let answer = try JSONDecoder().decode(Answer.self, from: Data(text.utf8))
        guard let number = answer.number else { throw PhoneRefusal("you have no phone number in your communication preferences") }
        if requested != nil, answer.requested != number {
            throw PhoneRefusal("texts and calls go only to your own verified number", forbidden: true)
        }
        return number
    }

    func record(_ user: UUID, channel: String, content: [String: JSONValue], _ accepted: TwilioClient.Accepted) async throws {
        try await database.execute(SQLStatement(
            "SELECT internal.record_phone_message($1::uuid, $2, $3::jsonb, $4, $5)",
            [.text(user.uuidString), .text(channel), .json(JSONValue.object(content).jsonText), .text(accepted.sid),
             accepted.status.map(SQLValue.text) ?? .null]))
    }

    /// A provider call whose failure (refusal, unreachable, timeout) becomes `PhoneProviderFailure`.
    static func relaying<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refused as TwilioClient.Refused {
            throw PhoneProviderFailure(message: refused.description)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw PhoneProviderFailure(message: "Twilio could not be reached")
        }
    }
}

/// No phone provider is configured on this server.
public struct PhoneNotConfigured: Error, CustomStringConvertible {
    public var description: String { "texts and calls are not configured on this server (VISIONARY_TWILIO_*)" }
}

/// The provider refused or could not be reached; `message` is safe to show (Twilio's own words).
public struct PhoneProviderFailure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// A request the phone rules refuse, with the reason to show.
public struct PhoneRefusal: Error, CustomStringConvertible {
    public let message: String
    /// Refused for who is asking (403), rather than for what is asked (422).
    public let forbidden: Bool
    init(_ message: String, forbidden: Bool = false) {
        self.message = message
        self.forbidden = forbidden
    }
    public var description: String { message }
}
