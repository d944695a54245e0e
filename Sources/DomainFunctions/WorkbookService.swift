import Core
import FunctionsAPI

/// `workbook-service`: personalised printed workbooks — a draft from a template, the caller's
/// vision boards and habits attached, priced from the template (ELITE discount), and moved
/// through the legal states: submitted for generation, checkout, cancelled while unpaid; the
/// server's own steps (generated, paid, shipped, …) through `advance`. SQL of migration 0014.
enum WorkbookService {
    static let details = ["title", "subtitle", "dedication_text", "cover_style", "include_weekly_journal", "include_habit_tracker"]

    static func function(_ database: CallerDatabase) -> ActionFunction {
        let order = ParameterDescription("order_id", "string (uuid)", required: true, "one of the caller's workbook orders")
        let detailParameters = [
            ParameterDescription("title", "string", "printed on the cover"), ParameterDescription("subtitle", "string", ""),
            ParameterDescription("dedication_text", "string", ""), ParameterDescription("cover_style", "string", "default classic"),
            ParameterDescription("include_weekly_journal", "boolean", ""), ParameterDescription("include_habit_tracker", "boolean", ""),
        ]
        return ActionFunction(name: "workbook-service", summary: "Personalised printed workbooks from draft to delivery.", actions: [
            Action("templates", "The active workbook templates.", access: .anyone) { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.list_workbook_templates()::text") ?? "[]")
            },
            Action("create", "Creates a draft from an active template.",
                   parameters: [ParameterDescription("template_id", "string (uuid)", required: true, "an active template")] + detailParameters) { input in
                let template = try input.requiredUUID("template_id")
                try validateDetails(input)
                return .json(try await database.json(input.caller, "SELECT public.create_workbook_draft($1::uuid, $2::jsonb)::text",
                                                     [.text(template), .json(input.patch(details))]) ?? "null", status: 201)
            },
            Action("update", "Changes a draft's details, template or shipping address (drafts only; drops the price until priced again).",
                   parameters: [order, ParameterDescription("template_id", "string (uuid)", "another active template")] + detailParameters
                    + [PrintProducts.address]) { input in
                try await updateDraft(input, database, fields: details + ["template_id", "shipping_address"])
            },
            Action("attach", "Sets the vision boards and habits a draft includes (the caller's own).",
                   parameters: [order, ParameterDescription("vision_board_ids", "array of string (uuid)", "the caller's live boards"),
                                ParameterDescription("habit_ids", "array of string (uuid)", "the caller's habits")]) { input in
                try await updateDraft(input, database, fields: ["vision_board_ids", "habit_ids"])
            },
            Action("price", "Prices an unpaid workbook from its template (ELITE discount as discount_applied) and stores the price.", parameters: [order]) { input in
                .json(try await database.json(input.caller, "SELECT public.price_workbook_order($1::uuid)::text",
                                              [.text(try input.requiredUUID("order_id"))]) ?? "null")
            },
            Action("submit", "Sends a draft to generation (draft → generating); needs a title, at least one vision board and a shipping address.",
                   parameters: [order]) { input in
                try await step("submit", input, database)
            },
            Action("checkout", "Starts payment of a generated workbook (ready → pending_payment), re-priced.", parameters: [order]) { input in
                try await step("checkout", input, database)
            },
            Action("list", "The caller's workbook orders, newest first.") { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.list_my_workbooks()::text") ?? "[]")
            },
            Action("get", "One of the caller's workbook orders.", parameters: [order]) { input in
                let id = try input.requiredUUID("order_id")
                return .json(try await database.json(
                    input.caller, readOnly: true, "SELECT internal.workbook_json(w)::text FROM public.workbook_orders w WHERE w.id = $1::uuid",
                    [.text(id)], orNotFound: "no workbook order of yours has id \(id)"))
            },
            PrintProducts.cancel(database),
            PrintProducts.advance(database),
        ])
    }

    static func updateDraft(_ input: ActionInput, _ database: CallerDatabase, fields: [String]) async throws -> FunctionResponse {
        let id = try input.requiredUUID("order_id")
        try validateDetails(input)
        _ = try input.uuid("template_id")
        _ = try input.object("shipping_address")
        _ = try input.uuids("vision_board_ids", max: 50)
        _ = try input.uuids("habit_ids", max: 100)
        return .json(try await database.json(
            input.caller, "SELECT public.update_workbook_draft($1::uuid, $2::jsonb)::text", [.text(id), .json(input.patch(fields))]) ?? "null")
    }

    static func step(_ name: String, _ input: ActionInput, _ database: CallerDatabase) async throws -> FunctionResponse {
        .json(try await database.json(input.caller, "SELECT public.advance_workbook_order($1::uuid, $2)::text",
                                      [.text(try input.requiredUUID("order_id")), .text(name)]) ?? "null")
    }

    static func validateDetails(_ input: ActionInput) throws(FunctionError) {
        _ = try input.string("title", maxLength: 120)
        _ = try input.string("subtitle", maxLength: 200)
        _ = try input.string("dedication_text", maxLength: 2000)
        _ = try input.string("cover_style", maxLength: 50)
        _ = try input.bool("include_weekly_journal")
        _ = try input.bool("include_habit_tracker")
    }
}
