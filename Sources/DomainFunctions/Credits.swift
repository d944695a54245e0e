import Core
import Database
import FunctionsAPI

/// `credits`: the caller's generation credits — balance and ledger, spending one — and, for the
/// server, idempotent adjustments (payments, refunds) through `adjust_user_credits`.
enum Credits {
    static func function(_ database: CallerDatabase) -> ActionFunction {
        ActionFunction(name: "credits", summary: "Generation credits: balance, ledger, spending, and the server's adjustments.", defaultAction: "balance", actions: [
            Action("balance", "The caller's balance, tier (any tier but FREE is unlimited) and ledger, newest first.",
                   parameters: [ParameterDescription("limit", "integer", "ledger rows, 1-500 (default 50)"),
                                ParameterDescription("before", "string (timestamp)", "only ledger rows older than this (paging)")]) { input in
                let before = try input.string("before", maxLength: 64)
                return .json(try await database.json(
                    input.caller, readOnly: true, "SELECT public.get_credits($1::integer, $2::timestamptz)::text",
                    [.int(try input.int("limit", in: 1...500) ?? 50), before.map(SQLValue.text) ?? .null],
                    orNotFound: "you have no credit profile"))
            },
            Action("use", "Spends one generation credit (FREE tier; other tiers are unlimited): allowed true/false and the balance after.") { input in
                // Two statements: the balance must be read after the spending, not in its snapshot.
                .json(try await database.transaction(input.caller) { tx in
                    let allowed = try await tx.text(SQLStatement("SELECT public.decrement_user_credits()::text")) ?? "false"
                    let credits = try await tx.text(SQLStatement("SELECT credits::text FROM public.profiles WHERE id = auth.uid()")) ?? "null"
                    return #"{"allowed":\#(allowed),"credits":\#(credits)}"#
                })
            },
            Action("adjust", "Adds (or with a negative amount, takes) credits with a ledger row; idempotent per (user, reason, reference), so a re-delivered payment webhook never grants twice.",
                   access: .serviceRole,
                   parameters: [ParameterDescription("user_id", "string (uuid)", required: true, "whose balance"),
                                ParameterDescription("amount", "integer", required: true, "credits to add (negative to take), not 0"),
                                ParameterDescription("reason", "string", required: true, "purchase, refund, admin_adjustment, …"),
                                ParameterDescription("reference", "string", "payment or request id that makes the call idempotent")]) { input in
                let user = try input.requiredUUID("user_id")
                guard let amount = try input.int("amount", in: -1_000_000...1_000_000), amount != 0 else {
                    throw FunctionError.invalid("`amount` is required: a non-zero number of credits")
                }
                let binds: [SQLValue] = [.text(user), .int(amount), .text(try input.text("reason", maxLength: 100)),
                                         try input.string("reference", maxLength: 500).map(SQLValue.text) ?? .null]
                return .json(try await database.json(
                    input.caller,
                    "SELECT jsonb_build_object('user_id', $1::uuid, 'credits', public.adjust_user_credits($1::uuid, $2::integer, $3, $4))::text",
                    binds) ?? "null")
            },
        ])
    }
}
