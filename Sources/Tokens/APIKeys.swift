import Crypto
import Foundation

/// The project's two API keys: HS256 JWTs carrying a `role` claim (`anon` or `service_role`),
/// signed with the project's JWT secret, as the Supabase clients expect.
///
/// Keys are a pure function of the secret (fixed claims, fixed JSON layout), so every server
/// process sharing a secret hands out, and accepts, the same keys across restarts.
public struct APIKeys: Sendable, Equatable {
    /// The key for public clients; requests without a user session run as `anon`.
    public let anon: String
    /// The key for trusted servers; requests run as `service_role`, which bypasses RLS.
    public let serviceRole: String

    /// Issued-at of every key: 2025-01-01T00:00:00Z.
    static let issuedAt = 1_735_689_600
    /// Expiry of every key: 2035-01-01T00:00:00Z.
    static let expiresAt = 2_051_222_400

    /// Signs both keys with the secret.
    public init(secret: String) {
        anon = Self.sign(role: "anon", secret: secret)
        serviceRole = Self.sign(role: "service_role", secret: secret)
    }

    /// The database role a key stands for, if it is one of these keys.
    public func role(ofKey key: String) -> String? {
        if key == anon { return "anon" }
        if key == serviceRole { return "service_role" }
        return nil
    }

    static func sign(role: String, secret: String) -> String {
        let header = #"{"alg":"HS256","typ":"JWT"}"#
        let claims = #"{"iss":"supabase","role":"\#(role)","iat":\#(issuedAt),"exp":\#(expiresAt)}"#
        let input = base64URL(Data(header.utf8)) + "." + base64URL(Data(claims.utf8))
        let signature = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + base64URL(Data(signature))
    }

    /// Base64url without padding (RFC 7515 §2).
    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
