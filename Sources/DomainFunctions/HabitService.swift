import Core
import FunctionsAPI

/// `habit-service`: the caller's habits — create, edit, archive, list with live streaks, check
/// off and undo a day, statistics. Streaks are kept by the database (0004's triggers); the
/// operations are the SQL functions of migration 0010, run as the caller.
enum HabitService {
    static let fields = ["title", "description", "frequency", "custom_days", "reminder_time", "task_id"]
    static let frequencies = ["daily", "weekdays", "weekly", "custom"]

    static func function(_ database: CallerDatabase) -> ActionFunction {
        let habitID = ParameterDescription("habit_id", "string (uuid)", required: true, "one of the caller's habits")
        let day = ParameterDescription("date", "string (YYYY-MM-DD)", "the local day (default today; at most 7 days back)")
        let habitFields = [
            ParameterDescription("title", "string", "what to do (1-200 characters)"),
            ParameterDescription("description", "string", "details"),
            ParameterDescription("frequency", "string", "daily (default), weekdays, weekly or custom"),
            ParameterDescription("custom_days", "array of integer", "weekdays 0-6 (0 = Sunday) of a custom habit"),
            ParameterDescription("reminder_time", "string (HH:MM)", "local reminder time"),
            ParameterDescription("task_id", "string (uuid)", "the caller's action-plan task it serves"),
        ]
        return ActionFunction(name: "habit-service", summary: "The caller's habits with streaks kept by the database.", actions: [
            Action("list", "The caller's habits, each with its current and longest streak and whether today (and the current period) is done in the caller's time zone.",
                   parameters: [ParameterDescription("include_inactive", "boolean", "archived habits too")]) { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.list_habits($1)::text",
                                              [.bool(try input.bool("include_inactive") ?? false)]) ?? "[]")
            },
            Action("create", "Creates a habit.", parameters: habitFields.requiring("title")) { input in
                _ = try input.text("title", maxLength: 200)
                try validateFields(input, creating: true)
                return .json(try await database.json(input.caller, "SELECT public.create_habit($1::jsonb)::text",
                                                     [.json(input.patch(fields))]) ?? "null", status: 201)
            },
            Action("update", "Changes the given fields of one of the caller's habits (a new schedule recomputes its streaks).",
                   parameters: [habitID] + habitFields + [ParameterDescription("is_active", "boolean", "false archives, true restores")]) { input in
                let id = try input.requiredUUID("habit_id")
                if input.has("title") { _ = try input.text("title", maxLength: 200) }
                try validateFields(input, creating: false)
                _ = try input.bool("is_active")
                return .json(try await database.json(input.caller, "SELECT public.update_habit($1::uuid, $2::jsonb)::text",
                                                     [.text(id), .json(input.patch(fields + ["is_active"]))]) ?? "null")
            },
            Action("delete", "Archives one of the caller's habits (its history and streaks stay); with permanent, deletes it and its history.",
                   parameters: [habitID, ParameterDescription("permanent", "boolean", "delete for good instead of archiving")]) { input in
                let id = try input.requiredUUID("habit_id")
                if try input.bool("permanent") == true {
                    _ = try await database.json(
                        input.caller, "DELETE FROM public.habits WHERE id = $1::uuid RETURNING id::text", [.text(id)],
                        orNotFound: "no habit of yours has id \(id)")
                    return .json(#"{"id":"\#(id)","deleted":true}"#)
                }
                return .json(try await database.json(input.caller, #"SELECT public.update_habit($1::uuid, '{"is_active": false}')::text"#,
                                                     [.text(id)]) ?? "null")
            },
            Action("complete", "Checks a habit off for a day; answers the completion and the habit with its new streaks (409 when that day is already done).",
                   parameters: [habitID, day,
                                ParameterDescription("notes", "string", "a note on this completion"),
                                ParameterDescription("mood_rating", "integer", "mood from 1 to 5")]) { input in
                let id = try input.requiredUUID("habit_id")
                let binds: [SQLValue] = [
                    .text(id), try input.date("date").map(SQLValue.text) ?? .null,
                    try input.string("notes", maxLength: 2000).map(SQLValue.text) ?? .null,
                    try input.int("mood_rating", in: 1...5).map(SQLValue.int) ?? .null,
                ]
                return .json(try await database.json(
                    input.caller, "SELECT public.complete_habit($1::uuid, $2::date, $3, $4::integer)::text", binds) ?? "null", status: 201)
            },
            Action("uncomplete", "Removes the check-off of a day; answers the habit with its recomputed streaks.",
                   parameters: [habitID, day]) { input in
                let id = try input.requiredUUID("habit_id")
                return .json(try await database.json(
                    input.caller, "SELECT public.uncomplete_habit($1::uuid, $2::date)::text",
                    [.text(id), try input.date("date").map(SQLValue.text) ?? .null]) ?? "null")
            },
            Action("stats", "Completion rates over 7 and 30 days (percent of scheduled periods; the unfinished current one left out), streaks, totals and best day of the week — of one habit, or of all active habits with an overall line.",
                   parameters: [ParameterDescription("habit_id", "string (uuid)", "one habit (default: all active habits)")]) { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.habit_stats($1::uuid)::text",
                                              [try input.uuid("habit_id").map(SQLValue.text) ?? .null]) ?? "null")
            },
        ])
    }

    /// The habit fields present in the input have the right types and values.
    static func validateFields(_ input: ActionInput, creating: Bool) throws(FunctionError) {
        _ = try input.string("description", maxLength: 2000)
        let frequency = try input.choice("frequency", frequencies)
        if let days = input.value("custom_days") {
            guard case .array(let items) = days, items.allSatisfy({ item in
                if case .number(let day) = item { return [0, 1, 2, 3, 4, 5, 6].contains(day) }
                return false
            }) else { throw .invalid("`custom_days` must be an array of weekday numbers 0-6 (0 = Sunday)") }
            if frequency == "custom", items.isEmpty { throw .invalid("a custom habit needs at least one day in `custom_days`") }
        } else if creating, frequency == "custom" {
            throw .invalid("a custom habit needs `custom_days`")
        }
        if let time = try input.string("reminder_time", maxLength: 8) {
            let parts = time.split(separator: ":")
            guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isNumber) }),
                  let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60
            else { throw .invalid("`reminder_time` must be a time written HH:MM") }
        }
        _ = try input.uuid("task_id")
    }
}
