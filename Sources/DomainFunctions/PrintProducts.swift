import Core
import Foundation
import FunctionsAPI

/// `print-products`: the print shop as the app's shop screen calls it — the catalogue with its
/// categories, the caller's content to personalise a product with, orders of catalogue products
/// and of posters priced by the server from the catalogue (amounts a client sends are never
/// read), the caller's orders, and cancelling unpaid ones. SQL of migration 0014; every answer is
/// an object with `success: true`.
enum PrintProducts {
    /// The order input of workbook-service's shared actions (its own snake_case contract).
    static let order = ParameterDescription("order_id", "string (uuid)", required: true, "one of the caller's orders")
    /// The shipping address input of workbook-service.
    static let address = ParameterDescription(
        "shipping_address", "object", required: true, "{name, line1, line2?, city, state?, postalCode, country}")

    static let orderID = ParameterDescription("orderId", "string (uuid)", required: true, "one of the caller's orders")
    static let shippingAddress = ParameterDescription(
        "shippingAddress", "object", required: true, "{name, line1, line2?, city, state?, postalCode, country}")
    static let productTypes = ["workbook", "pad", "cards", "poster", "sticker", "canvas", "bundle"]

    static func function(_ database: CallerDatabase) -> ActionFunction {
        let product = [
            ParameterDescription("productId", "string (uuid)", required: true, "a catalogue product"),
            ParameterDescription("quantity", "integer", "1-100 (default 1)"),
            ParameterDescription("shippingMethod", "string", "standard (default) or express (double shipping)"),
        ]
        let content = [
            ParameterDescription("customization", "object", "a text for any of the product's personalization_fields (and color when it has color_options); visionImageId (or visionBoardId) names one of the caller's boards to print"),
            ParameterDescription("visionBoardIds", "array of string (uuid)", "more of the caller's boards to print"),
            ParameterDescription("habitIds", "array of string (uuid)", "the caller's habits to print (default: all their active habits); boards and habits together at least the product's min_content_items"),
        ]
        return ActionFunction(
            name: "print-products",
            summary: "The print shop: catalogue, customisation, orders priced by the server, cancelling. A request naming no action is an order when it has productId and shippingAddress, a customisation when it has productId alone, else the catalogue.",
            defaultAction: "catalog",
            inferAction: { input in
                guard input.value("productId") != nil else { return nil }
                return input.value("shippingAddress") != nil ? "order" : "customize"
            },
            actions: [
            Action("catalog", "The active print products in catalogue order, and their categories: {success, products, categories: [{id, name, count}]}.",
                   access: .anyone,
                   parameters: [ParameterDescription("type", "string", "only products of this type: \(productTypes.joined(separator: ", "))"),
                                ParameterDescription("elite", "boolean", "only the ELITE-only products")]) { input in
                let binds: [SQLValue] = [try input.choice("type", productTypes).map(SQLValue.text) ?? .null, .bool(try input.bool("elite") ?? false)]
                return .json(try await database.json(input.caller, readOnly: true, """
                    WITH listed AS (
                      SELECT e.item, e.position
                        FROM jsonb_array_elements(public.list_print_products()) WITH ORDINALITY AS e (item, position)
                       WHERE ($1::text IS NULL OR e.item ->> 'product_type' = $1::text)
                         AND (NOT $2::boolean OR (e.item ->> 'elite_exclusive')::boolean)
                    )
                    SELECT jsonb_build_object(
                             'success', true,
                             'products', coalesce((SELECT jsonb_agg(\(appProduct("l.item")) ORDER BY l.position) FROM listed l), '[]'::jsonb),
                             'categories', coalesce((
                               SELECT jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'count', c.count) ORDER BY c.position)
                                 FROM (SELECT k.id, k.name, k.position, count(*) AS count
                                         FROM listed l
                                         JOIN (VALUES (1, 'pad', 'Focus Pads'), (2, 'cards', 'Cards & Decks'), (3, 'poster', 'Posters'),
                                                      (4, 'sticker', 'Stickers'), (5, 'canvas', 'Canvas Prints'), (6, 'bundle', 'Bundles'),
                                                      (7, 'workbook', 'Workbooks')) AS k (position, id, name)
                                           ON k.id = l.item ->> 'product_type'
                                        GROUP BY k.id, k.name, k.position) c), '[]'::jsonb))::text
                    """, binds) ?? "null")
            },
            Action("customize", "One product with what the caller can personalise it with and its price for them: {success, product, contentData: {visions (their 10 newest boards), habits (their active habits), theme}, pricing (subtotal, ELITE discount as discount_applied, shipping, total), estimatedTotal}. Nothing is checked or stored: order checks the customisation.",
                   parameters: product + [content[0]]) { input in
                let id = try input.requiredUUID("productId")
                _ = try customizationAndContent(input)
                let binds: [SQLValue] = [
                    .text(id), .int(try input.int("quantity", in: 1...100) ?? 1),
                    .text(try input.choice("shippingMethod", ["standard", "express"]) ?? "standard"),
                ]
                return .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object(
                             'success', true, 'product', \(appProduct("to_jsonb(p)")),
                             'contentData', jsonb_build_object(
                               'visions', coalesce((
                                 SELECT jsonb_agg(jsonb_build_object('id', v.id, 'prompt', v.prompt, 'image_url', v.image_url,
                                                                     'is_favorite', v.is_favorite) ORDER BY v.created_at DESC, v.id)
                                   FROM (SELECT * FROM public.vision_boards v WHERE v.user_id = auth.uid() AND v.deleted_at IS NULL
                                          ORDER BY v.created_at DESC, v.id LIMIT 10) v), '[]'::jsonb),
                               'habits', coalesce((
                                 SELECT jsonb_agg(jsonb_build_object('id', h.id, 'title', h.title, 'description', h.description,
                                                                     'frequency', h.frequency) ORDER BY h.created_at, h.id)
                                   FROM (SELECT * FROM public.habits h WHERE h.user_id = auth.uid() AND h.is_active
                                          ORDER BY h.created_at, h.id LIMIT 20) h), '[]'::jsonb),
                               'theme', (SELECT jsonb_build_object('id', t.id, 'name', t.name, 'display_name', t.display_name,
                                                                   'color_scheme', t.color_scheme)
                                           FROM public.user_identity_profiles i JOIN public.motivational_themes t ON t.id = i.theme_id
                                          WHERE i.user_id = auth.uid())),
                             'pricing', q.pricing, 'estimatedTotal', q.pricing -> 'total')::text
                      FROM public.print_products p
                     CROSS JOIN LATERAL (
                       SELECT internal.print_order_pricing(p.id, $2::integer, $3, internal.caller_tier()) AS pricing) q
                     WHERE p.id = $1::uuid AND p.is_active
                    """, binds, orNotFound: "no print product has id \(id)"))
            },
            Action("order", "Places a catalogue order (201): the product on sale (ELITE-only products for ELITE members, 403), the customisation giving any of the product's personalization_fields (texts of 1-100 characters; others refused), boards and habits the caller's own and at least min_content_items (422); priced by the server (amounts in the request are ignored); status pending until paid. {success, order: {id, productName, quantity, subtotal, discount, shipping, tax, total, status, estimatedDelivery, …}, message}.",
                   parameters: product + content + [shippingAddress]) { input in
                let id = try input.requiredUUID("productId")
                guard let address = try input.object("shippingAddress") else { throw FunctionError.invalid("`shippingAddress` is required") }
                let (customization, content) = try customizationAndContent(input)
                let binds: [SQLValue] = [
                    .text(id), .int(try input.int("quantity", in: 1...100) ?? 1), .json(customization), .json(content), .json(address),
                    .text(try input.choice("shippingMethod", ["standard", "express"]) ?? "standard"),
                ]
                return .json(try await database.json(input.caller, """
                    SELECT \(orderAnswer([
                        ("id", "o -> 'id'"), ("kind", "'print'"), ("productId", "o -> 'product_id'"), ("productName", "p.name"),
                        ("quantity", "o -> 'quantity'"), ("subtotal", "o -> 'subtotal'"), ("discount", "o -> 'discount'"),
                        ("discountApplied", "o -> 'discount_applied'"), ("shipping", "o -> 'shipping'"), ("tax", "o -> 'tax'"),
                        ("total", "o -> 'total'"), ("currency", "o -> 'currency'"), ("status", "o -> 'status'"),
                        ("shippingMethod", "o -> 'shipping_method'"), ("customization", "o -> 'customization'"),
                        ("content", "o -> 'content_snapshot'"), ("shippingAddress", "o -> 'shipping_address'"), ("createdAt", "o -> 'created_at'"),
                    ]))
                      FROM public.place_print_order($1::uuid, $2::integer, $3::jsonb, $4::jsonb, $5::jsonb, $6) AS o
                      JOIN public.print_products p ON p.id = (o ->> 'product_id')::uuid
                    """, binds) ?? "null", status: 201)
            },
            Action("order_poster", "Orders a poster of one of the caller's vision boards in a catalogue poster size, priced by the server (201): {success, order, message}.",
                   parameters: [ParameterDescription("visionBoardId", "string (uuid)", required: true, "one of the caller's boards"),
                                ParameterDescription("sku", "string", required: true, "a poster product's prodigi_sku"),
                                ParameterDescription("finish", "string", "matte (default) or gloss"),
                                ParameterDescription("quantity", "integer", "1-100 (default 1)"), shippingAddress]) { input in
                guard let address = try input.object("shippingAddress") else { throw FunctionError.invalid("`shippingAddress` is required") }
                let binds: [SQLValue] = [
                    .text(try input.requiredUUID("visionBoardId")), .text(try input.text("sku", maxLength: 100)),
                    .text(try input.choice("finish", ["matte", "gloss"]) ?? "matte"),
                    .int(try input.int("quantity", in: 1...100) ?? 1), .json(address),
                ]
                return .json(try await database.json(input.caller, """
                    SELECT \(orderAnswer([
                        ("id", "o -> 'id'"), ("kind", "'poster'"), ("visionBoardId", "o -> 'vision_board_id'"), ("productName", "p.name"),
                        ("quantity", "o #> '{print_config,quantity}'"), ("subtotal", "o #> '{pricing,subtotal}'"),
                        ("discount", "o #> '{pricing,discount}'"), ("discountApplied", "o -> 'discount_applied'"),
                        ("shipping", "o #> '{pricing,shipping}'"), ("tax", "o #> '{pricing,tax}'"), ("total", "o -> 'total_price'"),
                        ("currency", "o #> '{pricing,currency}'"), ("status", "o -> 'status'"), ("printConfig", "o -> 'print_config'"),
                        ("shippingAddress", "o -> 'shipping_address'"), ("createdAt", "o -> 'created_at'"),
                    ]))
                      FROM public.place_poster_order($1::uuid, $2, $3, $4::integer, $5::jsonb) AS o
                      JOIN public.print_products p ON p.prodigi_sku = o #>> '{print_config,sku}'
                    """, binds) ?? "null", status: 201)
            },
            Action("list_orders", "The caller's print and poster orders as stored, newest first, each with kind print or poster: {success, orders}.",
                   parameters: [ParameterDescription("limit", "integer", "1-100 (default 20)"),
                                ParameterDescription("status", "string", "only orders in this status")]) { input in
                let binds: [SQLValue] = [try input.string("status", maxLength: 30).map(SQLValue.text) ?? .null,
                                         .int(try input.int("limit", in: 1...100) ?? 20)]
                return .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object('success', true, 'orders', coalesce(jsonb_agg(x.item ORDER BY x.position), '[]'::jsonb))::text
                      FROM (SELECT e.item, e.position
                              FROM jsonb_array_elements(public.list_my_orders()) WITH ORDINALITY AS e (item, position)
                             WHERE $1::text IS NULL OR e.item ->> 'status' = $1::text
                             ORDER BY e.position LIMIT $2::integer) x
                    """, binds) ?? "null")
            },
            Action("get_order", "One of the caller's print or poster orders as stored, with its catalogue product: {success, order, product}.",
                   parameters: [orderID]) { input in
                let id = try input.requiredUUID("orderId")
                return .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object('success', true, 'order', o, 'product', (
                             SELECT \(appProduct("to_jsonb(p)")) FROM public.print_products p
                              WHERE p.id::text = o ->> 'product_id' OR p.prodigi_sku = o #>> '{print_config,sku}' LIMIT 1))::text
                      FROM public.get_my_order($1::uuid) AS o
                     WHERE o IS NOT NULL
                    """, [.text(id)], orNotFound: "no order of yours has id \(id)"))
            },
            cancel(database, id: orderID, envelope: true),
            advance(database, id: orderID, envelope: true),
        ])
    }

    /// `cancel`: any of the caller's orders while unpaid (shared with workbook-service, which
    /// names the order `order_id` and answers the bare result).
    static func cancel(_ database: CallerDatabase, id: ParameterDescription = order, envelope: Bool = false) -> Action {
        Action("cancel", "Cancels one of the caller's orders while it is unpaid (422 once paid)\(envelope ? ": {success, order: {id, kind, status}}" : "").",
               parameters: [id]) { input in
            .json(try await database.json(input.caller, answer("public.cancel_my_order($1::uuid)", envelope: envelope),
                                          [.text(try input.requiredUUID(id.name))]) ?? "null")
        }
    }

    /// `advance`: the server moves an order along its legal transitions (payment webhooks,
    /// fulfilment, generation jobs); shared with workbook-service.
    static func advance(_ database: CallerDatabase, id: ParameterDescription = order, envelope: Bool = false) -> Action {
        Action("advance", "Moves an order to a new status along its legal transitions (paid, submitted, shipped, …); illegal moves are 422\(envelope ? ": {success, order: {id, kind, status}}" : "").",
               access: .serviceRole,
               parameters: [ParameterDescription(id.name, "string (uuid)", required: true, "a print, poster or workbook order"),
                            ParameterDescription("status", "string", required: true, "the new status")]) { input in
            .json(try await database.json(input.caller, answer("public.set_order_status($1::uuid, $2)", envelope: envelope),
                                          [.text(try input.requiredUUID(id.name)), .text(try input.text("status", maxLength: 30))]) ?? "null")
        }
    }

    /// The statement answering an order operation's JSON: bare, or as `{success, order}`.
    static func answer(_ call: String, envelope: Bool) -> String {
        envelope ? "SELECT jsonb_build_object('success', true, 'order', \(call))::text" : "SELECT \(call)::text"
    }

    /// The answer to a new order: `{success, order: {<members>, estimatedDelivery}, message}`,
    /// each member an SQL expression; delivery is estimated ten days after the caller's today.
    static func orderAnswer(_ members: [(name: String, value: String)]) -> String {
        let order = members.map { "'\($0.name)', \($0.value)" }.joined(separator: ", ")
        return """
            jsonb_build_object('success', true,
                               'order', jsonb_build_object(\(order), 'estimatedDelivery', internal.caller_today() + 10),
                               'message', 'Order placed at the catalogue price; it stays pending until it is paid.')::text
            """
    }

    /// A catalogue product as the shop shows it, from its row's JSON (an SQL expression): the
    /// columns, `preview_image` (the preview's URL) and `features` (none in the catalogue).
    static func appProduct(_ row: String) -> String {
        "((\(row)) || jsonb_build_object('preview_image', (\(row)) -> 'preview_image_url', 'features', '[]'::jsonb))"
    }

    /// The customisation and content of an order, as the JSON texts `place_print_order` takes:
    /// the board the app picks in its customisation (`visionImageId`, or `visionBoardId`) leaves
    /// the customisation for the content's boards, with `visionBoardIds`; `habitIds` are the
    /// habits (absent: the caller's active habits). Ownership and the product's requirements are
    /// checked by the SQL.
    static func customizationAndContent(_ input: ActionInput) throws(FunctionError) -> (customization: String, content: String) {
        var customization: [String: JSONValue] = [:]
        switch input.value("customization") {
        case nil: break
        case .object(let members)?: customization = members
        default: throw .invalid("`customization` must be a JSON object")
        }
        var boards = try input.uuids("visionBoardIds", max: 50) ?? []
        for key in ["visionImageId", "visionBoardId"] {
            switch customization.removeValue(forKey: key) {
            case nil, .null?: continue
            case .string(let text)? where UUID(uuidString: text) != nil: boards.append(text.lowercased())
            default: throw .invalid("`customization.\(key)` must be the id (a UUID) of one of your vision boards")
            }
        }
        var content: [String: JSONValue] = ["vision_board_ids": .array(boards.map(JSONValue.string))]
        // No habitIds: the SQL takes the caller's active habits, as the app's screen promises.
        if let habits = try input.uuids("habitIds", max: 100) { content["habit_ids"] = .array(habits.map(JSONValue.string)) }
        return (JSONValue.object(customization).jsonText, JSONValue.object(content).jsonText)
    }
}
