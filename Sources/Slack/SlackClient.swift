import AppConfig
import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Slack's Web API for the three methods the reminder bot calls — `oauth.v2.access` (finishing
/// an install), `chat.postMessage` and `auth.revoke` — at `VISIONARY_SLACK_BASE_URL`. Slack
/// answers 200 with `"ok": false` and an error code when it refuses; that is thrown as `Refused`.
public struct SlackClient: Sendable {
    let app: SlackApp
    let client: HTTPClient

    public init(app: SlackApp, client: HTTPClient = .shared) {
        self.app = app
        self.client = client
    }

    /// Slack's refusal: its error code (`invalid_code`, `channel_not_found`, `token_revoked`, …).
    public struct Refused: Error, CustomStringConvertible {
        public let code: String
        public var description: String { "Slack refused: \(code)" }
    }

    /// What Slack grants when a workspace installs the app.
    public struct Installation: Sendable, Decodable {
        public struct Team: Sendable, Decodable {
            public let id: String
            public let name: String?
        }
        public struct AuthedUser: Sendable, Decodable {
            public let id: String
        }
        public let accessToken: String
        public let scope: String?
        public let botUserID: String
        public let team: Team
        public let authedUser: AuthedUser
        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token", scope, botUserID = "bot_user_id", team, authedUser = "authed_user"
        }
    }

    /// Where a person is sent to install the app, with the server's signed `state`.
    public func authorizeURL(state: String, redirectURI: String) -> String {
        "\(app.baseURL)/oauth/v2/authorize?client_id=\(app.clientID.uriComponentEncoded)&scope=\(Self.scopes.uriComponentEncoded)"
            + "&state=\(state.uriComponentEncoded)&redirect_uri=\(redirectURI.uriComponentEncoded)"
    }

    /// The bot scopes the app asks for.
    public static let scopes = "chat:write,commands,app_mentions:read,im:write"

    /// Every answer's envelope: `ok`, and the error code when not.
    struct Status: Decodable {
        let ok: Bool
        let error: String?
    }

    /// Exchanges the code of an install for the bot token (the client secret goes in HTTP Basic).
    public func finishInstall(code: String, redirectURI: String) async throws -> Installation {
        let form = "code=\(code.uriComponentEncoded)&redirect_uri=\(redirectURI.uriComponentEncoded)"
        let basic = Data("\(app.clientID):\(app.clientSecret)".utf8).base64EncodedString()
        return try await call("oauth.v2.access", authorization: "Basic \(basic)", contentType: "application/x-www-form-urlencoded", body: form)
    }

    /// Posts a message (text and optional Block Kit blocks) and answers its `ts`.
    public func postMessage(token: String, channel: String, text: String, blocks: JSONValue? = nil, threadTS: String? = nil) async throws -> String {
        struct Posted: Decodable { let ts: String? }
        var message: [String: JSONValue] = ["channel": .string(channel), "text": .string(text)]
        if let blocks { message["blocks"] = blocks }
        if let threadTS { message["thread_ts"] = .string(threadTS) }
        let posted: Posted = try await call(
            "chat.postMessage", authorization: "Bearer \(token)", contentType: "application/json; charset=utf-8", body: JSONValue.object(message).jsonText)
        return posted.ts ?? ""
    }

    /// Revokes the bot token; one Slack already considers revoked counts as done.
    public func revoke(token: String) async throws {
        struct Revoked: Decodable {}
        do {
            let _: Revoked = try await call("auth.revoke", authorization: "Bearer \(token)", contentType: "application/x-www-form-urlencoded", body: "")
        } catch let refused as Refused where ["token_revoked", "invalid_auth", "account_inactive"].contains(refused.code) {
            return
        }
    }

    func call<Answer: Decodable>(_ method: String, authorization: String, contentType: String, body: String) async throws -> Answer {
        var request = HTTPClientRequest(url: "\(app.baseURL)/api/\(method)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1024 * 1024)
        guard (200..<300).contains(response.status.code) else { throw Refused(code: "http_\(response.status.code)") }
        let status = try JSONDecoder().decode(Status.self, from: Data(buffer: bytes))
        guard status.ok else { throw Refused(code: String((status.error ?? "unknown_error").prefix(100))) }
        return try JSONDecoder().decode(Answer.self, from: Data(buffer: bytes))
    }
}
