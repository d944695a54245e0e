import Core
import Crypto
import Database
import Foundation

/// Prodigi's order-status callbacks move paid orders through their print states: an order in
/// production, shipped (with carrier and tracking), or cancelled by the printer. A callback is
/// admitted by the secret the callback URL carries, acts once (by its id), finds the order only
/// when both our id (`merchantReference`) and Prodigi's order id match, and moves it only forward:
/// a repeat or a stale status changes nothing.
public struct PrintStatusCallbacks: Sendable {
    let database: SQLRunner
    let secret: SymmetricKey?

    public init(database: SQLRunner, secret: String?) {
        self.database = database
        self.secret = secret.map { SymmetricKey(data: Data($0.utf8)) }
    }

    public enum Failure: Error, Equatable {
        case notConfigured
        case unauthorized
        case malformed
    }

    /// Whether `presented` is the configured secret, compared in constant time.
    func admits(_ presented: String?) throws(Failure) {
        guard let secret else { throw .notConfigured }
        guard let presented, presented.utf8.count <= 256 else { throw .unauthorized }
        // Comparing MACs of both under a fresh key keeps the comparison's time independent of the secret.
        let key = SymmetricKey(size: .bits256)
        let expected = secret.withUnsafeBytes { HMAC<SHA256>.authenticationCode(for: Data($0), using: key) }
        guard HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: Data(presented.utf8), using: key) else { throw .unauthorized }
    }

    /// Applies one callback; answers what was done (`production`, `shipped`, `cancelled`,
    /// `duplicate`, `ignored`, `unknown_order`).
    public func receive(payload: [UInt8], presentedSecret: String?) async throws -> String {
        try admits(presentedSecret)
        guard case .object(let callback)? = try? JSONDecoder().decode(JSONValue.self, from: Data(payload)),
              let id = callback["id"]?.stringValue, id.utf8.count <= 200,
              case .object(let order)? = callback["data"]?["order"],
              let prodigiID = order["id"]?.stringValue, prodigiID.utf8.count <= 200,
              let ours = order["merchantReference"]?.stringValue, UUID(uuidString: ours) != nil
        else { throw Failure.malformed }
        let stage = order["status"]?["stage"]?.stringValue ?? ""
        var shipment: (carrier: String?, number: String?, url: String?)?
        if case .array(let shipments)? = order["shipments"] {
            for item in shipments where ["Shipped", "Delivered"].contains(item["status"]?.stringValue ?? "") {
                shipment = (item["carrier"]?["name"]?.stringValue.map { String($0.prefix(100)) },
                            item["tracking"]?["number"]?.stringValue.map { String($0.prefix(100)) },
                            item["tracking"]?["url"]?.stringValue.flatMap { $0.hasPrefix("https://") ? String($0.prefix(500)) : nil })
            }
        }
        return try await database.transaction { transaction in
            guard try await transaction.text(SQLStatement(
                "SELECT internal.first_sighting('prodigi_callback', $1, interval '30 days')::text", [.text(id)])) == "true"
            else { return "duplicate" }
            struct Found: Decodable { let table: String; let status: String }
            guard let text = try await transaction.text(SQLStatement("""
                SELECT json_build_object('table', o.t, 'status', o.status)::text FROM (
                  SELECT 'poster_orders' AS t, id, status, vendor_order_id AS vendor FROM public.poster_orders
                  UNION ALL SELECT 'print_orders', id, status, prodigi_order_id FROM public.print_orders
                  UNION ALL SELECT 'workbook_orders', id, status, prodigi_order_id FROM public.workbook_orders) o
                 WHERE o.id = $1::uuid AND o.vendor = $2
                """, [.text(ours), .text(prodigiID)])) else { return "unknown_order" }
            let found = try JSONDecoder().decode(Found.self, from: Data(text.utf8))
            let target: String
            if stage == "Cancelled" {
                target = "cancelled"
            } else if shipment != nil || stage == "Complete" {
                target = "shipped"
            } else if stage == "InProgress" {
                guard let inProduction = ["print_orders": "production", "workbook_orders": "printing"][found.table] else { return "ignored" }
                target = inProduction
            } else {
                return "ignored"
            }
            // Only the lifecycle's own steps: a repeat or an older status is not one.
            guard try await transaction.text(SQLStatement(
                "SELECT internal.order_transition_allowed($1, $2, $3, true)::text", [.text(found.table), .text(found.status), .text(target)])) == "true"
            else { return "ignored" }
            let stamp = ["shipped": ", shipped_at = now()", "cancelled": ", cancelled_at = now()"][target] ?? ""
            let carrier = shipment?.carrier.map(SQLValue.text) ?? .null
            let number = shipment?.number.map(SQLValue.text) ?? .null
            let url = shipment?.url.map(SQLValue.text) ?? .null
            let statement: SQLStatement
            switch found.table {
            case "print_orders":
                statement = SQLStatement("""
                    UPDATE public.print_orders SET status = $2\(stamp), carrier = coalesce($3::text, carrier),
                      tracking_number = coalesce($4::text, tracking_number), tracking_url = coalesce($5::text, tracking_url)
                     WHERE id = $1::uuid
                    """, [.text(ours), .text(target), carrier, number, url])
            case "workbook_orders":
                statement = SQLStatement("""
                    UPDATE public.workbook_orders SET status = $2\(stamp), tracking_number = coalesce($3::text, tracking_number),
                      tracking_url = coalesce($4::text, tracking_url), prodigi_status = $5
                     WHERE id = $1::uuid
                    """, [.text(ours), .text(target), number, url, .text(String(stage.prefix(50)))])
            default:
                statement = SQLStatement("UPDATE public.poster_orders SET status = $2\(stamp) WHERE id = $1::uuid", [.text(ours), .text(target)])
            }
            try await transaction.execute(statement)
            return target == "printing" ? "production" : target
        }
    }
}
