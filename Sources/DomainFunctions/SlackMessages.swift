import Core
import Foundation

/// The bot's Slack messages in Block Kit. User text (habit titles) is escaped for `mrkdwn`, so a
/// title cannot mention a channel or forge a link.
enum SlackMessages {
    static func habits(_ habits: [ChatCommands.Habit]) -> JSONValue {
        guard !habits.isEmpty else {
            return .array([section("You have no habits yet. Create your first one in Visionary!")])
        }
        var blocks: [JSONValue] = [header("Today's habits"), divider]
        for habit in habits {
            let streak = habit.currentStreak > 0 ? "  🔥 \(habit.currentStreak) day streak" : ""
            var block = section("\(habit.doneToday ? "✅" : "⬜") *\(escaped(habit.title))*\(streak)")
            if !habit.doneToday, case .object(var members) = block {
                members["accessory"] = .object([
                    "type": .string("button"), "text": plain("Complete"), "style": .string("primary"),
                    "action_id": .string("complete_habit_\(habit.id.uuidString.lowercased())"),
                ])
                block = .object(members)
            }
            blocks.append(block)
        }
        let done = habits.filter(\.doneToday).count
        blocks.append(context("\(done)/\(habits.count) done today (\(done * 100 / habits.count)%)"))
        return .array(blocks)
    }

    static func progress(_ progress: ChatCommands.Progress) -> JSONValue {
        .array([
            header("Your progress"), divider,
            .object(["type": .string("section"), "fields": .array([
                mrkdwn("*Today's habits*\n\(progress.doneToday)/\(progress.habits) done"),
                mrkdwn("*Top current streak*\n🔥 \(progress.bestStreak) days"),
                mrkdwn("*Average streak*\n\(progress.averageStreak) days"),
                mrkdwn("*Vision boards*\n\(progress.visionBoards)"),
            ])]),
            context("Every small step counts toward your vision."),
        ])
    }

    static let help: JSONValue = .array([
        header("Visionary commands"), divider,
        section("`/visionary habits` — today's habits, with buttons to check them off\n"
            + "`/visionary complete <habit>` — check a habit off\n"
            + "`/visionary progress` — your progress today\n"
            + "`/visionary help` — this list"),
    ])

    static func completion(_ outcome: ChatCommands.Completion, asked name: String?) -> String {
        switch outcome {
        case .done(let title, let streak):
            "✅ \(escaped(title)) is done for today" + (streak > 1 ? " — \(streak) days in a row! 🔥" : ". Keep it up!")
        case .already(let title):
            "You already completed \(escaped(title)) today. 🎉"
        case .noMatch:
            name.map { "No active habit matches \"\(escaped($0))\". Try `/visionary habits`." } ?? "That habit is not one of your active habits."
        }
    }

    /// Text for Slack's `mrkdwn`: `&`, `<` and `>` escaped, as Slack asks.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func plain(_ text: String) -> JSONValue { .object(["type": .string("plain_text"), "text": .string(text)]) }
    static func mrkdwn(_ text: String) -> JSONValue { .object(["type": .string("mrkdwn"), "text": .string(text)]) }
    static func header(_ text: String) -> JSONValue { .object(["type": .string("header"), "text": plain(text)]) }
    static func section(_ text: String) -> JSONValue { .object(["type": .string("section"), "text": mrkdwn(text)]) }
    static func context(_ text: String) -> JSONValue { .object(["type": .string("context"), "elements": .array([mrkdwn(text)])]) }
    static let divider: JSONValue = .object(["type": .string("divider")])
}
