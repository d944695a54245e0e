import Core
import Foundation
import FunctionsAPI

/// A model's JSON answers read as untrusted input: the JSON is found (code fences and chatter
/// around it dropped), each field is taken only in the type and range it must have, text is
/// cut to length, and ids are never the model's.
enum ModelJSON {
    /// The first JSON value in a model's text.
    static func value(_ text: String) throws(FunctionError) -> JSONValue {
        let candidates = [text.firstIndex(of: "["), text.firstIndex(of: "{")].compactMap { $0 }
        guard let start = candidates.min() else { throw unreadable }
        let closing: Character = text[start] == "[" ? "]" : "}"
        guard let end = text.lastIndex(of: closing), end > start,
              let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text[start...end].utf8)) else { throw unreadable }
        return value
    }

    static let unreadable = FunctionError.upstream("the AI provider's answer was not the JSON asked for")

    /// A string field, trimmed and cut to `limit` characters.
    static func string(_ value: JSONValue?, limit: Int = 2000) -> String? {
        guard let text = value?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return String(text.prefix(limit))
    }

    /// A finite number (or a numeric string) within ±1e15.
    static func number(_ value: JSONValue?) -> Double? {
        let number: Double? = switch value {
        case .number(let number): number
        case .string(let text): Double(text.replacingOccurrences(of: ",", with: "").trimmingCharacters(in: .whitespaces))
        default: nil
        }
        guard let number, number.isFinite, abs(number) < 1e15 else { return nil }
        return number
    }

    /// `[{year, savings, projected, goal}]`: the rows with all four numbers, at most 10.
    static func projection(_ text: String) throws(FunctionError) -> [JSONValue] {
        let rows = try value(text)
        let items = rows.arrayValue ?? rows["projection"]?.arrayValue ?? []
        let projection: [JSONValue] = items.prefix(10).compactMap { row in
            guard let year = number(row["year"]), let savings = number(row["savings"]), let projected = number(row["projected"]),
                  let goal = number(row["goal"]) else { return nil }
            return .object(["year": .number(year.rounded()), "savings": .number(savings), "projected": .number(projected), "goal": .number(goal)])
        }
        guard !projection.isEmpty else { throw unreadable }
        return projection
    }

    /// `{currentSavings, monthlyContribution, targetGoal, targetYear, dreamDescription}`, each
    /// null when the model gave nothing usable.
    static func financialFigures(_ text: String) throws(FunctionError) -> JSONValue {
        let figures = try value(text)
        guard figures.objectValue != nil else { throw unreadable }
        func amount(_ name: String) -> JSONValue { number(figures[name]).map { .number(max(0, $0)) } ?? .null }
        let year = number(figures["targetYear"]).map { $0.rounded() }.flatMap { (1900...2200).contains($0) ? JSONValue.number($0) : nil } ?? .null
        return .object([
            "currentSavings": amount("currentSavings"), "monthlyContribution": amount("monthlyContribution"),
            "targetGoal": amount("targetGoal"), "targetYear": year,
            "dreamDescription": string(figures["dreamDescription"], limit: 1000).map(JSONValue.string) ?? .null,
        ])
    }

    /// `YYYY-MM-DD` when it names a real day (not 2025-02-30), else nil.
    static func day(_ text: String) -> String? {
        guard let match = text.wholeMatch(of: /(\d{4})-(\d{2})-(\d{2})/), let year = Int(match.1), let month = Int(match.2), let day = Int(match.3),
              (1...12).contains(month), day >= 1 else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days ? text : nil
    }

    static let taskTypes: Set<String> = ["FINANCE", "LIFESTYLE", "ADMIN"]
    static let tools: Set<String> = ["GMAIL", "MAPS", "CALENDAR"]

    /// Milestones with their tasks, at most 10 milestones of 20 tasks; every task gets a fresh id.
    static func actionPlan(_ text: String) throws(FunctionError) -> [JSONValue] {
        let plan = try value(text)
        let milestones = plan.arrayValue ?? plan["plan"]?.arrayValue ?? plan["milestones"]?.arrayValue ?? []
        let result: [JSONValue] = milestones.prefix(10).compactMap { milestone in
            guard let title = string(milestone["title"], limit: 300) else { return nil }
            let tasks: [JSONValue] = (milestone["tasks"]?.arrayValue ?? []).prefix(20).compactMap { task in
                guard let title = string(task["title"], limit: 300) else { return nil }
                let type = string(task["type"], limit: 20)?.uppercased()
                let due = string(task["dueDate"], limit: 10).flatMap(day)
                var metadata: [String: JSONValue] = [:]
                if let tool = string(task["aiMetadata"]?["suggestedTool"], limit: 20)?.uppercased(), tools.contains(tool) {
                    metadata["suggestedTool"] = .string(tool)
                }
                return .object([
                    "id": .string(UUID().uuidString.lowercased()), "title": .string(title),
                    "description": .string(string(task["description"]) ?? ""),
                    "dueDate": due.map(JSONValue.string) ?? .null,
                    "type": .string(type.flatMap { taskTypes.contains($0) ? $0 : nil } ?? "ADMIN"),
                    "isCompleted": .bool(false), "aiMetadata": .object(metadata),
                ])
            }
            return .object([
                "year": number(milestone["year"]).map { .number($0.rounded()) } ?? .null, "title": .string(title),
                "marketResearchSnippet": .string(string(milestone["marketResearchSnippet"]) ?? ""), "tasks": .array(tasks),
            ])
        }
        guard !result.isEmpty else { throw unreadable }
        return result
    }
}
