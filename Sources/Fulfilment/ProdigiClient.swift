import AppConfig
import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Prodigi's print API (v4): creating an order, at `VISIONARY_PRODIGI_BASE_URL` with the
/// account's `X-API-Key`. Our order id is the idempotency key, so a repeated submission answers
/// the order Prodigi already has instead of printing twice.
public struct ProdigiClient: Sendable {
    let account: ProdigiAccount
    let client: HTTPClient

    public init(account: ProdigiAccount, client: HTTPClient = .shared) {
        self.account = account
        self.client = client
    }

    /// The order Prodigi holds: its id and stage.
    public struct Created: Sendable, Equatable {
        public let id: String
        public let stage: String
        /// `Created`, `CreatedWithIssues` or `AlreadyExists`.
        public let outcome: String
    }

    /// Prodigi refused the order itself (a 4xx other than 408 and 429): sending it again will
    /// not help.
    public struct Refused: Error, CustomStringConvertible {
        public let status: Int
        public let message: String
        public var description: String { "Prodigi refused the order (\(status)): \(message)" }
    }

    /// Prodigi could not be reached or failed (5xx, 408, 429, a broken answer): try again later.
    public struct Unavailable: Error, CustomStringConvertible {
        public let message: String
        public var description: String { "Prodigi is unavailable: \(message)" }
    }

    /// `POST /v4.0/Orders` with `order` (a JSON object with `idempotencyKey`, `recipient`, `items`, …).
    public func createOrder(_ order: JSONValue) async throws -> Created {
        var request = HTTPClientRequest(url: "\(account.baseURL)/v4.0/Orders")
        request.method = .POST
        request.headers.add(name: "X-API-Key", value: account.apiKey)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(order)))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(30))
            bytes = try await response.body.collect(upTo: 1024 * 1024)
        } catch {
            throw Unavailable(message: String(describing: error))
        }
        let status = Int(response.status.code)
        let answer = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))
        guard (200..<300).contains(status) else {
            let message = String((answer?["message"]?.stringValue ?? answer?["statusText"]?.stringValue ?? "no message").prefix(300))
            if (400..<500).contains(status), status != 408, status != 429 { throw Refused(status: status, message: message) }
            throw Unavailable(message: "\(status) \(message)")
        }
        guard let order = answer?["order"], let id = order["id"]?.stringValue, !id.isEmpty, id.utf8.count <= 200 else {
            throw Unavailable(message: "the answer named no order")
        }
        return Created(id: id, stage: String((order["status"]?["stage"]?.stringValue ?? "InProgress").prefix(50)),
                       outcome: answer?["outcome"]?.stringValue ?? "Created")
    }
}
