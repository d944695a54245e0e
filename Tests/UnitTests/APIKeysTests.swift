import Tokens
import Crypto
import Foundation
import Testing

@Suite("API keys")
struct APIKeysTests {
    let secret = "a-test-secret-that-is-long-enough-0123456789"

    @Test("the same secret always gives the same keys; another secret other keys")
    func deterministic() {
        #expect(APIKeys(secret: secret) == APIKeys(secret: secret))
        #expect(APIKeys(secret: secret).anon != APIKeys(secret: secret + "x").anon)
    }

    @Test("keys are HS256 JWTs with the role claim, verifiable with the secret")
    func shape() throws {
        let keys = APIKeys(secret: secret)
        for (key, role) in [(keys.anon, "anon"), (keys.serviceRole, "service_role")] {
            let parts = key.split(separator: ".").map(String.init)
            #expect(parts.count == 3)
            let header = try JSONSerialization.jsonObject(with: try #require(Self.decode(parts[0]))) as? [String: Any]
            #expect(header?["alg"] as? String == "HS256")
            let claims = try JSONSerialization.jsonObject(with: try #require(Self.decode(parts[1]))) as? [String: Any]
            #expect(claims?["role"] as? String == role)
            #expect((claims?["exp"] as? Int ?? 0) > Int(Date().timeIntervalSince1970))
            let expected = HMAC<SHA256>.authenticationCode(
                for: Data((parts[0] + "." + parts[1]).utf8), using: SymmetricKey(data: Data(secret.utf8)))
            #expect(APIKeys.base64URL(Data(expected)) == parts[2])
            #expect(keys.role(ofKey: key) == role)
        }
        #expect(keys.role(ofKey: keys.anon + "x") == nil)
    }

    static func decode(_ part: String) -> Data? {
        var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
