import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import Tokens

/// Speaks to `/rest/v1` as postgrest-js/py do: apikey, bearer, Prefer and Accept headers.
struct RESTClient: Sendable {
    let client: any TestClientProtocol
    let apiKey: String
    var bearer: String?

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String

        var array: [[String: Any]] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [[String: Any]] ?? []
        }
        var object: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
        var code: String? { object["code"] as? String }
        func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    }

    func send(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, prefer: String? = nil, accept: String? = nil,
        headers extra: [(String, String)] = []
    ) async throws -> Reply {
        var headers: HTTPFields = [HTTPField.Name("apikey")!: apiKey]
        headers[.authorization] = "Bearer \(bearer ?? apiKey)"
        if json != nil { headers[.contentType] = "application/json" }
        if let prefer { headers[HTTPField.Name("Prefer")!] = prefer }
        if let accept { headers[.accept] = accept }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        return try await client.execute(
            uri: "/rest/v1/" + path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }
        ) { response in
            Reply(status: response.status, headers: response.headers, body: String(buffer: response.body))
        }
    }

    func with(bearer: String?) -> RESTClient {
        var copy = self
        copy.bearer = bearer
        return copy
    }
}

/// Starts a server, sends `GET /rest/v1/<query>` with the anon key, and expects it to fail with
/// `status` and the error `code`; `more` checks the reply further.
func expectFailure(
    _ query: String, status: Int, code: String, more: @Sendable (RESTClient.Reply) -> Void = { _ in },
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let app = try await TestApp.make()
    try await app.run { client in
        let reply = try await RESTClient(client: client, apiKey: app.keys.anon).send(.get, query)
        #expect(reply.status.code == status, "\(query): \(reply.body)", sourceLocation: sourceLocation)
        #expect(reply.code == code, "\(query): \(reply.body)", sourceLocation: sourceLocation)
        more(reply)
    }
}
