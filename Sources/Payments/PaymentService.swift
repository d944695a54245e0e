import AppConfig
import Core
import Crypto
import Database
import Foundation

/// Payments through Stripe: Checkout sessions for what the server's catalogue sells — the
/// subscription prices, the credit packs, and the caller's own unpaid orders at their stored
/// price — and the webhook that acts on Stripe's signed events, once each, in one transaction.
/// Works as the owner; the user is the one the caller's token named (checkout) or the one the
/// server itself put into the session it created (events).
public struct PaymentService: Sendable {
    let database: SQLRunner
    let account: StripeAccount?
    let stripe: StripeClient?
    let signature: StripeSignature?
    let redirects: RedirectPolicy

    public init(database: SQLRunner, account: StripeAccount?, redirects: RedirectPolicy) {
        self.database = database
        self.account = account
        stripe = account.map { StripeClient(account: $0) }
        signature = account.map { StripeSignature(secrets: $0.webhookSecrets) }
        self.redirects = redirects
    }

    func configured() throws(PaymentsNotConfigured) -> (StripeAccount, StripeClient) {
        guard let account, let stripe else { throw PaymentsNotConfigured() }
        return (account, stripe)
    }

    // MARK: Checkout

    /// What the app asks to pay for.
    public struct CheckoutRequest: Sendable {
        public var mode: String
        public var priceID: String?
        public var orderID: UUID?
        public var successURL: String
        public var cancelURL: String

        public init(mode: String, priceID: String?, orderID: UUID?, successURL: String, cancelURL: String) {
            self.mode = mode
            self.priceID = priceID
            self.orderID = orderID
            self.successURL = successURL
            self.cancelURL = cancelURL
        }
    }

    /// An order as checkout sees it: where it is, its state and its stored price in cents.
    struct StoredOrder: Decodable {
        let table: String
        let status: String
        let cents: Int64?
    }

    /// A Checkout session for `user`; answers its URL. Amounts come from the server's catalogue
    /// and the order's stored price, never from the request.
    public func checkout(user: UUID, _ request: CheckoutRequest) async throws -> String {
        let (account, stripe) = try configured()
        let userID = user.uuidString.lowercased()
        if try await database.text(SQLStatement("SELECT 1::text FROM auth.users WHERE id = $1::uuid AND is_anonymous", [.text(userID)])) != nil {
            throw PaymentRefusal(.anonymous, "link an email to your account before paying")
        }
        guard redirects.allowed(request.successURL) != nil, redirects.allowed(request.cancelURL) != nil else {
            throw PaymentRefusal(.badRedirect, "successUrl and cancelUrl must be on this server's public URL or its redirect allow list")
        }
        var fields: [(String, String)] = [
            ("success_url", request.successURL), ("cancel_url", request.cancelURL), ("client_reference_id", userID),
            ("metadata[user_id]", userID),
        ]
        // The customer Stripe knows, else the account's address (never the one a request names).
        if let customer = try await database.text(SQLStatement("SELECT stripe_customer_id FROM public.profiles WHERE id = $1::uuid", [.text(userID)])) {
            fields.append(("customer", customer))
        } else if let email = try await database.text(SQLStatement("SELECT email FROM auth.users WHERE id = $1::uuid", [.text(userID)])) {
            fields.append(("customer_email", email))
        }
        switch (request.mode, request.priceID, request.orderID) {
        case ("subscription", let price?, nil):
            guard let tier = account.tier(ofPrice: price) else { throw PaymentRefusal(.unknownPrice, "priceId is not one of this server's subscription prices") }
            if try await database.text(SQLStatement("""
                SELECT 1::text FROM public.profiles WHERE id = $1::uuid AND stripe_subscription_id IS NOT NULL AND subscription_status IN ('active', 'past_due')
                """, [.text(userID)])) != nil {
                throw PaymentRefusal(.alreadySubscribed, "you have a subscription already: change it in the billing portal")
            }
            fields += [("mode", "subscription"), ("line_items[0][price]", price), ("line_items[0][quantity]", "1"),
                       ("metadata[kind]", "subscription"), ("metadata[tier]", tier),
                       ("subscription_data[metadata][user_id]", userID), ("subscription_data[metadata][tier]", tier)]
        case ("payment", let price?, nil):
            guard let credits = account.creditPacks[price] else { throw PaymentRefusal(.unknownPrice, "priceId is not one of this server's credit packs") }
            fields += [("mode", "payment"), ("line_items[0][price]", price), ("line_items[0][quantity]", "1"),
                       ("metadata[kind]", "credits"), ("metadata[credits]", String(credits))]
        case ("payment", nil, let orderID?):
            let order = try await unpaidOrder(orderID, of: userID)
            fields += [("mode", "payment"), ("line_items[0][quantity]", "1"),
                       ("line_items[0][price_data][currency]", account.currency),
                       ("line_items[0][price_data][unit_amount]", String(order.cents ?? 0)),
                       ("line_items[0][price_data][product_data][name]", Self.productName(order.table, orderID)),
                       ("metadata[kind]", "order"), ("metadata[order_type]", order.table), ("metadata[order_id]", orderID.uuidString.lowercased()),
                       ("payment_intent_data[metadata][order_id]", orderID.uuidString.lowercased())]
        default:
            throw PaymentRefusal(.invalid, "send mode 'subscription' with a priceId, or mode 'payment' with a priceId (credits) or an orderId")
        }
        // The same request within the same minute (a double click) answers the same session.
        let minute = Int(Date().timeIntervalSince1970 / 60)
        let key = "checkout-" + Data(SHA256.hash(data: Data((fields.map { "\($0.0)=\($0.1)" } + ["minute=\(minute)"]).joined(separator: "&").utf8))).hexString.prefix(40)
        guard let url = try await stripe.createCheckoutSession(fields, idempotencyKey: String(key)).url else {
            throw StripeClient.Refused(status: 502, type: "api_error", message: "Stripe answered no session URL")
        }
        return url
    }

    static func productName(_ table: String, _ id: UUID) -> String {
        let kind = ["poster_orders": "Vision board poster", "print_orders": "Print order", "workbook_orders": "Vision workbook"][table] ?? "Order"
        return "\(kind) #\(id.uuidString.lowercased().prefix(8))"
    }

    /// The caller's order with that id, across the three order tables, when it awaits payment
    /// at a positive stored price. A workbook is priced again from its template at the buyer's
    /// tier as it goes to checkout (ready moves to `pending_payment`), so a discount of a tier
    /// since lost is not charged.
    func unpaidOrder(_ id: UUID, of user: String) async throws -> StoredOrder {
        guard let text = try await database.text(SQLStatement("""
            SELECT json_build_object('table', o.t, 'status', o.status,
                                     'cents', CASE WHEN o.amount > 0 AND o.amount < 1000000 THEN round(o.amount * 100)::bigint END)::text
              FROM (SELECT 'poster_orders' AS t, id, user_id, status, total_price AS amount FROM public.poster_orders
                    UNION ALL SELECT 'print_orders', id, user_id, status, total FROM public.print_orders
                    UNION ALL SELECT 'workbook_orders', id, user_id, status, total_price FROM public.workbook_orders) o
             WHERE o.id = $1::uuid AND o.user_id = $2::uuid
            """, [.text(id.uuidString), .text(user)])) else { throw PaymentRefusal(.notFound, "you have no order with that id") }
        let order = try JSONDecoder().decode(StoredOrder.self, from: Data(text.utf8))
        let unpaid = order.table == "workbook_orders" ? ["ready", "pending_payment"].contains(order.status) : order.status == "pending"
        guard unpaid else { throw PaymentRefusal(.orderNotPayable, "this order is \(order.status), not awaiting payment") }
        if order.table == "workbook_orders" {
            guard let cents = try await database.text(SQLStatement(
                "SELECT internal.workbook_checkout_price($1::uuid, $2::uuid)::text", [.text(id.uuidString), .text(user)])).flatMap({ Int64($0) }),
                cents > 0, cents < 100_000_000
            else { throw PaymentRefusal(.orderNotPayable, "this workbook has no price to pay yet") }
            return StoredOrder(table: order.table, status: "pending_payment", cents: cents)
        }
        guard order.cents != nil else { throw PaymentRefusal(.orderNotPayable, "this order has no price to pay yet") }
        return order
    }

    // MARK: Subscriptions

    /// Ends the user's subscription when its current period does: `{cancelAtPeriodEnd, currentPeriodEnd}`.
    public func cancelSubscription(user: UUID) async throws -> StripeClient.Subscription {
        let (_, stripe) = try configured()
        guard let subscription = try await database.text(SQLStatement(
            "SELECT stripe_subscription_id FROM public.profiles WHERE id = $1::uuid AND subscription_tier <> 'FREE'", [.text(user.uuidString)]))
        else { throw PaymentRefusal(.notFound, "you have no subscription to cancel") }
        // A key per minute: a double click cancels once, and a cancel after resuming in the portal is a new request.
        let minute = Int(Date().timeIntervalSince1970 / 60)
        return try await stripe.cancelAtPeriodEnd(subscription: subscription, idempotencyKey: "cancel-\(subscription)-\(minute)")
    }

    /// A customer-portal link for the user, returning to `returnURL` when allowed (else the public URL).
    public func billingPortal(user: UUID, returnURL: String?) async throws -> String {
        let (_, stripe) = try configured()
        guard let customer = try await database.text(SQLStatement(
            "SELECT stripe_customer_id FROM public.profiles WHERE id = $1::uuid", [.text(user.uuidString)]))
        else { throw PaymentRefusal(.notFound, "you have no billing account yet: subscribe or buy first") }
        let back = redirects.destination(returnURL)
        let minute = Int(Date().timeIntervalSince1970 / 60)
        guard let url = try await stripe.billingPortal(customer: customer, returnURL: back, idempotencyKey: "portal-\(customer)-\(minute)").url else {
            throw StripeClient.Refused(status: 502, type: "api_error", message: "Stripe answered no portal URL")
        }
        return url
    }
}

/// Stripe is not configured on this server.
public struct PaymentsNotConfigured: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "payments are not configured on this server (VISIONARY_STRIPE_*)" }
}

/// A payment request the rules refuse.
public struct PaymentRefusal: Error, CustomStringConvertible {
    public enum Reason: Sendable { case invalid, badRedirect, unknownPrice, notFound, orderNotPayable, alreadySubscribed, anonymous }
    public let reason: Reason
    public let message: String
    init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }
    public var description: String { message }
}
