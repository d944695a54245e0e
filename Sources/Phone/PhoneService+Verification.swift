import Core
import Crypto
import Database
import Foundation

extension PhoneService {
    /// How a verification started: the code went out, or the number was verified already.
    public enum VerificationStarted: Sendable, Equatable {
        case sent(number: String, expiresAt: String)
        case alreadyVerified(number: String)
    }

    /// How a code was received: the number is now verified, or why not.
    public enum VerificationOutcome: Sendable, Equatable {
        case verified(number: String)
        case wrong(attemptsLeft: Int)
        /// The fifth wrong code: the pending code is void; ask for a new one.
        case exhausted
        case expired
        /// No code is pending.
        case none
    }

    /// Texts a fresh 6-digit code to `number` (or the user's current number) and keeps only its
    /// keyed hash; within the allowances of migration 0050 (PT429 beyond).
    public func startVerification(user: UUID, number: String?) async throws -> VerificationStarted {
        let twilio = try provider()
        let code = Self.newCode()
        let text = try await database.text(SQLStatement(
            "SELECT internal.begin_phone_verification($1::uuid, $2, decode($3, 'hex'))::text",
            [.text(user.uuidString), number.map(SQLValue.text) ?? .null, .text(codeHash(user: user, code: code))])) ?? "{}"
        let started = try JSONDecoder().decode(Started.self, from: Data(text.utf8))
        if started.alreadyVerified == true { return .alreadyVerified(number: started.phoneNumber) }
        let message = "Your Visionary verification code is \(code). It expires in 10 minutes. If you did not ask for it, ignore this text."
        _ = try await Self.relaying { try await twilio.sendText(to: started.phoneNumber, body: message) }
        return .sent(number: started.phoneNumber, expiresAt: started.expiresAt ?? "")
    }

    /// Checks a code the user received; a wrong one spends one of five tries.
    public func confirmVerification(user: UUID, code: String) async throws -> VerificationOutcome {
        let text = try await database.text(SQLStatement(
            "SELECT internal.confirm_phone_verification($1::uuid, decode($2, 'hex'))::text",
            [.text(user.uuidString), .text(codeHash(user: user, code: code))])) ?? "{}"
        let answer = try JSONDecoder().decode(Confirmed.self, from: Data(text.utf8))
        switch answer.outcome {
        case "verified": return .verified(number: answer.phoneNumber ?? "")
        case "wrong": return .wrong(attemptsLeft: answer.attemptsLeft ?? 0)
        case "exhausted": return .exhausted
        case "expired": return .expired
        default: return .none
        }
    }

    /// Whether a text is a code this flow could have sent: six ASCII digits.
    public static func isCodeShaped(_ text: String) -> Bool {
        text.utf8.count == 6 && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// Six digits drawn uniformly from the system's random source.
    static func newCode() -> String {
        let number = UInt32.random(in: 0..<1_000_000)
        let digits = String(number)
        return String(repeating: "0", count: 6 - digits.count) + digits
    }

    /// HMAC-SHA256 of the user and the code, hex: bound to the user, so one user's code never
    /// verifies another's number.
    func codeHash(user: UUID, code: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(user.uuidString.lowercased()):\(code)".utf8), using: codeKey)
        return Array(mac).hexString
    }

    struct Started: Decodable {
        let phoneNumber: String
        let expiresAt: String?
        let alreadyVerified: Bool?
        enum CodingKeys: String, CodingKey {
            case phoneNumber = "phone_number", expiresAt = "expires_at", alreadyVerified = "already_verified"
        }
    }

    struct Confirmed: Decodable {
        let outcome: String
        let phoneNumber: String?
        let attemptsLeft: Int?
        enum CodingKeys: String, CodingKey {
            case outcome, phoneNumber = "phone_number", attemptsLeft = "attempts_left"
        }
    }
}
