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
    @Test("catalogue with categories, customize and order inferred from the body, the server's price (client amounts ignored), ELITE discount, posters, list, get, cancel, advance")
    func lifecycle() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            let catalog = try await anon.call("print-products", nil, "{}")
            #expect(catalog.status == .ok, "no action is the catalogue")
            #expect(catalog.object["success"] as? Bool == true)
            let products = catalog.object["products"] as? [[String: Any]] ?? []
            #expect(products.count == 10)
            #expect(products.first?["name"] as? String == "Daily Focus Pad")
            #expect(products.first?["base_price"] as? Double == 14.99)
            #expect(products.first?["features"] as? [String] == [])
            #expect(products.first?["personalization_fields"] as? [String] == ["title", "tagline"])
            let categories = (catalog.object["categories"] as? [[String: Any]] ?? []).map { "\($0["id"] ?? "") \($0["name"] ?? "") \($0["count"] ?? "")" }
            #expect(categories == ["pad Focus Pads 2", "cards Cards & Decks 2", "poster Posters 2", "sticker Stickers 1", "canvas Canvas Prints 2", "bundle Bundles 1"])
            let pads = try await anon.send(.get, "print-products?action=catalog&type=pad")
            #expect((pads.object["products"] as? [[String: Any]])?.count == 2)
            #expect((pads.object["categories"] as? [[String: Any]])?.map { $0["id"] as? String } == ["pad"])
            #expect((try await anon.call("print-products", "catalog", #"{"elite":true}"#).object["products"] as? [Any])?.isEmpty == true)

            let alice = try await signUp(client, app: app, email: "alice@print.test")
            let board = try await makeBoard(app, for: alice)
            _ = try await createHabit(alice, #"{"title":"sketch daily"}"#)
            let pad = try await productID(app, sku: "GLOBAL-PAD-A5-50")
            let customized = try await alice.functions.call("print-products", nil, json(["productId": pad, "customization": [String: Any]()]))
            #expect(customized.status == .ok, "productId without an address is a customisation: \(customized.body)")
            let contentData = customized.object["contentData"] as? [String: Any] ?? [:]
            #expect((contentData["visions"] as? [[String: Any]])?.map { $0["id"] as? String } == [board])
            #expect((contentData["habits"] as? [[String: Any]])?.map { $0["title"] as? String } == ["sketch daily"])
            #expect(contentData["theme"] is NSNull)
            #expect((customized.object["product"] as? [String: Any])?["id"] as? String == pad)
            let pricing = customized.object["pricing"] as? [String: Any] ?? [:]
            #expect(pricing["subtotal"] as? Double == 14.99)
            #expect(pricing["shipping"] as? Double == 4.99)
            #expect(pricing["total"] as? Double == 19.98)
            #expect(customized.object["estimatedTotal"] as? Double == 19.98)
            #expect(pricing["discount_applied"] as? Bool == false)

            var body: [String: Any] = [
                "productId": pad, "customization": ["title": "My year", "tagline": "One step a day", "visionImageId": board],
                "shippingAddress": address, "quantity": 2,
                "subtotal": 0.01, "total": 0.01, "discount": 29.98, "base_price": 0.01, "pricing": ["total": 0],
            ]
            let placed = try await alice.functions.call("print-products", nil, json(body))
            #expect(placed.status == .created, "productId and shippingAddress are an order: \(placed.body)")
            let order = placed.object["order"] as? [String: Any] ?? [:]
            #expect(order["total"] as? Double == 34.97, "2 x 14.99 + 4.99, whatever the client said")
            #expect(order["subtotal"] as? Double == 29.98)
            #expect(order["discount"] as? Double == 0)
            #expect(order["status"] as? String == "pending")
            #expect(order["productName"] as? String == "Daily Focus Pad")
            #expect((order["estimatedDelivery"] as? String)?.count == 10)
            #expect(order["customization"] as? [String: String] == ["title": "My year", "tagline": "One step a day"])
            #expect(((order["content"] as? [String: Any])?["vision_boards"] as? [[String: Any]])?.first?["prompt"] as? String == "a house by the sea")
            let orderID = try #require(order["id"] as? String)

            try await app.owner.execute(SQLStatement("UPDATE profiles SET subscription_tier = 'ELITE' WHERE id = $1::uuid", [.text(alice.id)]))
            body["quantity"] = 1
            let elite = try await alice.functions.call("print-products", "order", json(body))
            let eliteOrder = elite.object["order"] as? [String: Any] ?? [:]
            #expect(eliteOrder["discount"] as? Double == 4.5, "\(elite.body)")
            #expect(eliteOrder["total"] as? Double == 15.48)
            #expect(eliteOrder["discountApplied"] as? Bool == true)

            let poster = try await alice.functions.call("print-products", "order_poster",
                                                        json(["visionBoardId": board, "sku": "GLOBAL-FAP-18x24", "finish": "gloss", "shippingAddress": address, "total_price": 1]))
            #expect(poster.status == .created, "\(poster.body)")
            let posterOrder = poster.object["order"] as? [String: Any] ?? [:]
            #expect(posterOrder["total"] as? Double == 24.48, "24.99 - 7.50 + 6.99")
            #expect(posterOrder["discountApplied"] as? Bool == true)
            #expect(posterOrder["productName"] as? String == "Vision Poster 18x24")
            #expect((posterOrder["printConfig"] as? [String: Any])?["finish"] as? String == "gloss")
            let posterID = try #require(posterOrder["id"] as? String)

            let orders = try await alice.functions.call("print-products", "list_orders")
            #expect((orders.object["orders"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["poster", "print", "print"])
            let firstPrint = try await alice.functions.send(.get, "print-products?action=list_orders&limit=1&status=pending")
            #expect((firstPrint.object["orders"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["poster"])
            let got = try await alice.functions.send(.get, "print-products?action=get_order&orderId=\(posterID)")
            #expect((got.object["order"] as? [String: Any])?["kind"] as? String == "poster", "\(got.body)")
            #expect((got.object["product"] as? [String: Any])?["prodigi_sku"] as? String == "GLOBAL-FAP-18x24")

            let service = FunctionsClient(client: client, apiKey: app.keys.serviceRole)
            #expect(try await service.call("print-products", "advance", json(["orderId": orderID, "status": "shipped"])).status == .unprocessableContent)
            let paid = try await service.call("print-products", "advance", json(["orderId": orderID, "status": "paid"]))
            #expect((paid.object["order"] as? [String: Any])?["status"] as? String == "paid", "\(paid.body)")
            let paidCancel = try await alice.functions.call("print-products", "cancel", json(["orderId": orderID]))
            #expect(paidCancel.status == .unprocessableContent)
            #expect(paidCancel.error?.contains("only unpaid") == true)
            let cancelled = try await alice.functions.call("print-products", "cancel", json(["orderId": posterID]))
            #expect((cancelled.object["order"] as? [String: Any])?["status"] as? String == "cancelled", "\(cancelled.body)")
            #expect(try await alice.functions.call("print-products", "cancel", json(["orderId": posterID])).status == .unprocessableContent)
            #expect(try await service.call("print-products", "advance", json(["orderId": UUID().uuidString, "status": "paid"])).status == .notFound)
        }
    }

    @Test("validation: fields, content requirements, ELITE-only products, addresses; bodies that name no order never place one")
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
            let good: [String: Any] = ["title": "t", "tagline": "g", "visionImageId": board]
            let cases: [([String: Any], Int)] = [
                ([:], 400),
                (["productId": "x"], 400),
                (["productId": pad, "quantity": 0, "customization": good], 400),
                (["productId": pad, "quantity": 101, "customization": good], 400),
                (["productId": pad, "quantity": 1e300, "customization": good], 400),
                (["productId": pad, "customization": "title"], 400),
                (["productId": pad, "customization": good.merging(["color": "red"]) { a, _ in a }], 400),
                (["productId": pad, "customization": good.merging(["headline": "the app's field"]) { a, _ in a }], 400),
                (["productId": pad, "customization": ["title": " ", "visionImageId": board]], 400),
                (["productId": pad, "customization": ["title": "t", "tagline": 5, "visionImageId": board]], 400),
                (["productId": pad, "customization": ["title": "t", "tagline": "g", "visionImageId": foreign]], 400),
                (["productId": pad, "customization": ["title": "t", "tagline": "g", "visionImageId": "nope"]], 400),
                (["productId": pad, "customization": ["title": "t", "tagline": "g"], "visionBoardIds": ["nope"]], 400),
                (["productId": pad, "customization": ["title": "t", "tagline": "g"]], 422),
                (["productId": kit, "customization": ["quarter": "Q1", "year": "2026"], "visionBoardIds": [board]], 422),
                (["productId": pad, "customization": good, "shippingMethod": "teleport"], 400),
                (["productId": UUID().uuidString], 404),
            ]
            for (body, status) in cases {
                let reply = try await user.functions.call("print-products", "order", json(body.merging(["shippingAddress": address]) { a, _ in a }))
                #expect(reply.status.code == status, "\(body): \(reply.status) \(reply.body)")
            }
            #expect(try await user.functions.call("print-products", "order", json(["productId": stickers, "shippingAddress": address])).status == .created,
                    "no content or fields needed")
            #expect(try await user.functions.call("print-products", "customize", json(["productId": pad, "quantity": 0])).status == .badRequest)
            #expect(try await user.functions.call("print-products", "customize", json(["productId": UUID().uuidString])).status == .notFound)

            try await app.owner.execute(SQLStatement("UPDATE print_products SET elite_exclusive = true WHERE id = $1::uuid", [.text(stickers)]))
            #expect(try await user.functions.call("print-products", "order", json(["productId": stickers, "shippingAddress": address])).status == .forbidden)
            #expect(try await user.functions.call("print-products", "customize", json(["productId": stickers])).status == .ok, "looking is not ordering")

            let order: [String: Any] = ["productId": pad, "customization": good]
            #expect(try await user.functions.call("print-products", "order", json(order)).status == .badRequest, "no address")
            var partial = address
            partial["city"] = nil
            #expect(try await user.functions.call("print-products", "order", json(order.merging(["shippingAddress": partial]) { a, _ in a })).status == .badRequest)
            for body in [
                ["visionBoardId": board, "sku": "NOPE", "shippingAddress": address],
                ["visionBoardId": board, "sku": "GLOBAL-PAD-A5-50", "shippingAddress": address],
            ] as [[String: Any]] {
                #expect(try await user.functions.call("print-products", "order_poster", json(body)).status == .notFound)
            }
            #expect(try await user.functions.call("print-products", "order_poster",
                                                  json(["visionBoardId": board, "sku": "GLOBAL-FAP-18x24", "finish": "shiny", "shippingAddress": address])).status == .badRequest)
            for (action, body) in [("list_orders", #"{"limit":0}"#), ("list_orders", #"{"limit":"many"}"#), ("get_order", "{}"),
                                   ("catalog", #"{"type":"mug"}"#), ("catalog", #"{"elite":"sometimes"}"#)] {
                #expect(try await user.functions.call("print-products", action, body).status == .badRequest, "\(action) \(body)")
            }

            // Without an action, only productId with shippingAddress places an order; other bodies get the catalogue.
            for body in [["shippingAddress": address], ["orderId": UUID().uuidString], ["customization": good, "quantity": 3]] as [[String: Any]] {
                let reply = try await user.functions.call("print-products", nil, json(body))
                #expect((reply.object["products"] as? [Any])?.count == 10, "\(body): \(reply.body)")
            }
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            #expect(try await anon.call("print-products", nil, json(["productId": pad, "shippingAddress": address])).status == .unauthorized)
            #expect(try await app.owner.text(SQLStatement("SELECT (SELECT count(*) FROM print_orders) + (SELECT count(*) FROM poster_orders) || ''")) == "1",
                    "only the stickers order")
        }
    }

    @Test("the attacker's side: someone else's orders, boards and habits; a userId in the body; the server's transitions")
    func attacker() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@a-print.test")
            let bob = try await signUp(client, app: app, email: "bob@a-print.test")
            let board = try await makeBoard(app, for: alice)
            let habit = try await createHabit(alice, #"{"title":"private"}"#)
            let placed = try await alice.functions.call("print-products", "order_poster",
                                                        json(["visionBoardId": board, "sku": "GLOBAL-FAP-24x36", "shippingAddress": address]))
            let poster = try #require((placed.object["order"] as? [String: Any])?["id"] as? String, "\(placed.body)")
            #expect(try await bob.functions.call("print-products", "get_order", json(["orderId": poster])).status == .notFound)
            #expect(try await bob.functions.call("print-products", "cancel", json(["orderId": poster])).status == .notFound)
            #expect((try await bob.functions.call("print-products", "list_orders", json(["userId": alice.id])).object["orders"] as? [Any])?.isEmpty == true)
            #expect(try await bob.functions.call("print-products", "order_poster",
                                                 json(["visionBoardId": board, "sku": "GLOBAL-FAP-24x36", "shippingAddress": address])).status == .badRequest)
            let cards = try await productID(app, sku: "GLOBAL-CRD-3x5-25")
            let pad = try await productID(app, sku: "GLOBAL-PAD-A5-50")
            #expect(try await bob.functions.call("print-products", nil, json([
                "productId": pad, "customization": ["title": "t", "tagline": "g", "visionImageId": board], "shippingAddress": address,
            ])).status == .badRequest)
            #expect(try await bob.functions.call("print-products", nil, json([
                "productId": cards, "habitIds": [habit, habit, habit], "shippingAddress": address,
            ])).status == .badRequest)
            let peek = try await bob.functions.call("print-products", nil, json(["productId": pad, "userId": alice.id]))
            let seen = peek.object["contentData"] as? [String: Any] ?? [:]
            #expect((seen["visions"] as? [Any])?.isEmpty == true, "\(peek.body)")
            #expect((seen["habits"] as? [Any])?.isEmpty == true)
            let stickers = try await productID(app, sku: "GLOBAL-STK-A4")
            let bobs = try await bob.functions.call("print-products", nil, json(["productId": stickers, "shippingAddress": address, "userId": alice.id, "user_id": alice.id]))
            let bobsOrder = try #require((bobs.object["order"] as? [String: Any])?["id"] as? String, "\(bobs.body)")
            #expect(try await app.owner.text(SQLStatement("SELECT user_id::text FROM print_orders WHERE id = $1::uuid", [.text(bobsOrder)])) == bob.id)
            #expect(try await bob.functions.call("print-products", "advance", json(["orderId": poster, "status": "paid"])).status == .forbidden)
            #expect(try await alice.functions.call("print-products", "advance", json(["orderId": poster, "status": "paid"])).status == .forbidden)
            #expect(try await bob.functions.call("print-products", "advance", json(["orderId": bobsOrder, "status": "paid"])).status == .forbidden)
            let state = try await alice.functions.call("print-products", "get_order", json(["orderId": poster]))
            #expect((state.object["order"] as? [String: Any])?["status"] as? String == "pending")
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
            let habit = try await createHabit(user, #"{"title":"journal"}"#)
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
