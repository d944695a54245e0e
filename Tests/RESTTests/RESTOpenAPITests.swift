import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

@Suite("REST: OpenAPI description")
struct RESTOpenAPITests {
    @Test("GET /rest/v1/ describes what the role can reach, and hides columns it cannot read")
    func document() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let anon = try await RESTClient(client: client, apiKey: app.keys.anon).send(.get, "")
            #expect(anon.status == .ok)
            #expect(anon.header("Content-Type")?.hasPrefix("application/openapi+json") == true)
            let document = anon.object
            #expect(document["swagger"] as? String == "2.0")
            let definitions = try #require(document["definitions"] as? [String: Any])
            let products = try #require(definitions["print_products"] as? [String: Any])
            #expect((products["properties"] as? [String: Any])?["base_price"] != nil)
            #expect(definitions["plaid_items"] == nil, "anon reads no column of plaid_items")
            let paths = try #require(document["paths"] as? [String: Any])
            #expect(paths["/print_products"] != nil)
            // Functions appear only to the roles that may call them.
            #expect(paths["/rpc/decrement_user_credits"] == nil, "anon may not execute it")
            #expect(paths["/rpc/list_print_products"] != nil)

            let service = try await RESTClient(client: client, apiKey: app.keys.serviceRole).send(.get, "").object
            let plaid = try #require((service["definitions"] as? [String: Any])?["plaid_items"] as? [String: Any])
            #expect((plaid["properties"] as? [String: Any])?["access_token_encrypted"] != nil)
            let user = try await app.signUp(client, email: "openapi@rest.test")
            let asUser = try await RESTClient(client: client, apiKey: app.keys.anon, bearer: user.token).send(.get, "").object
            #expect((asUser["paths"] as? [String: Any])?["/rpc/decrement_user_credits"] != nil)
            let userPlaid = try #require((asUser["definitions"] as? [String: Any])?["plaid_items"] as? [String: Any])
            #expect((userPlaid["properties"] as? [String: Any])?["access_token_encrypted"] == nil, "ciphertext is not even named")
        }
    }
}
