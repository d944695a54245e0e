import Crypto
import Foundation
import Hummingbird
import Synchronization
import Tokens
import _CryptoExtras

/// A loopback sign-in provider with keys of its own: an OpenID Connect issuer (discovery
/// document, JWKS, a token endpoint answering RS256 ID tokens) and GitHub's OAuth and user API
/// (`/login/oauth/access_token`, `/api/user`, `/api/user/emails`). A test decides who signs in
/// by issuing a code (`issue`) for the nonce the server sent; each code works once, and only
/// with the client's secret. `forge` signs an ID token with another key under the real kid.
public final class OIDCTestServer: Sendable {
    let server: LoopbackServer
    let state: State

    public struct Grant: Sendable {
        public var subject: String
        public var email: String?
        public var verified: Bool
        public var nonce: String?
        public var forge: Bool
        /// The PKCE challenge the code was issued for: the token request must bring its verifier.
        public var challenge: String?

        public init(subject: String, email: String?, verified: Bool, nonce: String?, forge: Bool = false, challenge: String? = nil) {
            self.subject = subject
            self.email = email
            self.verified = verified
            self.nonce = nonce
            self.forge = forge
            self.challenge = challenge
        }
    }

    final class State: Sendable {
        let grants = Mutex<[String: Grant]>([:])
        let tokens = Mutex<[String: Grant]>([:])
        let issuer = Mutex("")
        let key: _RSA.Signing.PrivateKey
        let forger: _RSA.Signing.PrivateKey
        init() throws {
            key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            forger = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        }
    }

    /// - Parameter appleKey: Apple's way: the client secret is an ES256 token of `appleTeam`
    ///   signed by this key, not a shared secret.
    public init(clientID: String, clientSecret: String, appleTeam: String? = nil, appleKey: P256.Signing.PublicKey? = nil) async throws {
        let state = try State()
        let router = Router()
        router.get(".well-known/openid-configuration") { _, _ in
            let issuer = state.issuer.withLock { $0 }
            return LoopbackServer.json(#"{"issuer":"\#(issuer)","authorization_endpoint":"\#(issuer)/authorize","token_endpoint":"\#(issuer)/token","jwks_uri":"\#(issuer)/jwks"}"#)
        }
        router.get("jwks") { _, _ in
            let primitives = try state.key.publicKey.getKeyPrimitives()
            return LoopbackServer.json(#"{"keys":[{"kty":"RSA","kid":"test-key","use":"sig","alg":"RS256","n":"\#(APIKeys.base64URL(primitives.modulus))","e":"\#(APIKeys.base64URL(primitives.publicExponent))"}]}"#)
        }
        @Sendable func redeem(_ request: Request) async throws -> Grant? {
            let form = LoopbackServer.form(String(buffer: try await request.body.collect(upTo: 64 * 1024)))
            func appleSecretValid(_ secret: String?) -> Bool {
                guard let appleKey, let appleTeam, let secret else { return false }
                let parts = secret.split(separator: ".").map { Array($0.utf8) }
                guard parts.count == 3, let payload = HS256.base64URLDecode(parts[1]), let signature = HS256.base64URLDecode(parts[2]),
                      let claims = (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any],
                      claims["iss"] as? String == appleTeam, claims["sub"] as? String == clientID,
                      (claims["exp"] as? Int ?? 0) > Int(Date().timeIntervalSince1970),
                      let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
                else { return false }
                return appleKey.isValidSignature(parsed, for: Data(secret.utf8.prefix(parts[0].count + 1 + parts[1].count)))
            }
            guard form["client_id"] == clientID, form["client_secret"] == clientSecret || appleSecretValid(form["client_secret"]), let code = form["code"],
                  let grant = state.grants.withLock({ $0.removeValue(forKey: code) })
            else { return nil }
            if let challenge = grant.challenge {
                guard let verifier = form["code_verifier"], APIKeys.base64URL(Data(SHA256.hash(data: Data(verifier.utf8)))) == challenge else { return nil }
            }
            return grant
        }
        router.post("token") { request, _ -> Response in
            guard let grant = try await redeem(request) else { return LoopbackServer.json(#"{"error":"invalid_grant"}"#, status: .badRequest) }
            let issuer = state.issuer.withLock { $0 }
            // Apple writes email_verified as a string.
            var claims: [String: Any] = ["iss": issuer, "aud": clientID, "sub": grant.subject,
                                         "email_verified": appleKey == nil ? grant.verified as Any : (grant.verified ? "true" : "false") as Any,
                                         "iat": Int(Date().timeIntervalSince1970), "exp": Int(Date().timeIntervalSince1970) + 600, "name": "Oidc User"]
            if let email = grant.email { claims["email"] = email }
            if let nonce = grant.nonce { claims["nonce"] = nonce }
            let header = APIKeys.base64URL(Data(#"{"alg":"RS256","kid":"test-key","typ":"JWT"}"#.utf8))
            let payload = APIKeys.base64URL(try JSONSerialization.data(withJSONObject: claims))
            let signer = grant.forge ? state.forger : state.key
            let signature = try signer.signature(for: Data((header + "." + payload).utf8), padding: .insecurePKCS1v1_5).rawRepresentation
            let idToken = header + "." + payload + "." + APIKeys.base64URL(signature)
            return LoopbackServer.json(#"{"access_token":"at-\#(UUID().uuidString)","token_type":"Bearer","id_token":"\#(idToken)"}"#)
        }
        router.post("login/oauth/access_token") { request, _ -> Response in
            guard let grant = try await redeem(request) else { return LoopbackServer.json(#"{"error":"bad_verification_code"}"#) }
            let token = "gho_\(UUID().uuidString)"
            state.tokens.withLock { $0[token] = grant }
            return LoopbackServer.json(#"{"access_token":"\#(token)","token_type":"bearer","scope":"read:user,user:email"}"#)
        }
        @Sendable func user(_ request: Request) -> Grant? {
            guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
            return state.tokens.withLock { $0[String(header.dropFirst(7))] }
        }
        router.get("api/user") { request, _ -> Response in
            guard let grant = user(request) else { return LoopbackServer.json(#"{"message":"Bad credentials"}"#, status: .unauthorized) }
            return LoopbackServer.json(#"{"id":\#(Int(grant.subject) ?? 0),"login":"octo","name":"Octo Cat","avatar_url":"https://avatars.test/octo"}"#)
        }
        router.get("api/user/emails") { request, _ -> Response in
            guard let grant = user(request) else { return LoopbackServer.json(#"{"message":"Bad credentials"}"#, status: .unauthorized) }
            return LoopbackServer.json(#"[{"email":"other@octo.test","primary":false,"verified":true},{"email":"\#(grant.email ?? "")","primary":true,"verified":\#(grant.verified)}]"#)
        }
        let started = await LoopbackServer.start(router, label: "oidc-test-server")
        state.issuer.withLock { $0 = started.baseURL }
        server = started
        self.state = state
    }

    /// Makes `code` sign in `grant`'s user, once.
    public func issue(code: String, _ grant: Grant) {
        state.grants.withLock { $0[code] = grant }
    }

    public var baseURL: String { server.baseURL }
    public func stop() { server.stop() }
}
