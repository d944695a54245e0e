import Core
import Database
import Foundation
import StorageAPI

/// The order as Prodigi receives it: the recipient from the shipping address, and the items
/// from the catalogue (SKU, copies, attributes) with our artwork's signed URLs.
extension PrintFulfilment {
    struct StoredOrder: Decodable {
        let user: UUID
        let address: JSONValue?
        let sku: String?
        let copies: Int?
        let productType: String?
        let finish: String?
        let express: Bool?
        let image: String?
        let pdf: String?
    }

    /// The Prodigi order of `id` in `table`, or `Permanent` naming what it lacks.
    func prodigiOrder(table: String, id: UUID) async throws -> JSONValue {
        let select: String
        switch table {
        case "poster_orders":
            select = """
                SELECT json_build_object('user', o.user_id, 'address', o.shipping_address, 'sku', p.prodigi_sku, 'productType', 'poster',
                  'copies', CASE WHEN o.print_config ->> 'quantity' ~ '^[0-9]{1,3}$' THEN (o.print_config ->> 'quantity')::integer ELSE 1 END,
                  'finish', o.print_config ->> 'finish', 'image', v.image_url)::text
                  FROM public.poster_orders o
                  LEFT JOIN public.print_products p ON p.prodigi_sku = o.print_config ->> 'sku' AND p.product_type = 'poster'
                  LEFT JOIN public.vision_boards v ON v.id = o.vision_board_id AND v.user_id = o.user_id
                 WHERE o.id = $1::uuid
                """
        case "print_orders":
            select = """
                SELECT json_build_object('user', o.user_id, 'address', o.shipping_address, 'sku', p.prodigi_sku, 'productType', p.product_type,
                  'copies', o.quantity, 'express', o.shipping_method = 'express',
                  'image', coalesce(
                    (SELECT v.image_url FROM public.vision_boards v
                      WHERE v.user_id = o.user_id
                        AND v.id::text = coalesce(o.customization ->> 'visionImageId', o.customization ->> 'visionBoardId')),
                    (SELECT v.image_url FROM public.vision_boards v
                      WHERE v.user_id = o.user_id AND v.id::text = o.content_snapshot #>> '{vision_boards,0,id}')))::text
                  FROM public.print_orders o JOIN public.print_products p ON p.id = o.product_id
                 WHERE o.id = $1::uuid
                """
        default:
            select = """
                SELECT json_build_object('user', w.user_id, 'address', w.shipping_address, 'sku', t.sku, 'productType', 'workbook',
                  'copies', 1, 'pdf', w.merged_pdf_url)::text
                  FROM public.workbook_orders w LEFT JOIN public.workbook_templates t ON t.id = w.template_id
                 WHERE w.id = $1::uuid
                """
        }
        guard let text = try await database.text(SQLStatement(select, [.text(id.uuidString)])) else { throw Permanent(message: "the order is gone") }
        let order = try JSONDecoder().decode(StoredOrder.self, from: Data(text.utf8))
        guard let sku = order.sku else { throw Permanent(message: "the order's product is not in the catalogue") }
        let asset: String
        if let pdf = order.pdf {
            guard let name = pdf.split(separator: "/workbooks/", maxSplits: 1).last.map(String.init), pdf.contains("/workbooks/") else {
                throw Permanent(message: "the workbook's PDF is not in the workbooks bucket")
            }
            asset = try signed(bucket: "workbooks", name: name)
        } else {
            asset = try await artwork(order.image, of: order.user)
        }
        var item: [String: JSONValue] = [
            "sku": .string(sku), "copies": .number(Double(min(max(order.copies ?? 1, 1), 100))), "sizing": .string("fillPrintArea"),
            "assets": .array([.object(["printArea": .string("default"), "url": .string(asset)])]),
        ]
        if order.productType == "canvas" || sku.contains("-CAN-") || sku.hasPrefix("GLOBAL-CAN") {
            item["attributes"] = .object(["wrap": .string("MirrorWrap")])
        } else if order.productType == "poster" {
            item["attributes"] = .object(["finish": .string(order.finish == "gloss" ? "gloss" : "matte")])
        }
        return .object([
            "idempotencyKey": .string(id.uuidString.lowercased()),
            "merchantReference": .string(id.uuidString.lowercased()),
            "shippingMethod": .string(order.express == true ? "Express" : "Standard"),
            "recipient": try Self.recipient(order.address),
            "items": .array([.object(item)]),
        ])
    }

    /// Prodigi's recipient from our `{name, line1, line2?, city, state?, postalCode, country}`:
    /// fields trimmed, optional ones left out when empty (Prodigi refuses empty strings).
    static func recipient(_ address: JSONValue?) throws(Permanent) -> JSONValue {
        func field(_ key: String, max: Int) -> String? {
            guard let value = address?[key]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            return String(value.prefix(max))
        }
        guard let name = field("name", max: 100), let line1 = field("line1", max: 200), let city = field("city", max: 100),
              let postal = field("postalCode", max: 20), let country = field("country", max: 2), country.count == 2
        else { throw Permanent(message: "the shipping address lacks a name, line1, city, postalCode or two-letter country") }
        var fields: [String: JSONValue] = [
            "line1": .string(line1), "townOrCity": .string(city), "postalOrZipCode": .string(postal), "countryCode": .string(country.uppercased()),
        ]
        if let line2 = field("line2", max: 200) { fields["line2"] = .string(line2) }
        if let state = field("state", max: 100) { fields["stateOrCounty"] = .string(state) }
        return .object(["name": .string(name), "address": .object(fields)])
    }

    /// A URL Prodigi can fetch the board image from: a signed URL of our storage when the owner
    /// may read that object, an outside https URL as it is.
    func artwork(_ imageURL: String?, of user: UUID) async throws -> String {
        guard let imageURL else { throw Permanent(message: "the order has no image to print") }
        switch BoardImage(imageURL, publicURL: publicURL) {
        case .stored(let bucket, let name):
            guard try await database.text(SQLStatement("""
                SELECT 'readable' FROM storage.objects o
                 WHERE o.bucket_id = $1 AND o.name = $2 AND (o.owner = $3::uuid OR storage.is_public_bucket(o.bucket_id))
                """, [.text(bucket), .text(name), .text(user.uuidString)])) != nil
            else { throw Permanent(message: "the image to print is not one of the owner's stored objects") }
            return try signed(bucket: bucket, name: name)
        case .external(let url):
            return url
        case .inline, .unusable:
            throw Permanent(message: "the image to print is not in this server's storage")
        }
    }

    func signed(bucket: String, name: String) throws -> String {
        publicURL + "/storage/v1" + (try storage.signedDownloadPath(bucket: bucket, name: name, expiresIn: Self.assetLifetime))
    }
}
