import AppConfig
import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Stripe's API for what payments need — Checkout sessions, refunds, cancelling a subscription
/// at the end of its period, and customer-portal sessions — as form-encoded posts with the
/// secret key, each with an idempotency key, at `VISIONARY_STRIPE_BASE_URL`.
public struct StripeClient: Sendable {
    let account: StripeAccount
    let client: HTTPClient

    public init(account: StripeAccount, client: HTTPClient = .shared) {
        self.account = account
        self.client = client
    }

    /// Stripe's refusal: its error type and message.
    public struct Refused: Error, CustomStringConvertible {
        public let status: Int
        public let type: String
        /// Stripe's error code, when it gives one (`charge_already_refunded`, …).
        public var code: String? = nil
        public let message: String
        public var description: String { "Stripe answered \(status) \(type): \(message)" }
    }

    public struct Session: Sendable, Decodable {
        public let id: String
        public let url: String?
    }

    /// A Checkout session from its form fields (`mode`, `line_items[0][…]`, `metadata[…]`, …).
    public func createCheckoutSession(_ fields: [(String, String)], idempotencyKey: String) async throws -> Session {
        try await post("v1/checkout/sessions", fields, idempotencyKey: idempotencyKey)
    }

    /// Refunds a payment in full; one Stripe says is refunded already counts as done (nil id).
    public func refund(paymentIntent: String, reason: String, idempotencyKey: String) async throws -> String? {
        struct Refund: Decodable { let id: String }
        do {
            let refund: Refund = try await post("v1/refunds", [("payment_intent", paymentIntent), ("metadata[reason]", reason)],
                                                idempotencyKey: idempotencyKey)
            return refund.id
        } catch let refused as Refused where refused.code == "charge_already_refunded" {
            return nil
        }
    }

    public struct Subscription: Sendable, Decodable {
        public let id: String
        public let status: String?
        public let cancelAtPeriodEnd: Bool?
        public let currentPeriodEnd: Int?
        enum CodingKeys: String, CodingKey { case id, status, cancelAtPeriodEnd = "cancel_at_period_end", currentPeriodEnd = "current_period_end" }
    }

    /// Sets a subscription to end when its current period does.
    public func cancelAtPeriodEnd(subscription: String, idempotencyKey: String) async throws -> Subscription {
        try await post("v1/subscriptions/\(subscription.uriComponentEncoded)", [("cancel_at_period_end", "true")], idempotencyKey: idempotencyKey)
    }

    /// A customer-portal link for the customer, returning to `returnURL`.
    public func billingPortal(customer: String, returnURL: String, idempotencyKey: String) async throws -> Session {
        try await post("v1/billing_portal/sessions", [("customer", customer), ("return_url", returnURL)], idempotencyKey: idempotencyKey)
    }

    func post<Answer: Decodable>(_ path: String, _ fields: [(String, String)], idempotencyKey: String) async throws -> Answer {
        var request = HTTPClientRequest(url: "\(account.baseURL)/\(path)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(account.secretKey)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        request.body = .bytes(ByteBuffer(string: fields.map { "\($0.0.uriComponentEncoded)=\($0.1.uriComponentEncoded)" }.joined(separator: "&")))
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1024 * 1024)
        guard (200..<300).contains(response.status.code) else {
            let error = try? JSONDecoder().decode(ErrorBody.self, from: Data(buffer: bytes))
            throw Refused(status: Int(response.status.code), type: error?.error.type ?? "api_error", code: error?.error.code,
                          message: String((error?.error.message ?? "no message").prefix(300)))
        }
        return try JSONDecoder().decode(Answer.self, from: Data(buffer: bytes))
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            let type: String?
            let code: String?
            let message: String?
        }
        let error: Detail
    }
}
