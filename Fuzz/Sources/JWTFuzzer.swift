import Core
import Crypto
import Foundation
import Tokens

/// HS256 verification and the caller resolver. An input starting with `{` is a header line and a
/// payload line of JSON, signed here with the project secret so the checks after the signature
/// (`alg`, `exp`, `nbf`, `aud`, `role`, `sub`, `session_id`) are reached; any other input is a
/// token as a client would send it.
enum JWTFuzzer {
    static let secret = "fuzz-secret-with-at-least-32-characters"
    static let signer = HS256(secret: secret)
    static let keys = APIKeys(secret: secret)
    static let now = Date(timeIntervalSince1970: 1_750_000_000)
    static let leeway: TimeInterval = 30
    /// Small, so the resolver's cache fills and is emptied as inputs go by.
    static let resolver = CallerResolver(secret: secret, keys: keys, leeway: leeway, capacity: 8, now: { now })

    static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let token: String
        if input.first == UInt8(ascii: "{") {
            let parts = input.split(separator: 10, maxSplits: 1, omittingEmptySubsequences: false)
            let header = Data(parts[0])
            let payload = parts.count > 1 ? Data(parts[1]) : Data()
            let signed = APIKeys.base64URL(header) + "." + APIKeys.base64URL(payload)
            let signature = HMAC<SHA256>.authenticationCode(for: Data(signed.utf8), using: SymmetricKey(data: Data(secret.utf8)))
            token = signed + "." + APIKeys.base64URL(Data(signature))
        } else {
            token = String(decoding: input, as: UTF8.self)
        }
        for audience in [nil, "authenticated"] {
            do throws(TokenError) {
                let (claims, _) = try signer.verifiedClaims(token, now: now, leeway: leeway, audience: audience)
                guard case .number(let exp)? = claims["exp"] else { return invariant(false, "verified without exp") }
                invariant(exp + leeway > now.timeIntervalSince1970, "verified an expired token")
            } catch {
                continue
            }
        }
        // Twice: once verified, once from the resolver's cache; the answers must agree.
        let first = Result { () throws(TokenError) in try resolver.resolve(bearer: token, apiKey: nil) }
        let second = Result { () throws(TokenError) in try resolver.resolve(bearer: token, apiKey: keys.anon) }
        invariant(first == second, "the cached answer differs: \(first) then \(second)")
        if case .success(let caller) = first { invariant(Caller.roles.contains(caller.role), "role \(caller.role)") }
    }
}
