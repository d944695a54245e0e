import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// A loopback server that speaks the part of Stripe's API payments use — form posts with the
/// secret key as bearer to `/v1/checkout/sessions`, `/v1/refunds`, `/v1/subscriptions/{id}` and
/// `/v1/billing_portal/sessions` — with Stripe's error shape. It keeps every session's fields and
/// answers a repeated idempotency key with the first answer. `failRefunds` makes refunds 500 (a
/// Stripe that is down).
public final class StripeTestServer: Sendable {
    let server: LoopbackServer
    let state: State

    final class State: Sendable {
        let sessions = Mutex<[[String: String]]>([])
        let answers = Mutex<[String: String]>([:])
        let refunds = Mutex<[String]>([])
        let cancelled = Mutex<[String]>([])
        let failRefunds = Mutex(false)
    }

    public init(secretKey: String) async throws {
        let state = State()
        let router = Router()
        @Sendable func handle(_ request: Request, _ path: String) async throws -> Response {
            guard request.headers[.authorization] == "Bearer \(secretKey)" else {
                return LoopbackServer.json(#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided"}}"#, status: .unauthorized)
            }
            let form = LoopbackServer.form(String(buffer: try await request.body.collect(upTo: 256 * 1024)))
            let key = request.headers[HTTPField.Name("Idempotency-Key")!] ?? UUID().uuidString
            if let earlier = state.answers.withLock({ $0["\(path) \(key)"] }) { return LoopbackServer.json(earlier) }
            let answer: String
            switch path {
            case "checkout/sessions":
                guard form["success_url"] != nil, form["mode"] != nil else {
                    return LoopbackServer.json(#"{"error":{"type":"invalid_request_error","message":"Missing required param"}}"#, status: .badRequest)
                }
                let number = state.sessions.withLock { $0.append(form); return $0.count }
                answer = #"{"id":"cs_test_\#(number)","object":"checkout.session","url":"https://checkout.stripe.test/c/pay/cs_test_\#(number)"}"#
            case "refunds":
                if state.failRefunds.withLock({ $0 }) {
                    return LoopbackServer.json(#"{"error":{"type":"api_error","message":"Stripe is having a bad day"}}"#, status: .internalServerError)
                }
                let number = state.refunds.withLock { $0.append(form["payment_intent"] ?? ""); return $0.count }
                answer = #"{"id":"re_test_\#(number)","object":"refund","status":"succeeded"}"#
            case "billing_portal/sessions":
                answer = #"{"id":"bps_1","object":"billing_portal.session","url":"https://billing.stripe.test/p/session/\#(form["customer"] ?? "")"}"#
            default:
                guard path.hasPrefix("subscriptions/") else { return LoopbackServer.json(#"{"error":{"type":"invalid_request_error","message":"Unrecognized request URL"}}"#, status: .notFound) }
                let id = String(path.dropFirst("subscriptions/".count))
                state.cancelled.withLock { $0.append(id) }
                answer = #"{"id":"\#(id)","object":"subscription","status":"active","cancel_at_period_end":true,"current_period_end":1790000000}"#
            }
            state.answers.withLock { $0["\(path) \(key)"] = answer }
            return LoopbackServer.json(answer)
        }
        router.post("v1/:a") { request, context in try await handle(request, context.parameters.get("a") ?? "") }
        router.post("v1/:a/:b") { request, context in
            try await handle(request, (context.parameters.get("a") ?? "") + "/" + (context.parameters.get("b") ?? ""))
        }
        server = await LoopbackServer.start(router, label: "stripe-test-server")
        self.state = state
    }

    /// The fields of every Checkout session created, in order.
    public var sessions: [[String: String]] { state.sessions.withLock { $0 } }
    /// The payment intents refunded, in order.
    public var refunds: [String] { state.refunds.withLock { $0 } }
    /// The subscriptions set to cancel at their period's end.
    public var cancelled: [String] { state.cancelled.withLock { $0 } }
    public func failRefunds(_ fail: Bool) { state.failRefunds.withLock { $0 = fail } }

    public var baseURL: String { server.baseURL }
    public func stop() { server.stop() }
}
