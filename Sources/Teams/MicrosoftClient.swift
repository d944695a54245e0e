import AppConfig
import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization
import Tokens

/// The Microsoft services the Teams bot calls: the identity platform (`VISIONARY_MICROSOFT_LOGIN_BASE_URL`)
/// for the delegated sign-in that names the Teams user and for the bot's own client-credentials
/// token, Microsoft Graph (`VISIONARY_GRAPH_BASE_URL`) for who signed in, and the Bot Framework
/// connector at a conversation's service URL for sending messages.
public final class MicrosoftClient: Sendable {
    let app: TeamsApp
    let client: HTTPClient
    /// The bot's token for the connector and when it stops being used (a minute before it expires).
    let botToken = Mutex<(token: String, until: Date)?>(nil)

    public init(app: TeamsApp, client: HTTPClient = .shared) {
        self.app = app
        self.client = client
    }

    /// The identity platform's or a service's refusal: its error code and status.
    public struct Refused: Error, CustomStringConvertible {
        public let status: Int
        public let code: String
        public var description: String { "Microsoft answered \(status) \(code)" }
    }

    /// The delegated sign-in scopes: enough to name the user, and to keep the link refreshable.
    public static let scopes = "openid profile offline_access User.Read"

    public func authorizeURL(state: String, redirectURI: String) -> String {
        "\(app.loginBaseURL)/common/oauth2/v2.0/authorize?client_id=\(app.appID.uriComponentEncoded)&response_type=code&response_mode=query"
            + "&scope=\(Self.scopes.uriComponentEncoded)&redirect_uri=\(redirectURI.uriComponentEncoded)&state=\(state.uriComponentEncoded)"
    }

    /// Tokens of the delegated sign-in.
    public struct TokenSet: Sendable, Decodable {
        public let accessToken: String
        public let refreshToken: String?
        public let expiresIn: Int
        public let idToken: String?
        enum CodingKeys: String, CodingKey { case accessToken = "access_token", refreshToken = "refresh_token", expiresIn = "expires_in", idToken = "id_token" }

        /// The tenant the user signed in from: the `tid` of the ID token, which came straight from
        /// the token endpoint over TLS (so its signature need not be checked, OpenID Connect §3.1.3.7).
        public var tenantID: String? {
            guard let idToken else { return nil }
            let parts = idToken.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard parts.count == 3, let data = HS256.base64URLDecode(parts[1]),
                  case .object(let claims)? = try? JSONDecoder().decode(JSONValue.self, from: data),
                  let tid = claims["tid"]?.stringValue, tid.count <= 100
            else { return nil }
            return tid
        }
    }

    /// Redeems the code of the delegated sign-in.
    public func redeem(code: String, redirectURI: String) async throws -> TokenSet {
        try await tokens(tenant: "common", form: [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("scope", Self.scopes),
        ])
    }

    /// New tokens for a refresh token (Microsoft rotates the refresh token too).
    public func refresh(refreshToken: String) async throws -> TokenSet {
        try await tokens(tenant: "common", form: [("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("scope", Self.scopes)])
    }

    /// The signed-in user, from Graph's `/v1.0/me`.
    public struct Profile: Sendable, Decodable {
        public let id: String
        public let displayName: String?
        public let mail: String?
        public let userPrincipalName: String?
    }

    public func me(accessToken: String) async throws -> Profile {
        var request = HTTPClientRequest(url: "\(app.graphBaseURL)/v1.0/me")
        request.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        return try await decode(request)
    }

    /// Sends an activity into a conversation, as the bot (client-credentials token for the Bot
    /// Framework, kept until a minute before it expires).
    public func send(serviceURL: String, conversationID: String, activity: JSONValue, now: Date = Date()) async throws {
        var base = serviceURL
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: "\(base)/v3/conversations/\(conversationID.uriComponentEncoded)/activities")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(try await connectorToken(now: now))")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: activity.jsonText))
        struct Sent: Decodable {}
        let _: Sent = try await decode(request)
    }

    func connectorToken(now: Date) async throws -> String {
        if let kept = botToken.withLock({ $0 }), kept.until > now { return kept.token }
        let fresh = try await tokens(tenant: "botframework.com", form: [
            ("grant_type", "client_credentials"), ("scope", "https://api.botframework.com/.default"),
        ])
        botToken.withLock { $0 = (fresh.accessToken, now.addingTimeInterval(TimeInterval(min(max(fresh.expiresIn, 60), 86_400) - 60))) }
        return fresh.accessToken
    }

    func tokens(tenant: String, form: [(String, String)]) async throws -> TokenSet {
        var request = HTTPClientRequest(url: "\(app.loginBaseURL)/\(tenant)/oauth2/v2.0/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let fields = [("client_id", app.appID), ("client_secret", app.appPassword)] + form
        request.body = .bytes(ByteBuffer(string: fields.map { "\($0.0)=\($0.1.uriComponentEncoded)" }.joined(separator: "&")))
        return try await decode(request)
    }

    /// The identity platform's error body (`{"error": "invalid_grant", …}`).
    struct ErrorBody: Decodable { let error: String? }

    func decode<Answer: Decodable>(_ request: HTTPClientRequest) async throws -> Answer {
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1024 * 1024)
        guard (200..<300).contains(response.status.code) else {
            let code = (try? JSONDecoder().decode(ErrorBody.self, from: Data(buffer: bytes)))?.error ?? "http_\(response.status.code)"
            throw Refused(status: Int(response.status.code), code: String(code.prefix(100)))
        }
        if bytes.readableBytes == 0, let empty = try? JSONDecoder().decode(Answer.self, from: Data("{}".utf8)) { return empty }
        return try JSONDecoder().decode(Answer.self, from: Data(buffer: bytes))
    }
}
