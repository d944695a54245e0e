import Core
import Foundation
import FunctionsAPI
import Payments
import Tokens

/// `create-checkout-session`, `cancel-subscription`, `billing-portal` (the signed-in caller's)
/// and `stripe-webhook` (Stripe's, admitted only by its signature). What is bought and its
/// amount come from the server's catalogue and the order's stored price.
enum PaymentFunctions {
    static func all(_ payments: PaymentService, _ callbacks: PrintStatusCallbacks, _ database: CallerDatabase) -> [any EdgeFunction] {
        [
            ActionFunction(name: "create-checkout-session", summary: "A Stripe Checkout session for a subscription, a credit pack or one of the caller's orders.",
                           defaultAction: "create", actions: [
                Action("create", "{url}: Stripe's Checkout page. The price and what it buys come from the server's catalogue (a subscription price or a credit pack) or the order's stored price.",
                       parameters: [ParameterDescription("mode", "string", required: true, "subscription or payment"),
                                    ParameterDescription("priceId", "string", "a configured subscription price or credit pack"),
                                    ParameterDescription("orderId", "string (uuid)", "one of the caller's unpaid poster, print or workbook orders"),
                                    ParameterDescription("successUrl", "string", required: true, "where Stripe sends the buyer after paying (allow-listed)"),
                                    ParameterDescription("cancelUrl", "string", required: true, "where Stripe sends the buyer who gives up (allow-listed)")]) { input in
                    let user = try await database.liveUser(input.caller)
                    let request = PaymentService.CheckoutRequest(
                        mode: try input.choice("mode", ["subscription", "payment"]) ?? "", priceID: try input.string("priceId", maxLength: 255),
                        orderID: try input.uuid("orderId").flatMap(UUID.init(uuidString:)),
                        successURL: try input.text("successUrl", maxLength: 2048), cancelURL: try input.text("cancelUrl", maxLength: 2048))
                    let url = try await relay { try await payments.checkout(user: user, request) }
                    return .json(#"{"url":\#(url.jsonQuoted)}"#)
                },
            ]),
            ActionFunction(name: "cancel-subscription", summary: "Cancels the caller's subscription at the end of its period.", defaultAction: "cancel", actions: [
                Action("cancel", "{success, cancelAtPeriodEnd, currentPeriodEnd}; the tier stays until Stripe ends the subscription.") { input in
                    let user = try await database.liveUser(input.caller)
                    let subscription = try await relay { try await payments.cancelSubscription(user: user) }
                    return .json(JSONValue.object([
                        "success": .bool(true), "cancelAtPeriodEnd": .bool(subscription.cancelAtPeriodEnd ?? true),
                        "currentPeriodEnd": subscription.currentPeriodEnd.map { .number(Double($0)) } ?? .null,
                    ]).jsonText)
                },
            ]),
            ActionFunction(name: "billing-portal", summary: "A Stripe customer-portal link for the caller.", defaultAction: "open", actions: [
                Action("open", "{url}: Stripe's portal, returning to `returnUrl` when allow-listed (else the public URL).",
                       parameters: [ParameterDescription("returnUrl", "string", "where the portal sends the user back")]) { input in
                    let user = try await database.liveUser(input.caller)
                    let back = try input.string("returnUrl", maxLength: 2048)
                    let url = try await relay { try await payments.billingPortal(user: user, returnURL: back) }
                    return .json(#"{"url":\#(url.jsonQuoted)}"#)
                },
            ]),
            StripeWebhook(payments: payments),
            PrintStatusCallback(callbacks: callbacks),
        ]
    }

    static func relay<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw translate(error)
        }
    }

    static func translate(_ error: any Error) -> any Error {
        switch error {
        case is PaymentsNotConfigured: return FunctionError.notConfigured("payments", "payments are not configured on this server")
        case let refused as StripeClient.Refused: return FunctionError.upstream("Stripe: \(refused.message)")
        case let failure as StripeSignature.Failure: return FunctionError.invalid(failure.description)
        case let refusal as PaymentRefusal:
            switch refusal.reason {
            case .notFound: return FunctionError.notFound(refusal.message)
            case .orderNotPayable: return FunctionError(status: 409, code: "order_not_payable", message: refusal.message)
            case .alreadySubscribed: return FunctionError(status: 409, code: "already_subscribed", message: refusal.message)
            case .anonymous: return FunctionError.forbidden(refusal.message)
            case .invalid, .badRedirect, .unknownPrice: return FunctionError.invalid(refusal.message)
            }
        default: return error
        }
    }
}

/// `stripe-webhook`: Stripe's events, admitted by their `Stripe-Signature` alone (the gateway
/// asks for no token); a bad, missing or stale signature is 400 and changes nothing, a replay
/// is 200 and does nothing.
struct StripeWebhook: EdgeFunction {
    let payments: PaymentService
    var now: @Sendable () -> Date = Date.init

    var documentation: FunctionDescription {
        FunctionDescription(name: "stripe-webhook", summary: "Stripe's webhook events, verified by signature.", authentication: .signature, actions: [
            ActionDescription("receive", "checkout.session.completed and .async_payment_succeeded (credits, subscription, order paid — or refunded when it cannot be paid), customer.subscription.updated / .deleted, invoice.payment_failed: {received, outcome}.",
                              access: "Stripe (Stripe-Signature, 300 s)"),
        ])
    }

    func respond(to request: FunctionRequest) async throws -> FunctionResponse {
        guard request.method == "POST" else { throw FunctionError(status: 405, code: "method_not_allowed", message: "Stripe posts to this endpoint") }
        do {
            let outcome = try await payments.receive(payload: request.body, signatureHeader: request.header("Stripe-Signature"), now: now())
            return .json(#"{"received":true,"outcome":\#(outcome.jsonQuoted)}"#)
        } catch {
            throw PaymentFunctions.translate(error)
        }
    }
}

/// `prodigi-callback`: Prodigi's order-status callbacks, admitted by the secret in the callback URL
/// (`?secret=`) or the `X-Callback-Secret` header; a wrong or missing one is 401 and changes nothing.
struct PrintStatusCallback: EdgeFunction {
    let callbacks: PrintStatusCallbacks

    var documentation: FunctionDescription {
        FunctionDescription(name: "prodigi-callback", summary: "Prodigi's order-status callbacks, admitted by the callback secret.", authentication: .signature, actions: [
            ActionDescription("receive", "Moves the order with this merchantReference and Prodigi order id forward — in production, shipped (carrier, tracking), cancelled — once per callback id; repeats and stale statuses change nothing: {received, outcome}.",
                              access: "Prodigi (the callback secret)"),
        ])
    }

    func respond(to request: FunctionRequest) async throws -> FunctionResponse {
        guard request.method == "POST" else { throw FunctionError(status: 405, code: "method_not_allowed", message: "Prodigi posts to this endpoint") }
        do {
            let outcome = try await callbacks.receive(payload: request.body, presentedSecret: request.header("X-Callback-Secret") ?? request.queryValue("secret"))
            return .json(#"{"received":true,"outcome":\#(outcome.jsonQuoted)}"#)
        } catch let failure as PrintStatusCallbacks.Failure {
            switch failure {
            case .notConfigured: throw FunctionError.notConfigured("prodigi", "print status callbacks are not configured on this server")
            case .unauthorized: throw FunctionError.unauthorized("the callback secret is missing or wrong")
            case .malformed: throw FunctionError.invalid("the body is not a Prodigi order callback")
            }
        }
    }
}
