import Crypto
import Foundation
import Hummingbird
import Synchronization
import _CryptoExtras

/// A loopback server that speaks the Microsoft services the Teams bot uses: the identity
/// platform's token endpoint (`/{tenant}/oauth2/v2.0/token`: authorization codes, refresh tokens
/// and client credentials, checked against the app id and password), Graph's `/v1.0/me`, the Bot
/// Framework's OpenID metadata and JWKS (an RSA key of its own), and a connector
/// (`/v3/conversations/{id}/activities`) that records what the bot sends. It signs Bot Framework
/// tokens as the channel would (`token(...)`), and remembers every delegated token it issued.
/// A code `code-<aadObjectId>` signs in that Teams user; refresh token `refresh-revoked-…` is refused.
public final class MicrosoftTestServer: Sendable {
    public struct Sent: Sendable {
        public let conversation: String
        public let authorization: String
        public let body: String
    }

    let server: LoopbackServer
    let state: State
    let key: _RSA.Signing.PrivateKey
    /// A second key of the JWKS (`bf-web`), endorsed only for the `webchat` channel.
    public let webChatKey: _RSA.Signing.PrivateKey
    public let appID: String
    public static let issuer = "https://api.botframework.test"

    final class State: Sendable {
        let issued = Mutex<[String]>([])
        let sent = Mutex<[Sent]>([])
        let refreshes = Mutex<Int>(0)
        let botTokens = Mutex<[String]>([])
        let revokedRefresh = Mutex<Set<String>>([])
    }

    public init(appID: String, appPassword: String) async throws {
        let state = State()
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let webChatKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        func jwk(_ key: _RSA.Signing.PrivateKey, kid: String, endorsements: String) throws -> String {
            let primitives = try key.publicKey.getKeyPrimitives()
            return #"{"kty":"RSA","use":"sig","kid":"\#(kid)","n":"\#(Self.base64URL(primitives.modulus))","e":"\#(Self.base64URL(primitives.publicExponent))","endorsements":[\#(endorsements)]}"#
        }
        let jwks = #"{"keys":[\#(try jwk(key, kid: "bf-1", endorsements: #""msteams","skype""#)),\#(try jwk(webChatKey, kid: "bf-web", endorsements: #""webchat""#))]}"#
        let router = Router()
        let baseURL = Mutex<String>("")
        router.get("openid/metadata") { _, _ in
            LoopbackServer.json(#"{"issuer":"\#(Self.issuer)","jwks_uri":"\#(baseURL.withLock { $0 })/openid/keys","id_token_signing_alg_values_supported":["RS256"]}"#)
        }
        router.get("openid/keys") { _, _ in LoopbackServer.json(jwks) }
        router.post(":tenant/oauth2/v2.0/token") { request, context in
            let form = LoopbackServer.form(String(buffer: try await request.body.collect(upTo: 64 * 1024)))
            guard form["client_id"] == appID, form["client_secret"] == appPassword else { return Self.refuse("invalid_client", status: .unauthorized) }
            let tenant = context.parameters.get("tenant") ?? ""
            switch form["grant_type"] {
            case "client_credentials" where tenant == "botframework.com":
                let token = "bot-\(UUID().uuidString.lowercased())"
                state.botTokens.withLock { $0.append(token) }
                return LoopbackServer.json(#"{"token_type":"Bearer","expires_in":3600,"access_token":"\#(token)"}"#)
            case "authorization_code":
                guard let code = form["code"], code.hasPrefix("code-") else { return Self.refuse("invalid_grant") }
                return Self.issue(user: String(code.dropFirst(5)), state: state)
            case "refresh_token":
                guard let refresh = form["refresh_token"], refresh.hasPrefix("refresh-"),
                      !state.revokedRefresh.withLock({ $0.contains(refresh) }) else { return Self.refuse("invalid_grant") }
                state.refreshes.withLock { $0 += 1 }
                let user = refresh.split(separator: "-").dropFirst().first.map(String.init) ?? "x"
                return Self.issue(user: user, state: state)
            default:
                return Self.refuse("unsupported_grant_type")
            }
        }
        router.get("v1.0/me") { request, _ in
            let bearer = (request.headers[.authorization] ?? "").replacingOccurrences(of: "Bearer ", with: "")
            guard bearer.hasPrefix("access-"), state.issued.withLock({ $0.contains(bearer) }) else { return Self.refuse("InvalidAuthenticationToken", status: .unauthorized) }
            let user = bearer.split(separator: "-")[1]
            return LoopbackServer.json(#"{"id":"\#(user)","displayName":"User <\#(user)>","mail":"\#(user)@contoso.test","userPrincipalName":"\#(user)@contoso.test"}"#)
        }
        router.post("connector/v3/conversations/:conversation/activities") { request, context in
            let authorization = request.headers[.authorization] ?? ""
            guard state.botTokens.withLock({ $0.contains(authorization.replacingOccurrences(of: "Bearer ", with: "")) }) else {
                return Self.refuse("Unauthorized", status: .unauthorized)
            }
            let body = String(buffer: try await request.body.collect(upTo: 256 * 1024))
            state.sent.withLock { $0.append(Sent(conversation: context.parameters.get("conversation") ?? "", authorization: authorization, body: body)) }
            return LoopbackServer.json(#"{"id":"activity-\#(state.sent.withLock { $0.count })"}"#)
        }
        let server = await LoopbackServer.start(router, label: "microsoft-test-server")
        baseURL.withLock { $0 = server.baseURL }
        self.server = server
        self.state = state
        self.key = key
        self.webChatKey = webChatKey
        self.appID = appID
    }

    static func issue(user: String, state: State) -> Response {
        let access = "access-\(user)-\(UUID().uuidString.lowercased())"
        let refresh = "refresh-\(user)-\(UUID().uuidString.lowercased())"
        state.issued.withLock { $0.append(contentsOf: [access, refresh]) }
        let idToken = "e30." + base64URL(Data(#"{"tid":"tenant-1","oid":"\#(user)"}"#.utf8)) + ".sig"
        return LoopbackServer.json(#"{"token_type":"Bearer","expires_in":3600,"access_token":"\#(access)","refresh_token":"\#(refresh)","id_token":"\#(idToken)"}"#)
    }

    /// A Bot Framework token as the channel sends it: RS256 with this server's key (or `key`),
    /// for `audience`, naming `serviceURL`, expiring at `expires`.
    public func token(audience: String? = nil, serviceURL: String, issuer: String = MicrosoftTestServer.issuer,
                      expires: Date = Date().addingTimeInterval(3600), key: _RSA.Signing.PrivateKey? = nil, kid: String = "bf-1") throws -> String {
        let header = Self.base64URL(Data(#"{"alg":"RS256","kid":"\#(kid)","typ":"JWT"}"#.utf8))
        let claims = #"{"iss":"\#(issuer)","aud":"\#(audience ?? appID)","serviceurl":"\#(serviceURL)","exp":\#(Int(expires.timeIntervalSince1970)),"nbf":\#(Int(Date().timeIntervalSince1970) - 60)}"#
        let input = header + "." + Self.base64URL(Data(claims.utf8))
        let signature = try (key ?? self.key).signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
        return input + "." + Self.base64URL(signature.rawRepresentation)
    }

    /// Makes Microsoft refuse this refresh token from now on.
    public func revoke(refreshToken: String) { _ = state.revokedRefresh.withLock { $0.insert(refreshToken) } }

    public var issuedTokens: [String] { state.issued.withLock { $0 } }
    public var sent: [Sent] { state.sent.withLock { $0 } }
    public var refreshCount: Int { state.refreshes.withLock { $0 } }
    public var baseURL: String { server.baseURL }
    /// The service URL the fake's connector answers at.
    public var serviceURL: String { server.baseURL + "/connector/" }
    public var metadataURL: String { server.baseURL + "/openid/metadata" }
    public func stop() { server.stop() }

    static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func refuse(_ code: String, status: HTTPResponse.Status = .badRequest) -> Response {
        LoopbackServer.json(#"{"error":"\#(code)","error_description":"refused by the test server"}"#, status: status)
    }
}
