import Core
import Crypto
import Foundation
import _CryptoExtras

/// RS256 JSON Web Tokens signed by another party (Bot Framework), verified against the public
/// keys of its JSON Web Key Set. Verification pins the algorithm, finds the key by `kid`, checks
/// the signature, then `exp` and `nbf` (with leeway), the issuer and the audience. Pure: keys and
/// time are passed in.
public struct RS256Keys: Sendable {
    let keys: [String: _RSA.Signing.PublicKey]
    /// The channels each key is endorsed for (the Bot Framework's `endorsements`), by `kid`.
    let endorsements: [String: Set<String>]

    /// The RSA signing keys of a JWKS document (`{"keys": [{kty, kid, n, e, …}]}`); other keys are skipped.
    public init(jwks: [UInt8]) throws(TokenError) {
        guard case .object(let document)? = try? JSONDecoder().decode(JSONValue.self, from: Data(jwks)),
              case .array(let entries)? = document["keys"]
        else { throw .malformed }
        var keys: [String: _RSA.Signing.PublicKey] = [:]
        var endorsements: [String: Set<String>] = [:]
        for entry in entries {
            guard entry["kty"]?.stringValue == "RSA", let kid = entry["kid"]?.stringValue,
                  let n = entry["n"]?.stringValue.flatMap({ HS256.base64URLDecode(Array($0.utf8)) }),
                  let e = entry["e"]?.stringValue.flatMap({ HS256.base64URLDecode(Array($0.utf8)) }),
                  let key = try? _RSA.Signing.PublicKey(n: n, e: e)
            else { continue }
            keys[kid] = key
            if case .array(let channels)? = entry["endorsements"] { endorsements[kid] = Set(channels.compactMap(\.stringValue)) }
        }
        self.keys = keys
        self.endorsements = endorsements
    }

    public var isEmpty: Bool { keys.isEmpty }

    /// The claims of a token signed by one of these keys, for `audience`, from `issuer`; with
    /// `endorsement`, by a key endorsed for that channel.
    public func verify(
        _ token: String, issuer: String, audience: String, endorsement: String? = nil, now: Date, leeway: TimeInterval = 300
    ) throws(TokenError) -> [String: JSONValue] {
        let parts = try JWTParts(token)
        guard parts.header["alg"]?.stringValue == "RS256" else { throw .unsupportedAlgorithm }
        guard let kid = parts.header["kid"]?.stringValue, let key = keys[kid] else { throw .badSignature }
        if let endorsement, endorsements[kid]?.contains(endorsement) != true { throw .badSignature }
        guard key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: parts.signature), for: parts.signingInput, padding: .insecurePKCS1v1_5) else {
            throw .badSignature
        }
        let claims = try parts.claims()
        try JWTParts.checkTimes(claims, now: now, leeway: leeway, requireExpiry: true)
        guard claims["iss"]?.stringValue == issuer else { throw .wrongIssuer }
        switch claims["aud"] {
        case .string(let value)? where value == audience: break
        case .array(let values)? where values.contains(.string(audience)): break
        default: throw .wrongAudience
        }
        return claims
    }
}
