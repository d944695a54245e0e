import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import Tokens

/// Integers no client should send, on every surface: each is refused with a 4xx in that surface's
/// envelope, and the server still answers `/health` afterwards. Before the request integers were
/// bounded, several of these ended the process (an overflow trap).
@Suite("Hostile input")
struct HostileInputTests {
    struct Probe: Sendable {
        var what: String
        var method: HTTPRequest.Method
        var uri: String
        var headers: [(String, String)] = []
        var body: String?
        var status: HTTPResponse.Status
        /// Text the body must contain: the surface's own error code.
        var contains: String
    }

    static let huge = "9223372036854775807"

    @Test("extreme integers are 4xx in each surface's envelope, and the server answers /health after each")
    func extremeIntegers() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "hostile@server.test")
            let service = app.keys.serviceRole
            // A bucket and an object, so that listing and signing reach their integer parameters.
            _ = try await Self.send(client, app, Probe(
                what: "bucket", method: .post, uri: "/storage/v1/bucket", headers: [("Authorization", "Bearer \(service)")],
                body: #"{"name":"hostile"}"#, status: .ok, contains: ""))
            _ = try await Self.send(client, app, Probe(
                what: "object", method: .post, uri: "/storage/v1/object/hostile/a.txt",
                headers: [("Authorization", "Bearer \(service)"), ("Content-Type", "text/plain")], body: "a", status: .ok, contains: ""))
            let asService = [("Authorization", "Bearer \(service)")]
            let asUser = [("Authorization", "Bearer \(user.token)")]
            let probes: [Probe] = [
                Probe(what: "REST Range to Int.max", method: .get, uri: "/rest/v1/print_products?select=id",
                      headers: [("Range", "0-\(Self.huge)")], status: .rangeNotSatisfiable, contains: "PGRST103"),
                Probe(what: "REST Range from Int.max", method: .get, uri: "/rest/v1/print_products?select=id",
                      headers: [("Range", "\(Self.huge)-")], status: .rangeNotSatisfiable, contains: "PGRST103"),
                Probe(what: "REST Range past Int", method: .get, uri: "/rest/v1/print_products?select=id",
                      headers: [("Range", "0-99999999999999999999999")], status: .rangeNotSatisfiable, contains: "PGRST103"),
                Probe(what: "REST limit Int.max", method: .get, uri: "/rest/v1/print_products?select=id&limit=\(Self.huge)",
                      status: .badRequest, contains: "PGRST100"),
                Probe(what: "REST offset Int.max", method: .get, uri: "/rest/v1/print_products?select=id&offset=\(Self.huge)",
                      status: .badRequest, contains: "PGRST100"),
                Probe(what: "REST limit and Range at their largest", method: .get,
                      uri: "/rest/v1/print_products?select=id&limit=9007199254740991&offset=9007199254740991",
                      headers: [("Range", "9007199254740991-9007199254740991")], status: .ok, contains: "[]"),
                Probe(what: "REST embedded limit Int.max", method: .get,
                      uri: "/rest/v1/teams?select=id,team_members(id)&team_members.limit=\(Self.huge)",
                      status: .badRequest, contains: "PGRST100"),
                Probe(what: "Auth admin page Int.max", method: .get, uri: "/auth/v1/admin/users?page=\(Self.huge)",
                      headers: asService, status: .badRequest, contains: "validation_failed"),
                Probe(what: "Auth admin per_page Int.max", method: .get, uri: "/auth/v1/admin/users?per_page=\(Self.huge)",
                      headers: asService, status: .badRequest, contains: "validation_failed"),
                Probe(what: "Auth admin page past Int", method: .get, uri: "/auth/v1/admin/users?page=99999999999999999999999&per_page=1000",
                      headers: asService, status: .badRequest, contains: "validation_failed"),
                Probe(what: "Auth admin last page", method: .get, uri: "/auth/v1/admin/users?page=1000000000&per_page=1000",
                      headers: asService, status: .ok, contains: #""users":[]"#),
                Probe(what: "Auth ban of 99999999999999999h", method: .put, uri: "/auth/v1/admin/users/\(user.id)",
                      headers: asService + [("Content-Type", "application/json")], body: #"{"ban_duration":"99999999999999999h"}"#,
                      status: .badRequest, contains: "validation_failed"),
                Probe(what: "Auth ban past Go's longest duration", method: .put, uri: "/auth/v1/admin/users/\(user.id)",
                      headers: asService + [("Content-Type", "application/json")], body: #"{"ban_duration":"2562048h1s"}"#,
                      status: .badRequest, contains: "validation_failed"),
                Probe(what: "Storage list offset Int.max", method: .post, uri: "/storage/v1/object/list/hostile",
                      headers: asUser + [("Content-Type", "application/json")], body: #"{"prefix":"","offset":\#(Self.huge)}"#,
                      status: .badRequest, contains: "offset must be"),
                Probe(what: "Storage list offset Int.max as text", method: .post, uri: "/storage/v1/object/list/hostile",
                      headers: asUser + [("Content-Type", "application/json")], body: #"{"prefix":"","offset":"\#(Self.huge)"}"#,
                      status: .badRequest, contains: "offset must be"),
                Probe(what: "Storage list limit 1e300", method: .post, uri: "/storage/v1/object/list/hostile",
                      headers: asUser + [("Content-Type", "application/json")], body: #"{"prefix":"","limit":1e300}"#,
                      status: .badRequest, contains: "limit must be"),
                Probe(what: "Storage list at the largest offset", method: .post, uri: "/storage/v1/object/list/hostile",
                      headers: asService + [("Content-Type", "application/json")], body: #"{"prefix":"","offset":9007199254740991}"#,
                      status: .ok, contains: "[]"),
                Probe(what: "Storage bucket list offset Int.max", method: .get, uri: "/storage/v1/bucket?offset=\(Self.huge)",
                      headers: asService, status: .badRequest, contains: "offset must be"),
                Probe(what: "Storage signed URL for Int.max seconds", method: .post, uri: "/storage/v1/object/sign/hostile/a.txt",
                      headers: asService + [("Content-Type", "application/json")], body: #"{"expiresIn":\#(Self.huge)}"#,
                      status: .badRequest, contains: "expiresIn must be"),
                Probe(what: "Storage download Range to Int64.max", method: .get, uri: "/storage/v1/object/hostile/a.txt",
                      headers: asService + [("Range", "bytes=0-\(Self.huge)")], status: .partialContent, contains: "a"),
                Probe(what: "Storage download suffix Range of Int64.min", method: .get, uri: "/storage/v1/object/hostile/a.txt",
                      headers: asService + [("Range", "bytes=--9223372036854775808")], status: .rangeNotSatisfiable, contains: "InvalidRange"),
                Probe(what: "Functions limit Int.max", method: .get, uri: "/functions/v1/credits/balance?limit=\(Self.huge)",
                      headers: asUser, status: .badRequest, contains: "limit"),
            ]
            for probe in probes {
                let (status, body) = try await Self.send(client, app, probe)
                #expect(status == probe.status, "\(probe.what): \(body)")
                #expect(body.contains(probe.contains), "\(probe.what): \(body)")
                let health = try await client.execute(uri: "/health", method: .get) { $0.status }
                #expect(health == .ok, "after \(probe.what)")
            }
        }
    }

    static func send(_ client: any TestClientProtocol, _ app: TestApp, _ probe: Probe) async throws -> (HTTPResponse.Status, String) {
        var headers: HTTPFields = [HTTPField.Name("apikey")!: app.keys.anon]
        for (name, value) in probe.headers { headers[HTTPField.Name(name)!] = value }
        return try await client.execute(
            uri: probe.uri, method: probe.method, headers: headers, body: probe.body.map { ByteBuffer(string: $0) }
        ) { ($0.status, String(buffer: $0.body)) }
    }
}
