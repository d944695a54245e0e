import Core
import Foundation

/// The bot's Teams messages: markdown text, and Adaptive Cards for the habit list (a Complete
/// button per open habit, sent back as the activity's `value`).
enum TeamsMessages {
    static func text(_ text: String) -> JSONValue {
        .object(["type": .string("message"), "textFormat": .string("markdown"), "text": .string(text)])
    }

    static func habits(_ habits: [ChatCommands.Habit], greeting: String = "Today's habits") -> JSONValue {
        guard !habits.isEmpty else { return text("You have no habits yet. Create your first one in Visionary!") }
        let done = habits.filter(\.doneToday).count
        var body: [JSONValue] = [block(greeting, weight: "bolder")]
        for habit in habits {
            body.append(block("\(habit.doneToday ? "✅" : "⬜") \(habit.title)" + (habit.currentStreak > 0 ? " — 🔥 \(habit.currentStreak)" : "")))
        }
        body.append(block("\(done)/\(habits.count) done today"))
        let actions = habits.filter { !$0.doneToday }.prefix(5).map { habit in
            JSONValue.object(["type": .string("Action.Submit"), "title": .string("Complete \(habit.title.prefix(40))"),
                              "data": .object(["action": .string("complete_\(habit.id.uuidString.lowercased())")])])
        }
        return card(body: body, actions: Array(actions))
    }

    static func progress(_ progress: ChatCommands.Progress) -> JSONValue {
        card(body: [
            block("Your progress", weight: "bolder"),
            .object(["type": .string("FactSet"), "facts": .array([
                fact("Today's habits", "\(progress.doneToday)/\(progress.habits) done"),
                fact("Top current streak", "\(progress.bestStreak) days"),
                fact("Average streak", "\(progress.averageStreak) days"),
                fact("Vision boards", "\(progress.visionBoards)"),
            ])]),
        ], actions: [])
    }

    static let help = text("**Visionary commands**\n\n- **habits** — today's habits\n- **complete** *habit* — check a habit off\n- **progress** — your progress today\n- **help** — this list")

    static func completion(_ outcome: ChatCommands.Completion, asked name: String?) -> String {
        switch outcome {
        case .done(let title, let streak): "✅ \(title) is done for today" + (streak > 1 ? " — \(streak) days in a row! 🔥" : ". Keep it up!")
        case .already(let title): "You already completed \(title) today. 🎉"
        case .noMatch: name.map { "No active habit matches \"\($0)\". Say **habits** to see them." } ?? "That habit is not one of your active habits."
        }
    }

    /// The text of a message without the `<at>…</at>` mentions of the bot Teams puts in it.
    static func withoutMentions(_ text: String) -> String {
        var out = text
        while let start = out.range(of: "<at>"), let end = out.range(of: "</at>", range: start.upperBound..<out.endIndex) {
            out.removeSubrange(start.lowerBound..<end.upperBound)
        }
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func card(body: [JSONValue], actions: [JSONValue]) -> JSONValue {
        .object(["type": .string("message"), "attachments": .array([.object([
            "contentType": .string("application/vnd.microsoft.card.adaptive"),
            "content": .object(["type": .string("AdaptiveCard"), "version": .string("1.4"), "body": .array(body), "actions": .array(actions)]),
        ])])])
    }

    static func block(_ text: String, weight: String? = nil) -> JSONValue {
        var members: [String: JSONValue] = ["type": .string("TextBlock"), "text": .string(text), "wrap": .bool(true)]
        if let weight { members["weight"] = .string(weight) }
        return .object(members)
    }

    static func fact(_ title: String, _ value: String) -> JSONValue { .object(["title": .string(title), "value": .string(value)]) }
}
