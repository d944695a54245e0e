import AppConfig
import Core
import Database
import Foundation
@testable import Fulfilment
import HTTPTypes
import HummingbirdTesting
import Jobs
import NIOCore
import Payments
import Synchronization
import Testing
import TestSupport
import Tokens
import VisionaryApp

/// Money to print on loopback Stripe and Prodigi: a workbook is created, generated, paid through
/// a signed webhook, rendered, submitted once while Prodigi is down and back, and shipped by
/// Prodigi's callback — and from the attacker's side: another user's order, an unpaid order, a
/// board image that is not the buyer's, an order Prodigi refuses.
@Suite("print: paid orders to the printer, end to end")
struct PrintFulfilmentTests {
    static let publicURL = "https://api.visionary.test"
    static let webhookSecret = "whsec_print"
    static let callbackSecret = "prodigi-callback-secret-1234"

    /// A clock that stands still until moved; its sleep only yields.
    final class ManualClock: Sendable {
        let current = Mutex(Date())
        var now: Date { current.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
        var clock: JobClock { JobClock(now: { self.now }, sleep: { _ in await Task.yield() }) }
    }

    static func app(stripe: StripeTestServer, prodigi: ProdigiTestServer) async throws -> TestApp {
        let fonts = try PDFTools.fontsFolder
        return try await TestApp.make { config in
            config.publicURL = publicURL
            config.redirectAllowList = ["https://app.visionary.test/**"]
            config.integrations.stripe = StripeAccount(baseURL: stripe.baseURL, secretKey: "sk_test_1", webhookSecrets: [webhookSecret])
            config.integrations.prodigi = ProdigiAccount(baseURL: prodigi.baseURL, apiKey: "prodigi-key")
            config.integrations.prodigiCallbackSecret = callbackSecret
            config.integrations.workbookFonts = fonts
        }
    }

    /// A server on loopback Stripe and Prodigi, and `body` run against it.
    static func withServers(
        _ body: @Sendable (Exchange, TestApp, SQLRunner, StripeTestServer, ProdigiTestServer) async throws -> Void
    ) async throws {
        let stripe = try await StripeTestServer(secretKey: "sk_test_1")
        let prodigi = try await ProdigiTestServer(apiKey: "prodigi-key")
        defer { stripe.stop(); prodigi.stop() }
        let app = try await Self.app(stripe: stripe, prodigi: prodigi)
        let owner = SQLRunner(pool: app.parts.ownerDatabase, logger: TestCluster.logger)
        try await app.run { client in
            try await body(Exchange(client: client, anon: app.keys.anon), app, owner, stripe, prodigi)
        }
    }

    /// One HTTP exchange with the server.
    struct Exchange {
        let client: any TestClientProtocol
        let anon: String

        func send(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, body: [UInt8]? = nil,
                  headers extra: [(String, String)] = []) async throws -> (status: HTTPResponse.Status, body: [UInt8]) {
            var headers: HTTPFields = [HTTPField.Name("apikey")!: anon, .contentType: "application/json"]
            if let token { headers[.authorization] = "Bearer \(token)" }
            for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
            return try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) }) {
                ($0.status, Array($0.body.readableBytesView))
            }
        }

        func json(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, _ body: Any? = nil,
                  headers: [(String, String)] = []) async throws -> (status: HTTPResponse.Status, json: [String: Any], text: String) {
            let data = try body.map { try [UInt8](JSONSerialization.data(withJSONObject: $0)) }
            let reply = try await send(method, path, token: token, body: data, headers: headers)
            let text = String(decoding: reply.body, as: UTF8.self)
            let parsed = (try? JSONSerialization.jsonObject(with: Data(reply.body), options: [.fragmentsAllowed])) ?? [:]
            return (reply.status, (parsed as? [String: Any]) ?? ((parsed as? [[String: Any]])?.first ?? [:]), text)
        }
    }

    /// A user with one vision board whose image is in their own storage.
    static func userWithBoard(_ exchange: Exchange, _ app: TestApp, _ email: String, imageURL: String? = nil) async throws -> (token: String, id: String, board: String) {
        let user = try await app.signUp(exchange.client, email: email)
        var image = imageURL
        if image == nil {
            let png = try TestPNG.make(width: 64, height: 48, channels: 3, filter: 1) { x, _ in [UInt8(x * 4), 120, 200] }
            let upload = try await exchange.send(.post, "/storage/v1/object/visions/\(user.id)/board.png", token: user.token, body: png,
                                                 headers: [("Content-Type", "image/png")])
            #expect(upload.status == .ok, "\(String(decoding: upload.body, as: UTF8.self))")
            image = "\(publicURL)/storage/v1/object/authenticated/visions/\(user.id)/board.png"
        }
        let board = try await exchange.json(.post, "/rest/v1/vision_boards", token: user.token,
                                            ["prompt": "A cabin by the lake", "image_url": image ?? ""], headers: [("Prefer", "return=representation")])
        return (user.token, user.id, try #require(board.json["id"] as? String, "\(board.text)"))
    }

    static var address: [String: Any] { ["name": "Ann Lee", "line1": " 1 Main St ", "line2": "", "city": "Austin", "state": "TX", "postalCode": "78701", "country": "us"] }

    @Test("a paid workbook is rendered, reaches Prodigi once though it was down, and comes back shipped; no one else can touch it")
    func workbookEndToEnd() async throws {
        try await Self.withServers { http, app, owner, stripe, prodigi in
            let client = http.client
            let ann = try await Self.userWithBoard(http, app, "ann@print.test")
            let bob = try await app.signUp(client, email: "bob@print.test")

            let templates = try await http.json(.get, "/functions/v1/generate-workbook-pdf", token: ann.token)
            let template = try #require((templates.json["templates"] as? [[String: Any]])?.first, "\(templates.text)")
            let created = try await http.json(.post, "/functions/v1/generate-workbook-pdf?action=create_order", token: ann.token, [
                "template_id": template["id"] ?? "", "title": "Dream Big", "subtitle": "2027", "dedication_text": "For the lake.",
                "vision_board_ids": [ann.board], "shipping_address": Self.address,
            ])
            let order = try #require(created.json["order"] as? [String: Any], "\(created.text)")
            let orderID = try #require(order["id"] as? String)
            #expect((order["template"] as? [String: Any])?["sku"] as? String == template["sku"] as? String)
            let fullPrice = try #require(order["total_price"] as? Double, "\(created.text)")

            // Unpaid: the app's own call right after ordering is refused, and Prodigi hears nothing.
            let early = try await http.json(.post, "/functions/v1/submit-to-prodigi", token: ann.token,
                                             ["orderId": orderID, "recipient": ["name": "x"], "items": [["sku": "CHEAP-SKU"]]])
            #expect(early.status == .conflict && early.text.contains("order_not_paid"), "\(early.text)")

            let generated = try await http.json(.post, "/functions/v1/generate-workbook-pdf?action=generate", token: ann.token, ["order_id": orderID])
            #expect(generated.json["status"] as? String == "ready" && (generated.json["sections_generated"] as? Int ?? 0) >= 9, "\(generated.text)")
            let foreign = try await http.json(.post, "/functions/v1/generate-workbook-pdf?action=generate", token: bob.token, ["order_id": orderID])
            #expect(foreign.status == .notFound, "\(foreign.text)")

            // Ann became ELITE since she ordered: checkout prices the workbook again, with her discount.
            try await owner.execute(SQLStatement("UPDATE public.profiles SET subscription_tier = 'ELITE' WHERE id = $1::uuid", [.text(ann.id)]))
            let checkout = try await http.json(.post, "/functions/v1/create-checkout-session", token: ann.token, [
                "mode": "payment", "orderId": orderID, "successUrl": "https://app.visionary.test/ok", "cancelUrl": "https://app.visionary.test/no",
            ])
            #expect(checkout.status == .ok, "\(checkout.text)")
            let session = try #require(stripe.sessions.last)
            let cents = try #require(Int(session["line_items[0][price_data][unit_amount]"] ?? ""))
            #expect(cents > 0 && cents < Int((fullPrice * 100).rounded()), "re-priced at ELITE: \(cents) vs \(fullPrice)")

            // Stripe's signed event pays it, and the same transaction queues its fulfilment.
            var metadata: [String: String] = [:]
            for (key, value) in session where key.hasPrefix("metadata[") { metadata[String(key.dropFirst(9).dropLast())] = value }
            let event: [String: Any] = ["id": "evt_print_1", "type": "checkout.session.completed", "created": Int(Date().timeIntervalSince1970),
                                        "data": ["object": ["id": "cs_print", "payment_status": "paid", "client_reference_id": ann.id, "metadata": metadata,
                                                            "currency": "usd", "amount_total": cents, "payment_intent": "pi_print"]]]
            let payload = try [UInt8](JSONSerialization.data(withJSONObject: event))
            let signature = StripeSignature(secrets: [Self.webhookSecret]).header(payload: payload, timestamp: Int(Date().timeIntervalSince1970))
            let paid = try await http.send(.post, "/functions/v1/stripe-webhook", body: payload, headers: [("Stripe-Signature", signature)])
            #expect(String(decoding: paid.body, as: UTF8.self).contains("order_paid"))
            #expect(try await owner.text(SQLStatement("SELECT status || ' ' || fulfilment_state FROM public.workbook_orders WHERE id = $1::uuid", [.text(orderID)])) == "paid queued")

            // Asking before the job ran does not render in the request: the order is queued.
            let queued = try await http.json(.post, "/functions/v1/submit-to-prodigi", token: ann.token, ["orderId": orderID])
            #expect(queued.status == .accepted && queued.json["status"] as? String == "queued", "\(queued.text)")
            #expect(prodigi.requests.isEmpty)

            // Prodigi is down for the first attempt: the PDF is made, the order waits, the job is retried.
            let clock = ManualClock()
            let worker = JobWorker(queue: JobQueue(database: owner), handlers: [app.parts.fulfilment.handler], clock: clock.clock, logger: TestCluster.logger)
            prodigi.failNext(1)
            #expect(await worker.runOnce() == 1)
            let waiting = try #require(try await owner.text(SQLStatement(
                "SELECT json_build_object('status', status, 'state', fulfilment_state, 'error', fulfilment_error, 'pdf', merged_pdf_url)::text FROM public.workbook_orders WHERE id = $1::uuid",
                [.text(orderID)])))
            #expect(waiting.contains(#""status" : "paid""#) && waiting.contains("unavailable") && waiting.contains("/workbooks/\(ann.id)/"), "\(waiting)")
            #expect(await worker.runOnce() == 0, "retried later, not at once")
            clock.advance(120)
            #expect(await worker.runOnce() == 1)
            #expect(prodigi.requests.count == 2 && prodigi.orders.count == 1, "\(prodigi.orders)")
            let keys = prodigi.requests.compactMap { $0["idempotencyKey"] as? String }
            #expect(keys == [orderID, orderID])
            let stored = try #require(try await owner.text(SQLStatement(
                "SELECT status || ' ' || fulfilment_state || ' ' || prodigi_order_id FROM public.workbook_orders WHERE id = $1::uuid", [.text(orderID)])))
            #expect(stored == "submitted submitted ord_100000", "\(stored)")

            // What Prodigi received: the catalogue's SKU, a trimmed recipient, and our signed PDF URL.
            let sent = try #require(prodigi.requests.last)
            let item = try #require((sent["items"] as? [[String: Any]])?.first)
            #expect(item["sku"] as? String == template["sku"] as? String && item["copies"] as? Int == 1)
            let recipient = try #require(sent["recipient"] as? [String: Any])
            let address = try #require(recipient["address"] as? [String: Any])
            #expect(address["line1"] as? String == "1 Main St" && address["line2"] == nil && address["countryCode"] as? String == "US", "\(address)")
            let asset = try #require(((item["assets"] as? [[String: Any]])?.first?["url"]) as? String)
            #expect(asset.hasPrefix(Self.publicURL + "/storage/v1/object/sign/workbooks/\(ann.id)/"), "\(asset)")
            let download = try await http.send(.get, String(asset.dropFirst(Self.publicURL.count)))
            #expect(download.status == .ok)
            let check = try await PDFTools.check(download.body)
            #expect(check.status == 0, "\(check.output)")
            let pages = template["page_count"] as? Int ?? 0
            #expect(PDFTools.field(try await PDFTools.info(download.body), "Pages") == String(pages))

            // The owner reads the rendered PDF; another user cannot, and the owner cannot replace it.
            let pdfPath = try #require(try await owner.text(SQLStatement("SELECT merged_pdf_url FROM public.workbook_orders WHERE id = $1::uuid", [.text(orderID)])))
            #expect(try await http.send(.get, pdfPath, token: ann.token).status == .ok)
            #expect(try await http.send(.get, pdfPath, token: bob.token).status != .ok)
            let objectName = String(pdfPath.dropFirst("/storage/v1/object/authenticated/workbooks/".count))
            _ = try await http.send(.delete, "/storage/v1/object/workbooks/\(objectName)", token: ann.token)
            #expect(try await http.send(.get, pdfPath, token: ann.token).status == .ok, "the server's PDF is not the owner's to delete")
            let sections = try #require(try await owner.text(SQLStatement(
                "SELECT count(*)::text FROM public.workbook_sections WHERE workbook_order_id = $1::uuid AND page_start IS NOT NULL", [.text(orderID)])))
            #expect((Int(sections) ?? 0) >= 9)

            // Asking again answers Prodigi's order; Bob asking about Ann's order learns nothing.
            let again = try await http.json(.post, "/functions/v1/submit-to-prodigi", token: ann.token, ["orderId": orderID])
            #expect(again.status == .ok && again.json["orderId"] as? String == "ord_100000", "\(again.text)")
            let snoop = try await http.json(.post, "/functions/v1/submit-to-prodigi", token: bob.token, ["orderId": orderID])
            #expect(snoop.status == .notFound, "\(snoop.text)")
            #expect(prodigi.requests.count == 2)

            // Prodigi's callback ships it, with tracking.
            let callback: [String: Any] = ["id": "cb_1", "data": ["order": [
                "id": "ord_100000", "merchantReference": orderID, "status": ["stage": "Complete"],
                "shipments": [["status": "Shipped", "carrier": ["name": "UPS"], "tracking": ["number": "1Z999", "url": "https://ups.test/1Z999"]]],
            ]]]
            let shipped = try await http.json(.post, "/functions/v1/prodigi-callback?secret=\(Self.callbackSecret)", callback)
            #expect(shipped.text.contains("shipped"), "\(shipped.text)")
            #expect(try await owner.text(SQLStatement("SELECT status || ' ' || tracking_number FROM public.workbook_orders WHERE id = $1::uuid", [.text(orderID)])) == "shipped 1Z999")
        }
    }

    @Test("a poster Prodigi refuses fails at once; a board image that is not the buyer's is never signed for the printer")
    func posterFailures() async throws {
        try await Self.withServers { http, app, owner, stripe, prodigi in
            let ann = try await Self.userWithBoard(http, app, "ann@poster.test")
            // A private image of Ann's (the documents bucket is not public; visions is).
            let secret = try TestPNG.make(width: 8, height: 8, channels: 3) { _, _ in [9, 9, 9] }
            let upload = try await http.send(.post, "/storage/v1/object/documents/\(ann.id)/secret.png", token: ann.token, body: secret,
                                             headers: [("Content-Type", "image/png")])
            #expect(upload.status == .ok)
            let annImage = "\(Self.publicURL)/storage/v1/object/authenticated/documents/\(ann.id)/secret.png"
            let bob = try await Self.userWithBoard(http, app, "bob@poster.test", imageURL: annImage)

            func posterOrder(_ user: (token: String, id: String, board: String)) async throws -> String {
                let placed = try await http.json(.post, "/rest/v1/rpc/place_poster_order", token: user.token, [
                    "p_vision_board_id": user.board, "p_sku": "GLOBAL-FAP-18x24", "p_finish": "gloss", "p_quantity": 2, "p_shipping_address": Self.address,
                ])
                let id = try #require(placed.json["id"] as? String, "\(placed.text)")
                // Paid, as the webhook would mark it.
                try await owner.execute(SQLStatement("UPDATE public.poster_orders SET status = 'paid' WHERE id = $1::uuid", [.text(id)]))
                return id
            }
            // The worker's clock runs a minute ahead of the database's, so the jobs payment queued are due.
            let clock = ManualClock()
            clock.advance(60)
            let worker = JobWorker(queue: JobQueue(database: owner), handlers: [app.parts.fulfilment.handler], clock: clock.clock, logger: TestCluster.logger)

            let refusedOrder = try await posterOrder(ann)
            prodigi.refuseNext()
            #expect(await worker.runOnce() == 1)
            let refused = try await owner.text(SQLStatement(
                "SELECT status || ' ' || fulfilment_state || ' ' || fulfilment_error FROM public.poster_orders WHERE id = $1::uuid", [.text(refusedOrder)]))
            #expect(refused?.hasPrefix("paid failed Prodigi refused the order (400)") == true, "\(refused ?? "nil")")
            let job = try #require(try await owner.text(SQLStatement(
                "SELECT id::text || ' ' || state || ' ' || attempts FROM internal.jobs WHERE kind = 'print.fulfil' AND payload ->> 'order_id' = $1", [.text(refusedOrder)])))
            #expect(job.hasSuffix(" dead 1"), "a refusal is a dead letter at once, not retried: \(job)")
            // Once mended, the operator's retry sends it again, and it goes through.
            #expect(try await JobQueue(database: owner).retry(try #require(UUID(uuidString: String(job.prefix(36)))), now: clock.now))
            #expect(await worker.runOnce() == 1)
            #expect(try await owner.text(SQLStatement(
                "SELECT status || ' ' || fulfilment_state || ' ' || coalesce(fulfilment_error, '-') FROM public.poster_orders WHERE id = $1::uuid",
                [.text(refusedOrder)])) == "submitted submitted -")
            let sent = try #require(prodigi.requests.first)
            let item = try #require((sent["items"] as? [[String: Any]])?.first)
            #expect(item["copies"] as? Int == 2 && (item["attributes"] as? [String: Any])?["finish"] as? String == "gloss")
            #expect(((item["assets"] as? [[String: Any]])?.first?["url"] as? String)?.contains("/object/sign/visions/\(ann.id)/board.png") == true)

            // Bob's board names Ann's private image: his paid poster fails, and no URL of Ann's object goes out.
            let requestsBefore = prodigi.requests.count
            let bobOrder = try await posterOrder(bob)
            #expect(await worker.runOnce() == 1)
            let bobState = try await owner.text(SQLStatement(
                "SELECT fulfilment_state || ' ' || fulfilment_error FROM public.poster_orders WHERE id = $1::uuid", [.text(bobOrder)]))
            #expect(bobState == "failed the image to print is not one of the owner's stored objects", "\(bobState ?? "nil")")
            #expect(prodigi.requests.count == requestsBefore)

            // Nor does his workbook embed it: images are read as the book's owner may read them, and
            // nothing is fetched from elsewhere.
            let fulfilment = app.parts.fulfilment
            let bobID = try #require(UUID(uuidString: bob.id)), annID = try #require(UUID(uuidString: ann.id))
            #expect(try await fulfilment.imageBytes(annImage, of: bobID) == nil)
            #expect(try await fulfilment.imageBytes(annImage, of: annID) == secret)
            #expect(try await fulfilment.imageBytes("https://elsewhere.example.com/a.png", of: annID) == nil)
            #expect(try await fulfilment.imageBytes("data:image/png;base64," + Data(secret).base64EncodedString(), of: bobID) == secret)

            // submit-to-prodigi on a failed order tells why, and leaves it as it is.
            let retry = try await http.json(.post, "/functions/v1/submit-to-prodigi", token: bob.token, ["orderId": bobOrder])
            #expect(retry.status.code == 422 && retry.text.contains("order_not_printable"), "\(retry.text)")
        }
    }

    @Test("a workbook's discount lost before payment is refunded; its sections are fixed at checkout; hostile content still prints")
    func workbookAttacks() async throws {
        try await Self.withServers { http, app, owner, stripe, prodigi in
            // A PNG header claiming 2^32 - 1 pixels a side, inline; and a prompt of one endless word.
            var png = try TestPNG.make(width: 1, height: 1, channels: 3) { _, _ in [0, 0, 0] }
            png.replaceSubrange(16..<24, with: [UInt8](repeating: 0xFF, count: 8))
            let eve = try await Self.userWithBoard(http, app, "eve@print.test", imageURL: "data:image/png;base64," + Data(png).base64EncodedString())
            let long = try await http.json(.post, "/rest/v1/vision_boards", token: eve.token,
                                           ["prompt": String(repeating: "W", count: 5000), "image_url": "https://elsewhere.example.com/x.png"],
                                           headers: [("Prefer", "return=representation")])
            let templates = try await http.json(.get, "/functions/v1/generate-workbook-pdf", token: eve.token)
            let template = try #require((templates.json["templates"] as? [[String: Any]])?.first, "\(templates.text)")
            let created = try await http.json(.post, "/functions/v1/generate-workbook-pdf?action=create_order", token: eve.token, [
                "template_id": template["id"] ?? "", "title": String(repeating: "Big ", count: 30),
                "vision_board_ids": [eve.board, long.json["id"] ?? ""], "shipping_address": Self.address,
            ])
            let orderID = try #require((created.json["order"] as? [String: Any])?["id"] as? String, "\(created.text)")
            _ = try await http.json(.post, "/functions/v1/generate-workbook-pdf?action=generate", token: eve.token, ["order_id": orderID])

            // While ready, the owner may add sections: a second gallery and thirty covers, an endless task list.
            let task: [String: Any] = ["title": String(repeating: "中", count: 4000), "done": false]
            let months = (1...12).map { _ in ["label": "Month", "tasks": Array(repeating: task, count: 14)] as [String: Any] }
            var extra: [[String: Any]] = [["workbook_order_id": orderID, "section_type": "action_plan", "section_order": -1, "content": ["months": months]],
                                          ["workbook_order_id": orderID, "section_type": "vision_gallery", "section_order": 50,
                                           "content": ["visionBoards": Array(repeating: ["imageUrl": "data:image/png;base64," + Data(png).base64EncodedString()], count: 100)]]]
            extra += (0..<30).map { ["workbook_order_id": orderID, "section_type": "cover", "section_order": 60 + $0, "content": ["title": "again"]] }
            let inserted = try await http.json(.post, "/rest/v1/workbook_sections", token: eve.token, extra)
            #expect(inserted.status == .created, "\(inserted.text)")

            // ELITE at checkout, FREE by the time Stripe reports the payment: refunded, not paid at the discount.
            try await owner.execute(SQLStatement("UPDATE public.profiles SET subscription_tier = 'ELITE' WHERE id = $1::uuid", [.text(eve.id)]))
            _ = try await http.json(.post, "/functions/v1/create-checkout-session", token: eve.token, [
                "mode": "payment", "orderId": orderID, "successUrl": "https://app.visionary.test/ok", "cancelUrl": "https://app.visionary.test/no",
            ])
            let session = try #require(stripe.sessions.last)
            try await owner.execute(SQLStatement("UPDATE public.profiles SET subscription_tier = 'FREE' WHERE id = $1::uuid", [.text(eve.id)]))
            var metadata: [String: String] = [:]
            for (key, value) in session where key.hasPrefix("metadata[") { metadata[String(key.dropFirst(9).dropLast())] = value }
            let event: [String: Any] = ["id": "evt_lapsed", "type": "checkout.session.completed", "created": Int(Date().timeIntervalSince1970),
                                        "data": ["object": ["id": "cs_lapsed", "payment_status": "paid", "client_reference_id": eve.id, "metadata": metadata,
                                                            "currency": "usd", "amount_total": Int(session["line_items[0][price_data][unit_amount]"] ?? "0") ?? 0,
                                                            "payment_intent": "pi_lapsed"]]]
            let payload = try [UInt8](JSONSerialization.data(withJSONObject: event))
            let signature = StripeSignature(secrets: [Self.webhookSecret]).header(payload: payload, timestamp: Int(Date().timeIntervalSince1970))
            let reply = try await http.send(.post, "/functions/v1/stripe-webhook", body: payload, headers: [("Stripe-Signature", signature)])
            #expect(String(decoding: reply.body, as: UTF8.self).contains("refunded_price_changed"), "\(String(decoding: reply.body, as: UTF8.self))")
            #expect(stripe.refunds == ["pi_lapsed"])
            #expect(try await owner.text(SQLStatement("SELECT status FROM public.workbook_orders WHERE id = $1::uuid", [.text(orderID)])) == "pending_payment")

            // In checkout, the sections are no longer the owner's to change.
            let late = try await http.json(.post, "/rest/v1/workbook_sections", token: eve.token,
                                           ["workbook_order_id": orderID, "section_type": "notes", "section_order": 99])
            #expect(late.status.code >= 400 && late.status.code < 500, "\(late.text)")
            let deleted = try await http.send(.delete, "/rest/v1/workbook_sections?workbook_order_id=eq.\(orderID)", token: eve.token)
            #expect(deleted.status.code >= 400 && deleted.status.code < 500)

            // Paid at her ELITE price while ELITE: the hostile book renders to the template's pages and goes out.
            try await owner.execute(SQLStatement("UPDATE public.profiles SET subscription_tier = 'ELITE' WHERE id = $1::uuid", [.text(eve.id)]))
            try await owner.execute(SQLStatement("UPDATE public.workbook_orders SET status = 'paid' WHERE id = $1::uuid", [.text(orderID)]))
            let clock = ManualClock()
            clock.advance(60)
            let worker = JobWorker(queue: JobQueue(database: owner), handlers: [app.parts.fulfilment.handler], clock: clock.clock, logger: TestCluster.logger)
            #expect(await worker.runOnce() == 1)
            let state = try await owner.text(SQLStatement(
                "SELECT status || ' ' || fulfilment_state || ' ' || coalesce(fulfilment_error, '-') FROM public.workbook_orders WHERE id = $1::uuid", [.text(orderID)]))
            #expect(state == "submitted submitted -", "\(state ?? "nil")")
            let asset = try #require(((((prodigi.requests.last?["items"] as? [[String: Any]])?.first)?["assets"] as? [[String: Any]])?.first?["url"]) as? String)
            let pdf = try await http.send(.get, String(asset.dropFirst(Self.publicURL.count)))
            #expect(PDFTools.field(try await PDFTools.info(pdf.body), "Pages") == String(template["page_count"] as? Int ?? 0))
        }
    }
}
