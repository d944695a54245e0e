import AppConfig
import Core
import Database
import Foundation

/// The Stripe webhook: a verified event's effects in one transaction with the record of the
/// event itself, so an event acts once whatever Stripe resends, and a failure leaves nothing
/// (Stripe retries it).
extension PaymentService {
    /// Acts on one delivery: verifies the signature, then applies the event unless it was seen.
    /// Answers what was done (`applied`, `duplicate`, `ignored`, `stale`, `refunded`, …).
    public func receive(payload: [UInt8], signatureHeader: String?, now: Date) async throws -> String {
        guard let signature, let account, let stripe else { throw PaymentsNotConfigured() }
        try signature.verify(header: signatureHeader, payload: payload, now: now)
        guard case .object(let event)? = try? JSONDecoder().decode(JSONValue.self, from: Data(payload)),
              let id = event["id"]?.stringValue, id.utf8.count <= 255, let type = event["type"]?.stringValue,
              case .number(let createdSeconds)? = event["created"], createdSeconds.isFinite, abs(createdSeconds) < 1e11,
              case .object(let object)? = event["data"]?["object"]
        else { throw PaymentRefusal(.invalid, "the payload is not a Stripe event") }
        let created = Date(timeIntervalSince1970: createdSeconds)
        return try await database.transaction { transaction in
            guard try await transaction.text(SQLStatement("""
                INSERT INTO internal.stripe_events (id, type, created) VALUES ($1, $2, $3::timestamptz)
                ON CONFLICT (id) DO NOTHING RETURNING 'new'
                """, [.text(id), .text(String(type.prefix(100))), .text(Self.timestamp(created))])) != nil
            else { return "duplicate" }
            let step = EventStep(transaction: transaction, account: account, stripe: stripe, eventID: id, created: created)
            let outcome: String
            switch type {
            case "checkout.session.completed", "checkout.session.async_payment_succeeded": outcome = try await step.checkoutCompleted(object)
            case "customer.subscription.updated": outcome = try await step.subscriptionChanged(object, deleted: false)
            case "customer.subscription.deleted": outcome = try await step.subscriptionChanged(object, deleted: true)
            case "invoice.payment_failed": outcome = try await step.paymentFailed(object)
            default: outcome = "ignored"
            }
            try await transaction.execute(SQLStatement("UPDATE internal.stripe_events SET outcome = $2 WHERE id = $1", [.text(id), .text(outcome)]))
            return outcome
        }
    }

    static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}

/// One event's work inside its transaction.
struct EventStep {
    let transaction: SQLTransaction
    let account: StripeAccount
    let stripe: StripeClient
    let eventID: String
    let created: Date

    var createdText: String { PaymentService.timestamp(created) }

    /// A completed Checkout session the server created: its `metadata` says what was bought
    /// and for whom (the same user as `client_reference_id`).
    func checkoutCompleted(_ session: [String: JSONValue]) async throws -> String {
        guard case .object(let metadata)? = session["metadata"], let kind = metadata["kind"]?.stringValue,
              let user = metadata["user_id"]?.stringValue, UUID(uuidString: user) != nil,
              session["client_reference_id"]?.stringValue == user
        else { return "ignored" }
        let paid = ["paid", "no_payment_required"].contains(session["payment_status"]?.stringValue ?? "")
        switch kind {
        case "credits":
            guard paid, let credits = metadata["credits"]?.stringValue.flatMap({ Int($0) }), (1...100_000).contains(credits),
                  let sessionID = session["id"]?.stringValue
            else { return "ignored" }
            guard try await profileExists(user) else { return "unknown_user" }
            _ = try await transaction.text(SQLStatement(
                "SELECT public.adjust_user_credits($1::uuid, $2::integer, 'purchase', $3)::text", [.text(user), .int(credits), .text("checkout:\(sessionID)")]))
            return "credits"
        case "subscription":
            guard paid, let tier = metadata["tier"]?.stringValue, ["PRO", "ELITE"].contains(tier) else { return "ignored" }
            guard try await profileExists(user) else { return "unknown_user" }
            // Who the customer is is kept whatever the order of events; the subscription only with the tier it buys.
            try await rememberCustomer(user, customer: session["customer"]?.stringValue)
            let changed = try await transaction.text(SQLStatement("""
                UPDATE public.profiles SET subscription_tier = $2, subscription_status = 'active', subscription_changed_at = $3::timestamptz,
                  stripe_subscription_id = coalesce($4, stripe_subscription_id)
                 WHERE id = $1::uuid AND (subscription_changed_at IS NULL OR subscription_changed_at <= $3::timestamptz)
                RETURNING 'changed'
                """, [.text(user), .text(tier), .text(createdText), session["subscription"]?.stringValue.map(SQLValue.text) ?? .null]))
            return changed == nil ? "stale" : "subscription"
        case "order":
            guard paid else { return "ignored" }
            return try await orderPaid(session, metadata: metadata, user: user)
        default:
            return "ignored"
        }
    }

    /// Marks the order paid when the amount is its stored price. Money that cannot pay the order
    /// — the order was cancelled or paid meanwhile, the amount is not its price, or its price no
    /// longer holds — is refunded through Stripe and recorded, never kept.
    func orderPaid(_ session: [String: JSONValue], metadata: [String: JSONValue], user: String) async throws -> String {
        guard let table = metadata["order_type"]?.stringValue, ["poster_orders", "print_orders", "workbook_orders"].contains(table),
              let orderID = metadata["order_id"]?.stringValue, UUID(uuidString: orderID) != nil,
              case .number(let amount)? = session["amount_total"], amount.isFinite, amount >= 0, amount < 1e12
        else { return "ignored" }
        let paymentIntent = session["payment_intent"]?.stringValue
        let priceColumn = ["poster_orders": "total_price", "print_orders": "total", "workbook_orders": "total_price"][table] ?? "total_price"
        struct Order: Decodable { let status: String; let cents: Int64? }
        guard let text = try await transaction.text(SQLStatement("""
            SELECT json_build_object('status', status, 'cents', round(\(priceColumn) * 100)::bigint)::text
              FROM public.\(table) WHERE id = $1::uuid AND user_id = $2::uuid FOR UPDATE
            """, [.text(orderID), .text(user)])) else { return "unknown_order" }
        let order = try JSONDecoder().decode(Order.self, from: Data(text.utf8))
        let refund = Refund(table: table, orderID: orderID, user: user, paymentIntent: paymentIntent, cents: Int64(amount))
        if order.status == "cancelled" { return try await refunded(refund, "order_cancelled") }
        guard let cents = order.cents, Int64(amount) == cents, (session["currency"]?.stringValue?.lowercased() ?? account.currency) == account.currency else {
            return try await refunded(refund, "amount_mismatch")
        }
        let payable: Bool
        switch (table, order.status) {
        case ("poster_orders", "pending"), ("print_orders", "pending"), ("workbook_orders", "pending_payment"), ("workbook_orders", "ready"): payable = true
        default: payable = false
        }
        guard payable else { return try await refunded(refund, "order_\(order.status)") }
        // The order's own rules (the price must still be the catalogue's) have the last word.
        try await transaction.execute(SQLStatement("SAVEPOINT order_paid"))
        do {
            if order.status == "ready" {
                try await transaction.execute(SQLStatement("UPDATE public.workbook_orders SET status = 'pending_payment' WHERE id = $1::uuid", [.text(orderID)]))
            }
            let extra = table == "print_orders" ? ", stripe_payment_intent_id = $2" : ""
            try await transaction.execute(SQLStatement(
                "UPDATE public.\(table) SET status = 'paid', paid_at = now()\(extra) WHERE id = $1::uuid",
                table == "print_orders" ? [.text(orderID), paymentIntent.map(SQLValue.text) ?? .null] : [.text(orderID)]))
            try await transaction.execute(SQLStatement("RELEASE SAVEPOINT order_paid"))
        } catch let error as DatabaseError where error.sqlState == "23514" {
            try await transaction.execute(SQLStatement("ROLLBACK TO SAVEPOINT order_paid"))
            return try await refunded(refund, "price_changed")
        }
        return "order_paid"
    }

    struct Refund {
        let table: String
        let orderID: String
        let user: String
        let paymentIntent: String?
        let cents: Int64
    }

    /// Refunds the payment and records it (once per payment intent); asked inside the
    /// transaction, so should Stripe fail, nothing is recorded and the event comes again.
    func refunded(_ refund: Refund, _ reason: String) async throws -> String {
        guard let paymentIntent = refund.paymentIntent else { return "unpaid_\(reason)" }
        guard try await transaction.text(SQLStatement("""
            INSERT INTO internal.payment_refunds (user_id, order_table, order_id, stripe_event_id, payment_intent, amount_cents)
            VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6::integer) ON CONFLICT (payment_intent) DO NOTHING RETURNING 'new'
            """, [.text(refund.user), .text(refund.table), .text(refund.orderID), .text(eventID), .text(paymentIntent),
                  .int(Int(min(refund.cents, Int64(Int32.max))))])) != nil
        else { return "refunded_\(reason)" }
        let id = try await stripe.refund(paymentIntent: paymentIntent, reason: reason, idempotencyKey: "refund-\(paymentIntent)")
        try await transaction.execute(SQLStatement(
            "UPDATE internal.payment_refunds SET stripe_refund_id = $2 WHERE payment_intent = $1", [.text(paymentIntent), .text(id ?? "already_refunded")]))
        return "refunded_\(reason)"
    }

    func profileExists(_ user: String) async throws -> Bool {
        try await transaction.text(SQLStatement("SELECT 1::text FROM public.profiles WHERE id = $1::uuid", [.text(user)])) != nil
    }

    /// Keeps the user's Stripe customer id, unless another user holds that customer.
    func rememberCustomer(_ user: String, customer: String?) async throws {
        guard let customer else { return }
        try await transaction.execute(SQLStatement("""
            UPDATE public.profiles p SET stripe_customer_id = $2
             WHERE p.id = $1::uuid AND NOT EXISTS (SELECT 1 FROM public.profiles o WHERE o.stripe_customer_id = $2 AND o.id <> p.id)
            """, [.text(user), .text(customer)]))
    }

    /// A subscription's change: the tier follows its price, the status Stripe's; deleted is FREE.
    /// Older events than the last applied one change nothing.
    func subscriptionChanged(_ subscription: [String: JSONValue], deleted: Bool) async throws -> String {
        guard let id = subscription["id"]?.stringValue else { return "ignored" }
        let price = subscription["items"]?["data"].flatMap { value -> String? in
            if case .array(let items) = value { return items.first?["price"]?["id"]?.stringValue }
            return nil
        }
        let stripeStatus = subscription["status"]?.stringValue ?? ""
        let status: String, tier: String?
        if deleted || ["canceled", "incomplete_expired"].contains(stripeStatus) {
            (status, tier) = ("cancelled", "FREE")
        } else if stripeStatus == "unpaid" {
            // Stripe stopped retrying: no tier without payment.
            (status, tier) = ("past_due", "FREE")
        } else if stripeStatus == "paused" {
            (status, tier) = ("inactive", "FREE")
        } else if stripeStatus == "past_due" {
            (status, tier) = ("past_due", price.flatMap(account.tier(ofPrice:)))
        } else if ["active", "trialing"].contains(stripeStatus) {
            (status, tier) = ("active", price.flatMap(account.tier(ofPrice:)))
        } else {
            return "ignored"
        }
        let user = subscription["metadata"]?["user_id"]?.stringValue.flatMap { UUID(uuidString: $0) }?.uuidString
        let changed = try await transaction.text(SQLStatement("""
            UPDATE public.profiles SET subscription_status = $3, subscription_tier = coalesce($4, subscription_tier),
              stripe_subscription_id = CASE WHEN $5 THEN NULL ELSE $1 END, subscription_changed_at = $6::timestamptz
             WHERE (stripe_subscription_id = $1 OR ($2::uuid IS NOT NULL AND id = $2::uuid AND (stripe_subscription_id IS NULL OR stripe_subscription_id = $1)))
               AND (subscription_changed_at IS NULL OR subscription_changed_at <= $6::timestamptz)
            RETURNING 'changed'
            """, [.text(id), user.map(SQLValue.text) ?? .null, .text(status), tier.map(SQLValue.text) ?? .null,
                  .bool(deleted || status == "cancelled"), .text(createdText)]))
        return changed == nil ? "stale" : (deleted ? "subscription_deleted" : "subscription_updated")
    }

    /// A failed invoice: the subscription is `past_due` until Stripe says otherwise.
    func paymentFailed(_ invoice: [String: JSONValue]) async throws -> String {
        guard let customer = invoice["customer"]?.stringValue else { return "ignored" }
        let changed = try await transaction.text(SQLStatement("""
            UPDATE public.profiles SET subscription_status = 'past_due', subscription_changed_at = $2::timestamptz
             WHERE stripe_customer_id = $1 AND subscription_tier <> 'FREE'
               AND (subscription_changed_at IS NULL OR subscription_changed_at <= $2::timestamptz)
            RETURNING 'changed'
            """, [.text(customer), .text(createdText)]))
        return changed == nil ? "stale" : "past_due"
    }
}
