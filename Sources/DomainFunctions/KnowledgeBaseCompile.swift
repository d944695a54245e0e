import Core
import FunctionsAPI

/// `compile-knowledge-base`: the caller's knowledge base (their row of `user_knowledge_base`),
/// compiled from their profile, boards, documents, tasks, habits, achievements, coaching
/// sessions, weekly reviews, predictions and bank links, and answered in full, as a summary or
/// as the AI coach's context text. The work is SQL of migration 0061, run as the caller.
enum KnowledgeBaseCompile {
    /// The answer formats, `full` when none is named.
    static let formats = ["full", "summary", "ai_context"]

    static let format = ParameterDescription(
        "format", "string", "full (default): {success, knowledgeBase}; summary: {success, summary}; ai_context: {success, context}")

    static func function(_ database: CallerDatabase) -> ActionFunction {
        ActionFunction(
            name: "compile-knowledge-base",
            summary: "The caller's knowledge base: compiled from all their data, stored, and answered in full, as a summary or as the AI coach's context.",
            defaultAction: "compile", actions: [
            Action("compile", "Compiles the caller's knowledge base and stores it: {success, knowledgeBase (every field, snake_case)}, {success, summary: {visionBoardCount, activeHabits, totalStreakDays, activeTasks, completedTasks, recommendedFocusAreas, lastCompiled}} or {success, context}.",
                   parameters: [format]) { input in
                let format = try requestedFormat(input)
                return .json(try await database.json(input.caller, "SELECT public.compile_knowledge_base($1)::text", [.text(format)]) ?? "null")
            },
            Action("get", "The stored knowledge base, compiled first when there is none: {success, knowledgeBase (the row), cached: true}, {success, summary, cached: true} or {success, context}.",
                   parameters: [format]) { input in
                let format = try requestedFormat(input)
                return .json(try await database.json(input.caller, "SELECT public.get_knowledge_base($1)::text", [.text(format)]) ?? "null")
            },
            Action("get_ai_context", "{success, context}: the AI coach's context text, compiled again when the stored one is missing or more than 24 hours old (format is not read).") { input in
                .json(try await database.json(input.caller, "SELECT public.knowledge_base_ai_context()::text") ?? "null")
            },
        ])
    }

    /// The `format` of the query string or body: one of `formats`, `full` when absent.
    static func requestedFormat(_ input: ActionInput) throws(FunctionError) -> String {
        try input.choice("format", formats) ?? "full"
    }
}
