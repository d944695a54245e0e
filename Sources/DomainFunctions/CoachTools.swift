import AIModels
import Core
import Foundation

/// The tools the coach may call. A call never acts by itself: it becomes an `agent_actions` row
/// that runs, once, with the user's own rights when the user confirms it (`internal.run_agent_tool`
/// holds what each does).
enum CoachTools {
    static let declarations: [ToolDeclaration] = [
        tool("create_task", "Add a task to the user's action plan.", [
            "title": string("what to do"), "description": string("details"),
            "due_date": string("YYYY-MM-DD"), "type": enumeration(["FINANCE", "LIFESTYLE", "ADMIN"], "the kind of task"),
        ], required: ["title"]),
        tool("create_habit", "Start tracking a new habit for the user.", [
            "title": string("the habit"), "description": string("details"),
            "frequency": enumeration(["daily", "weekdays", "weekly"], "how often"),
        ], required: ["title"]),
        tool("mark_habit_complete", "Check one of the user's habits off for today.", [
            "habit_id": string("the habit's id, when known"), "habit_name": string("the habit's title, otherwise"),
            "notes": string("a note on today's completion"),
        ], required: []),
        tool("schedule_checkin", "Schedule a check-in message to the user.", [
            "when": string("ISO 8601 date and time, in the future"), "message": string("what to say"),
            "channel": enumeration(["push", "sms", "email", "voice"], "how to reach the user"),
        ], required: ["when", "message"]),
        tool("update_goal_progress", "Record progress on a goal the user shares with a partner.", [
            "goal_id": string("the shared goal's id"), "progress": .object(["type": .string("number"), "description": .string("the new current value")]),
            "notes": string("what changed"),
        ], required: ["goal_id", "progress"]),
    ]

    static let names = Set(declarations.map(\.name))

    /// The most a tool call's arguments may hold, as JSON text.
    static let maxArgumentBytes = 8 * 1024

    /// How an action is described to the user (`create_task` → "create task").
    static func label(_ type: String) -> String { type.replacingOccurrences(of: "_", with: " ") }

    private static func tool(_ name: String, _ description: String, _ properties: [String: JSONValue], required: [String]) -> ToolDeclaration {
        ToolDeclaration(name: name, description: description, parameters: .object([
            "type": .string("object"), "properties": .object(properties), "required": .array(required.map(JSONValue.string)),
        ]))
    }

    private static func string(_ description: String) -> JSONValue {
        .object(["type": .string("string"), "description": .string(description)])
    }

    private static func enumeration(_ values: [String], _ description: String) -> JSONValue {
        .object(["type": .string("string"), "enum": .array(values.map(JSONValue.string)), "description": .string(description)])
    }
}
