import Core
import FunctionsAPI

/// `print-products`: the print shop — catalogue, checking a customisation, orders of catalogue
/// products and of posters priced by the server from the catalogue (amounts a client sends are
/// never read), the caller's orders, and cancelling unpaid ones. SQL of migration 0014.
enum PrintProducts {
    static let order = ParameterDescription("order_id", "string (uuid)", required: true, "one of the caller's orders")
    static let address = ParameterDescription(
        "shipping_address", "object", required: true, "{name, line1, line2?, city, state?, postalCode, country}")

    static func function(_ database: CallerDatabase) -> ActionFunction {
        let product = [
            ParameterDescription("product_id", "string (uuid)", required: true, "a catalogue product"),
            ParameterDescription("quantity", "integer", "1-100 (default 1)"),
            ParameterDescription("customization", "object", "a text for each of the product's personalization_fields (and color when it has color_options)"),
            ParameterDescription("content", "object", "{vision_board_ids: [uuid], habit_ids: [uuid]}: the caller's own; at least min_content_items"),
            ParameterDescription("shipping_method", "string", "standard (default) or express (double shipping)"),
        ]
        return ActionFunction(name: "print-products", summary: "The print shop: catalogue, customisation, orders priced by the server, cancelling.", actions: [
            Action("catalog", "The active print products in catalogue order.", access: .anyone) { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.list_print_products()::text") ?? "[]")
            },
            Action("customize", "Checks a customised order (personalization fields, ELITE-only products, content requirements) and quotes its price from the catalogue: subtotal, ELITE discount (discount_applied), shipping, total.",
                   parameters: product) { input in
                .json(try await database.json(
                    input.caller, readOnly: true, "SELECT public.quote_print_order($1::uuid, $2::integer, $3::jsonb, $4::jsonb, $5)::text",
                    try productBinds(input)) ?? "null")
            },
            Action("order", "Places a catalogue order, validated as customize does and priced by the server (any amounts in the request are ignored); status pending until paid.",
                   parameters: product + [address]) { input in
                let address = try shippingAddress(input)
                return .json(try await database.json(
                    input.caller, "SELECT public.place_print_order($1::uuid, $2::integer, $3::jsonb, $4::jsonb, $6::jsonb, $5)::text",
                    try productBinds(input) + [.json(address)]) ?? "null", status: 201)
            },
            Action("order_poster", "Orders a poster of one of the caller's vision boards in a catalogue poster size, priced by the server.",
                   parameters: [ParameterDescription("vision_board_id", "string (uuid)", required: true, "one of the caller's boards"),
                                ParameterDescription("sku", "string", required: true, "a poster product's prodigi_sku"),
                                ParameterDescription("finish", "string", "matte (default) or gloss"),
                                ParameterDescription("quantity", "integer", "1-100 (default 1)"), address]) { input in
                let binds: [SQLValue] = [
                    .text(try input.requiredUUID("vision_board_id")), .text(try input.text("sku", maxLength: 100)),
                    .text(try input.choice("finish", ["matte", "gloss"]) ?? "matte"),
                    .int(try input.int("quantity", in: 1...100) ?? 1), .json(try shippingAddress(input)),
                ]
                return .json(try await database.json(
                    input.caller, "SELECT public.place_poster_order($1::uuid, $2, $3, $4::integer, $5::jsonb)::text", binds) ?? "null",
                    status: 201)
            },
            Action("list_orders", "The caller's print and poster orders, newest first (kind print or poster).") { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.list_my_orders()::text") ?? "[]")
            },
            Action("get_order", "One of the caller's print or poster orders.", parameters: [order]) { input in
                let id = try input.requiredUUID("order_id")
                return .json(try await database.json(input.caller, readOnly: true, "SELECT public.get_my_order($1::uuid)::text", [.text(id)],
                                                     orNotFound: "no order of yours has id \(id)"))
            },
            cancel(database),
            advance(database),
        ])
    }

    /// `cancel`: any of the caller's orders while unpaid (shared with workbook-service).
    static func cancel(_ database: CallerDatabase) -> Action {
        Action("cancel", "Cancels one of the caller's orders while it is unpaid (422 once paid).", parameters: [order]) { input in
            .json(try await database.json(input.caller, "SELECT public.cancel_my_order($1::uuid)::text",
                                          [.text(try input.requiredUUID("order_id"))]) ?? "null")
        }
    }

    /// `advance`: the server moves an order along its legal transitions (payment webhooks,
    /// fulfilment, generation jobs); shared with workbook-service.
    static func advance(_ database: CallerDatabase) -> Action {
        Action("advance", "Moves an order to a new status along its legal transitions (paid, submitted, shipped, …); illegal moves are 422.",
               access: .serviceRole,
               parameters: [ParameterDescription("order_id", "string (uuid)", required: true, "a print, poster or workbook order"),
                            ParameterDescription("status", "string", required: true, "the new status")]) { input in
            .json(try await database.json(input.caller, "SELECT public.set_order_status($1::uuid, $2)::text",
                                          [.text(try input.requiredUUID("order_id")), .text(try input.text("status", maxLength: 30))]) ?? "null")
        }
    }

    static func productBinds(_ input: ActionInput) throws(FunctionError) -> [SQLValue] {
        [
            .text(try input.requiredUUID("product_id")), .int(try input.int("quantity", in: 1...100) ?? 1),
            .json(try input.object("customization") ?? "{}"), .json(try input.object("content") ?? "{}"),
            .text(try input.choice("shipping_method", ["standard", "express"]) ?? "standard"),
        ]
    }

    static func shippingAddress(_ input: ActionInput) throws(FunctionError) -> String {
        guard let address = try input.object("shipping_address") else { throw .invalid("`shipping_address` is required") }
        return address
    }
}
