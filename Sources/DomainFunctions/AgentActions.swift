import Core
import Database
import FunctionsAPI

/// `confirm-agent-action` and `cancel-agent-action`: the user's answer to an action the coach
/// proposed. Confirming runs it, once, with the user's own rights; cancelling means it never
/// runs. Each outcome stays on the action (status, result or error, times). An action that is
/// not pending answers `{success: false, error: 'Action already <status>', status}`, as the
/// original did; another user's action is not found.
enum AgentActions {
    static let actionID = ParameterDescription("action_id", "string (uuid)", required: true, "one of the caller's agent actions")

    static func all(_ database: CallerDatabase) -> [any EdgeFunction] {
        [
            ActionFunction(name: "confirm-agent-action", summary: "Runs an action the coach proposed, once, with the caller's rights.", defaultAction: "confirm", actions: [
                Action("confirm", "{success, message, result, status}: runs the pending action (status completed), or records why it failed (success false, status failed, error); a failed action changes nothing else.",
                       parameters: [actionID, ParameterDescription("feedback", "object", "{rating?, comment?}: kept with the result")]) { input in
                    let id = try input.requiredUUID("action_id")
                    let feedback = try input.object("feedback")
                    return .json(try await database.transaction(input.caller) { tx in
                        let outcome = try await tx.text(SQLStatement("""
                            SELECT (o || CASE WHEN (o ->> 'success')::boolean
                                              THEN jsonb_build_object('message', 'Action executed: ' || replace(o ->> 'action_type', '_', ' '))
                                              ELSE '{}'::jsonb END)::text
                              FROM internal.execute_agent_action($1::uuid) AS o
                            """, [.text(id)]))
                        if let feedback {
                            try await tx.execute(SQLStatement("SELECT internal.note_agent_action_feedback($1::uuid, $2::jsonb)", [.text(id), .text(feedback)]))
                        }
                        return outcome ?? "null"
                    })
                },
            ]),
            ActionFunction(name: "cancel-agent-action", summary: "Cancels an action the coach proposed, so that it never runs.", defaultAction: "cancel", actions: [
                Action("cancel", "{success, message, actionType}: the pending action is cancelled (its reason kept).",
                       parameters: [actionID, ParameterDescription("reason", "string", "why (default 'User declined')")]) { input in
                    let id = try input.requiredUUID("action_id")
                    let reason = try input.string("reason", maxLength: 1000)
                    return .json(try await database.json(input.caller, """
                        WITH outcome AS (SELECT internal.cancel_agent_action($1::uuid, $2) AS o)
                        SELECT (o || jsonb_build_object('actionType', o -> 'action_type')
                                  || CASE WHEN (o ->> 'success')::boolean
                                          THEN jsonb_build_object('message', 'Action cancelled: ' || replace(o ->> 'action_type', '_', ' '))
                                          ELSE '{}'::jsonb END)::text
                          FROM outcome
                        """, [.text(id), reason.map(SQLValue.text) ?? .null]) ?? "null")
                },
            ]),
        ]
    }
}
