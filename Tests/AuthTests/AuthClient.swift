import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport

/// Speaks to `/auth/v1` as the Supabase clients do: apikey, API version header, JSON bodies.
struct AuthClient: Sendable {
    let client: any TestClientProtocol
    let apiKey: String
    var ownConnections = false

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
        var code: String? { json["code"] as? String }
        func string(_ key: String) -> String? { json[key] as? String }
    }

    func send(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, bearer: String? = nil,
        headers extra: HTTPFields = [:], versioned: Bool = true
    ) async throws -> Reply {
        var headers: HTTPFields = [HTTPField.Name("apikey")!: apiKey, .contentType: "application/json;charset=UTF-8"]
        if versioned { headers[HTTPField.Name("X-Supabase-Api-Version")!] = "2024-01-01" }
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        for field in extra { headers[field.name] = field.value }
        let body = json.map { ByteBuffer(string: $0) }
        let answer = try await OwnConnection.exchange(
            client, ownConnection: ownConnections, uri: "/auth/v1/" + path, method: method, headers: headers, body: body)
        return Reply(status: answer.status, headers: answer.headers, body: String(buffer: answer.body))
    }

    /// This client, sending each request on a connection of its own (for tests of races).
    var concurrent: AuthClient {
        var copy = self
        copy.ownConnections = true
        return copy
    }

    func signUp(_ email: String, _ password: String = "secret-password") async throws -> Reply {
        try await send(.post, "signup", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
    }

    func signIn(_ email: String, _ password: String = "secret-password") async throws -> Reply {
        try await send(.post, "token?grant_type=password", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
    }

    func refresh(_ token: String) async throws -> Reply {
        try await send(.post, "token?grant_type=refresh_token", json: #"{"refresh_token":"\#(token)"}"#)
    }
}

/// The claims of a JWT, decoded without checking it (the test checks what the server issued).
func claims(of token: String) -> [String: Any] {
    let parts = token.split(separator: ".")
    guard parts.count == 3 else { return [:] }
    var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    guard let data = Data(base64Encoded: base64) else { return [:] }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
}
