import AppConfig
import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

@Suite("REST: limits")
struct RESTLimitsTests {
    @Test("the configured row cap bounds every read, with or without a limit")
    func maxRows() async throws {
        let app = try await TestApp.make { $0.restMaxRows = 3 }
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let unbounded = try await rest.send(.get, "print_products", prefer: "count=exact")
            #expect(unbounded.array.count == 3)
            #expect(unbounded.header("Content-Range") == "0-2/10")
            #expect(try await rest.send(.get, "print_products?limit=100").array.count == 3)
            #expect(try await rest.send(.get, "print_products?limit=2").array.count == 2)
        }
    }

    @Test("a body over the limit, and malformed bodies, are 4xx and write nothing")
    func bodies() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "bodies@rest.test")
            let rest = RESTClient(client: client, apiKey: app.keys.anon, bearer: user.token)
            let huge = #"{"title":""# + String(repeating: "x", count: 9 << 20) + #"","type":"ADMIN"}"#
            #expect(try await rest.send(.post, "action_tasks", json: huge).status == .contentTooLarge)
            for body in ["", "[", "42", #"[{"title":"a","type":"ADMIN"}, 7]"#, "null"] {
                let reply = try await rest.send(.post, "action_tasks", json: body)
                #expect(reply.status == .badRequest, "\(body)")
                #expect(reply.code == "PGRST102", "\(body)")
            }
            // A batch with one bad row is refused whole.
            let batch = try await rest.send(.post, "action_tasks", json: #"[{"title":"ok","type":"ADMIN"},{"title":"bad","type":"NOPE"}]"#)
            #expect(batch.status == .badRequest)
            #expect(batch.code == "23514")
            #expect(try await rest.send(.get, "action_tasks").array.isEmpty)
        }
    }
}
