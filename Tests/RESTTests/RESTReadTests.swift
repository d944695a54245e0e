import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

@Suite("REST: reads")
struct RESTReadTests {
    @Test("anon reads the public catalogue: all rows, Content-Range, JSON")
    func catalogue() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let all = try await rest.send(.get, "print_products")
            #expect(all.status == .ok)
            #expect(all.array.count == 10)
            #expect(all.header("Content-Range") == "0-9/*")
            #expect(all.header("Content-Type") == "application/json; charset=utf-8")

            let page = try await rest.send(.get, "print_products?select=name,price:base_price&order=sort_order.asc&limit=3", prefer: "count=exact")
            #expect(page.status == .partialContent)
            #expect(page.header("Content-Range") == "0-2/10")
            #expect(page.array.map { $0["name"] as? String } == ["Daily Focus Pad", "Habit Cue Cards", "Vision Poster 18x24"])
            #expect(Set(page.array.first?.keys.map { $0 } ?? []) == ["name", "price"])

            let head = try await rest.send(.head, "print_products?product_type=eq.poster", prefer: "count=exact")
            #expect(head.status == .ok)
            #expect(head.body.isEmpty)
            #expect(head.header("Content-Range") == "0-1/2")

            let past = try await rest.send(.get, "print_products?offset=20", prefer: "count=exact")
            #expect(past.status == .rangeNotSatisfiable)
            #expect(past.code == "PGRST103")
        }
    }

    @Test("filters: every operator family, negation, and logic trees", arguments: [
        ("print_products?product_type=eq.poster", 2),
        ("print_products?product_type=neq.poster", 8),
        ("print_products?base_price=gt.30", 4),
        ("print_products?base_price=lte.9.99", 2),
        ("print_products?name=ilike.*canvas*", 2),
        ("print_products?name=like.Vision%25", 4),
        ("print_products?product_type=in.(pad,cards)", 4),
        ("print_products?product_type=not.in.(pad,cards)", 6),
        ("print_products?preview_image_url=is.null", 10),
        ("print_products?shipping_estimate=not.is.null", 10),
        ("print_products?name=match.%5EVision", 4),
        ("print_products?personalization_fields=cs.%5B%22title%22%5D", 6),
        ("print_products?or=(product_type.eq.pad,product_type.eq.cards)", 4),
        ("print_products?or=(product_type.eq.pad,and(product_type.eq.canvas,base_price.gt.50))", 3),
        ("print_products?not.or=(product_type.eq.pad,product_type.eq.cards)", 6),
        ("print_products?base_price=gt.10&base_price=lt.20", 3),
        ("print_products?name=fts(english).canvas", 2),
        ("motivational_themes?color_scheme-%3E%3Eprimary=eq.%236366f1", 5),
    ])
    func filters(query: String, expected: Int) async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let reply = try await RESTClient(client: client, apiKey: app.keys.anon).send(.get, query)
            #expect(reply.status == .ok, "\(query): \(reply.body)")
            #expect(reply.array.count == expected, "\(query)")
        }
    }

    @Test("single object: exactly one row, else 406 PGRST116")
    func singleObject() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let one = try await rest.send(.get, "print_products?prodigi_sku=eq.GLOBAL-STK-A4", accept: "application/vnd.pgrst.object+json")
            #expect(one.status == .ok)
            #expect(one.object["name"] as? String == "Achievement Stickers")
            let many = try await rest.send(.get, "print_products?product_type=eq.poster", accept: "application/vnd.pgrst.object+json")
            #expect(many.status == .notAcceptable)
            #expect(many.code == "PGRST116")
            #expect(many.object["details"] as? String == "The result contains 2 rows")
        }
    }

    @Test("bad requests get PostgREST errors, never a 500", arguments: [
        ("no_such_table", 404, "PGRST205"),
        ("print_products?select=nope", 400, "42703"),
        ("print_products?nope=eq.1", 400, "42703"),
        ("print_products?limit=-1", 416, "PGRST103"),
        ("print_products?base_price=gt.abc", 400, "22P02"),
        ("print_products?or=(broken", 400, "PGRST100"),
        ("print_products?habits.title=eq.x", 400, "PGRST108"),
    ])
    func badRequests(query: String, status: Int, code: String) async throws {
        try await expectFailure(query, status: status, code: code) { reply in
            #expect(reply.header("Proxy-Status") == "PostgREST; error=\(code)")
        }
    }
}
