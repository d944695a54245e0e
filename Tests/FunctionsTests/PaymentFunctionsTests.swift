import AppConfig
import Core
import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Payments
import Testing
import TestSupport
import Tokens

/// Payments against a loopback Stripe: checkout sells only what the server's catalogue and the
/// order's stored price say, and the webhook acts only on Stripe's signed events, once each,
/// never moving a subscription backwards — from the attacker's side too.
@Suite("payments: create-checkout-session, stripe-webhook, cancel-subscription, billing-portal")
struct PaymentFunctionsTests {
    static let webhookSecret = "whsec_test_secret"

    static func app(_ stripe: StripeTestServer?) async throws -> TestApp {
        try await TestApp.make { config in
            config.publicURL = "https://api.visionary.test"
            config.redirectAllowList = ["https://app.visionary.test/**"]
            if let stripe {
                config.integrations.stripe = StripeAccount(
                    baseURL: stripe.baseURL, secretKey: "sk_test_1", webhookSecrets: ["whsec_old", webhookSecret],
                    proPrice: "price_pro", elitePrice: "price_elite", creditPacks: ["price_pack_50": 50])
            }
        }
    }

    /// Stripe's delivery of an event: the payload signed now (or at `timestamp`) with `secret`.
    static func deliver(
        _ client: any TestClientProtocol, _ payload: String, secret: String = webhookSecret, timestamp: Int = Int(Date().timeIntervalSince1970),
        header: String? = nil
    ) async throws -> (status: HTTPResponse.Status, body: String) {
        let signed = header ?? StripeSignature(secrets: [secret]).header(payload: Array(payload.utf8), timestamp: timestamp)
        return try await client.execute(
            uri: "/functions/v1/stripe-webhook", method: .post,
            headers: [.contentType: "application/json", HTTPField.Name("Stripe-Signature")!: signed], body: ByteBuffer(string: payload)
        ) { ($0.status, String(buffer: $0.body)) }
    }

    /// A Stripe event of `type` around `object`, created at `created`.
    static func event(_ id: String, _ type: String, created: Int = Int(Date().timeIntervalSince1970), _ object: [String: Any]) -> String {
        json(["id": id, "object": "event", "type": type, "created": created, "data": ["object": object]])
    }

    /// A completed Checkout session as Stripe reports it, from the fields the server sent.
    static func completed(_ fields: [String: String], amount: Int? = nil, paymentIntent: String = "pi_\(UUID().uuidString.prefix(8))") -> [String: Any] {
        var metadata: [String: String] = [:]
        for (key, value) in fields where key.hasPrefix("metadata[") { metadata[String(key.dropFirst(9).dropLast())] = value }
        return ["id": "cs_\(UUID().uuidString.prefix(8))", "object": "checkout.session", "mode": fields["mode"] ?? "", "payment_status": "paid",
                "client_reference_id": fields["client_reference_id"] ?? "", "metadata": metadata, "currency": "usd",
                "amount_total": amount ?? Int(fields["line_items[0][price_data][unit_amount]"] ?? "0") ?? 0,
                "customer": "cus_\(fields["client_reference_id"]?.prefix(8) ?? "x")", "subscription": "sub_\(fields["client_reference_id"]?.prefix(8) ?? "x")",
                "payment_intent": paymentIntent]
    }

    static func posterOrder(_ client: any TestClientProtocol, _ app: TestApp, _ user: TestUser) async throws -> String {
        let created = try await client.execute(
            uri: "/rest/v1/poster_orders", method: .post,
            headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(user.token)", .contentType: "application/json",
                      HTTPField.Name("Prefer")!: "return=representation"],
            body: ByteBuffer(string: #"{"print_config":{"sku":"GLOBAL-FAP-18x24","quantity":1},"total_price":0.5,"shipping_address":{"line1":"1 Main St"}}"#)
        ) { String(buffer: $0.body) }
        let rows = (try? JSONSerialization.jsonObject(with: Data(created.utf8))) as? [[String: Any]] ?? []
        return try #require(rows.first?["id"] as? String, "\(created)")
    }

    @Test("checkout sells the catalogue at the server's prices; the webhook pays, credits and upgrades once, from signed events only")
    func checkoutAndWebhook() async throws {
        let stripe = try await StripeTestServer(secretKey: "sk_test_1")
        defer { stripe.stop() }
        let app = try await Self.app(stripe)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@pay.test")
            let bob = try await signUp(client, app: app, email: "bob@pay.test")
            let urls = #""successUrl":"https://app.visionary.test/?session_id={CHECKOUT_SESSION_ID}","cancelUrl":"https://app.visionary.test/""#

            // A poster order: the amount is the stored catalogue price, whatever the client wrote into the order.
            let order = try await Self.posterOrder(client, app, ann)
            let stored = try #require(try await app.owner.text(SQLStatement("SELECT round(total_price * 100)::text FROM public.poster_orders WHERE id = $1::uuid", [.text(order)])))
            #expect(stored != "50")
            let checkout = try await ann.functions.call("create-checkout-session", nil, #"{"mode":"payment","orderId":"\#(order)",\#(urls)}"#)
            #expect(checkout.status == .ok && (checkout.object["url"] as? String)?.hasPrefix("https://checkout.stripe.test/") == true, "\(checkout.body)")
            let orderSession = try #require(stripe.sessions.last)
            #expect(orderSession["line_items[0][price_data][unit_amount]"] == stored && orderSession["metadata[order_type]"] == "poster_orders")
            #expect(orderSession["client_reference_id"] == ann.id && orderSession["customer_email"] == "ann@pay.test")

            // Refusals: another user's order, a price the server does not sell, a foreign redirect, anon.
            #expect(try await bob.functions.call("create-checkout-session", nil, #"{"mode":"payment","orderId":"\#(order)",\#(urls)}"#).status == .notFound)
            #expect(try await ann.functions.call("create-checkout-session", nil, #"{"mode":"subscription","priceId":"price_free_lunch","tier":"ELITE",\#(urls)}"#).status == .badRequest)
            #expect(try await ann.functions.call("create-checkout-session", nil, #"{"mode":"payment","orderId":"\#(order)","successUrl":"https://evil.test/","cancelUrl":"https://evil.test/"}"#).status == .badRequest)
            #expect(try await FunctionsClient(client: client, apiKey: app.keys.anon).call("create-checkout-session", nil, #"{"mode":"payment","orderId":"\#(order)",\#(urls)}"#).status == .unauthorized)
            let sessionsBefore = stripe.sessions.count

            // The webhook: unsigned, wrongly signed, stale and tampered deliveries change nothing.
            let paid = Self.event("evt_order_1", "checkout.session.completed", Self.completed(orderSession, paymentIntent: "pi_order_1"))
            #expect(try await Self.deliver(client, paid, header: "t=1,v1=00").status == .badRequest)
            #expect(try await Self.deliver(client, paid, secret: "whsec_wrong").status == .badRequest)
            #expect(try await Self.deliver(client, paid, timestamp: Int(Date().timeIntervalSince1970) - 400).status == .badRequest)
            let tampered = paid.replacingOccurrences(of: #""amount_total":\#(stored)"#, with: #""amount_total":1"#)
            let tamperedHeader = StripeSignature(secrets: [Self.webhookSecret]).header(payload: Array(paid.utf8), timestamp: Int(Date().timeIntervalSince1970))
            #expect(try await Self.deliver(client, tampered, header: tamperedHeader).status == .badRequest)
            #expect(try await app.owner.text(SQLStatement("SELECT status FROM public.poster_orders WHERE id = $1::uuid", [.text(order)])) == "pending")

            // Signed with the older of the two secrets: accepted, applied once; a replay does nothing.
            let first = try await Self.deliver(client, paid, secret: "whsec_old")
            #expect(first.status == .ok && first.body.contains("order_paid"), "\(first.body)")
            #expect(try await app.owner.text(SQLStatement("SELECT status FROM public.poster_orders WHERE id = $1::uuid", [.text(order)])) == "paid")
            let replay = try await Self.deliver(client, paid)
            #expect(replay.status == .ok && replay.body.contains("duplicate"))
            #expect(try await ann.functions.call("create-checkout-session", nil, #"{"mode":"payment","orderId":"\#(order)",\#(urls)}"#).status == .conflict,
                    "a paid order is not paid twice")
            // A second payment for the paid order (another session) is not kept.
            let twice = try await Self.deliver(client, Self.event("evt_order_twice", "checkout.session.completed", Self.completed(orderSession, paymentIntent: "pi_twice")))
            #expect(twice.body.contains("refunded_order_paid"), "\(twice.body)")

            // A payment whose amount is not the stored price pays nothing, and is given back.
            let second = try await Self.posterOrder(client, app, ann)
            _ = try await ann.functions.call("create-checkout-session", nil, #"{"mode":"payment","orderId":"\#(second)",\#(urls)}"#)
            let secondSession = try #require(stripe.sessions.last)
            let short = try await Self.deliver(client, Self.event("evt_short", "checkout.session.completed", Self.completed(secondSession, amount: 100, paymentIntent: "pi_short")))
            #expect(short.body.contains("refunded_amount_mismatch"), "\(short.body)")
            #expect(try await app.owner.text(SQLStatement("SELECT status FROM public.poster_orders WHERE id = $1::uuid", [.text(second)])) == "pending")

            // The catalogue's price changed since checkout: the order's own rule refuses the payment, which is given back.
            let third = try await Self.posterOrder(client, app, ann)
            _ = try await ann.functions.call("create-checkout-session", nil, #"{"mode":"payment","orderId":"\#(third)",\#(urls)}"#)
            let thirdSession = try #require(stripe.sessions.last)
            try await app.owner.execute(SQLStatement("UPDATE public.print_products SET base_price = base_price + 5 WHERE prodigi_sku = 'GLOBAL-FAP-18x24'"))
            let repriced = try await Self.deliver(client, Self.event("evt_repriced", "checkout.session.completed", Self.completed(thirdSession, paymentIntent: "pi_repriced")))
            #expect(repriced.body.contains("refunded_price_changed"), "\(repriced.body)")
            #expect(try await app.owner.text(SQLStatement("SELECT status FROM public.poster_orders WHERE id = $1::uuid", [.text(third)])) == "pending")
            #expect(stripe.refunds == ["pi_twice", "pi_short", "pi_repriced"])

            // Paid after the buyer cancelled: refunded through Stripe, recorded; when Stripe is down the event is not taken and comes again.
            let cancel = try await client.execute(uri: "/rest/v1/rpc/cancel_my_order", method: .post,
                headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(ann.token)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"p_order_id":"\#(second)"}"#)) { $0.status }
            #expect(cancel == .ok)
            let late = Self.event("evt_late", "checkout.session.completed", Self.completed(secondSession, paymentIntent: "pi_late"))
            stripe.failRefunds(true)
            #expect(try await Self.deliver(client, late).status.code >= 500)
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM internal.stripe_events WHERE id = 'evt_late'")) == "0")
            stripe.failRefunds(false)
            let refunded = try await Self.deliver(client, late)
            #expect(refunded.status == .ok && refunded.body.contains("refunded_order_cancelled") && stripe.refunds.last == "pi_late", "\(refunded.body)")
            #expect(try await app.owner.text(SQLStatement("SELECT stripe_refund_id FROM internal.payment_refunds WHERE payment_intent = 'pi_late'")) == "re_test_4")

            // Credits: the pack's credits, once per session, whatever else the client sent.
            let before = try #require(try await app.owner.text(SQLStatement("SELECT credits::text FROM public.profiles WHERE id = $1::uuid", [.text(bob.id)])))
            #expect(try await bob.functions.call("create-checkout-session", nil, #"{"mode":"payment","priceId":"price_pack_50","credits":9999,\#(urls)}"#).status == .ok)
            let pack = try #require(stripe.sessions.last)
            #expect(pack["metadata[credits]"] == "50")
            let credited = Self.event("evt_credits", "checkout.session.completed", Self.completed(pack, amount: 499))
            #expect(try await Self.deliver(client, credited).body.contains("credits"))
            #expect(try await Self.deliver(client, credited.replacingOccurrences(of: "evt_credits", with: "evt_credits_again")).status == .ok)
            #expect(try await app.owner.text(SQLStatement("SELECT credits::text FROM public.profiles WHERE id = $1::uuid", [.text(bob.id)])) == String((Int(before) ?? 0) + 50),
                    "a second event for the same session adds nothing")

            // A subscription: the tier comes from the price, not the client's `tier`; later events move it, older ones do not.
            #expect(try await bob.functions.call("create-checkout-session", nil, #"{"mode":"subscription","priceId":"price_pro","tier":"ELITE",\#(urls)}"#).status == .ok)
            let subscribe = try #require(stripe.sessions.last)
            #expect(subscribe["metadata[tier]"] == "PRO" && subscribe["line_items[0][price]"] == "price_pro")
            let now = Int(Date().timeIntervalSince1970)
            #expect(try await Self.deliver(client, Self.event("evt_sub_1", "checkout.session.completed", created: now, Self.completed(subscribe))).body.contains("subscription"))
            let profile = { try await app.owner.text(SQLStatement("SELECT subscription_tier || ' ' || subscription_status FROM public.profiles WHERE id = $1::uuid", [.text(bob.id)])) }
            #expect(try await profile() == "PRO active")
            #expect(try await bob.functions.call("create-checkout-session", nil, #"{"mode":"subscription","priceId":"price_elite",\#(urls)}"#).status == .conflict,
                    "no second subscription beside the first")
            let subscriptionID = "sub_\(bob.id.prefix(8))"
            let upgraded: [String: Any] = ["id": subscriptionID, "object": "subscription", "status": "active", "customer": "cus_x",
                                           "items": ["data": [["price": ["id": "price_elite"]]]], "metadata": ["user_id": bob.id]]
            #expect(try await Self.deliver(client, Self.event("evt_sub_2", "customer.subscription.updated", created: now + 20, upgraded)).body.contains("subscription_updated"))
            #expect(try await profile() == "ELITE active")
            var older = upgraded
            older["items"] = ["data": [["price": ["id": "price_pro"]]]]
            #expect(try await Self.deliver(client, Self.event("evt_sub_old", "customer.subscription.updated", created: now + 10, older)).body.contains("stale"))
            #expect(try await profile() == "ELITE active", "an older event does not move it back")
            let failed: [String: Any] = ["id": "in_1", "object": "invoice", "customer": "cus_\(bob.id.prefix(8))", "subscription": subscriptionID]
            #expect(try await Self.deliver(client, Self.event("evt_inv", "invoice.payment_failed", created: now + 30, failed)).body.contains("past_due"))
            #expect(try await profile() == "ELITE past_due")

            // Cancel at the period's end, and the portal; then Stripe's deletion returns the user to FREE.
            let cancelled = try await bob.functions.call("cancel-subscription")
            #expect(cancelled.status == .ok && cancelled.object["cancelAtPeriodEnd"] as? Bool == true && stripe.cancelled == [subscriptionID], "\(cancelled.body)")
            #expect(try await ann.functions.call("cancel-subscription").status == .notFound)
            let portal = try await bob.functions.call("billing-portal", nil, #"{"returnUrl":"https://evil.test/"}"#)
            #expect(portal.status == .ok && (portal.object["url"] as? String)?.contains("cus_") == true, "\(portal.body)")
            #expect(try await Self.deliver(client, Self.event("evt_sub_del", "customer.subscription.deleted", created: now + 40, upgraded)).body.contains("subscription_deleted"))
            #expect(try await profile() == "FREE cancelled")
            #expect(stripe.sessions.count == sessionsBefore + 4, "refused checkouts created no session")

            // A client cannot write the Stripe columns itself.
            let selfUpgrade = try await client.execute(uri: "/rest/v1/profiles?id=eq.\(bob.id)", method: .patch,
                headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(bob.token)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"stripe_subscription_id":"sub_x","subscription_tier":"ELITE"}"#)) { $0.status }
            #expect(selfUpgrade == .unauthorized || selfUpgrade == .forbidden, "\(selfUpgrade)")
        }
    }

    @Test("without Stripe configured: 503 payments_not_configured; the webhook refuses")
    func notConfigured() async throws {
        let app = try await Self.app(nil)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@nopay.test")
            let reply = try await ann.functions.call("create-checkout-session", nil, #"{"mode":"payment","priceId":"price_pack_50","successUrl":"https://app.visionary.test/","cancelUrl":"https://app.visionary.test/"}"#)
            #expect(reply.status == .serviceUnavailable && reply.code == "payments_not_configured", "\(reply.body)")
            #expect(try await Self.deliver(client, Self.event("evt_1", "ping", [:])).status == .serviceUnavailable)
        }
    }
}
