import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import Tokens

/// The smaller holes found by trying the server as an attacker, each from the attacker's side:
/// what they send, and what they must not get.
@Suite("Edge findings")
struct EdgeFindingsTests {
    struct Claims: Encodable {
        var sub: String
        var role: String
        var aud = "authenticated"
        var exp: Int
    }

    @Test("a token naming a role other than anon, authenticated or service_role is refused everywhere")
    func foreignRole() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "role@edge.test")
            let now = Int(Date().timeIntervalSince1970)
            for role in ["postgres", "authenticator", "pg_read_all_data", "supabase_admin"] {
                let forged = try HS256(secret: TestApp.secret).sign(Claims(sub: user.id, role: role, exp: now + 600))
                let rest = try await app.send(client, .get, "/rest/v1/profiles?select=id", bearer: forged)
                #expect(rest.0 == .unauthorized, "\(role): \(rest.1)")
                #expect(rest.1.contains("PGRST303"), "\(role): \(rest.1)")
                let storage = try await app.send(client, .get, "/storage/v1/bucket", bearer: forged)
                #expect(storage.0 == .badRequest, "\(role): \(storage.1)")
                let function = try await app.send(client, .get, "/functions/v1/credits/balance", bearer: forged)
                #expect(function.0 == .unauthorized, "\(role): \(function.1)")
            }
        }
    }

    @Test("a domain function's not-found is 404 through REST as through Functions")
    func notFoundThroughRPC() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "nf@edge.test")
            let missing = UUID().uuidString.lowercased()
            let rest = try await app.send(
                client, .post, "/rest/v1/rpc/get_team", bearer: user.token, body: #"{"p_team_id":"\#(missing)"}"#)
            #expect(rest.0 == .notFound, "\(rest.1)")
            #expect(rest.1.contains("P0002"), "\(rest.1)")
        }
    }

    @Test("limits a request can exceed are 400 without the server's settings in the answer")
    func limits() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "limits@edge.test")
            let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            let body = try await app.send(
                client, .post, "/rest/v1/action_tasks", bearer: user.token, body: #"{"title":"x","type":"ADMIN","x":\#(deep)}"#)
            #expect(body.0 == .badRequest, "\(body.1.prefix(300))")
            #expect(!body.1.contains("max_stack_depth"))
            let filter = try await app.send(
                client, .get, "/rest/v1/profiles?select=id&id=cs." + String(repeating: "%5B", count: 20_000), bearer: user.token)
            #expect(filter.0.code >= 400 && filter.0.code < 500, "\(filter.1.prefix(300))")
            #expect(!filter.1.contains("max_stack_depth"))
            let columns = (0..<1_700).map { "c\($0):id" }.joined(separator: ",")
            let wide = try await app.send(client, .get, "/rest/v1/profiles?select=\(columns)", bearer: user.token)
            #expect(wide.0 == .badRequest, "\(wide.1.prefix(300))")
            #expect(wide.1.contains("54011"), "\(wide.1.prefix(300))")
            #expect(try await client.execute(uri: "/health", method: .get) { $0.status } == .ok)
        }
    }

    @Test("NUL characters are a 400 on every surface, never a 500")
    func nulCharacters() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "nul@edge.test")
            let anon = app.keys.anon
            let probes: [(String, HTTPRequest.Method, String, String)] = [
                ("sign-up email", .post, "/auth/v1/signup", #"{"email":"a\u0000@edge.test","password":"secret-password"}"#),
                ("sign-in email", .post, "/auth/v1/token?grant_type=password", #"{"email":"nul\u0000@edge.test","password":"x"}"#),
                ("verify token_hash", .post, "/auth/v1/verify", #"{"type":"signup","token_hash":"ab\u0000cd"}"#),
                ("recover email", .post, "/auth/v1/recover", #"{"email":"nul\u0000@edge.test"}"#),
            ]
            for (what, method, uri, body) in probes {
                let reply = try await app.send(client, method, uri, bearer: anon, body: body)
                #expect(reply.0 == .badRequest, "\(what): \(reply.1)")
            }
            let metadata = try await app.send(
                client, .put, "/auth/v1/user", bearer: user.token, body: #"{"data":{"name":"a\u0000b"}}"#)
            #expect(metadata.0 == .badRequest, "\(metadata.1)")
            // A mail link with a NUL: sent on with the link's error, like any bad link.
            let verify = try await client.execute(uri: "/auth/v1/verify?type=signup&token=ab%00cd", method: .get) {
                ($0.status, $0.headers[.location] ?? "")
            }
            #expect(verify.0 == .seeOther)
            #expect(verify.1.contains("#error=access_denied"), "\(verify.1)")
            let search = try await app.send(
                client, .post, "/storage/v1/object/list/none", bearer: user.token, body: #"{"prefix":"","search":"a\u0000"}"#)
            #expect(search.0 == .badRequest, "\(search.1)")
            // An escaped backslash before "u0000" is ordinary text.
            let literal = try await app.send(
                client, .put, "/auth/v1/user", bearer: user.token, body: #"{"data":{"name":"a\\u0000b"}}"#)
            #expect(literal.0 == .ok, "\(literal.1)")
        }
    }

    @Test("CORS does not grant credentials to Origin: null, and does to a real origin")
    func corsNullOrigin() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            for (origin, credentials) in [("null", nil as String?), ("https://app.example", "true")] {
                let headers: HTTPFields = [.origin: origin, HTTPField.Name("apikey")!: app.keys.anon]
                let fields = try await client.execute(uri: "/rest/v1/print_products?select=id", method: .get, headers: headers) { $0.headers }
                #expect(fields[.accessControlAllowCredentials] == credentials, "\(origin)")
                #expect(fields[.accessControlAllowOrigin] == (origin == "null" ? "*" : origin), "\(origin)")
            }
        }
    }

    @Test("?apikey= authenticates and is never read as a filter or an argument")
    func apiKeyInQuery() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let reply = try await client.execute(uri: "/rest/v1/print_products?select=id&apikey=\(app.keys.anon)", method: .get) {
                ($0.status, String(buffer: $0.body))
            }
            #expect(reply.0 == .ok, "\(reply.1)")
            #expect(!reply.1.contains(app.keys.anon))
            let rpc = try await client.execute(uri: "/rest/v1/rpc/list_print_products?apikey=\(app.keys.anon)", method: .get) {
                ($0.status, String(buffer: $0.body))
            }
            #expect(rpc.0 == .ok, "\(rpc.1)")
        }
    }

    @Test("CSV cells a spreadsheet would run as formulas are neutralised")
    func csvFormulas() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "csv@edge.test")
            for title in ["=HYPERLINK(\\\"http://x\\\")", "+1+1", "-2+3", "@SUM(A1)", "plain"] {
                let reply = try await app.send(
                    client, .post, "/rest/v1/action_tasks", bearer: user.token, body: #"{"title":"\#(title)","type":"ADMIN"}"#)
                #expect(reply.0 == .created, "\(reply.1)")
            }
            let csv = try await client.execute(
                uri: "/rest/v1/action_tasks?select=title&order=title", method: .get,
                headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(user.token)", .accept: "text/csv"]
            ) { String(buffer: $0.body) }
            let lines = csv.split(separator: "\n").map { $0.split(separator: ",").first.map(String.init) ?? "" }
            #expect(lines.contains(#""'=HYPERLINK(""http://x"")""#) || lines.contains(#"'=HYPERLINK(""http://x"")"#), "\(csv)")
            #expect(lines.contains("'+1+1"), "\(csv)")
            #expect(lines.contains("'-2+3"), "\(csv)")
            #expect(lines.contains("'@SUM(A1)"), "\(csv)")
            #expect(lines.contains("plain"), "\(csv)")
        }
    }

    @Test("stored HTML and SVG are never run from the API's origin, and image/* does not admit SVG")
    func storedScript() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let service = app.keys.serviceRole
            for body in [#"{"name":"open","public":true}"#, #"{"name":"pictures","public":true,"allowed_mime_types":["image/*"]}"#,
                         #"{"name":"vectors","public":true,"allowed_mime_types":["image/svg+xml"]}"#] {
                #expect(try await app.send(client, .post, "/storage/v1/bucket", bearer: service, body: body).0 == .ok)
            }
            let svg = #"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>"#
            for (path, type, expected) in [("open/page.html", "text/html", HTTPResponse.Status.ok), ("open/x.svg", "image/svg+xml", .ok),
                                           ("pictures/x.svg", "image/svg+xml", .badRequest), ("pictures/x.png", "image/png", .ok),
                                           ("vectors/x.svg", "image/svg+xml", .ok)] {
                let reply = try await client.execute(
                    uri: "/storage/v1/object/\(path)", method: .post,
                    headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(service)", .contentType: type],
                    body: ByteBuffer(string: type == "text/html" ? "<script>alert(1)</script>" : svg)
                ) { ($0.status, String(buffer: $0.body)) }
                #expect(reply.0 == expected, "\(path): \(reply.1)")
            }
            for (path, active) in [("open/page.html", true), ("open/x.svg", true), ("pictures/x.png", false)] {
                let headers = try await client.execute(uri: "/storage/v1/object/public/\(path)", method: .get) { $0.headers }
                #expect(headers[.xContentTypeOptions] == "nosniff", "\(path)")
                #expect(headers[.contentSecurityPolicy] == "default-src 'none'; sandbox", "\(path)")
                #expect((headers[.contentDisposition]?.hasPrefix("attachment") ?? false) == active, "\(path)")
            }
        }
    }

    @Test("a singular write that touches other than one row is undone, with or without a representation")
    func singularWrites() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "single@edge.test")
            for title in ["one", "two"] {
                let reply = try await app.send(
                    client, .post, "/rest/v1/action_tasks", bearer: user.token, body: #"{"title":"\#(title)","type":"ADMIN"}"#)
                #expect(reply.0 == .created)
            }
            for prefer in ["return=minimal", "return=representation", "return=headers-only"] {
                let reply = try await client.execute(
                    uri: "/rest/v1/action_tasks?type=eq.ADMIN", method: .patch,
                    headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(user.token)", .contentType: "application/json",
                              .accept: "application/vnd.pgrst.object+json", HTTPField.Name("Prefer")!: prefer],
                    body: ByteBuffer(string: #"{"title":"changed"}"#)) { ($0.status, String(buffer: $0.body)) }
                #expect(reply.0 == .notAcceptable, "\(prefer): \(reply.1)")
                #expect(reply.1.contains("PGRST116"), "\(prefer): \(reply.1)")
            }
            let titles = try await app.send(client, .get, "/rest/v1/action_tasks?select=title&order=title", bearer: user.token)
            #expect(titles.1 == #"[{"title":"one"}, {"title":"two"}]"# || !titles.1.contains("changed"), "\(titles.1)")
        }
    }

    @Test("the OpenAPI description lists only the functions the caller's role may execute")
    func openAPIByRole() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "openapi@edge.test")
            let anon = try await app.send(client, .get, "/rest/v1/", bearer: app.keys.anon)
            let signedIn = try await app.send(client, .get, "/rest/v1/", bearer: user.token)
            #expect(anon.0 == .ok)
            // get_team is granted to authenticated only; list_print_products to anon as well.
            #expect(!anon.1.contains("/rpc/get_team\""))
            #expect(anon.1.contains("/rpc/list_print_products"))
            #expect(signedIn.1.contains("/rpc/get_team\""))
        }
    }
}
