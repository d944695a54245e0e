import AppConfig
import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

/// Execution plans (`Accept: application/vnd.pgrst.plan…`, PostgREST's `db-plan-enabled`): off
/// by default; when on, PostgreSQL's EXPLAIN of the very statement the request would run, in the
/// caller's role, and `analyze` of a write leaves nothing behind.
@Suite("REST: execution plans")
struct RESTPlanTests {
    @Test("off by default: 406 PGRST107")
    func offByDefault() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let refused = try await rest.send(.get, "print_products?select=name", accept: "application/vnd.pgrst.plan+json")
            #expect(refused.status.code == 406 && refused.code == "PGRST107", "\(refused.body)")
        }
    }

    @Test("on: JSON and text plans of the request's statement, its options, the caller's rights, and analyze of a write rolled back")
    func plans() async throws {
        let app = try await TestApp.make { $0.restPlanEnabled = true }
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let json = try await rest.send(.get, "print_products?select=name&product_type=eq.poster", accept: "application/vnd.pgrst.plan+json")
            #expect(json.status == .ok, "\(json.body)")
            #expect(json.header("Content-Type") == #"application/vnd.pgrst.plan+json; for="application/json"; charset=utf-8"#)
            let plans = (try? JSONSerialization.jsonObject(with: Data(json.body.utf8))) as? [[String: Any]] ?? []
            let root = try #require(plans.first?["Plan"] as? [String: Any], "\(json.body)")
            #expect(root["Node Type"] is String && root["Actual Rows"] == nil, "no analyze unless asked")
            #expect(json.body.contains("print_products"), "the plan reads the table the request names")

            let text = try await rest.send(.get, "print_products?select=name", accept: #"application/vnd.pgrst.plan+text; for="application/vnd.pgrst.object+json"; options=analyze|verbose"#)
            #expect(text.status == .ok && text.header("Content-Type") == #"application/vnd.pgrst.plan+text; for="application/vnd.pgrst.object+json"; options=analyze|verbose; charset=utf-8"#,
                    "\(text.status) \(text.header("Content-Type") ?? "")")
            #expect(text.body.contains("actual time=") && text.body.contains("Output:") && text.body.contains("Execution Time"), "\(text.body)")

            // What EXPLAIN does not have, and plans of representations this server does not produce, are refused.
            for accept in ["application/vnd.pgrst.plan+json; options=drop", #"application/vnd.pgrst.plan+json; for="text/xml""#] {
                #expect(try await rest.send(.get, "print_products", accept: accept).status.code == 406, "\(accept)")
            }
            // The caller's rights: anon may not plan a table it may not read.
            let hidden = try await rest.send(.get, "plaid_items", accept: "application/vnd.pgrst.plan+json")
            #expect(hidden.status == .unauthorized, "\(hidden.status) \(hidden.body)")

            // analyze of a write runs it and rolls it back.
            let (token, _) = try await app.signUp(client, email: "planner@plan.test")
            let user = rest.with(bearer: token)
            let analyzed = try await user.send(.post, "habits", json: #"{"title":"Plan me"}"#, accept: "application/vnd.pgrst.plan+json; options=analyze")
            #expect(analyzed.status == .ok && analyzed.body.contains("Actual Rows") && analyzed.body.contains("Insert"), "\(analyzed.body)")
            let habits = try await user.send(.get, "habits?select=id")
            #expect(habits.status == .ok && habits.array.isEmpty, "\(habits.body)")
        }
    }
}
