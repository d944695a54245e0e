import AppConfig
import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Plaid's API for the four calls bank linking makes — `/link/token/create`,
/// `/item/public_token/exchange`, `/accounts/balance/get`, `/item/remove` — as JSON posts that
/// carry the account's client id and secret, at `VISIONARY_PLAID_BASE_URL`.
public struct PlaidClient: Sendable {
    let account: PlaidAccount
    let client: HTTPClient

    public init(account: PlaidAccount, client: HTTPClient = .shared) {
        self.account = account
        self.client = client
    }

    /// Plaid's refusal: its error code and the message meant for people.
    public struct Refused: Error, CustomStringConvertible {
        public let status: Int
        public let code: String
        public let message: String
        public var description: String { "Plaid answered \(status) \(code): \(message)" }
    }

    public struct LinkToken: Sendable, Decodable, Equatable {
        public let linkToken: String
        public let expiration: String?
        enum CodingKeys: String, CodingKey { case linkToken = "link_token", expiration }
    }

    public struct Exchanged: Sendable, Decodable {
        public let accessToken: String
        public let itemID: String
        enum CodingKeys: String, CodingKey { case accessToken = "access_token", itemID = "item_id" }
    }

    public struct Account: Sendable, Decodable, Equatable {
        public let accountID: String
        public let name: String?
        public let mask: String?
        public let type: String?
        public let subtype: String?
        public let balances: Balances
        enum CodingKeys: String, CodingKey { case accountID = "account_id", name, mask, type, subtype, balances }
    }

    public struct Balances: Sendable, Decodable, Equatable {
        public let available: Double?
        public let current: Double?
        public let currency: String?
        enum CodingKeys: String, CodingKey { case available, current, currency = "iso_currency_code" }
    }

    /// A Link token for the user (Plaid's `client_user_id` is the user's id: stable, not personal).
    public func createLinkToken(user: UUID) async throws -> LinkToken {
        try await post("link/token/create", [
            "client_name": .string("Visionary"), "user": .object(["client_user_id": .string(user.uuidString.lowercased())]),
            "products": .array([.string("auth"), .string("transactions")]), "country_codes": .array([.string("US")]),
            "language": .string("en"),
        ])
    }

    public func exchange(publicToken: String) async throws -> Exchanged {
        try await post("item/public_token/exchange", ["public_token": .string(publicToken)])
    }

    public func balances(accessToken: String) async throws -> [Account] {
        struct Answer: Decodable { let accounts: [Account] }
        let answer: Answer = try await post("accounts/balance/get", ["access_token": .string(accessToken)])
        return answer.accounts
    }

    public func removeItem(accessToken: String) async throws {
        struct Answer: Decodable {}
        let _: Answer = try await post("item/remove", ["access_token": .string(accessToken)])
    }

    func post<Answer: Decodable>(_ path: String, _ members: [String: JSONValue]) async throws -> Answer {
        var base = account.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: "\(base)/\(path)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        var body = members
        body["client_id"] = .string(account.clientID)
        body["secret"] = .string(account.secret)
        request.body = .bytes(ByteBuffer(string: JSONValue.object(body).jsonText))
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1024 * 1024)
        guard (200..<300).contains(response.status.code) else {
            let error = try? JSONDecoder().decode(PlaidError.self, from: Data(buffer: bytes))
            throw Refused(status: Int(response.status.code), code: error?.code ?? "UNKNOWN",
                          message: String((error?.displayMessage ?? error?.message ?? "no message").prefix(300)))
        }
        return try JSONDecoder().decode(Answer.self, from: Data(buffer: bytes))
    }

    struct PlaidError: Decodable {
        let code: String?
        let message: String?
        let displayMessage: String?
        enum CodingKeys: String, CodingKey { case code = "error_code", message = "error_message", displayMessage = "display_message" }
    }
}
