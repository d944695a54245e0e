import Core
import Database
import FunctionsAPI

/// `partner-collaboration`: accountability partners — invitations by email with an unguessable
/// code, accepting and declining, the partnership's status, unlinking (for both), shared goals,
/// the partner's progress as a summary, and the feed. SQL of migrations 0006 and 0012.
enum PartnerCollaboration {
    static let categories = ["general", "health", "financial", "relationship", "career", "spiritual", "family", "travel"]
    static let goalFields = ["title", "description", "category", "target_date", "target_value", "current_value", "unit", "status", "increment"]

    static func function(_ database: CallerDatabase) -> ActionFunction {
        let code = ParameterDescription("code", "string", required: true, "the invitation's code")
        return ActionFunction(name: "partner-collaboration", summary: "Accountability partners: invitations, the partnership, shared goals, progress and feed.", defaultAction: "status", actions: [
            Action("invite", "Invites an email address to partner with the caller: answers the invitation with its code (share it as a link) and queues the invitation mail.",
                   parameters: [ParameterDescription("email", "string", required: true, "the invitee's email address"),
                                ParameterDescription("message", "string", "a personal note"),
                                ParameterDescription("expires_in_days", "integer", "1-30 (default 7)")]) { input in
                let binds: [SQLValue] = [
                    .text(try input.text("email", maxLength: 320)),
                    try input.string("message", maxLength: 1000).map(SQLValue.text) ?? .null,
                    .int(try input.int("expires_in_days", in: 1...30) ?? 7),
                ]
                return .json(try await database.json(
                    input.caller, "SELECT public.create_partner_invitation($1, $2, $3::integer)::text", binds) ?? "null", status: 201)
            },
            Action("pending", "The caller's pending invitations: received (addressed to their confirmed email) and sent.") { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.list_partner_invitations()::text") ?? "null")
            },
            Action("accept", "The invitee (the account whose confirmed email the invitation names) accepts it by its code: the two users become partners (an ended partnership is revived). Unknown codes are 404; own invitations and invitations to another (or an unconfirmed) address 403; expired or used ones 422.",
                   parameters: [code]) { input in
                let code = try input.text("code", maxLength: 200)
                return .json(try await database.transaction(input.caller) { tx in
                    _ = try await tx.text(SQLStatement("SELECT public.accept_partner_invitation($1)::text", [.text(code)]))
                    return try await tx.text(SQLStatement("SELECT public.get_partner_status()::text")) ?? "null"
                })
            },
            Action("decline", "Declines a pending invitation addressed to the caller's confirmed email (by its code).", parameters: [code]) { input in
                let code = try input.text("code", maxLength: 200)
                let declined = try await database.json(input.caller, "SELECT public.decline_partner_invitation($1)::text", [.text(code)])
                guard declined == "true" else { throw FunctionError.unprocessable("this invitation is no longer pending or has expired") }
                return .json(#"{"declined":true}"#)
            },
            Action("status", "Whether the caller has a partner, who, since when, active shared goals and pending invitations.") { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.get_partner_status()::text") ?? "null")
            },
            Action("unlink", "Ends the partnership for both sides (default: the caller's current one); unlinked is false when it had already ended.",
                   parameters: [ParameterDescription("connection_id", "string (uuid)", "a partnership of the caller")]) { input in
                let connection = try input.uuid("connection_id")
                return .json(try await database.transaction(input.caller) { tx in
                    guard let id = try await tx.text(SQLStatement(
                        "SELECT coalesce($1::uuid, (SELECT p.connection_id FROM internal.caller_partnership() p))::text",
                        [connection.map(SQLValue.text) ?? .null]))
                    else { throw FunctionError.notFound("you have no active partner") }
                    let ended = try await tx.text(SQLStatement("SELECT public.end_partner_connection($1::uuid)::text", [.text(id)]))
                    return #"{"connection_id":"\#(id)","unlinked":\#(ended ?? "false")}"#
                })
            },
            Action("shared_goals", "Goals the partners track together: op list (default), create, or update (progress by current_value or increment; completed when current ≥ target; status cancelled/active).",
                   parameters: [ParameterDescription("op", "string", "list (default), create or update"),
                                ParameterDescription("goal_id", "string (uuid)", "update: the goal"),
                                ParameterDescription("title", "string", "create: required"),
                                ParameterDescription("description", "string", ""),
                                ParameterDescription("category", "string", categories.joined(separator: ", ")),
                                ParameterDescription("target_date", "string (YYYY-MM-DD)", ""),
                                ParameterDescription("target_value", "number", "completes the goal when reached"),
                                ParameterDescription("current_value", "number", "progress so far"),
                                ParameterDescription("increment", "number", "update: added to current_value"),
                                ParameterDescription("unit", "string", "e.g. km, USD"),
                                ParameterDescription("status", "string", "list: filter; update: active or cancelled")]) { input in
                try await sharedGoals(input, database)
            },
            Action("partner_progress", "The partner's habit progress as a summary (counts, completion rates, streaks, last active day) — never their habits or completions.") { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.get_partner_progress()::text") ?? "null")
            },
            Action("feed", "The partnership's recent events, newest first: connection, shared goals created and completed, daily habit-completion counts of each side.",
                   parameters: [ParameterDescription("limit", "integer", "1-100 (default 30)")]) { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.get_partner_feed($1::integer)::text",
                                              [.int(try input.int("limit", in: 1...100) ?? 30)]) ?? "[]")
            },
        ])
    }

    static func sharedGoals(_ input: ActionInput, _ database: CallerDatabase) async throws -> FunctionResponse {
        switch try input.choice("op", ["list", "create", "update"]) ?? "list" {
        case "create":
            _ = try input.text("title", maxLength: 200)
            try validateGoal(input)
            return .json(try await database.json(
                input.caller, "SELECT public.create_shared_goal($1::jsonb, $2::uuid)::text",
                [.json(input.patch(goalFields)), try input.uuid("connection_id").map(SQLValue.text) ?? .null]) ?? "null", status: 201)
        case "update":
            let id = try input.requiredUUID("goal_id")
            if input.has("title") { _ = try input.text("title", maxLength: 200) }
            try validateGoal(input)
            _ = try input.choice("status", ["active", "cancelled"])
            return .json(try await database.json(
                input.caller, "SELECT public.update_shared_goal($1::uuid, $2::jsonb)::text",
                [.text(id), .json(input.patch(goalFields))]) ?? "null")
        default:
            let status = try input.choice("status", ["active", "completed", "cancelled"])
            return .json(try await database.json(
                input.caller, readOnly: true, "SELECT public.list_shared_goals($1)::text", [status.map(SQLValue.text) ?? .null]) ?? "[]")
        }
    }

    static func validateGoal(_ input: ActionInput) throws(FunctionError) {
        _ = try input.string("description", maxLength: 2000)
        _ = try input.choice("category", categories)
        _ = try input.date("target_date")
        _ = try input.decimal("target_value", in: 0...1e10)
        _ = try input.decimal("current_value", in: 0...1e10)
        _ = try input.decimal("increment", in: -1e10...1e10)
        _ = try input.string("unit", maxLength: 50)
    }
}
