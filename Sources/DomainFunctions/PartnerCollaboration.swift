import Core
import Database
import FunctionsAPI

/// `partner-collaboration`: accountability partners as the app's partner dashboard calls it —
/// invitations by email with a code, accepting and declining (only by the invitee's account),
/// the partnership's status, unlinking (for both), shared goals, the partner's progress as a
/// summary, and the feed. Every answer is an object with `success: true`, built inside
/// PostgreSQL from the SQL functions of migrations 0006, 0012 and their successors.
enum PartnerCollaboration {
    static let categories = ["general", "health", "financial", "relationship", "career", "spiritual", "family", "travel"]

    static func function(_ database: CallerDatabase) -> ActionFunction {
        let code = ParameterDescription("inviteCode", "string", required: true, "the invitation's code (at most 64 characters)")
        return ActionFunction(
            name: "partner-collaboration",
            summary: "Accountability partners: invitations, the partnership, shared goals, progress and feed. A request naming no action is an invitation when its body has `partnerEmail`, a new shared goal when it has `title` (and neither `inviteCode` nor `goalId`), and otherwise status — a bare `inviteCode` accepts and declines nothing.",
            defaultAction: "status", inferAction: inferredAction, actions: [
            Action("status", "Everything the dashboard shows: whether the caller has a partner (hasPartner, connectionId, connectedAt), the partner (as partner_progress answers it, with name — their email — and stats), the shared goals, the feed, and the pending invitations sent and received (with the inviter's email as profiles.names).") { input in
                .json(try await database.json(input.caller, readOnly: true, """
                    SELECT (jsonb_build_object(
                              'success', true, 'hasPartner', (s ->> 'connected')::boolean,
                              'connectionId', s #> '{connection,id}', 'connectedAt', s #> '{connection,connected_at}',
                              'partner', CASE WHEN (s ->> 'connected')::boolean THEN \(partnerSQL) END,
                              'activeSharedGoals', s -> 'active_shared_goals',
                              'pendingReceived', s -> 'pending_received', 'pendingSent', s -> 'pending_sent',
                              'goals', public.list_shared_goals(NULL),
                              'feed', CASE WHEN (s ->> 'connected')::boolean THEN \(feedSQL) ELSE '[]'::jsonb END)
                            || \(invitationsSQL))::text
                      FROM (SELECT public.get_partner_status() AS s) x
                    """, [.int(20)]) ?? "null")
            },
            Action("invite", "Invites an email address to partner with the caller and queues the invitation mail (201): {success, invitation: {id, inviteCode, partnerEmail, message, expiresAt}}.",
                   parameters: [ParameterDescription("partnerEmail", "string", required: true, "the invitee's email address"),
                                ParameterDescription("message", "string", "a personal note"),
                                ParameterDescription("expiresInDays", "integer", "1-30 (default 7)")]) { input in
                let binds: [SQLValue] = [
                    .text(try input.text("partnerEmail", maxLength: 320)),
                    try input.string("message", maxLength: 1000).map(SQLValue.text) ?? .null,
                    .int(try input.int("expiresInDays", in: 1...30) ?? 7),
                ]
                return .json(try await database.json(input.caller, """
                    SELECT jsonb_build_object('success', true, 'invitation', jsonb_build_object(
                             'id', i -> 'id', 'inviteCode', i -> 'invite_code', 'partnerEmail', i -> 'invitee_email',
                             'message', i -> 'message', 'expiresAt', i -> 'expires_at'))::text
                      FROM (SELECT public.create_partner_invitation($1, $2, $3::integer) AS i) x
                    """, binds) ?? "null", status: 201)
            },
            Action("pending", "The caller's pending invitations: {success, received (addressed to their confirmed email, with the inviter's email, also as profiles.names), sent}.") { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT (jsonb_build_object('success', true) || \(invitationsSQL))::text") ?? "null")
            },
            Action("accept", "The invitee (the account whose confirmed email the invitation names) accepts it by its code: the two users become partners (an ended partnership is revived): {success, connection: {id, partnerId, connectedAt}}. Unknown codes are 404; own invitations and invitations to another (or an unconfirmed) address 403; expired or used ones 422; too many codes tried 429.",
                   parameters: [code]) { input in
                let code = try input.text("inviteCode", maxLength: 64)
                // An unknown code changes nothing but the count of tries, which must be kept: the
                // transaction commits, then the answer is the 404.
                let accepted = try await database.transaction(input.caller) { tx -> String? in
                    guard let connection = try await tx.text(SQLStatement("SELECT public.accept_partner_invitation($1)::text", [.text(code)]))
                    else { return nil }
                    return try await tx.text(SQLStatement("""
                        SELECT jsonb_build_object('success', true, 'connection', jsonb_build_object(
                                 'id', c.id, 'partnerId', c.user_id, 'connectedAt', c.connected_at))::text
                          FROM public.partner_connections c WHERE c.id = $1::uuid
                        """, [.text(connection)]))
                }
                guard let accepted else { throw FunctionError.notFound("no invitation has this code") }
                return .json(accepted)
            },
            Action("decline", "The invitee declines a pending invitation addressed to their confirmed email, by its code: {success, declined}. Unknown codes are 404, anyone else's 403, answered or expired ones 422.",
                   parameters: [code]) { input in
                let code = try input.text("inviteCode", maxLength: 64)
                switch try await database.json(input.caller, "SELECT public.decline_partner_invitation($1)::text", [.text(code)]) {
                case "true"?: return .json(#"{"success":true,"declined":true}"#)
                case "false"?: throw FunctionError.unprocessable("this invitation is no longer pending or has expired")
                default: throw FunctionError.notFound("no invitation has this code")
                }
            },
            Action("unlink", "Ends the partnership for both sides (default: the caller's current one): {success, connectionId, unlinked}; unlinked is false when it had already ended.",
                   parameters: [ParameterDescription("connectionId", "string (uuid)", "a partnership of the caller")]) { input in
                let connection = try input.uuid("connectionId")
                return .json(try await database.transaction(input.caller) { tx in
                    guard let id = try await tx.text(SQLStatement(
                        "SELECT coalesce($1::uuid, (SELECT p.connection_id FROM internal.caller_partnership() p))::text",
                        [connection.map(SQLValue.text) ?? .null]))
                    else { throw FunctionError.notFound("you have no active partner") }
                    let ended = try await tx.text(SQLStatement("SELECT public.end_partner_connection($1::uuid)::text", [.text(id)]))
                    return #"{"success":true,"connectionId":"\#(id)","unlinked":\#(ended ?? "false")}"#
                })
            },
            Action("shared_goals", "Goals the partners share. With `goalId`: changes that goal ({success, goal}; progress by currentValue or increment, completed exactly while current ≥ target; status active or cancelled). Else with `title`: creates one in the current partnership (201, {success, goal}). Else: lists them, newest first ({success, goals, connectionId}; `status` filters).",
                   parameters: [ParameterDescription("goalId", "string (uuid)", "the goal to change"),
                                ParameterDescription("title", "string", "1-200 characters; required to create"),
                                ParameterDescription("description", "string", ""),
                                ParameterDescription("category", "string", categories.joined(separator: ", ")),
                                ParameterDescription("targetDate", "string (YYYY-MM-DD)", ""),
                                ParameterDescription("targetValue", "number", "completes the goal when reached"),
                                ParameterDescription("currentValue", "number", "progress so far"),
                                ParameterDescription("increment", "number", "change: added to currentValue"),
                                ParameterDescription("unit", "string", "e.g. km, USD"),
                                ParameterDescription("connectionId", "string (uuid)", "create: one of the caller's partnerships (default the current one)"),
                                ParameterDescription("status", "string", "list: active, completed or cancelled; change: active or cancelled")]) { input in
                try await sharedGoals(input, database)
            },
            Action("partner_progress", "The partner's habit progress as a summary — {success, partner: {id, name, email, stats, todayProgress, progress (counts, completion rates, streaks, last active day), habits: [], latestReview: null, visionBoardCount: null, tier: null}}, partner null without one — never their habits, completions, reviews or boards.") { input in
                .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object('success', true, 'partner', CASE WHEN \(hasPartnerSQL) THEN \(partnerSQL) END)::text
                    """) ?? "null")
            },
            Action("feed", "The partnership's recent events, newest first ({success, feed}, empty without a partner): each {type (connected, goal_created, goal_completed, habit_completion: one side's habits done that day), userId, isPartner, title, timestamp} with goalId, or count and day.",
                   parameters: [ParameterDescription("limit", "integer", "1-100 (default 20)")]) { input in
                .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object('success', true, 'feed', CASE WHEN \(hasPartnerSQL) THEN \(feedSQL) ELSE '[]'::jsonb END)::text
                    """, [.int(try input.int("limit", in: 1...100) ?? 20)]) ?? "null")
            },
        ])
    }

    /// What a request naming no action asks for, read from the members only one action takes:
    /// `partnerEmail` invites, `title` creates a shared goal. `inviteCode` (accept or decline?)
    /// and `goalId` name no single action; a request with none of these members, or with more
    /// than one, gets the default.
    static func inferredAction(_ input: ActionInput) -> String? {
        let telling: [(member: String, action: String?)] = [("partnerEmail", "invite"), ("title", "shared_goals"), ("inviteCode", nil), ("goalId", nil)]
        let present = telling.filter { input.has($0.member) }
        return present.count == 1 ? present[0].action : nil
    }

    /// Whether the caller has an active partnership.
    static let hasPartnerSQL = "EXISTS (SELECT FROM internal.caller_partnership() c WHERE c.connection_id IS NOT NULL)"

    /// The partner as the app reads them — name, tier and stats on the status card, today's
    /// progress and habits on the progress card — from the summary `get_partner_progress()`
    /// gives (which raises without a partner). A partner sees counts only: `habits` is empty,
    /// and `tier`, `latestReview` and `visionBoardCount` are null.
    static let partnerSQL = """
        (SELECT jsonb_build_object(
                  'id', g -> 'partner_id', 'name', g -> 'partner_email', 'email', g -> 'partner_email', 'tier', NULL,
                  'stats', jsonb_build_object('activeHabits', s -> 'active_habits', 'weeklyCompletions', s -> 'completions_7d'),
                  'todayProgress', jsonb_build_object(
                    'completed', s -> 'done_today', 'total', s -> 'active_habits',
                    'percentage', coalesce(round(100 * (s ->> 'done_today')::numeric / nullif((s ->> 'active_habits')::numeric, 0)), 0)),
                  'progress', s, 'habits', '[]'::jsonb, 'latestReview', NULL, 'visionBoardCount', NULL)
           FROM (SELECT g, g -> 'progress' AS s FROM (SELECT public.get_partner_progress() AS g) r) p)
        """

    /// The partnership's feed (`get_partner_feed($1)`, which raises without a partner) in the
    /// items the app reads.
    static let feedSQL = """
        (SELECT coalesce(jsonb_agg(jsonb_build_object(
                  'type', CASE e ->> 'type' WHEN 'habits_completed' THEN 'habit_completion' ELSE e ->> 'type' END,
                  'userId', CASE e ->> 'by' WHEN 'you' THEN auth.uid()
                                            WHEN 'partner' THEN (SELECT c.partner_id FROM internal.caller_partnership() c) END,
                  'isPartner', coalesce(e ->> 'by' = 'partner', false),
                  'title', CASE e ->> 'type'
                             WHEN 'habits_completed' THEN (e ->> 'count') || CASE WHEN e ->> 'count' = '1' THEN ' habit' ELSE ' habits' END
                             WHEN 'connected' THEN 'your partnership'
                             ELSE e ->> 'title' END,
                  'timestamp', e -> 'at')
                  || jsonb_strip_nulls(jsonb_build_object('goalId', e -> 'goal_id', 'count', e -> 'count', 'day', e -> 'day'))
                  ORDER BY f.position), '[]'::jsonb)
           FROM jsonb_array_elements(public.get_partner_feed($1::integer)) WITH ORDINALITY AS f(e, position))
        """

    /// `{sent, received}`: the caller's pending invitations, each received one also carrying its
    /// inviter's email as `profiles.names`, where the app shows who invites.
    static let invitationsSQL = """
        (SELECT jsonb_build_object('sent', i -> 'sent', 'received', coalesce((
                  SELECT jsonb_agg(r || jsonb_build_object('profiles', jsonb_build_object('names', r -> 'inviter_email')) ORDER BY n)
                    FROM jsonb_array_elements(i -> 'received') WITH ORDINALITY AS x(r, n)), '[]'::jsonb))
           FROM (SELECT public.list_partner_invitations() AS i) l)
        """

    static func sharedGoals(_ input: ActionInput, _ database: CallerDatabase) async throws -> FunctionResponse {
        if let id = try input.uuid("goalId") {
            return .json(try await database.json(input.caller, """
                SELECT jsonb_build_object('success', true, 'goal', public.update_shared_goal($1::uuid, $2::jsonb))::text
                """, [.text(id), .json(try goalPatch(input, creating: false))]) ?? "null")
        }
        if input.has("title") {
            return .json(try await database.json(input.caller, """
                SELECT jsonb_build_object('success', true, 'goal', public.create_shared_goal($1::jsonb, $2::uuid))::text
                """, [.json(try goalPatch(input, creating: true)), try input.uuid("connectionId").map(SQLValue.text) ?? .null]) ?? "null",
                status: 201)
        }
        let status = try input.choice("status", ["active", "completed", "cancelled"])
        return .json(try await database.json(input.caller, readOnly: true, """
            SELECT jsonb_build_object('success', true, 'goals', public.list_shared_goals($1),
                                      'connectionId', (SELECT c.connection_id FROM internal.caller_partnership() c))::text
            """, [status.map(SQLValue.text) ?? .null]) ?? "null")
    }

    /// The goal members the request has, checked, under the names the SQL functions read; numbers
    /// as plain decimal text.
    static func goalPatch(_ input: ActionInput, creating: Bool) throws(FunctionError) -> String {
        var patch: [String: JSONValue] = [:]
        func put(_ member: String, _ column: String, _ value: String?) {
            if input.has(member) { patch[column] = value.map(JSONValue.string) ?? .null }
        }
        if creating || input.has("title") { patch["title"] = .string(try input.text("title", maxLength: 200)) }
        put("description", "description", try input.string("description", maxLength: 2000))
        put("category", "category", try input.choice("category", categories))
        put("targetDate", "target_date", try input.date("targetDate"))
        put("targetValue", "target_value", try input.decimal("targetValue", in: 0...1e10))
        put("currentValue", "current_value", try input.decimal("currentValue", in: 0...1e10))
        put("unit", "unit", try input.string("unit", maxLength: 50))
        if !creating {
            put("increment", "increment", try input.decimal("increment", in: -1e10...1e10))
            put("status", "status", try input.choice("status", ["active", "cancelled"]))
        }
        return JSONValue.object(patch).jsonText
    }
}
