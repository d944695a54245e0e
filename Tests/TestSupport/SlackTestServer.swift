import Foundation
import Hummingbird
import Synchronization

/// A loopback server that speaks the part of Slack's Web API the bot uses: `oauth.v2.access`
/// (HTTP Basic client credentials, a form with `code` and `redirect_uri`), `chat.postMessage`
/// and `auth.revoke` (bearer bot token), each answering 200 with `ok` and Slack's error codes.
/// A code `code-<team>-<user>` installs the app into workspace `<team>` for Slack user `<user>`;
/// code `bad` is refused. It issues a fresh bot token per install and remembers them all.
public final class SlackTestServer: Sendable {
    public struct Post: Sendable {
        public let token: String
        public let channel: String
        public let text: String
        public let body: String
    }

    let server: LoopbackServer
    let state: State

    final class State: Sendable {
        let issued = Mutex<[String]>([])
        let revoked = Mutex<Set<String>>([])
        let posts = Mutex<[Post]>([])
        let redirects = Mutex<[String]>([])
    }

    public init(clientID: String, clientSecret: String) async throws {
        let state = State()
        let router = Router()
        router.post("api/:method") { request, context in
            let body = String(buffer: try await request.body.collect(upTo: 256 * 1024))
            let authorization = request.headers[.authorization] ?? ""
            switch context.parameters.get("method") ?? "" {
            case "oauth.v2.access":
                let basic = "Basic " + Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()
                guard authorization == basic else { return Self.refuse("invalid_client_id") }
                let form = LoopbackServer.form(body)
                state.redirects.withLock { $0.append(form["redirect_uri"] ?? "") }
                let parts = (form["code"] ?? "").split(separator: "-").map(String.init)
                guard parts.count == 3, parts[0] == "code" else { return Self.refuse("invalid_code") }
                let token = "xoxb-\(UUID().uuidString.lowercased())"
                state.issued.withLock { $0.append(token) }
                return LoopbackServer.json(#"""
                    {"ok":true,"access_token":"\#(token)","token_type":"bot","scope":"chat:write,commands","bot_user_id":"B\#(parts[1])",
                     "app_id":"A1","team":{"id":"\#(parts[1])","name":"Team <\#(parts[1])>"},"enterprise":null,"authed_user":{"id":"\#(parts[2])"}}
                    """#)
            case "chat.postMessage":
                guard let token = Self.live(authorization, state) else { return Self.refuse("invalid_auth") }
                let message = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
                guard let channel = message["channel"] as? String, let text = message["text"] as? String else { return Self.refuse("no_text") }
                state.posts.withLock { $0.append(Post(token: token, channel: channel, text: text, body: body)) }
                return LoopbackServer.json(#"{"ok":true,"channel":"\#(channel)","ts":"1700000000.\#(String(format: "%06d", state.posts.withLock { $0.count }))"}"#)
            case "auth.revoke":
                guard let token = Self.live(authorization, state) else { return Self.refuse("invalid_auth") }
                _ = state.revoked.withLock { $0.insert(token) }
                return LoopbackServer.json(#"{"ok":true,"revoked":true}"#)
            default:
                return Self.refuse("unknown_method")
            }
        }
        server = await LoopbackServer.start(router, label: "slack-test-server")
        self.state = state
    }

    /// The bearer's token when it is one this server issued and did not revoke.
    static func live(_ authorization: String, _ state: State) -> String? {
        guard authorization.hasPrefix("Bearer ") else { return nil }
        let token = String(authorization.dropFirst(7))
        guard state.issued.withLock({ $0.contains(token) }), !state.revoked.withLock({ $0.contains(token) }) else { return nil }
        return token
    }

    static func refuse(_ code: String) -> Response { LoopbackServer.json(#"{"ok":false,"error":"\#(code)"}"#) }

    /// Every bot token it issued.
    public var issuedTokens: [String] { state.issued.withLock { $0 } }
    public func isRevoked(_ token: String) -> Bool { state.revoked.withLock { $0.contains(token) } }
    /// Every message posted, in order.
    public var posts: [Post] { state.posts.withLock { $0 } }
    /// The `redirect_uri` of every code exchange.
    public var redirects: [String] { state.redirects.withLock { $0 } }

    public var baseURL: String { server.baseURL }
    public func stop() { server.stop() }
}
