import Core
import Database
import Foundation
import Fulfilment
import FunctionsAPI

/// The original app's print functions: `generate-workbook-pdf` (templates, creating, generating
/// and reading the caller's workbook orders) and `submit-to-prodigi`. The app calls the latter
/// itself right after placing an order, unpaid, with its own SKU and image URL; here those are
/// never read: an unpaid order answers 409 `order_not_paid`, and a paid one goes to Prodigi with
/// the catalogue's SKU and our own signed artwork URLs (as the payment's job does anyway).
enum PrintFulfilmentFunctions {
    static func all(_ fulfilment: PrintFulfilment, _ database: CallerDatabase) -> [any EdgeFunction] {
        [workbookPDF(database), submit(fulfilment, database)]
    }

    static let orderID = ParameterDescription("order_id", "string (uuid)", required: true, "one of the caller's workbook orders")

    static func workbookPDF(_ database: CallerDatabase) -> ActionFunction {
        ActionFunction(
            name: "generate-workbook-pdf", summary: "Workbook orders as the original app made them: templates, create, generate, read.",
            defaultAction: "get_templates", actions: [
            Action("get_templates", "{success, templates}: the active workbook templates in shop order.", access: .anyone) { input in
                .json(try await database.json(input.caller, readOnly: true, """
                    SELECT json_build_object('success', true, 'templates', coalesce(json_agg(to_jsonb(t) ORDER BY t.sort_order, t.name), '[]'))::text
                      FROM public.workbook_templates t WHERE t.is_active
                    """) ?? "null")
            },
            Action("create_order", "{success, order (with its template)}: a draft from a template with the details, boards, habits (`included_habits`) and shipping address given, priced by the server.",
                   parameters: [ParameterDescription("template_id", "string (uuid)", required: true, "an active template"),
                                ParameterDescription("title", "string", ""), ParameterDescription("subtitle", "string", ""),
                                ParameterDescription("dedication_text", "string", ""), ParameterDescription("cover_style", "string", ""),
                                ParameterDescription("include_weekly_journal", "boolean", ""), ParameterDescription("include_habit_tracker", "boolean", ""),
                                ParameterDescription("vision_board_ids", "array of string (uuid)", "the caller's boards"),
                                ParameterDescription("included_habits", "array of string (uuid)", "the caller's habits"),
                                ParameterDescription("shipping_address", "object", "{name, line1, line2?, city, state?, postalCode, country}")]) { input in
                let template = try input.requiredUUID("template_id")
                try WorkbookService.validateDetails(input)
                _ = try input.uuids("vision_board_ids", max: 50)
                _ = try input.uuids("included_habits", max: 100)
                _ = try input.object("shipping_address")
                let details = input.patch(WorkbookService.details)
                let content = input.patch(["vision_board_ids", "included_habits", "shipping_address"])
                // One transaction: a draft that cannot take its boards or address is not left behind.
                let order = try await database.transaction(input.caller) { transaction in
                    guard let id = try await transaction.text(SQLStatement(
                        "SELECT public.create_workbook_draft($1::uuid, $2::jsonb) ->> 'id'", [.text(template), .json(details)])) else { return "null" }
                    _ = try await transaction.text(SQLStatement("SELECT public.update_workbook_draft($1::uuid, $2::jsonb)::text", [.text(id), .json(content)]))
                    _ = try await transaction.text(SQLStatement("SELECT public.price_workbook_order($1::uuid)::text", [.text(id)]))
                    return try await transaction.text(SQLStatement(
                        "SELECT internal.workbook_json(w)::text FROM public.workbook_orders w WHERE w.id = $1::uuid", [.text(id)])) ?? "null"
                }
                return .json(#"{"success":true,"order":\#(order)}"#)
            },
            Action("generate", "{success, order_id, sections_generated, status: ready}: composes the workbook's sections (a draft needs a title, a board and an address) and makes it ready for checkout; the PDF is rendered once it is paid.",
                   parameters: [orderID]) { input in
                .json(try await database.json(input.caller, "SELECT public.generate_workbook($1::uuid)::text", [.text(try input.requiredUUID("order_id"))]) ?? "null")
            },
            Action("get_order", "{success, order}: one of the caller's workbook orders with its template and sections.", parameters: [orderID]) { input in
                let id = try input.requiredUUID("order_id")
                return .json(try await database.json(input.caller, readOnly: true, """
                    SELECT json_build_object('success', true, 'order', to_jsonb(w) || jsonb_build_object(
                             'template', (SELECT to_jsonb(t) FROM public.workbook_templates t WHERE t.id = w.template_id),
                             'sections', coalesce((SELECT jsonb_agg(to_jsonb(s) ORDER BY s.section_order) FROM public.workbook_sections s
                                                    WHERE s.workbook_order_id = w.id), '[]')))::text
                      FROM public.workbook_orders w WHERE w.id = $1::uuid
                    """, [.text(id)], orNotFound: "no workbook order of yours has id \(id)"))
            },
            Action("get_orders", "{success, orders}: the caller's workbook orders, newest first, each with its template's name, SKU, size and binding.") { input in
                .json(try await database.json(input.caller, readOnly: true, """
                    SELECT json_build_object('success', true, 'orders', coalesce(json_agg(to_jsonb(w) || jsonb_build_object(
                             'template', (SELECT jsonb_build_object('name', t.name, 'sku', t.sku, 'size', t.size, 'binding', t.binding)
                                            FROM public.workbook_templates t WHERE t.id = w.template_id)) ORDER BY w.created_at DESC), '[]'))::text
                      FROM public.workbook_orders w
                    """) ?? "null")
            },
        ])
    }

    static func submit(_ fulfilment: PrintFulfilment, _ database: CallerDatabase) -> ActionFunction {
        ActionFunction(
            name: "submit-to-prodigi", summary: "Sends one of the caller's paid orders to the printer, or answers the order the printer has.",
            defaultAction: "submit", actions: [
            Action("submit", "{success, orderId (Prodigi's), status, simulated: false}. An unpaid order is 409 order_not_paid (the server submits it after payment); a paid workbook whose PDF is still to be rendered answers 202 with its fulfilment_state (the job renders and submits it); the body's recipient, items, SKU and asset URLs are not read.",
                   parameters: [ParameterDescription("orderId", "string (uuid)", required: true, "one of the caller's poster, print or workbook orders")]) { input in
                let id = try input.requiredID("orderId")
                // Whose it is, as the caller sees it: another user's order does not exist for them.
                guard let table = try await database.json(input.caller, readOnly: true, """
                    SELECT t FROM (SELECT 'poster_orders' AS t FROM public.poster_orders WHERE id = $1::uuid
                                   UNION ALL SELECT 'print_orders' FROM public.print_orders WHERE id = $1::uuid
                                   UNION ALL SELECT 'workbook_orders' FROM public.workbook_orders WHERE id = $1::uuid) o LIMIT 1
                    """, [.text(id.uuidString)])
                else { throw FunctionError.notFound("you have no order with id \(id.uuidString.lowercased())") }
                let outcome: PrintFulfilment.Outcome
                do {
                    outcome = try await fulfilment.fulfil(table: table, id: id, render: false)
                } catch let failure as PrintFulfilment.Permanent {
                    throw FunctionError(status: 422, code: "order_not_printable", message: failure.message)
                } catch let refused as ProdigiClient.Refused {
                    throw FunctionError.upstream(refused.description)
                } catch let unavailable as ProdigiClient.Unavailable {
                    throw FunctionError(status: 503, code: "printer_unavailable", message: unavailable.description + "; the order stays queued and is retried")
                }
                switch outcome {
                case .submitted(let prodigiID, let stage):
                    return .json(JSONValue.object(["success": .bool(true), "orderId": .string(prodigiID), "status": .string(stage), "simulated": .bool(false)]).jsonText)
                case .busy:
                    return .json(#"{"success":true,"orderId":null,"status":"submitting","simulated":false}"#, status: 202)
                case .rendering(let state):
                    return .json(JSONValue.object(["success": .bool(true), "orderId": .null, "status": .string(state), "simulated": .bool(false)]).jsonText, status: 202)
                case .notPaid(let status):
                    throw FunctionError(status: 409, code: "order_not_paid", message: "this order is \(status): it goes to the printer once it is paid")
                case .notFound:
                    throw FunctionError.notFound("you have no order with id \(id.uuidString.lowercased())")
                }
            },
        ])
    }
}
