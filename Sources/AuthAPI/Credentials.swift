import Core
import Crypto
import Foundation
import Tokens

/// The claims of a user access token, as the Supabase clients expect them
/// (docs/wire-compatibility.md, Access tokens).
struct AccessTokenClaims: Codable, Sendable {
    var iss: String
    var sub: String
    var aud: String
    var exp: Int
    var iat: Int
    var role: String
    var email: String
    var phone: String
    var app_metadata: JSONValue
    var user_metadata: JSONValue
    var aal: String
    var amr: [AuthenticationMethod]
    var session_id: String
    var is_anonymous: Bool
}

/// One way a session was authenticated, with the moment it happened.
struct AuthenticationMethod: Codable, Sendable, Equatable {
    var method: String
    var timestamp: Int
}

/// The user as stored, decoded from `auth.user_json`: what tokens copy from it.
struct StoredUser: Decodable, Sendable {
    var id: String
    var aud: String
    var role: String
    var email: String
    var phone: String
    var app_metadata: JSONValue
    var user_metadata: JSONValue
    var is_anonymous: Bool
}

/// Refresh tokens: opaque strings, stored only as SHA-256 hashes. A rotated token's successor is
/// derived from it with the server secret (HMAC), so a client that lost a refresh response (or
/// tabs refreshing at once) can be handed the same successor again without storing any token.
struct RefreshTokens: Sendable {
    let key: SymmetricKey

    init(secret: String) {
        key = SymmetricKey(data: Data(("visionary refresh tokens\u{0}" + secret).utf8))
    }

    /// A new random token, the first of a session.
    func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return APIKeys.base64URL(Data((0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }

    /// The token that replaces `token` after `generations` rotations.
    func successor(of token: String, generations: Int = 1) -> String {
        var current = token
        for _ in 0..<generations {
            let mac = HMAC<SHA256>.authenticationCode(for: Data(current.utf8), using: key)
            current = APIKeys.base64URL(Data(mac).prefix(24))
        }
        return current
    }

    /// What the database stores for a token.
    static func hash(_ token: String) -> String {
        Data(SHA256.hash(data: Data(token.utf8))).hexString
    }
}

/// The one-time codes the Auth API mails (sign-up confirmation, magic links, recovery, invites,
/// email changes): six digits, kept as an HMAC of the address and the code under a key derived
/// from the project secret, bound to what the code is for. That hash is also the `token_hash` of
/// the mailed link, so a link cannot be forged from an address by trying the million codes offline.
struct EmailCodes: Sendable {
    let key: SymmetricKey

    init(secret: String) {
        key = SymmetricKey(data: Data(("visionary email codes\u{0}" + secret).utf8))
    }

    /// A new code: six decimal digits, uniformly drawn.
    func code() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%06d", Int.random(in: 0...999_999, using: &generator))
    }

    /// What the database keeps (and the link carries) for `code` mailed to `email` for `kind`
    /// (`confirmation`, `invite`, `magiclink`, `recovery`, `email_change`): a code redeems only
    /// as the kind it was sent for.
    func hash(_ kind: String, email: String, code: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data("\(kind)\u{0}\(email.normalisedEmail)\u{0}\(code)".utf8), using: key)).hexString
    }
}

/// Password rules and hashing, off the event loop.
struct PasswordPolicy: Sendable {
    let minimumLength: Int

    /// Refuses a password that breaks the policy, with the protocol's errors.
    func check(_ password: String) throws(AuthError) {
        guard password.utf8.count <= 72 else { throw AuthError.validation("Password cannot be longer than 72 characters") }
        guard password.count >= minimumLength else { throw AuthError.weakPassword(minimum: minimumLength) }
    }
}

/// Hashes and checks passwords; slow on purpose, so implementations keep it off the event loop.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, against hash: String) async -> Bool
}

extension String {
    /// Whether the string is a UUID in its canonical textual form.
    var isUUID: Bool { UUID(uuidString: self) != nil }

    /// Trimmed and lower-cased, as emails are stored.
    var normalisedEmail: String { trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }

    /// A plausible email address: one @, a non-empty local part and a dotted domain, no spaces.
    var isPlausibleEmail: Bool {
        let parts = split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
              !parts[1].hasSuffix("."), utf8.count <= 254 else { return false }
        return !contains(where: { $0.isWhitespace || $0 == "," || $0 == "<" || $0 == ">" })
    }
}
