import Core
import Crypto
import Foundation

/// Signs and verifies HS256 JSON Web Tokens with the project secret. Verification pins the
/// algorithm (a token naming any other, `none` included, is refused), checks the signature in
/// constant time, then `exp` (with leeway), `nbf` and, when asked, `aud`. Pure: the time is passed in.
public struct HS256: Sendable {
    private let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey(data: Data(secret.utf8))
    }

    /// The signed token for these claims.
    public func sign(_ claims: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let header = Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8)
        let input = APIKeys.base64URL(header) + "." + APIKeys.base64URL(try encoder.encode(claims))
        let signature = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: key)
        return input + "." + APIKeys.base64URL(Data(signature))
    }

    /// The claims of a valid token.
    public func verify(
        _ token: String, now: Date, leeway: TimeInterval = 0, audience: String? = nil
    ) throws(TokenError) -> [String: JSONValue] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerData = Self.base64URLDecode(parts[0]),
              let header = try? JSONDecoder().decode([String: JSONValue].self, from: headerData),
              let payloadData = Self.base64URLDecode(parts[1]),
              let signature = Self.base64URLDecode(parts[2])
        else { throw .malformed }
        guard header["alg"]?.stringValue == "HS256" else { throw .unsupportedAlgorithm }
        let input = Data((parts[0] + "." + parts[1]).utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: key) else {
            throw .badSignature
        }
        guard let claims = try? JSONDecoder().decode([String: JSONValue].self, from: payloadData) else {
            throw .malformed
        }
        let time = now.timeIntervalSince1970
        guard case .number(let exp)? = claims["exp"] else { throw .missingExpiry }
        guard exp + leeway > time else { throw .expired }
        if case .number(let nbf)? = claims["nbf"], nbf - leeway > time { throw .notYetValid }
        if let audience {
            let matches: Bool
            switch claims["aud"] {
            case .string(let value)?: matches = value == audience
            case .array(let values)?: matches = values.contains(.string(audience))
            default: matches = false
            }
            guard matches else { throw .wrongAudience }
        }
        return claims
    }

    static func base64URLDecode(_ part: Substring) -> Data? {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !text.contains("=") else { return nil }
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text)
    }
}

/// Why a token was refused.
public enum TokenError: Error, Equatable, Sendable {
    case malformed
    case unsupportedAlgorithm
    case badSignature
    case missingExpiry
    case expired
    case notYetValid
    case wrongAudience
}
