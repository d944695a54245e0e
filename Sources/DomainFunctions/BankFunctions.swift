import Core
import Foundation
import FunctionsAPI
import Plaid
import Secrets
import Tokens

/// `create-link-token`, `exchange-public-token`, `get-plaid-balances` and `plaid-unlink`: bank
/// links through Plaid for the signed-in caller. The access token Plaid issues is sealed at rest
/// and used only on the server; the original stored it in plain text and created link tokens for
/// anyone.
enum BankFunctions {
    static func all(_ plaid: PlaidService, _ database: CallerDatabase) -> [ActionFunction] {
        [
            ActionFunction(name: "create-link-token", summary: "A Plaid Link token for the caller.", defaultAction: "create", actions: [
                Action("create", "Plaid's `link_token` (and `expiration`) for opening Link.") { input in
                    let token = try await relay { try await plaid.linkToken(user: try await database.liveUser(input.caller)) }
                    return .json(#"{"link_token":\#(token.linkToken.jsonQuoted),"expiration":\#(token.expiration?.jsonQuoted ?? "null")}"#)
                },
            ]),
            ActionFunction(name: "exchange-public-token", summary: "Links the bank Plaid Link connected.", defaultAction: "exchange", actions: [
                Action("exchange", "Exchanges Link's `public_token`; the access token is sealed into `plaid_items`: {success, item_id, id}.",
                       parameters: [ParameterDescription("public_token", "string", required: true, "what Link's onSuccess gave"),
                                    ParameterDescription("metadata", "object", "Link's metadata; `institution.institution_id` is kept")]) { input in
                    let publicToken = try input.text("public_token", maxLength: 500)
                    let institution = try institutionID(input)
                    let linked = try await relay { try await plaid.link(user: try await database.liveUser(input.caller), publicToken: publicToken, institutionID: institution) }
                    return .json(#"{"success":true,"item_id":\#(linked.itemID.jsonQuoted),"id":\#(linked.id.uuidString.lowercased().jsonQuoted)}"#)
                },
            ]),
            ActionFunction(name: "get-plaid-balances", summary: "Balances of the caller's linked banks, grouped by account type.", defaultAction: "balances", actions: [
                Action("balances", "{balances: {<type>: [accounts]}, totals: {<type>: {current, available}}, items: [{id, institution_id, error}]}.",
                       parameters: [ParameterDescription("item_id", "string (uuid)", "one linked bank (a `plaid_items` id); all when absent")]) { input in
                    let item = try input.uuid("item_id").flatMap { UUID(uuidString: $0) }
                    return .json(render(try await relay { try await plaid.balances(user: try await database.liveUser(input.caller), item: item) }))
                },
            ]),
            ActionFunction(name: "plaid-unlink", summary: "Unlinks a bank: removed at Plaid, then the row.", defaultAction: "unlink", actions: [
                Action("unlink", "Removes the item at Plaid (its token stops working) and deletes the row: {success}.",
                       parameters: [ParameterDescription("item_id", "string (uuid)", required: true, "the `plaid_items` id")]) { input in
                    let item = try input.requiredID("item_id")
                    guard try await relay({ try await plaid.unlink(user: try await database.liveUser(input.caller), item: item) }) else {
                        throw FunctionError.notFound("you have no linked bank with that id")
                    }
                    return .json(#"{"success":true}"#)
                },
            ]),
        ]
    }


    static func institutionID(_ input: ActionInput) throws(FunctionError) -> String? {
        guard let metadata = input.value("metadata") else { return nil }
        guard case .object(let members) = metadata else { throw .invalid("`metadata` must be an object") }
        guard let institution = members["institution"], institution != .null else { return nil }
        guard case .string(let id)? = institution["institution_id"], id.count <= 100 else {
            throw .invalid("`metadata.institution.institution_id` must be a string of at most 100 characters")
        }
        return id
    }

    /// Accounts grouped by type with totals per type (and per currency left to the client: each
    /// account carries its own).
    static func render(_ items: [PlaidService.ItemBalances]) -> String {
        var groups: [String: [JSONValue]] = [:]
        var totals: [String: (current: Double, available: Double)] = [:]
        for item in items {
            for account in item.accounts {
                let type = account.type ?? "other"
                groups[type, default: []].append(.object([
                    "item_id": .string(item.id.uuidString.lowercased()), "account_id": .string(account.accountID),
                    "name": account.name.map(JSONValue.string) ?? .null, "mask": account.mask.map(JSONValue.string) ?? .null,
                    "subtype": account.subtype.map(JSONValue.string) ?? .null,
                    "current": account.balances.current.map(JSONValue.number) ?? .null,
                    "available": account.balances.available.map(JSONValue.number) ?? .null,
                    "currency": account.balances.currency.map(JSONValue.string) ?? .null,
                ]))
                var total = totals[type, default: (0, 0)]
                total.current += account.balances.current ?? 0
                total.available += account.balances.available ?? account.balances.current ?? 0
                totals[type] = total
            }
        }
        let answer: JSONValue = .object([
            "success": .bool(true),
            "balances": .object(groups.mapValues(JSONValue.array)),
            "totals": .object(totals.mapValues { .object(["current": .number(($0.current * 100).rounded() / 100), "available": .number(($0.available * 100).rounded() / 100)]) }),
            "items": .array(items.map { .object([
                "id": .string($0.id.uuidString.lowercased()), "institution_id": $0.institutionID.map(JSONValue.string) ?? .null,
                "error": $0.error.map(JSONValue.string) ?? .null]) }),
        ])
        return answer.jsonText
    }

    static func relay<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch is PlaidNotConfigured {
            throw FunctionError.notConfigured("plaid", "bank linking is not configured on this server")
        } catch let refused as PlaidClient.Refused {
            throw FunctionError.upstream("Plaid: \(refused.message)")
        } catch let refusal as PlaidRefusal {
            throw FunctionError.conflict(refusal.message)
        }
    }
}
