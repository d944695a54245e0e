import Core
import Crypto
import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import Tokens
import VisionaryApp

/// TOTP factors: enrol, challenge, verify (aal2 sessions), unenrol, the admin's view — and wrong
/// and replayed codes, another user's factor, aal1 sessions changing factors, challenge floods,
/// and a policy that asks for aal2.
@Suite("Auth: multi-factor authentication (TOTP)")
struct MFATests {
    /// An authenticator app of the test's own: RFC 6238 from the base32 secret the server gave.
    static func code(secret: String, at date: Date = Date(), offset: Int64 = 0) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bytes: [UInt8] = [], buffer = 0, bits = 0
        for character in secret {
            guard let value = alphabet.firstIndex(of: character) else { continue }
            buffer = (buffer << 5) | value
            bits += 5
            if bits >= 8 { bytes.append(UInt8((buffer >> (bits - 8)) & 0xFF)); bits -= 8 }
        }
        let counter = UInt64(Int64(date.timeIntervalSince1970) / 30 + offset)
        let message = Data((0..<8).map { UInt8((counter >> (56 - 8 * UInt64($0))) & 0xFF) })
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: bytes)))
        let offset = Int(mac[19] & 0x0F)
        let value = (Int(mac[offset]) & 0x7F) << 24 | Int(mac[offset + 1]) << 16 | Int(mac[offset + 2]) << 8 | Int(mac[offset + 3])
        return String(format: "%06d", value % 1_000_000)
    }

    static func claims(_ token: String) -> [String: Any] {
        let part = token.split(separator: ".").dropFirst().first.map { Array($0.utf8) } ?? []
        return (try? JSONSerialization.jsonObject(with: HS256.base64URLDecode(part) ?? Data())) as? [String: Any] ?? [:]
    }

    @Test("the TOTP of RFC 6238's test vector, and its base32")
    func rfcVectors() throws {
        // RFC 6238, appendix B: SHA-1 secret "12345678901234567890"; 8-digit codes.
        let secret = Array("12345678901234567890".utf8)
        #expect(TOTPVectors.code(secret, 59) == "94287082")
        #expect(TOTPVectors.code(secret, 1_111_111_109) == "07081804")
        #expect(TOTPVectors.code(secret, 20_000_000_000) == "65353130")
        #expect(Self.code(secret: TOTPVectors.base32(secret), at: Date(timeIntervalSince1970: 59)) == "287082")
    }

    @Test("enrol, challenge, verify to aal2; wrong and replayed codes, another user's factor, aal1 changes, floods and an aal2 policy")
    func totpFlow() async throws {
        let app = try await TestApp.make()
        let owner = SQLRunner(pool: app.parts.ownerDatabase, logger: TestCluster.logger)
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            _ = try await auth.signUp("ann@mfa.test")
            _ = try await auth.signUp("bob@mfa.test")
            let ann = try #require(try await auth.signIn("ann@mfa.test").string("access_token"))
            let bob = try #require(try await auth.signIn("bob@mfa.test").string("access_token"))
            #expect(Self.claims(ann)["aal"] as? String == "aal1")

            let enrolled = try await auth.send(.post, "factors", json: #"{"factor_type":"totp","friendly_name":"Phone","issuer":"Visionary"}"#, bearer: ann)
            #expect(enrolled.status == .ok, "\(enrolled.body)")
            let factor = try #require(enrolled.string("id"))
            let totp = try #require(enrolled.json["totp"] as? [String: Any])
            let secret = try #require(totp["secret"] as? String)
            #expect((totp["uri"] as? String)?.hasPrefix("otpauth://totp/Visionary:ann%40mfa.test?secret=\(secret)&issuer=Visionary") == true, "\(totp)")
            #expect(secret.count == 32)
            #expect((totp["qr_code"] as? String)?.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") == true, "the QR code of the URI, as SVG")
            let user = try await auth.send(.get, "user", bearer: ann)
            #expect(((user.json["factors"] as? [[String: Any]])?.first?["status"]) as? String == "unverified")
            // The secret is nowhere in the database.
            let row = try await owner.text(SQLStatement("SELECT row_to_json(f)::text FROM auth.mfa_factors f"))
            #expect(row?.contains(secret) == false)

            // Bob cannot challenge or verify Ann's factor.
            #expect(try await auth.send(.post, "factors/\(factor)/challenge", bearer: bob).status == .notFound)
            let challenge = try await auth.send(.post, "factors/\(factor)/challenge", bearer: ann)
            let challengeID = try #require(challenge.string("id"), "\(challenge.body)")
            #expect((challenge.json["expires_at"] as? Int ?? 0) > Int(Date().timeIntervalSince1970))
            let right = Self.code(secret: secret)
            #expect(try await auth.send(.post, "factors/\(factor)/verify", json: #"{"challenge_id":"\#(challengeID)","code":"\#(right)"}"#, bearer: bob).status == .notFound)
            // A wrong code, then the right one: an aal2 session.
            let wrong = right == "000000" ? "111111" : "000000"
            let refused = try await auth.send(.post, "factors/\(factor)/verify", json: #"{"challenge_id":"\#(challengeID)","code":"\#(wrong)"}"#, bearer: ann)
            #expect(refused.status == .unprocessableContent && refused.code == "mfa_verification_failed", "\(refused.body)")
            let verified = try await auth.send(.post, "factors/\(factor)/verify", json: #"{"challenge_id":"\#(challengeID)","code":"\#(right)"}"#, bearer: ann)
            #expect(verified.status == .ok, "\(verified.body)")
            let strong = try #require(verified.string("access_token"))
            let claims = Self.claims(strong)
            #expect(claims["aal"] as? String == "aal2")
            #expect((claims["amr"] as? [[String: Any]])?.contains { $0["method"] as? String == "totp" } == true)
            // A refresh keeps aal2.
            let refreshed = try await auth.refresh(try #require(verified.string("refresh_token")))
            #expect(Self.claims(try #require(refreshed.string("access_token")))["aal"] as? String == "aal2")

            // The same code again, on a new challenge: a replay, refused.
            let again = try #require(try await auth.send(.post, "factors/\(factor)/challenge", bearer: ann).string("id"))
            let replay = try await auth.send(.post, "factors/\(factor)/verify", json: #"{"challenge_id":"\#(again)","code":"\#(right)"}"#, bearer: ann)
            #expect(replay.status == .unprocessableContent, "\(replay.body)")
            // A used challenge does not verify twice.
            let twice = try await auth.send(.post, "factors/\(factor)/verify", json: #"{"challenge_id":"\#(challengeID)","code":"\#(right)"}"#, bearer: ann)
            #expect(twice.status == .unprocessableContent && twice.code == "mfa_challenge_expired", "\(twice.body)")
            // Five wrong codes end a challenge.
            for _ in 0..<5 { _ = try await auth.send(.post, "factors/\(factor)/verify", json: #"{"challenge_id":"\#(again)","code":"\#(wrong)"}"#, bearer: ann) }
            let spent = try await auth.send(.post, "factors/\(factor)/verify", json: #"{"challenge_id":"\#(again)","code":"\#(Self.code(secret: secret, offset: 1))"}"#, bearer: ann)
            #expect(spent.code == "mfa_challenge_expired", "\(spent.body)")

            // With a verified factor, an aal1 session cannot enrol another or unenrol it.
            let weak = try #require(try await auth.signIn("ann@mfa.test").string("access_token"))
            #expect(try await auth.send(.post, "factors", json: #"{"factor_type":"totp"}"#, bearer: weak).code == "insufficient_aal")
            #expect(try await auth.send(.delete, "factors/\(factor)", bearer: weak).code == "insufficient_aal")
            // Nor change the password (the password alone is what a thief would have).
            let newPassword = try await auth.send(.put, "user", json: #"{"password":"another-secret-123"}"#, bearer: weak)
            #expect(newPassword.status == .forbidden && newPassword.code == "insufficient_aal", "\(newPassword.body)")
            #expect(try await auth.send(.post, "factors", json: #"{"factor_type":"phone"}"#, bearer: strong).status == .unprocessableContent)

            // A factor enrolled before the first was verified (an attacker's, with the password) cannot be
            // verified later from an aal1 session.
            let planted = try #require(try await auth.send(.post, "factors", json: #"{"friendly_name":"planted"}"#, bearer: bob).json["totp"] as? [String: Any])
            let bobFactors = try await auth.send(.get, "user", bearer: bob).json["factors"] as? [[String: Any]]
            let plantedID = try #require(bobFactors?.first?["id"] as? String)
            let own = try await auth.send(.post, "factors", json: #"{"friendly_name":"mine"}"#, bearer: bob)
            let ownID = try #require(own.string("id")), ownSecret = try #require((own.json["totp"] as? [String: Any])?["secret"] as? String)
            let ownChallenge = try #require(try await auth.send(.post, "factors/\(ownID)/challenge", bearer: bob).string("id"))
            #expect(try await auth.send(.post, "factors/\(ownID)/verify", json: #"{"challenge_id":"\#(ownChallenge)","code":"\#(Self.code(secret: ownSecret))"}"#, bearer: bob).status == .ok)
            let bobWeak = try #require(try await auth.signIn("bob@mfa.test").string("access_token"))
            let plantedChallenge = try #require(try await auth.send(.post, "factors/\(plantedID)/challenge", bearer: bobWeak).string("id"))
            let plantedCode = Self.code(secret: try #require(planted["secret"] as? String))
            let refusedPlant = try await auth.send(.post, "factors/\(plantedID)/verify",
                                                   json: #"{"challenge_id":"\#(plantedChallenge)","code":"\#(plantedCode)"}"#, bearer: bobWeak)
            #expect(refusedPlant.status == .forbidden && refusedPlant.code == "insufficient_aal", "\(refusedPlant.body)")

            // Challenges are rate-limited per factor.
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<6 { statuses.append(try await auth.send(.post, "factors/\(factor)/challenge", bearer: strong).status) }
            #expect(statuses.contains(.tooManyRequests), "\(statuses)")

            // A policy may ask for aal2: (SELECT auth.jwt() ->> 'aal') = 'aal2'.
            for statement in [
                "CREATE TABLE public.vault (id int PRIMARY KEY, secret text)",
                "ALTER TABLE public.vault ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY vault_aal2 ON public.vault FOR SELECT TO authenticated USING ((SELECT auth.jwt() ->> 'aal') = 'aal2')",
                "GRANT SELECT ON public.vault TO authenticated",
                "INSERT INTO public.vault VALUES (1, 'gold')",
                "NOTIFY pgrst, 'reload schema'",
            ] { try await owner.execute(SQLStatement(statement)) }
            var body = ""
            for _ in 0..<50 {
                body = try await client.execute(uri: "/rest/v1/vault?select=secret", method: .get,
                                                headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(strong)"]) { String(buffer: $0.body) }
                if body.contains("gold") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(body.contains("gold"), "\(body)")
            let hidden = try await client.execute(uri: "/rest/v1/vault?select=secret", method: .get,
                                                  headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(weak)"]) { String(buffer: $0.body) }
            #expect(hidden == "[]", "\(hidden)")

            // The admin sees and removes factors; unenrolled, the user's sessions are aal1 again.
            let service = AuthClient(client: client, apiKey: app.keys.serviceRole)
            let annID = try #require((user.json["id"]) as? String)
            let listed = try await service.send(.get, "admin/users/\(annID)/factors", bearer: app.keys.serviceRole)
            #expect(listed.body.contains(factor) && listed.body.contains("verified"), "\(listed.body)")
            #expect(try await auth.send(.get, "admin/users/\(annID)/factors", bearer: strong).status == .forbidden)
            #expect(try await auth.send(.delete, "factors/\(factor)", bearer: strong).status == .ok)
            let after = try await auth.refresh(try #require(refreshed.string("refresh_token")))
            #expect(Self.claims(try #require(after.string("access_token")))["aal"] as? String == "aal1")
            #expect(try await service.send(.get, "admin/users/\(annID)/factors", bearer: app.keys.serviceRole).body == "[]")
        }
    }
}

/// RFC 6238's reference algorithm, written out for the test vectors (8 digits, SHA-1).
enum TOTPVectors {
    static func code(_ secret: [UInt8], _ time: Int64) -> String {
        let counter = UInt64(time / 30)
        let message = Data((0..<8).map { UInt8((counter >> (56 - 8 * UInt64($0))) & 0xFF) })
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[19] & 0x0F)
        let value = (Int(mac[offset]) & 0x7F) << 24 | Int(mac[offset + 1]) << 16 | Int(mac[offset + 2]) << 8 | Int(mac[offset + 3])
        return String(format: "%08d", value % 100_000_000)
    }

    static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var output = "", buffer = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 { output.append(alphabet[(buffer >> (bits - 5)) & 0x1F]); bits -= 5 }
        }
        if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 0x1F]) }
        return output
    }
}
