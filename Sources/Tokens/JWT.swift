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
        try verifiedClaims(token, now: now, leeway: leeway, audience: audience).claims
    }

    /// The claims of a valid token, and the payload's JSON bytes exactly as signed.
    /// `requireExpiry` false accepts a token without `exp` (one that never expires).
    public func verifiedClaims(
        _ token: String, now: Date, leeway: TimeInterval = 0, audience: String? = nil, requireExpiry: Bool = true
    ) throws(TokenError) -> (claims: [String: JSONValue], payload: Data) {
        let parts = try JWTParts(token)
        guard parts.header["alg"]?.stringValue == "HS256" else { throw .unsupportedAlgorithm }
        guard HMAC<SHA256>.isValidAuthenticationCode(parts.signature, authenticating: parts.signingInput, using: key) else {
            throw .badSignature
        }
        let claims = try parts.claims()
        try JWTParts.checkTimes(claims, now: now, leeway: leeway, requireExpiry: requireExpiry)
        if let audience {
            let matches: Bool
            switch claims["aud"] {
            case .string(let value)?: matches = value == audience
            case .array(let values)?: matches = values.contains(.string(audience))
            default: matches = false
            }
            guard matches else { throw .wrongAudience }
        }
        return (claims, parts.payload)
    }

    /// Decodes unpadded base64url (RFC 7515 §2) byte by byte; nil for any other character,
    /// padding included, or an impossible length.
    public static func base64URLDecode(_ text: some Collection<UInt8>) -> Data? {
        guard text.count % 4 != 1 else { return nil }
        var output = Data()
        output.reserveCapacity(text.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in text {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "_"): value = 63
            default: return nil
            }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return output
    }
}

/// Why a token was refused.
public enum TokenError: Error, Equatable, Sendable {
    case wrongPartCount(Int)
    case malformed
    case unsupportedAlgorithm
    case badSignature
    case missingExpiry
    case expired
    case notYetValid
    case wrongAudience
    /// The `iss` claim is not the expected issuer (tokens of other parties).
    case wrongIssuer
    /// The `role` claim names a role other than `anon`, `authenticated` or `service_role`.
    case roleNotAllowed
}

/// A compact JWT taken apart: its header, payload and signature decoded, and the bytes the
/// signature covers. What every verifier does before it checks the signature its own way.
struct JWTParts {
    let header: [String: JSONValue]
    let payload: Data
    let signature: Data
    let signingInput: Data

    init(_ token: String) throws(TokenError) {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .wrongPartCount(parts.count) }
        guard let headerData = HS256.base64URLDecode(parts[0]),
              let header = try? JSONDecoder().decode([String: JSONValue].self, from: headerData),
              let payload = HS256.base64URLDecode(parts[1]),
              let signature = HS256.base64URLDecode(parts[2])
        else { throw .malformed }
        self.header = header
        self.payload = payload
        self.signature = signature
        signingInput = Data(token.utf8.prefix(parts[0].count + 1 + parts[1].count))
    }

    /// The payload's claims, once the signature is known good.
    func claims() throws(TokenError) -> [String: JSONValue] {
        guard let claims = try? JSONDecoder().decode([String: JSONValue].self, from: payload) else { throw .malformed }
        return claims
    }

    /// `exp` (required unless `requireExpiry` is false) and `nbf`, with `leeway`.
    static func checkTimes(_ claims: [String: JSONValue], now: Date, leeway: TimeInterval, requireExpiry: Bool) throws(TokenError) {
        let time = now.timeIntervalSince1970
        switch claims["exp"] {
        case .number(let exp)?: guard exp + leeway > time else { throw .expired }
        case nil where !requireExpiry: break
        default: throw .missingExpiry
        }
        if case .number(let nbf)? = claims["nbf"], nbf - leeway > time { throw .notYetValid }
    }
}
