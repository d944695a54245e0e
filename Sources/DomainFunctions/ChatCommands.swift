import Core
import Database
import Foundation
import Tokens

/// What the chat bots (Slack, Teams) do for a linked user — list today's habits, check one off,
/// sum up progress — run as that user (role `authenticated`, their id as `sub`), so row-level
/// security and the habit rules decide exactly as for the app. Rendering is each bot's own.
struct ChatCommands: Sendable {
    let database: CallerDatabase

    /// The caller a linked chat user acts as: the Visionary user, with no session (the database
    /// still refuses a banned or deleted user).
    static func caller(for user: UUID) -> Caller {
        let id = user.uuidString.lowercased()
        return Caller(role: "authenticated", claims: #"{"sub":"\#(id)","role":"authenticated","aud":"authenticated"}"#, subject: id)
    }

    struct Habit: Decodable, Sendable {
        let id: UUID
        let title: String
        let currentStreak: Int
        let doneToday: Bool
        enum CodingKeys: String, CodingKey { case id, title, currentStreak = "current_streak", doneToday = "done_today" }
    }

    /// The user's active habits, oldest first, with today's state in their time zone.
    func habits(of user: UUID) async throws -> [Habit] {
        let text = try await database.json(Self.caller(for: user), readOnly: true, "SELECT public.list_habits(false)::text") ?? "[]"
        return try JSONDecoder().decode([Habit].self, from: Data(text.utf8))
    }

    enum Completion: Equatable {
        case done(title: String, streak: Int)
        case already(title: String)
        case noMatch
    }

    /// Checks off today the habit with this id, or the first active habit whose title contains
    /// `name` (case-insensitive).
    func complete(user: UUID, habit id: UUID? = nil, matching name: String? = nil, note: String) async throws -> Completion {
        let needle = name?.lowercased()
        guard let habit = try await habits(of: user).first(where: { habit in
            if let id { return habit.id == id }
            guard let needle, !needle.isEmpty else { return false }
            return habit.title.lowercased().contains(needle)
        }) else { return .noMatch }
        if habit.doneToday { return .already(title: habit.title) }
        do {
            let streak = try await database.json(Self.caller(for: user), """
                SELECT r #>> '{habit,current_streak}' FROM public.complete_habit($1::uuid, NULL::date, $2, NULL::integer) AS r
                """, [.text(habit.id.uuidString), .text(note)])
            return .done(title: habit.title, streak: streak.flatMap { Int($0) } ?? 0)
        } catch let error as DatabaseError where error.sqlState == "23505" {
            return .already(title: habit.title)
        }
    }

    struct Progress: Sendable {
        let habits: Int
        let doneToday: Int
        let bestStreak: Int
        let averageStreak: Int
        let visionBoards: Int
    }

    func progress(of user: UUID) async throws -> Progress {
        let habits = try await habits(of: user)
        let boards = try await database.json(Self.caller(for: user), readOnly: true,
                                             "SELECT count(*)::text FROM public.vision_boards WHERE user_id = auth.uid()")
        let streaks = habits.map(\.currentStreak)
        return Progress(habits: habits.count, doneToday: habits.filter(\.doneToday).count, bestStreak: streaks.max() ?? 0,
                        averageStreak: habits.isEmpty ? 0 : streaks.reduce(0, &+) / habits.count, visionBoards: boards.flatMap { Int($0) } ?? 0)
    }

    /// A command as typed after the bot's name (`habits`, `complete <habit>`, `progress`,
    /// `help`); anything else is help.
    enum Command: Equatable {
        case habits
        case complete(String)
        case progress
        case help

        init(_ text: String) {
            let words = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 1)
            switch words.first?.lowercased() ?? "" {
            case "habits", "habit", "today": self = .habits
            case "complete", "done": self = .complete(words.count > 1 ? String(words[1]).trimmingCharacters(in: .whitespaces) : "")
            case "progress", "summary", "stats": self = .progress
            default: self = .help
            }
        }
    }
}
