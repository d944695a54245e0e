import AppConfig
import Core
import Crypto
import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
@testable import Tokens
import VisionaryApp
import _CryptoExtras

/// Asymmetric signing keys: access tokens signed ES256 or RS256 with a `kid`, their public keys
/// at `/.well-known/jwks.json`, rotation with a grace period, the keys sealed at rest, and every
/// surface accepting them — and the forged, confused, unknown-key and retired-key tokens refused.
@Suite("Auth: asymmetric signing keys")
struct SigningKeysTests {
    static func header(of token: String) -> [String: String] {
        let part = token.split(separator: ".").first.map { Array($0.utf8) } ?? []
        return (try? JSONDecoder().decode([String: String].self, from: HS256.base64URLDecode(part) ?? Data())) ?? [:]
    }

    static func signIn(_ client: any TestClientProtocol, _ app: TestApp, _ email: String) async throws -> String {
        let reply = try await client.execute(
            uri: "/auth/v1/token?grant_type=password", method: .post,
            headers: [HTTPField.Name("apikey")!: app.keys.anon, .contentType: "application/json"],
            body: ByteBuffer(string: #"{"email":"\#(email)","password":"secret-password"}"#)) { String(buffer: $0.body) }
        let json = (try JSONSerialization.jsonObject(with: Data(reply.utf8))) as? [String: Any] ?? [:]
        return try #require(json["access_token"] as? String, "\(reply)")
    }

    static func get(_ client: any TestClientProtocol, _ app: TestApp, _ path: String, token: String?) async throws -> (status: HTTPResponse.Status, body: String) {
        var headers: HTTPFields = [HTTPField.Name("apikey")!: app.keys.anon]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: path, method: .get, headers: headers) { ($0.status, String(buffer: $0.body)) }
    }

    /// The JWKS the server publishes, waited for until it lists `count` keys (servers reload on
    /// the database's notification).
    static func jwks(_ client: any TestClientProtocol, _ app: TestApp, count: Int) async throws -> [[String: Any]] {
        for _ in 0..<100 {
            let body = try await get(client, app, "/auth/v1/.well-known/jwks.json", token: nil).body
            let keys = ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any])?["keys"] as? [[String: Any]] ?? []
            if keys.count == count { return keys }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the JWKS never listed \(count) keys")
        return []
    }

    /// n - s on P-256 (32-byte big-endian numbers).
    static func negated(_ s: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            var value = Int(SigningKey.order[index]) - Int(s[index]) - borrow
            borrow = value < 0 ? 1 : 0
            if value < 0 { value += 256 }
            result[index] = UInt8(value)
        }
        return result
    }

    /// Verifies an ES256 token with nothing but the JWK the server published.
    static func verifiesWithPublishedKey(_ token: String, _ jwk: [String: Any]) throws -> Bool {
        let x = try #require(HS256.base64URLDecode(Array((jwk["x"] as? String ?? "").utf8)))
        let y = try #require(HS256.base64URLDecode(Array((jwk["y"] as? String ?? "").utf8)))
        let key = try P256.Signing.PublicKey(x963Representation: Data([0x04]) + x + y)
        let parts = token.split(separator: ".")
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: try #require(HS256.base64URLDecode(Array(parts[2].utf8))))
        return key.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8))
    }

    @Test("ES256 then RS256: tokens carry the newest key's kid, every surface accepts them, the JWKS verifies them, retired keys lapse after their grace")
    func rotation() async throws {
        let app = try await TestApp.make()
        let owner = SQLRunner(pool: app.parts.ownerDatabase, logger: TestCluster.logger)
        let records = SigningKeyRecords(database: owner, ring: TestApp.keyRing)
        try await app.run { client in
            _ = try await app.signUp(client, email: "kim@keys.test")
            // No key yet: HS256, and an empty key set.
            let hs = try await Self.signIn(client, app, "kim@keys.test")
            #expect(Self.header(of: hs)["alg"] == "HS256")
            #expect(try await Self.jwks(client, app, count: 0).isEmpty)

            // Created before the propagation delay, so it signs at once.
            let es = try await records.add(.es256, created: Date().addingTimeInterval(-200))
            let published = try await Self.jwks(client, app, count: 1)
            #expect(published.first?["kid"] as? String == es && published.first?["kty"] as? String == "EC" && published.first?["d"] == nil)
            let esToken = try await Self.signIn(client, app, "kim@keys.test")
            #expect(Self.header(of: esToken) == ["alg": "ES256", "kid": es, "typ": "JWT"])
            #expect(try Self.verifiesWithPublishedKey(esToken, try #require(published.first)))
            // The site root publishes the same set.
            #expect(try await Self.get(client, app, "/.well-known/jwks.json", token: nil).body.contains(es))
            // Every surface takes it: Auth, REST, Storage, Functions.
            #expect(try await Self.get(client, app, "/auth/v1/user", token: esToken).status == .ok)
            #expect(try await Self.get(client, app, "/rest/v1/profiles?select=id", token: esToken).body.contains("\"id\""))
            #expect(try await Self.get(client, app, "/storage/v1/bucket", token: esToken).status == .ok)
            #expect(try await Self.get(client, app, "/functions/v1/credits", token: esToken).status == .ok)
            // HS256 tokens still work (the API keys are HS256).
            #expect(try await Self.get(client, app, "/auth/v1/user", token: hs).status == .ok)

            // A second key signs from now on; the first still verifies.
            let rs = try await records.add(.rs256, created: Date().addingTimeInterval(-100))
            let both = try await Self.jwks(client, app, count: 2)
            #expect(both.contains { $0["kid"] as? String == rs && $0["kty"] as? String == "RSA" && $0["n"] is String && $0["e"] as? String == "AQAB" })
            let rsToken = try await Self.signIn(client, app, "kim@keys.test")
            #expect(Self.header(of: rsToken)["alg"] == "RS256" && Self.header(of: rsToken)["kid"] == rs)
            #expect(try await Self.get(client, app, "/auth/v1/user", token: rsToken).status == .ok)
            #expect(try await Self.get(client, app, "/auth/v1/user", token: esToken).status == .ok)

            // Retired: the ES256 key verifies through its grace period (token lifetime + leeway), then not.
            let retiredAt = Date()
            // Signed by the ES256 key before it retires, valid for a day: only the key's grace period stands in its way.
            struct Claims: Encodable { let sub: String; let role: String; let exp: Int }
            let esKey = try #require(try await records.load(grace: 3_630).keys.first { $0.kid == es })
            let longLived = try #require(try SigningKeySet(keys: [esKey], grace: 0).sign(
                Claims(sub: "00000000-0000-0000-0000-000000000001", role: "authenticated", exp: Int(retiredAt.timeIntervalSince1970) + 86_400), now: retiredAt))
            #expect(try await records.retire(kid: es, at: retiredAt))
            #expect(try await records.retire(kid: es, at: retiredAt) == false, "retired once")
            let set = try await records.load(grace: 3_630)
            func resolver(at time: Date) -> CallerResolver {
                CallerResolver(secret: TestApp.secret, keys: app.keys, signingKeys: SigningKeyStore(set), leeway: 0, now: { time })
            }
            #expect((try? resolver(at: retiredAt.addingTimeInterval(60)).resolve(bearer: longLived, apiKey: nil)) != nil, "within the grace period")
            #expect(throws: TokenError.self) { try resolver(at: retiredAt.addingTimeInterval(3_700)).resolve(bearer: longLived, apiKey: nil) }
            // The server published what still verifies: both keys, until the grace period ends.
            #expect(set.verifying(at: retiredAt.addingTimeInterval(3_700)).map(\.kid) == [rs])
            #expect(set.current(at: retiredAt)?.kid == rs)

            // Revoked (a leaked key): gone from the JWKS, and its tokens refused at once, grace or not.
            #expect(try await records.revoke(kid: rs))
            #expect(try await Self.jwks(client, app, count: 1).first?["kid"] as? String == es)
            #expect(try await Self.get(client, app, "/auth/v1/user", token: rsToken).status == .forbidden)
            #expect(try await records.revoke(kid: rs) == false)
        }
    }

    @Test("forged, confused, unknown-key and unsigned tokens are refused; private keys are sealed and out of every client's reach")
    func attacks() async throws {
        let app = try await TestApp.make()
        let owner = SQLRunner(pool: app.parts.ownerDatabase, logger: TestCluster.logger)
        let records = SigningKeyRecords(database: owner, ring: TestApp.keyRing)
        try await app.run { client in
            let user = try await app.signUp(client, email: "max@keys.test")
            let kid = try await records.add(.es256, created: Date().addingTimeInterval(-200))
            _ = try await Self.jwks(client, app, count: 1)
            let genuine = try await Self.signIn(client, app, "max@keys.test")
            let parts = genuine.split(separator: ".").map(String.init)
            let payload = parts[1]
            func encode(_ header: String) -> String { APIKeys.base64URL(Data(header.utf8)) }

            // Signed by a key of the attacker's, under the server's kid.
            let (mine, _) = try SigningKey.generate(.es256, now: Date())
            struct Claims: Encodable { let sub: String; let role: String; let exp: Int }
            let forged = try #require(try SigningKeySet(keys: [mine], grace: 0).sign(Claims(sub: user.id, role: "service_role", exp: 9_999_999_999), now: Date().addingTimeInterval(600)))
            let forgedWithKid = encode(#"{"alg":"ES256","kid":"\#(kid)","typ":"JWT"}"#) + "." + forged.split(separator: ".")[1] + "." + forged.split(separator: ".")[2]
            // The public key's bytes used as an HMAC secret (the classic algorithm confusion).
            let jwk = try await Self.get(client, app, "/auth/v1/.well-known/jwks.json", token: nil).body
            let confused = try HS256(secret: jwk).sign(Claims(sub: user.id, role: "service_role", exp: 9_999_999_999))
            let cases: [(String, String)] = [
                ("forged signature under the server's kid", forgedWithKid),
                ("the attacker's own kid", forged),
                ("unknown kid", encode(#"{"alg":"ES256","kid":"nosuchkey123","typ":"JWT"}"#) + "." + payload + "." + parts[2]),
                ("RS256 named for an EC key", encode(#"{"alg":"RS256","kid":"\#(kid)","typ":"JWT"}"#) + "." + payload + "." + parts[2]),
                ("alg none", encode(#"{"alg":"none","kid":"\#(kid)"}"#) + "." + payload + "."),
                ("HMAC under the published key", confused),
                ("signature cut short", parts[0] + "." + payload + "." + String(parts[2].dropLast(4))),
            ]
            for (what, token) in cases {
                // GoTrue's answer to a token it cannot verify is 403 bad_jwt; PostgREST's is 401.
                let auth = try await Self.get(client, app, "/auth/v1/user", token: token)
                #expect(auth.status == .forbidden && auth.body.contains("bad_jwt"), "\(what): \(auth.body)")
                #expect(try await Self.get(client, app, "/rest/v1/profiles?select=id", token: token).status == .unauthorized, "\(what)")
            }
            #expect(try await Self.get(client, app, "/auth/v1/user", token: genuine).status == .ok)

            // The same signature with s replaced by n - s (the other valid ECDSA text): refused.
            let signature = try #require(HS256.base64URLDecode(Array(parts[2].utf8)))
            #expect(SigningKey.isHigh(Array(signature.suffix(32))) == false, "the server signs low-S")
            let flipped = parts[0] + "." + payload + "." + APIKeys.base64URL(Data(signature.prefix(32)) + Data(Self.negated(Array(signature.suffix(32)))))
            #expect(try await Self.get(client, app, "/auth/v1/user", token: flipped).status == .forbidden)

            // A key just added verifies and is published at once, but signs only once every server has it.
            let fresh = try await records.add(.es256)
            #expect(try await Self.jwks(client, app, count: 2).contains { $0["kid"] as? String == fresh })
            #expect(Self.header(of: try await Self.signIn(client, app, "max@keys.test"))["kid"] == kid)

            // At rest the private key is ciphertext, and the table is no client's.
            let stored = try #require(try await owner.text(SQLStatement("SELECT encode(private_key_encrypted, 'escape') FROM internal.signing_keys")))
            #expect(!stored.contains("PRIVATE KEY"))
            #expect(try await Self.get(client, app, "/rest/v1/signing_keys", token: genuine).status != .ok)
            // Moved to another row, the sealed key does not open.
            try await owner.execute(SQLStatement("UPDATE internal.signing_keys SET id = gen_random_uuid()"))
            await #expect(throws: (any Error).self) { _ = try await records.load(grace: 60) }
        }
    }

    @Test("visionary signing-keys add, list and retire")
    func commands() async throws {
        try await TestCluster.shared.withDatabase { database in
            var config = TestCluster.commandConfig(on: database)
            config.integrations.encryptionKeys = TestApp.encryptionKeys
            #expect(try await SigningKeyCommands.list(config: config).hasPrefix("no signing keys"))
            let added = try await SigningKeyCommands.add(config: config, algorithm: "ES256")
            let kid = try #require(added.split(separator: " ").dropFirst(3).first.map { String($0.dropLast()) }, "\(added)")
            let listed = try await SigningKeyCommands.list(config: config)
            #expect(listed.hasPrefix("\(kid)  ES256") && listed.contains("verifies; signs from"), "a new key signs once every server has it: \(listed)")
            await #expect(throws: (any Error).self) { _ = try await SigningKeyCommands.add(config: config, algorithm: "HS512") }
            #expect(try await SigningKeyCommands.retire(config: config, kid: kid).hasPrefix("retired \(kid)"))
            #expect(try await SigningKeyCommands.list(config: config).contains("retired, verifies until"))
            await #expect(throws: (any Error).self) { _ = try await SigningKeyCommands.retire(config: config, kid: kid) }
        }
    }
}
