import Core
import FunctionsAPI

/// `habit-service`: the caller's habits as the app's habit API calls them — create, edit,
/// archive, list and read with live streaks, check off and undo a day, statistics. Streaks are
/// kept by the database (0004's triggers); the operations are the SQL functions of migration
/// 0010, run as the caller, and every answer is an object with `success: true`.
enum HabitService {
    /// The habit fields a request may set: the request's member and the habit's column.
    static let fields = [
        ("title", "title"), ("description", "description"), ("frequency", "frequency"),
        ("customDays", "custom_days"), ("reminderTime", "reminder_time"), ("taskId", "task_id"),
    ]
    static let frequencies = ["daily", "weekdays", "weekly", "custom"]

    static func function(_ database: CallerDatabase) -> ActionFunction {
        let habitID = ParameterDescription("habitId", "string (uuid)", required: true, "one of the caller's habits")
        let day = ParameterDescription("date", "string (YYYY-MM-DD)", "the local day (default today; at most 7 days back)")
        let habitFields = [
            ParameterDescription("title", "string", "what to do (1-200 characters)"),
            ParameterDescription("description", "string", "details"),
            ParameterDescription("frequency", "string", "daily (default), weekdays, weekly or custom"),
            ParameterDescription("customDays", "array of integer", "weekdays 0-6 (0 = Sunday) of a custom habit"),
            ParameterDescription("reminderTime", "string (HH:MM)", "local reminder time"),
            ParameterDescription("taskId", "string (uuid)", "the caller's action-plan task it serves"),
        ]
        return ActionFunction(name: "habit-service", summary: "The caller's habits with streaks kept by the database.", actions: [
            Action("list", "The caller's habits, newest first: {success, habits, count}; each habit has its columns and currentStreak (live: 0 once lapsed), longestStreak, completedToday, scheduledToday, periodDone (this ISO week for weekly habits) in the caller's time zone, and totalCompletions.",
                   parameters: [ParameterDescription("includeInactive", "boolean", "archived habits too"),
                                ParameterDescription("taskId", "string (uuid)", "only the habits serving this task")]) { input in
                let binds: [SQLValue] = [.bool(try input.bool("includeInactive") ?? false), try input.uuid("taskId").map(SQLValue.text) ?? .null]
                return .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object(
                             'success', true,
                             'habits', coalesce(jsonb_agg(\(appHabit("e.h")) || jsonb_build_object('totalCompletions', (
                                                  SELECT count(*) FROM public.habit_completions c WHERE c.habit_id = (e.h ->> 'id')::uuid))
                                                ORDER BY (e.h ->> 'created_at')::timestamptz DESC, e.h ->> 'id' DESC), '[]'::jsonb),
                             'count', count(*))::text
                      FROM jsonb_array_elements(public.list_habits($1)) AS e (h)
                     WHERE $2::text IS NULL OR e.h ->> 'task_id' = $2::text
                    """, binds) ?? "null")
            },
            Action("get", "One of the caller's habits as list shows it, with its 30 most recent completions (recentCompletions): {success, habit}.",
                   parameters: [habitID]) { input in
                let id = try input.requiredUUID("habitId")
                return .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object('success', true, 'habit', \(appHabit("live"))
                             || jsonb_build_object('recentCompletions', coalesce((
                                  SELECT jsonb_agg(jsonb_build_object('id', c.id, 'completed_on', c.completed_on, 'completed_at', c.completed_at,
                                                                      'notes', c.notes, 'mood_rating', c.mood_rating) ORDER BY c.completed_on DESC)
                                    FROM (SELECT * FROM public.habit_completions c WHERE c.habit_id = h.id
                                           ORDER BY c.completed_on DESC LIMIT 30) c), '[]'::jsonb)))::text
                      FROM public.habits h
                     CROSS JOIN LATERAL internal.live_habit(h, internal.caller_today()) AS live
                     WHERE h.id = $1::uuid
                    """, [.text(id)], orNotFound: "no habit of yours has id \(id)"))
            },
            Action("create", "Creates a habit (201): {success, habit}.", parameters: habitFields.requiring("title")) { input in
                _ = try input.text("title", maxLength: 200)
                try validateFields(input, creating: true)
                return .json(try await database.json(input.caller, """
                    SELECT jsonb_build_object('success', true, 'habit', \(appHabit("h")))::text
                      FROM public.create_habit($1::jsonb) AS h
                    """, [.json(patch(input, fields))]) ?? "null", status: 201)
            },
            Action("update", "Changes the given fields of one of the caller's habits (a new schedule recomputes its streaks): {success, habit}; at least one field.",
                   parameters: [habitID] + habitFields + [ParameterDescription("isActive", "boolean", "false archives, true restores")]) { input in
                let id = try input.requiredUUID("habitId")
                if input.has("title") { _ = try input.text("title", maxLength: 200) }
                try validateFields(input, creating: false)
                _ = try input.bool("isActive")
                let changes = fields + [("isActive", "is_active")]
                guard changes.contains(where: { input.has($0.0) }) else {
                    throw FunctionError.invalid("nothing to change: give any of \(changes.map(\.0).joined(separator: ", "))")
                }
                return .json(try await database.json(input.caller, """
                    SELECT jsonb_build_object('success', true, 'habit', \(appHabit("h")))::text
                      FROM public.update_habit($1::uuid, $2::jsonb) AS h
                    """, [.text(id), .json(patch(input, changes))]) ?? "null")
            },
            Action("delete", "Archives one of the caller's habits (its history and streaks stay): {success, message, habit}; with permanent, deletes it and its history: {success, message}.",
                   parameters: [habitID, ParameterDescription("permanent", "boolean", "delete for good instead of archiving")]) { input in
                let id = try input.requiredUUID("habitId")
                if try input.bool("permanent") == true {
                    return .json(try await database.json(input.caller, """
                        WITH gone AS (DELETE FROM public.habits h WHERE h.id = $1::uuid RETURNING h.title)
                        SELECT jsonb_build_object('success', true, 'message', format('Habit "%s" deleted with its history', g.title))::text
                          FROM gone g
                        """, [.text(id)], orNotFound: "no habit of yours has id \(id)"))
                }
                return .json(try await database.json(input.caller, """
                    SELECT jsonb_build_object('success', true, 'message', format('Habit "%s" archived', h ->> 'title'), 'habit', \(appHabit("h")))::text
                      FROM public.update_habit($1::uuid, '{"is_active": false}') AS h
                    """, [.text(id)]) ?? "null")
            },
            Action("complete", "Checks a habit off for a day (201): {success, completion, currentStreak, longestStreak, habitTitle, habit}; 409 when that day is already done.",
                   parameters: [habitID, day,
                                ParameterDescription("notes", "string", "a note on this completion"),
                                ParameterDescription("moodRating", "integer", "mood from 1 to 5")]) { input in
                let binds: [SQLValue] = [
                    .text(try input.requiredUUID("habitId")), try input.date("date").map(SQLValue.text) ?? .null,
                    try input.string("notes", maxLength: 2000).map(SQLValue.text) ?? .null,
                    try input.int("moodRating", in: 1...5).map(SQLValue.int) ?? .null,
                ]
                return .json(try await database.json(input.caller, """
                    SELECT jsonb_build_object('success', true, 'completion', r -> 'completion',
                                              'currentStreak', r #> '{habit,current_streak}', 'longestStreak', r #> '{habit,longest_streak}',
                                              'habitTitle', r #> '{habit,title}', 'habit', \(appHabit("r -> 'habit'")))::text
                      FROM public.complete_habit($1::uuid, $2::date, $3, $4::integer) AS r
                    """, binds) ?? "null", status: 201)
            },
            Action("uncomplete", "Removes the check-off of a day (404 when there is none): {success, currentStreak, message, habit} with the recomputed streaks.",
                   parameters: [habitID, day]) { input in
                let binds: [SQLValue] = [.text(try input.requiredUUID("habitId")), try input.date("date").map(SQLValue.text) ?? .null]
                return .json(try await database.json(input.caller, """
                    SELECT jsonb_build_object('success', true, 'currentStreak', r #> '{habit,current_streak}',
                                              'message', 'Completion removed', 'habit', \(appHabit("r -> 'habit'")))::text
                      FROM public.uncomplete_habit($1::uuid, $2::date) AS r
                    """, binds) ?? "null")
            },
            stats(database),
        ])
    }

    /// `stats`: one habit, or every active habit with totals, over the last `period` days.
    static func stats(_ database: CallerDatabase) -> Action {
        Action("stats", "Statistics over the last period days (the caller's local days; the unfinished current day or week counts only once done; completed and expected count days, weeks for weekly habits): of one habit {success, stats: {habitId, habitTitle, frequency, period, currentStreak, longestStreak, completedDays, expectedDays, completionRate, averageMood, completionDates, totalCompletions, bestDayOfWeek}}, or of all active habits {success, stats: {period, totalHabits, overallCompletionRate, totalCompletions, bestStreak, habitsWithStreaks, habitStats, achievements}}.",
               parameters: [ParameterDescription("habitId", "string (uuid)", "one habit (default: all active habits)"),
                            ParameterDescription("period", "integer", "days, 1-366 (default 30)")]) { input in
            let period = try input.int("period", in: 1...366) ?? 30
            if let id = try input.uuid("habitId") {
                return .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object('success', true, 'stats', jsonb_build_object(
                             'habitId', h.id, 'habitTitle', h.title, 'frequency', h.frequency, 'period', $2 || ' days',
                             'currentStreak', l.live -> 'current_streak', 'longestStreak', l.live -> 'longest_streak',
                             'completedDays', w.completed, 'expectedDays', w.scheduled,
                             'completionRate', coalesce(round(100.0 * w.completed / nullif(w.scheduled, 0), 1), 0),
                             'averageMood', (SELECT round(avg(c.mood_rating), 1) FROM public.habit_completions c
                                              WHERE c.habit_id = h.id AND c.completed_on > d.today - $2::integer),
                             'completionDates', (SELECT coalesce(jsonb_agg(c.completed_on ORDER BY c.completed_on), '[]'::jsonb)
                                                   FROM public.habit_completions c
                                                  WHERE c.habit_id = h.id AND c.completed_on > d.today - $2::integer),
                             'totalCompletions', (SELECT count(*) FROM public.habit_completions c WHERE c.habit_id = h.id),
                             'bestDayOfWeek', (SELECT (ARRAY['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'])
                                                        [extract(dow FROM c.completed_on)::integer + 1]
                                                 FROM public.habit_completions c WHERE c.habit_id = h.id
                                                GROUP BY extract(dow FROM c.completed_on)
                                                ORDER BY count(*) DESC, extract(dow FROM c.completed_on) LIMIT 1)))::text
                      FROM (SELECT internal.caller_today() AS today) d
                      JOIN public.habits h ON h.id = $1::uuid
                     CROSS JOIN LATERAL internal.completion_window(h, d.today, $2::integer) w
                     CROSS JOIN LATERAL (SELECT internal.live_habit(h, d.today) AS live) l
                    """, [.text(id), .int(period)], orNotFound: "no habit of yours has id \(id)"))
            }
            return .json(try await database.json(input.caller, readOnly: true, """
                WITH picked AS (
                  SELECT h.id, h.title, h.created_at, w.scheduled, w.completed,
                         (internal.live_habit(h, d.today) ->> 'current_streak')::integer AS streak
                    FROM (SELECT internal.caller_today() AS today, internal.require_user() AS uid) d
                    JOIN public.habits h ON h.user_id = d.uid AND h.is_active
                   CROSS JOIN LATERAL internal.completion_window(h, d.today, $1::integer) w
                )
                SELECT jsonb_build_object('success', true, 'stats', jsonb_build_object(
                         'period', $1 || ' days', 'totalHabits', count(*),
                         'overallCompletionRate', coalesce(round(100.0 * sum(p.completed) / nullif(sum(p.scheduled), 0), 1), 0),
                         'totalCompletions', coalesce(sum(p.completed), 0), 'bestStreak', coalesce(max(p.streak), 0),
                         'habitsWithStreaks', count(*) FILTER (WHERE p.streak > 0),
                         'habitStats', coalesce(jsonb_agg(jsonb_build_object(
                             'habitId', p.id, 'habitTitle', p.title, 'currentStreak', p.streak,
                             'completedDays', p.completed, 'expectedDays', p.scheduled,
                             'completionRate', coalesce(round(100.0 * p.completed / nullif(p.scheduled, 0), 1), 0))
                           ORDER BY p.created_at, p.id), '[]'::jsonb),
                         'achievements', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                                   'achievement_type', a.achievement_type, 'achievement_key', a.achievement_key,
                                                   'value', a.value, 'earned_at', a.earned_at) ORDER BY a.earned_at, a.id), '[]'::jsonb)
                                            FROM public.user_achievements a
                                           WHERE a.user_id = auth.uid() AND a.achievement_type = 'badge')))::text
                  FROM picked p
                """, [.int(period)]) ?? "null")
        }
    }

    /// A habit as this function answers it, from the JSON of `internal.live_habit` (an SQL
    /// expression): its columns, and its live state under the names the app reads.
    static func appHabit(_ live: String) -> String {
        """
        ((\(live)) - 'scheduled_today' - 'done_today' - 'period_done' || jsonb_build_object(
           'currentStreak', (\(live)) -> 'current_streak', 'longestStreak', (\(live)) -> 'longest_streak',
           'completedToday', (\(live)) -> 'done_today', 'scheduledToday', (\(live)) -> 'scheduled_today',
           'periodDone', (\(live)) -> 'period_done'))
        """
    }

    /// The listed members present in the input (explicit nulls included), under their column
    /// names, as the JSON object text `create_habit` and `update_habit` take.
    static func patch(_ input: ActionInput, _ names: [(member: String, column: String)]) -> String {
        var members: [String: JSONValue] = [:]
        for (member, column) in names { members[column] = input.values[member] }
        return JSONValue.object(members).jsonText
    }

    /// The habit fields present in the input have the right types and values.
    static func validateFields(_ input: ActionInput, creating: Bool) throws(FunctionError) {
        _ = try input.string("description", maxLength: 2000)
        let frequency = try input.choice("frequency", frequencies)
        if let days = input.value("customDays") {
            guard case .array(let items) = days, items.count <= 7, items.allSatisfy({ item in
                if case .number(let day) = item { return [0, 1, 2, 3, 4, 5, 6].contains(day) }
                return false
            }) else { throw .invalid("`customDays` must be an array of weekday numbers 0-6 (0 = Sunday)") }
            if frequency == "custom", items.isEmpty { throw .invalid("a custom habit needs at least one day in `customDays`") }
        } else if creating, frequency == "custom" {
            throw .invalid("a custom habit needs `customDays`")
        }
        if let time = try input.string("reminderTime", maxLength: 8) {
            let parts = time.split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy({ $0.isASCII && $0.isNumber }) }),
                  let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60,
                  parts.count == 2 || Int(parts[2]).map({ $0 < 60 }) == true
            else { throw .invalid("`reminderTime` must be a time written HH:MM") }
        }
        _ = try input.uuid("taskId")
    }
}
