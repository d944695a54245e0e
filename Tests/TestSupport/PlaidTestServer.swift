import Foundation
import Hummingbird
import Synchronization

/// A loopback server that speaks the part of Plaid's API bank linking uses — JSON posts to
/// `/link/token/create`, `/item/public_token/exchange`, `/accounts/balance/get` and
/// `/item/remove`, each carrying `client_id` and `secret` — with Plaid's error shape. It issues
/// a fresh access token per exchange and remembers every token it issued, so a test can search
/// for them where they must not be. Public token `public-bad` is refused; an item exchanged from
/// `public-relogin` answers balances with `ITEM_LOGIN_REQUIRED`.
public final class PlaidTestServer: Sendable {
    public struct Call: Sendable, Equatable {
        public let path: String
        public let accessToken: String?

        public init(path: String, accessToken: String?) {
            self.path = path
            self.accessToken = accessToken
        }
    }

    let server: LoopbackServer
    let state: State

    final class State: Sendable {
        let calls = Mutex<[Call]>([])
        /// Access token → item id, for the items not removed.
        let items = Mutex<[String: String]>([:])
        let issued = Mutex<[String]>([])
        let relogin = Mutex<Set<String>>([])
    }

    public init(clientID: String, secret: String) async throws {
        let state = State()
        let router = Router()
        router.post(":first/:second/:third") { request, context in
            try await Self.answer(request, path: ["first", "second", "third"].compactMap { context.parameters.get($0) }, clientID: clientID, secret: secret, state: state)
        }
        router.post(":first/:second") { request, context in
            try await Self.answer(request, path: ["first", "second"].compactMap { context.parameters.get($0) }, clientID: clientID, secret: secret, state: state)
        }
        server = await LoopbackServer.start(router, label: "plaid-test-server")
        self.state = state
    }

    static func answer(_ request: Request, path parts: [String], clientID: String, secret: String, state: State) async throws -> Response {
        let path = parts.joined(separator: "/")
        let body = try await request.body.collect(upTo: 64 * 1024)
        let object = (try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8))) as? [String: Any] ?? [:]
        let accessToken = object["access_token"] as? String
        state.calls.withLock { $0.append(Call(path: path, accessToken: accessToken)) }
        guard object["client_id"] as? String == clientID, object["secret"] as? String == secret else {
            return error(400, "INVALID_API_KEYS", "invalid client_id or secret provided")
        }
        switch path {
        case "link/token/create":
            guard (object["user"] as? [String: Any])?["client_user_id"] is String else { return error(400, "INVALID_FIELD", "user.client_user_id is required") }
            return LoopbackServer.json(#"{"link_token":"link-sandbox-\#(UUID().uuidString.lowercased())","expiration":"2026-12-03T16:00:00Z","request_id":"r1"}"#)
        case "item/public_token/exchange":
            guard let publicToken = object["public_token"] as? String, publicToken != "public-bad" else {
                return error(400, "INVALID_PUBLIC_TOKEN", "provided public token is in an invalid format")
            }
            let token = "access-sandbox-\(UUID().uuidString.lowercased())"
            let item = "item-" + (publicToken.hasPrefix("public-same") ? "same" : UUID().uuidString.lowercased())
            state.items.withLock { $0[token] = item }
            state.issued.withLock { $0.append(token) }
            if publicToken == "public-relogin" { _ = state.relogin.withLock { $0.insert(token) } }
            return LoopbackServer.json(#"{"access_token":"\#(token)","item_id":"\#(item)","request_id":"r2"}"#)
        case "accounts/balance/get":
            guard let token = accessToken, state.items.withLock({ $0[token] }) != nil else {
                return error(400, "INVALID_ACCESS_TOKEN", "provided access token is in an invalid format")
            }
            if state.relogin.withLock({ $0.contains(token) }) { return error(400, "ITEM_LOGIN_REQUIRED", "the login details of this item have changed") }
            return LoopbackServer.json("""
                {"accounts":[
                  {"account_id":"chk-\(token.suffix(4))","name":"Checking","mask":"0000","type":"depository","subtype":"checking",
                   "balances":{"available":100.5,"current":110.25,"iso_currency_code":"USD","limit":null}},
                  {"account_id":"sav-\(token.suffix(4))","name":"Savings","mask":"1111","type":"depository","subtype":"savings",
                   "balances":{"available":null,"current":200,"iso_currency_code":"USD","limit":null}},
                  {"account_id":"crd-\(token.suffix(4))","name":"Card","mask":"3333","type":"credit","subtype":"credit card",
                   "balances":{"available":900,"current":99.99,"iso_currency_code":"USD","limit":1000}}],
                 "item":{},"request_id":"r3"}
                """)
        case "item/remove":
            guard let token = accessToken, state.items.withLock({ $0.removeValue(forKey: token) }) != nil else {
                return error(400, "INVALID_ACCESS_TOKEN", "provided access token is in an invalid format")
            }
            return LoopbackServer.json(#"{"request_id":"r4"}"#)
        default:
            return error(404, "NOT_FOUND", "unknown path \(path)")
        }
    }

    /// Every call so far, in order.
    public var calls: [Call] { state.calls.withLock { $0 } }
    /// Every access token it issued.
    public var issuedTokens: [String] { state.issued.withLock { $0 } }
    /// Whether Plaid still holds the item of this access token (not removed).
    public func holds(_ accessToken: String) -> Bool { state.items.withLock { $0[accessToken] != nil } }

    public var port: Int { server.port }
    public var baseURL: String { server.baseURL }

    public func stop() { server.stop() }

    static func error(_ status: Int, _ code: String, _ message: String) -> Response {
        LoopbackServer.json(#"{"error_type":"INVALID_REQUEST","error_code":"\#(code)","error_message":"\#(message)","display_message":null,"request_id":"r0"}"#,
             status: HTTPResponse.Status(code: status))
    }
}
