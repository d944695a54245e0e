import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Tokens

/// Calls `/functions/v1/<name>` as functions-js/py do: the bearer (a user's token or an API
/// key), the `apikey` header, a JSON body.
struct FunctionsClient: Sendable {
    let client: any TestClientProtocol
    let apiKey: String
    var bearer: String?
    var ownConnections = false

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String

        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
        var error: String? { object["error"] as? String }
        var code: String? { object["code"] as? String }
        func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    }

    /// `POST /functions/v1/<function>?action=<action>` with `body` (a JSON object text).
    func call(_ function: String, _ action: String? = nil, _ body: String? = nil, method: HTTPRequest.Method = .post) async throws -> Reply {
        try await send(method, function + (action.map { "?action=\($0)" } ?? ""), body: body)
    }

    func send(_ method: HTTPRequest.Method, _ path: String, body: String? = nil, headers extra: [(String, String)] = [], authorization: String?? = .none) async throws -> Reply {
        var headers: HTTPFields = [HTTPField.Name("apikey")!: apiKey]
        switch authorization {
        case .none: headers[.authorization] = "Bearer \(bearer ?? apiKey)"
        case .some(.none): break
        case .some(.some(let value)): headers[.authorization] = value
        }
        if body != nil { headers[.contentType] = "application/json" }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let bytes = body.map { ByteBuffer(string: $0) }
        let answer = try await OwnConnection.exchange(
            client, ownConnection: ownConnections, uri: "/functions/v1/" + path, method: method, headers: headers, body: bytes)
        return Reply(status: answer.status, headers: answer.headers, body: String(buffer: answer.body))
    }

    /// This client, sending each request on a connection of its own (for tests of races).
    var concurrent: FunctionsClient {
        var copy = self
        copy.ownConnections = true
        return copy
    }

    func with(bearer: String?) -> FunctionsClient {
        var copy = self
        copy.bearer = bearer
        return copy
    }
}

/// A signed-up user: token, id, email, and a functions client acting as them.
struct TestUser: Sendable {
    let token: String
    let id: String
    let email: String
    let functions: FunctionsClient
}

/// Signs a user up through the Auth API.
func signUp(_ client: any TestClientProtocol, app: TestApp, email: String) async throws -> TestUser {
    let (token, id) = try await app.signUp(client, email: email)
    return TestUser(token: token, id: id, email: email, functions: FunctionsClient(client: client, apiKey: app.keys.anon, bearer: token))
}

/// JSON object text from a dictionary (for request bodies).
func json(_ object: [String: Any]) -> String {
    String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
}
