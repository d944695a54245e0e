import Core
import Database
import Foundation
import Jobs

/// The `checkins.deliver-phone` job (every minute, when Twilio is configured): claims the due
/// sms, voice and call check-ins (migration 0049: only to the user's own verified number, each
/// at most once) and texts or calls each through Twilio, recording Twilio's id — or its refusal,
/// which fails the check-in. A number never comes from a request: only from the user's
/// preferences, verified by the server.
public struct PhoneCheckins: Sendable {
    public static let kind = "checkins.deliver-phone"
    public static let every = Duration.seconds(60)
    /// The check-in channels it delivers (`checkins.deliver` leaves them to it).
    public static let channels = ["sms", "voice", "call"]

    let database: SQLRunner
    let twilio: TwilioClient

    public init(database: SQLRunner, twilio: TwilioClient) {
        self.database = database
        self.twilio = twilio
    }

    public var handler: JobHandler {
        JobHandler(kind: Self.kind) { job in try await deliver(dueAt: job.runAt) }
    }

    struct Claimed: Decodable {
        let id: UUID
        let channel: String
        let checkinType: String?
        let content: [String: JSONValue]?
        let phoneNumber: String

        enum CodingKeys: String, CodingKey {
            case id, channel, content
            case checkinType = "checkin_type"
            case phoneNumber = "phone_number"
        }
    }

    /// Delivers the check-ins due by `dueAt` (a timestamptz as PostgreSQL writes it).
    func deliver(dueAt: String) async throws {
        let text = try await database.text(SQLStatement("SELECT internal.claim_phone_checkins($1::timestamptz)::text", [.text(dueAt)]))
        let claimed = try JSONDecoder().decode([Claimed].self, from: Data((text ?? "[]").utf8))
        for checkin in claimed {
            let message = Self.message(checkin)
            var providerID: String?, failure: String?
            do {
                let accepted = checkin.channel == "sms"
                    ? try await twilio.sendText(to: checkin.phoneNumber, body: message)
                    : try await twilio.call(checkin.phoneNumber, saying: message)
                providerID = accepted.sid
            } catch {
                // Not retried: the check-in is already claimed as sent, so a text never goes twice.
                failure = String(describing: error)
            }
            try await database.execute(SQLStatement(
                "SELECT internal.record_phone_checkin($1::uuid, $2, $3, now())",
                [.text(checkin.id.uuidString), providerID.map(SQLValue.text) ?? .null, failure.map(SQLValue.text) ?? .null]))
        }
    }

    /// The words of the text or call: the check-in's own message, else one for its type.
    static func message(_ checkin: Claimed) -> String {
        for key in ["message", "text", "body"] {
            if let text = checkin.content?[key]?.stringValue, !text.isEmpty { return text }
        }
        let kind = (checkin.checkinType ?? "check-in").replacingOccurrences(of: "_", with: " ")
        return "Visionary: time for your \(kind). Open the app to check in."
    }
}
