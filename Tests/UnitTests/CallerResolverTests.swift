import Foundation
import Synchronization
import Testing
@testable import Tokens

@Suite("Caller resolver")
struct CallerResolverTests {
    let secret = "a-test-secret-that-is-long-enough-0123456789"

    struct Claims: Encodable {
        var sub = "7d9f0c1e-0000-4000-8000-000000000001"
        var role = "authenticated"
        var exp: Int
        var nbf: Int?
    }

    /// A clock the test moves.
    final class Clock: Sendable {
        let time = Mutex(Date(timeIntervalSince1970: 2_000_000_000))
        var now: Date { time.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
    }

    @Test("API keys and no bearer resolve to the key's role; a user token to its role, claims and subject")
    func roles() throws {
        let keys = APIKeys(secret: secret)
        let clock = Clock()
        let resolver = CallerResolver(secret: secret, keys: keys, leeway: 0, now: { clock.now })
        #expect(try resolver.resolve(bearer: nil, apiKey: keys.anon) == .apiKey(role: "anon"))
        #expect(try resolver.resolve(bearer: nil, apiKey: nil) == .apiKey(role: "anon"))
        #expect(try resolver.resolve(bearer: keys.serviceRole, apiKey: keys.anon).role == "service_role")
        let token = try HS256(secret: secret).sign(Claims(exp: 2_000_000_060))
        let caller = try resolver.resolve(bearer: token, apiKey: keys.anon)
        #expect(caller.role == "authenticated")
        #expect(caller.subject == "7d9f0c1e-0000-4000-8000-000000000001")
        let claims = try JSONSerialization.jsonObject(with: Data(caller.claims.utf8)) as? [String: Any]
        #expect(claims?["exp"] as? Int == 2_000_000_060)
    }

    @Test("a token without exp is refused by default, and accepted (for good) only when VISIONARY_JWT_REQUIRE_EXP is false")
    func tokensWithoutExpiry() throws {
        struct Forever: Encodable { var role = "service_role"; var iss = "supabase-demo" }
        let keys = APIKeys(secret: secret)
        let clock = Clock()
        let forever = try HS256(secret: secret).sign(Forever())
        let strict = CallerResolver(secret: secret, keys: keys, leeway: 0, now: { clock.now })
        #expect(throws: TokenError.missingExpiry) { try strict.resolve(bearer: forever, apiKey: forever) }
        let lenient = CallerResolver(secret: secret, keys: keys, leeway: 0, requireExpiry: false, now: { clock.now })
        #expect(try lenient.resolve(bearer: forever, apiKey: forever).role == "service_role")
        clock.advance(10 * 365 * 86_400)
        #expect(try lenient.resolve(bearer: forever, apiKey: forever).role == "service_role", "still, from memory, years later")
        // Lenient about a missing exp only: a wrong signature, a non-numeric or a passed exp still fail.
        let forged = try HS256(secret: "another-secret-that-is-long-enough-0123456789").sign(Forever())
        #expect(throws: TokenError.badSignature) { try lenient.resolve(bearer: forged, apiKey: nil) }
        struct TextExpiry: Encodable { var role = "anon"; var exp = "never" }
        #expect(throws: TokenError.missingExpiry) { try lenient.resolve(bearer: try HS256(secret: secret).sign(TextExpiry()), apiKey: nil) }
        let expired = try HS256(secret: secret).sign(Claims(exp: Int(clock.now.timeIntervalSince1970) - 1))
        #expect(throws: TokenError.expired) { try lenient.resolve(bearer: expired, apiKey: nil) }
    }

    @Test("a remembered token still expires; a tampered one is never taken from memory")
    func remembered() throws {
        let keys = APIKeys(secret: secret)
        let clock = Clock()
        let resolver = CallerResolver(secret: secret, keys: keys, leeway: 0, now: { clock.now })
        let token = try HS256(secret: secret).sign(Claims(exp: 2_000_000_060))
        _ = try resolver.resolve(bearer: token, apiKey: nil)
        #expect(try resolver.resolve(bearer: token, apiKey: nil).role == "authenticated")
        var tampered = Array(token)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == "A" ? "B" : "A"
        #expect(throws: TokenError.badSignature) { try resolver.resolve(bearer: String(tampered), apiKey: nil) }
        clock.advance(61)
        #expect(throws: TokenError.expired) { try resolver.resolve(bearer: token, apiKey: nil) }
        let early = try HS256(secret: secret).sign(Claims(exp: 2_000_001_000, nbf: 2_000_000_500))
        #expect(throws: TokenError.notYetValid) { try resolver.resolve(bearer: early, apiKey: nil) }
        clock.advance(500)
        #expect(try resolver.resolve(bearer: early, apiKey: nil).role == "authenticated")
    }

    @Test("bad tokens: wrong part count, another secret, alg none, bad base64url")
    func refused() throws {
        let keys = APIKeys(secret: secret)
        let resolver = CallerResolver(secret: secret, keys: keys, now: { Date(timeIntervalSince1970: 2_000_000_000) })
        #expect(throws: TokenError.wrongPartCount(2)) { try resolver.resolve(bearer: "a.b", apiKey: nil) }
        let foreign = try HS256(secret: secret + "x").sign(Claims(exp: 2_000_000_060))
        #expect(throws: TokenError.badSignature) { try resolver.resolve(bearer: foreign, apiKey: nil) }
        let none = APIKeys.base64URL(Data(#"{"alg":"none"}"#.utf8)) + "." + APIKeys.base64URL(Data(#"{"role":"service_role","exp":2000000060}"#.utf8)) + "."
        #expect(throws: TokenError.unsupportedAlgorithm) { try resolver.resolve(bearer: none, apiKey: nil) }
        #expect(throws: TokenError.malformed) { try resolver.resolve(bearer: "a+b.c.d", apiKey: nil) }
    }

    @Test("base64url decodes every length and refuses padding and foreign characters")
    func base64URL() {
        for length in 0..<40 {
            let bytes = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
            #expect(HS256.base64URLDecode(Array(APIKeys.base64URL(bytes).utf8)) == bytes)
        }
        #expect(HS256.base64URLDecode(Array("YQ==".utf8)) == nil)
        #expect(HS256.base64URLDecode(Array("Y/8".utf8)) == nil)
        #expect(HS256.base64URLDecode(Array("YWJjZ".utf8)) == nil)
    }
}
