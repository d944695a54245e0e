import Foundation
import Hummingbird
import Synchronization

/// A loopback server that speaks the part of Prodigi's print API (v4) fulfilment uses: `POST
/// /v4.0/Orders` with the `X-API-Key`. It validates what Prodigi requires (recipient, items with
/// SKU, copies and asset URLs), keeps every request, and answers a repeated `idempotencyKey` with
/// the order made the first time (`outcome: AlreadyExists`). `failNext(n)` makes the next `n`
/// requests fail with 503 (Prodigi down); `refuseNext` answers one 400 (an order it rejects).
public final class ProdigiTestServer: Sendable {
    let server: LoopbackServer
    let state: State

    final class State: Sendable {
        let requests = Mutex<[Data]>([])
        let orders = Mutex<[String: String]>([:])
        let failures = Mutex(0)
        let refuse = Mutex(false)
    }

    public init(apiKey: String) async throws {
        let state = State()
        let router = Router()
        router.post("v4.0/Orders") { request, _ -> Response in
            guard request.headers[.init("X-API-Key")!] == apiKey else {
                return LoopbackServer.json(#"{"statusCode":401,"statusText":"Unauthorized","message":"invalid API key"}"#, status: .unauthorized)
            }
            let body = try await request.body.collect(upTo: 256 * 1024)
            let data = Data(body.readableBytesView)
            let order = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            state.requests.withLock { $0.append(data) }
            if state.failures.withLock({ count in defer { count = max(count - 1, 0) }; return count > 0 }) {
                return LoopbackServer.json(#"{"statusCode":503,"statusText":"ServiceUnavailable","message":"try again later"}"#, status: .serviceUnavailable)
            }
            if state.refuse.withLock({ refuse in defer { refuse = false }; return refuse }) {
                return LoopbackServer.json(#"{"statusCode":400,"statusText":"ValidationFailed","message":"items[0].sku is not a valid SKU"}"#, status: .badRequest)
            }
            guard let key = order["idempotencyKey"] as? String, let recipient = order["recipient"] as? [String: Any],
                  recipient["name"] is String, let address = recipient["address"] as? [String: Any],
                  address["line1"] is String, address["postalOrZipCode"] is String, address["countryCode"] is String, address["townOrCity"] is String,
                  let items = order["items"] as? [[String: Any]], let item = items.first, item["sku"] is String, item["copies"] is Int,
                  let assets = item["assets"] as? [[String: Any]], let url = assets.first?["url"] as? String, url.hasPrefix("http")
            else {
                return LoopbackServer.json(#"{"statusCode":400,"statusText":"ValidationFailed","message":"the order is incomplete"}"#, status: .badRequest)
            }
            let (id, outcome) = state.orders.withLock { orders -> (String, String) in
                if let existing = orders[key] { return (existing, "AlreadyExists") }
                let id = "ord_\(100_000 + orders.count)"
                orders[key] = id
                return (id, "Created")
            }
            return LoopbackServer.json(#"{"outcome":"\#(outcome)","order":{"id":"\#(id)","merchantReference":"\#(key)","status":{"stage":"InProgress"}}}"#)
        }
        server = await LoopbackServer.start(router, label: "prodigi-test-server")
        self.state = state
    }

    /// Every order request received, in order (as JSON objects).
    public var requests: [[String: Any]] {
        state.requests.withLock { $0 }.map { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] ?? [:] }
    }
    /// Orders created, by idempotency key.
    public var orders: [String: String] { state.orders.withLock { $0 } }
    public func failNext(_ count: Int) { state.failures.withLock { $0 = count } }
    public func refuseNext() { state.refuse.withLock { $0 = true } }

    public var baseURL: String { server.baseURL }
    public func stop() { server.stop() }
}
