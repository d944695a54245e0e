import AppConfig
import Core
import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport

/// Prodigi's status callbacks: admitted by the callback secret only, matched on both our order id
/// and Prodigi's, applied once, and only forward through each order's lifecycle.
@Suite("prodigi-callback: print status callbacks")
struct PrintStatusCallbackTests {
    static let secret = "prodigi-callback-secret-0123456789"

    static func deliver(_ client: any TestClientProtocol, _ body: String, secret: String? = PrintStatusCallbackTests.secret, inQuery: Bool = false) async throws -> (status: HTTPResponse.Status, body: String) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let secret, !inQuery { headers[HTTPField.Name("X-Callback-Secret")!] = secret }
        let query = inQuery ? "?secret=\(secret ?? "")" : ""
        return try await client.execute(uri: "/functions/v1/prodigi-callback\(query)", method: .post, headers: headers, body: ByteBuffer(string: body)) {
            ($0.status, String(buffer: $0.body))
        }
    }

    static func callback(_ id: String, order: String, prodigi: String, stage: String, shipped: Bool = false) -> String {
        let shipments = shipped
            ? #"[{"id":"shp_1","status":"Shipped","carrier":{"name":"Royal Mail","service":"Tracked 48"},"tracking":{"number":"RM123","url":"https://track.test/RM123"}}]"#
            : "[]"
        return #"{"specversion":"1.0","type":"com.prodigi.order.status.stage.changed#\#(stage)","id":"\#(id)","data":{"order":{"id":"\#(prodigi)","merchantReference":"\#(order)","status":{"stage":"\#(stage)","issues":[]},"shipments":\#(shipments)}}}"#
    }

    @Test("secret checked; production, shipped with tracking, once; repeats, stale statuses and unknown orders change nothing")
    func callbacks() async throws {
        let app = try await TestApp.make { $0.integrations.prodigiCallbackSecret = PrintStatusCallbackTests.secret }
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "printer@callback.test")
            // A print order the printer has (submitted by the server, as the owner would).
            let order = try #require(try await app.owner.text(SQLStatement("""
                INSERT INTO public.print_orders (user_id, product_id, status, shipping_address, subtotal, shipping, total, prodigi_order_id)
                SELECT $1::uuid, id, 'submitted', '{"line1":"1 Main St"}', 10, 5, 15, 'ord_123' FROM public.print_products LIMIT 1
                RETURNING id::text
                """, [.text(user.id)])))
            let status = { try await app.owner.text(SQLStatement(
                "SELECT status || ' ' || coalesce(tracking_number, '-') || ' ' || coalesce(carrier, '-') FROM public.print_orders WHERE id = $1::uuid", [.text(order)])) }

            let inProduction = Self.callback("cb_1", order: order, prodigi: "ord_123", stage: "InProgress")
            #expect(try await Self.deliver(client, inProduction, secret: nil).status == .unauthorized)
            #expect(try await Self.deliver(client, inProduction, secret: "wrong-secret-0123456789").status == .unauthorized)
            #expect(try await status() == "submitted - -")

            let first = try await Self.deliver(client, inProduction, inQuery: true)
            #expect(first.status == .ok && first.body.contains("production"), "\(first.body)")
            #expect(try await Self.deliver(client, inProduction).body.contains("duplicate"))
            #expect(try await status() == "production - -")

            // Another order's Prodigi id, or ours with another Prodigi id, finds nothing.
            #expect(try await Self.deliver(client, Self.callback("cb_2", order: order, prodigi: "ord_999", stage: "Complete", shipped: true)).body.contains("unknown_order"))
            #expect(try await Self.deliver(client, Self.callback("cb_3", order: UUID().uuidString, prodigi: "ord_123", stage: "Complete", shipped: true)).body.contains("unknown_order"))
            #expect(try await status() == "production - -")

            let shipped = try await Self.deliver(client, Self.callback("cb_4", order: order, prodigi: "ord_123", stage: "Complete", shipped: true))
            #expect(shipped.body.contains("shipped"), "\(shipped.body)")
            #expect(try await status() == "shipped RM123 Royal Mail")

            // Late or contrary news does not move it back.
            #expect(try await Self.deliver(client, Self.callback("cb_5", order: order, prodigi: "ord_123", stage: "InProgress")).body.contains("ignored"))
            #expect(try await Self.deliver(client, Self.callback("cb_6", order: order, prodigi: "ord_123", stage: "Cancelled")).body.contains("ignored"))
            #expect(try await status() == "shipped RM123 Royal Mail")
            #expect(try await Self.deliver(client, "{}").status == .badRequest)
        }
    }

    @Test("without a callback secret configured: 503")
    func notConfigured() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let refused = try await Self.deliver(client, Self.callback("cb", order: UUID().uuidString, prodigi: "o", stage: "InProgress"))
            #expect(refused.status == .serviceUnavailable)
        }
    }
}
