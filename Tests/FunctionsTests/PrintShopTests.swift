import Core
import Database
import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

/// A vision board of the user, made as the schema owner.
func makeBoard(_ app: TestApp, for user: TestUser, prompt: String = "a house by the sea") async throws -> String {
    try await app.owner.text(SQLStatement(
        "INSERT INTO vision_boards (user_id, prompt, image_url) VALUES ($1::uuid, $2, 'https://img/x.png') RETURNING id::text",
        [.text(user.id), .text(prompt)])) ?? ""
}

func productID(_ app: TestApp, sku: String) async throws -> String {
    try await app.owner.text(SQLStatement("SELECT id::text FROM print_products WHERE prodigi_sku = $1", [.text(sku)])) ?? ""
}

var address: [String: Any] { ["name": "Alice", "line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"] }

@Suite("print-products")
struct PrintProductsTests {
    @Test("catalogue, customize, order at the server's price (client amounts ignored), ELITE discount, posters, list, get, cancel, advance")
    func lifecycle() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            let catalog = try await anon.call("print-products", "catalog")
            #expect(catalog.status == .ok)
            #expect(catalog.array.count == 10)
            #expect(catalog.array.first?["name"] as? String == "Daily Focus Pad")

            let alice = try await signUp(client, app: app, email: "alice@print.test")
            let board = try await makeBoard(app, for: alice)
            let pad = try await productID(app, sku: "GLOBAL-PAD-A5-50")
            var body: [String: Any] = [
                "product_id": pad, "customization": ["title": "My year", "tagline": "One step a day"],
                "content": ["vision_board_ids": [board]],
            ]
            let quote = try await alice.functions.call("print-products", "customize", json(body))
            #expect(quote.status == .ok, "\(quote.body)")
            let pricing = quote.object["pricing"] as? [String: Any] ?? [:]
            #expect(pricing["subtotal"] as? Double == 14.99)
            #expect(pricing["shipping"] as? Double == 4.99)
            #expect(pricing["total"] as? Double == 19.98)
            #expect(pricing["discount_applied"] as? Bool == false)

            body["shipping_address"] = address
            body["quantity"] = 2
            body["subtotal"] = 0.01
            body["total"] = 0.01
            body["discount"] = 29.98
            body["pricing"] = ["total": 0]
            let order = try await alice.functions.call("print-products", "order", json(body))
            #expect(order.status == .created, "\(order.body)")
            #expect(order.object["total"] as? Double == 34.97, "2 x 14.99 + 4.99, whatever the client said")
            #expect(order.object["discount"] as? Double == 0)
            #expect(order.object["status"] as? String == "pending")
            #expect(((order.object["content_snapshot"] as? [String: Any])?["vision_boards"] as? [[String: Any]])?.first?["prompt"] as? String == "a house by the sea")
            let orderID = try #require(order.object["id"] as? String)

            try await app.owner.execute(SQLStatement("UPDATE profiles SET subscription_tier = 'ELITE' WHERE id = $1::uuid", [.text(alice.id)]))
            body["quantity"] = 1
            let elite = try await alice.functions.call("print-products", "order", json(body))
            #expect(elite.object["discount"] as? Double == 4.5, "\(elite.body)")
            #expect(elite.object["total"] as? Double == 15.48)
            #expect(elite.object["discount_applied"] as? Bool == true)

            let poster = try await alice.functions.call("print-products", "order_poster",
                                                        json(["vision_board_id": board, "sku": "GLOBAL-FAP-18x24", "finish": "gloss", "shipping_address": address, "total_price": 1]))
            #expect(poster.status == .created, "\(poster.body)")
            #expect(poster.object["total_price"] as? Double == 24.48, "24.99 - 7.50 + 6.99")
            #expect(poster.object["discount_applied"] as? Bool == true)
            #expect((poster.object["print_config"] as? [String: Any])?["finish"] as? String == "gloss")
            let posterID = try #require(poster.object["id"] as? String)

            let orders = try await alice.functions.call("print-products", "list_orders")
            #expect(orders.array.map { $0["kind"] as? String } == ["poster", "print", "print"])
            #expect(try await alice.functions.call("print-products", "get_order", json(["order_id": posterID])).object["kind"] as? String == "poster")

            let service = FunctionsClient(client: client, apiKey: app.keys.serviceRole)
            #expect(try await service.call("print-products", "advance", json(["order_id": orderID, "status": "shipped"])).status == .unprocessableContent)
            #expect(try await service.call("print-products", "advance", json(["order_id": orderID, "status": "paid"])).object["status"] as? String == "paid")
            let paidCancel = try await alice.functions.call("print-products", "cancel", json(["order_id": orderID]))
            #expect(paidCancel.status == .unprocessableContent)
            #expect(paidCancel.error?.contains("only unpaid") == true)
            let cancelled = try await alice.functions.call("print-products", "cancel", json(["order_id": posterID]))
            #expect(cancelled.object["status"] as? String == "cancelled", "\(cancelled.body)")
            #expect(try await alice.functions.call("print-products", "cancel", json(["order_id": posterID])).status == .unprocessableContent)
            #expect(try await service.call("print-products", "advance", json(["order_id": UUID().uuidString, "status": "paid"])).status == .notFound)
        }
    }

    @Test("validation: fields, content requirements, ELITE-only products, addresses")
    func validation() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "v@print.test")
            let other = try await signUp(client, app: app, email: "other@print.test")
            let board = try await makeBoard(app, for: user)
            let foreign = try await makeBoard(app, for: other)
            let pad = try await productID(app, sku: "GLOBAL-PAD-A5-50")
            let kit = try await productID(app, sku: "BUNDLE-QTR-KIT")
            let stickers = try await productID(app, sku: "GLOBAL-STK-A4")
            let good: [String: Any] = ["title": "t", "tagline": "g"]
            let cases: [([String: Any], Int)] = [
                ([:], 400),
                (["product_id": "x"], 400),
                (["product_id": pad, "quantity": 0, "customization": good, "content": ["vision_board_ids": [board]]], 400),
                (["product_id": pad, "customization": good.merging(["color": "red"]) { a, _ in a }, "content": ["vision_board_ids": [board]]], 400),
                (["product_id": pad, "customization": ["title": "t"], "content": ["vision_board_ids": [board]]], 400),
                (["product_id": pad, "customization": ["title": "t", "tagline": 5], "content": ["vision_board_ids": [board]]], 400),
                (["product_id": pad, "customization": good, "content": ["vision_board_ids": [foreign]]], 400),
                (["product_id": pad, "customization": good, "content": ["vision_board_ids": ["nope"]]], 400),
                (["product_id": pad, "customization": good], 422),
                (["product_id": kit, "customization": ["quarter": "Q1", "year": "2026"], "content": ["vision_board_ids": [board]]], 422),
                (["product_id": pad, "customization": good, "content": ["vision_board_ids": [board]], "shipping_method": "teleport"], 400),
                (["product_id": UUID().uuidString], 404),
            ]
            for (body, status) in cases {
                let reply = try await user.functions.call("print-products", "customize", json(body))
                #expect(reply.status.code == status, "\(body): \(reply.status) \(reply.body)")
            }
            #expect(try await user.functions.call("print-products", "customize", json(["product_id": stickers])).status == .ok, "no content needed")

            try await app.owner.execute(SQLStatement("UPDATE print_products SET elite_exclusive = true WHERE id = $1::uuid", [.text(stickers)]))
            #expect(try await user.functions.call("print-products", "customize", json(["product_id": stickers])).status == .forbidden)

            let order: [String: Any] = ["product_id": pad, "customization": good, "content": ["vision_board_ids": [board]]]
            #expect(try await user.functions.call("print-products", "order", json(order)).status == .badRequest, "no address")
            var partial = address
            partial["city"] = nil
            #expect(try await user.functions.call("print-products", "order", json(order.merging(["shipping_address": partial]) { a, _ in a })).status == .badRequest)
            for body in [
                ["vision_board_id": board, "sku": "NOPE", "shipping_address": address],
                ["vision_board_id": board, "sku": "GLOBAL-PAD-A5-50", "shipping_address": address],
            ] as [[String: Any]] {
                #expect(try await user.functions.call("print-products", "order_poster", json(body)).status == .notFound)
            }
            #expect(try await user.functions.call("print-products", "order_poster",
                                                  json(["vision_board_id": board, "sku": "GLOBAL-FAP-18x24", "finish": "shiny", "shipping_address": address])).status == .badRequest)
            #expect(try await app.owner.text(SQLStatement("SELECT (SELECT count(*) FROM print_orders) + (SELECT count(*) FROM poster_orders) || ''")) == "0")
        }
    }

    @Test("the attacker's side: someone else's orders and boards; the server's transitions")
    func attacker() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@a-print.test")
            let bob = try await signUp(client, app: app, email: "bob@a-print.test")
            let board = try await makeBoard(app, for: alice)
            let poster = try #require(try await alice.functions.call("print-products", "order_poster",
                                                                     json(["vision_board_id": board, "sku": "GLOBAL-FAP-24x36", "shipping_address": address])).object["id"] as? String)
            #expect(try await bob.functions.call("print-products", "get_order", json(["order_id": poster])).status == .notFound)
            #expect(try await bob.functions.call("print-products", "cancel", json(["order_id": poster])).status == .notFound)
            #expect(try await bob.functions.call("print-products", "list_orders").array.isEmpty)
            #expect(try await bob.functions.call("print-products", "order_poster",
                                                 json(["vision_board_id": board, "sku": "GLOBAL-FAP-24x36", "shipping_address": address])).status == .badRequest)
            #expect(try await bob.functions.call("print-products", "advance", json(["order_id": poster, "status": "paid"])).status == .forbidden)
            #expect(try await alice.functions.call("print-products", "advance", json(["order_id": poster, "status": "paid"])).status == .forbidden)
            #expect(try await alice.functions.call("print-products", "get_order", json(["order_id": poster])).object["status"] as? String == "pending")
        }
    }
}

@Suite("workbook-service")
struct WorkbookServiceTests {
    @Test("draft from a template, attach content, price, submit, generated, checkout, paid; cancel only while unpaid")
    func lifecycle() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let templates = try await FunctionsClient(client: client, apiKey: app.keys.anon).call("workbook-service", "templates")
            #expect(templates.array.count == 4)
            let template = try #require(templates.array.first?["id"] as? String)

            let user = try await signUp(client, app: app, email: "author@workbook.test")
            let board = try await makeBoard(app, for: user)
            let habit = try #require(try await user.functions.call("habit-service", "create", #"{"title":"journal"}"#).object["id"] as? String)
            let draft = try await user.functions.call("workbook-service", "create", json(["template_id": template, "title": "My 2027"]))
            #expect(draft.status == .created, "\(draft.body)")
            #expect(draft.object["status"] as? String == "draft")
            let id = try #require(draft.object["id"] as? String)

            let early = try await user.functions.call("workbook-service", "submit", json(["order_id": id]))
            #expect(early.status == .unprocessableContent, "needs boards and an address")
            let attached = try await user.functions.call("workbook-service", "attach", json(["order_id": id, "vision_board_ids": [board], "habit_ids": [habit]]))
            #expect(attached.status == .ok, "\(attached.body)")
            #expect(attached.object["vision_board_ids"] as? [String] == [board])
            #expect(attached.object["included_habits"] as? [String] == [habit])
            let updated = try await user.functions.call("workbook-service", "update", json(["order_id": id, "subtitle": "Plans", "shipping_address": address, "total_price": 0.5]))
            #expect(updated.object["subtitle"] as? String == "Plans", "\(updated.body)")
            #expect(updated.object["total_price"] is NSNull)

            let price = try await user.functions.call("workbook-service", "price", json(["order_id": id]))
            #expect(price.object["total"] as? Double == 39.98, "\(price.body)")
            let submitted = try await user.functions.call("workbook-service", "submit", json(["order_id": id]))
            #expect(submitted.object["status"] as? String == "generating", "\(submitted.body)")
            #expect(submitted.object["total_price"] as? Double == 39.98)
            #expect(try await user.functions.call("workbook-service", "update", json(["order_id": id, "title": "late"])).status == .unprocessableContent)
            #expect(try await user.functions.call("workbook-service", "checkout", json(["order_id": id])).status == .unprocessableContent)

            let service = FunctionsClient(client: client, apiKey: app.keys.serviceRole)
            #expect(try await service.call("workbook-service", "advance", json(["order_id": id, "status": "ready"])).object["status"] as? String == "ready")
            try await app.owner.execute(SQLStatement("UPDATE profiles SET subscription_tier = 'ELITE' WHERE id = $1::uuid", [.text(user.id)]))
            let checkout = try await user.functions.call("workbook-service", "checkout", json(["order_id": id]))
            #expect(checkout.object["status"] as? String == "pending_payment", "\(checkout.body)")
            #expect(checkout.object["discount_applied"] as? Bool == true)
            #expect(checkout.object["total_price"] as? Double == 30.98, "29.99 - 9.00 + 9.99")
            #expect(try await service.call("workbook-service", "advance", json(["order_id": id, "status": "paid"])).status == .ok)
            #expect(try await user.functions.call("workbook-service", "cancel", json(["order_id": id])).status == .unprocessableContent)
            #expect(try await user.functions.call("workbook-service", "get", json(["order_id": id])).object["paid_at"] is String)

            let second = try #require(try await user.functions.call("workbook-service", "create", json(["template_id": template])).object["id"] as? String)
            #expect(try await user.functions.call("workbook-service", "cancel", json(["order_id": second])).object["status"] as? String == "cancelled")
            #expect(try await user.functions.call("workbook-service", "list").array.count == 2)
        }
    }

    @Test("validation and the attacker's side")
    func guards() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@a-workbook.test")
            let bob = try await signUp(client, app: app, email: "bob@a-workbook.test")
            let template = try await app.owner.text(SQLStatement("SELECT id::text FROM workbook_templates ORDER BY sort_order LIMIT 1")) ?? ""
            let aliceBoard = try await makeBoard(app, for: alice)
            let id = try #require(try await alice.functions.call("workbook-service", "create", json(["template_id": template])).object["id"] as? String)

            for (action, body, status) in [
                ("create", "{}", 400), ("create", json(["template_id": UUID().uuidString]), 404),
                ("create", json(["template_id": template, "include_habit_tracker": "yes"]), 400),
                ("attach", json(["order_id": id, "vision_board_ids": ["x"]]), 400),
                ("attach", json(["order_id": id, "habit_ids": [UUID().uuidString]]), 400),
                ("update", json(["order_id": id, "shipping_address": ["name": "x"]]), 400),
                ("update", json(["order_id": id, "template_id": UUID().uuidString]), 404),
                ("price", "{}", 400),
            ] as [(String, String, Int)] {
                let reply = try await alice.functions.call("workbook-service", action, body)
                #expect(reply.status.code == status, "\(action) \(body): \(reply.status) \(reply.body)")
            }
            for (action, body) in [
                ("get", json(["order_id": id])), ("attach", json(["order_id": id, "vision_board_ids": [aliceBoard]])),
                ("update", json(["order_id": id, "title": "mine"])), ("price", json(["order_id": id])),
                ("submit", json(["order_id": id])), ("checkout", json(["order_id": id])), ("cancel", json(["order_id": id])),
            ] {
                let reply = try await bob.functions.call("workbook-service", action, body)
                #expect(reply.status == .notFound, "bob \(action): \(reply.status) \(reply.body)")
            }
            let bobDraft = try #require(try await bob.functions.call("workbook-service", "create", json(["template_id": template])).object["id"] as? String)
            #expect(try await bob.functions.call("workbook-service", "attach", json(["order_id": bobDraft, "vision_board_ids": [aliceBoard]])).status == .badRequest)
            #expect(try await bob.functions.call("workbook-service", "advance", json(["order_id": bobDraft, "status": "generating"])).status == .forbidden)
            #expect(try await alice.functions.call("workbook-service", "get", json(["order_id": id])).object["status"] as? String == "draft")
        }
    }
}
