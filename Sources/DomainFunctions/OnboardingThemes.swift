import Core
import Foundation
import FunctionsAPI

/// `onboarding-themes`: the AMIE onboarding as the app's theme picker and questionnaire call it —
/// coaching themes and their questions, choosing a theme, answers checked against each
/// question's type and options, and the identity profile. Every answer is an object with
/// `success: true`, built inside PostgreSQL from the SQL functions of migration 0015.
enum OnboardingThemes {
    static let styles = ["direct", "supportive", "analytical", "storytelling"]
    static let formality = ["formal", "casual", "professional"]
    static let encouragement = ["high", "moderate", "minimal"]
    /// The attributes `update_profile` changes: the request's member and the profile's column.
    static let profileFields = [
        ("coreValues", "core_values"), ("lifeRoles", "life_roles"), ("motivationDrivers", "motivation_drivers"),
        ("communicationStyle", "communication_style"), ("preferredAiVoice", "preferred_ai_voice"),
        ("formalityLevel", "formality_level"), ("encouragementFrequency", "encouragement_frequency"),
        ("themeCustomizations", "theme_customizations"),
    ]

    static func function(_ database: CallerDatabase) -> ActionFunction {
        let theme = [ParameterDescription("themeId", "string (uuid)", "the theme (body or query)"),
                     ParameterDescription("themeName", "string", "or its name, e.g. business_executive")]
        return ActionFunction(
            name: "onboarding-themes",
            summary: "AMIE onboarding: coaching themes, questions, answers and the identity profile. A request naming no action lists the themes.",
            defaultAction: "list", actions: [
            Action("list", "The active coaching themes in display order: {success, themes, count}.", access: .anyone) { input in
                .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object('success', true, 'themes', t, 'count', jsonb_array_length(t))::text
                      FROM (SELECT public.list_themes() AS t) x
                    """) ?? "null")
            },
            Action("get", "One active theme with its persona prompt and its questions: {success, theme}.", access: .anyone,
                   parameters: theme) { input in
                .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object('success', true,
                             'theme', t || jsonb_build_object('questions', public.get_theme_questions((t ->> 'id')::uuid)))::text
                      FROM (SELECT public.get_theme($1::uuid, $2) AS t) x
                     WHERE t IS NOT NULL
                    """, try themeBinds(input), orNotFound: "no such theme"))
            },
            Action("get_questions", "A theme's onboarding questions in order — type (single_choice, multiple_choice, text, scale), options, is_required: {success, themeId, themeName, questions, count}.",
                   access: .anyone, parameters: theme) { input in
                .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object('success', true, 'themeId', t -> 'id', 'themeName', t -> 'name',
                                              'questions', q, 'count', jsonb_array_length(q))::text
                      FROM (SELECT public.get_theme($1::uuid, $2) AS t) x
                     CROSS JOIN LATERAL (SELECT public.get_theme_questions((t ->> 'id')::uuid) AS q) y
                     WHERE t IS NOT NULL
                    """, try themeBinds(input), orNotFound: "no such theme"))
            },
            Action("select", "Chooses the caller's theme, creating their identity profile (a different theme than before clears earlier answers and master prompt): {success, themeId, theme, profile}.",
                   parameters: theme) { input in
                .json(try await database.json(input.caller, """
                    SELECT jsonb_build_object('success', true, 'themeId', t -> 'id', 'theme', t,
                                              'profile', public.select_theme((t ->> 'id')::uuid))::text
                      FROM (SELECT public.get_theme($1::uuid, $2) AS t) x
                     WHERE t IS NOT NULL
                    """, try themeBinds(input), orNotFound: "no such theme"))
            },
            Action("submit_answers", "Stores answers to the questions of the caller's theme, each checked against its type and options (single_choice: one option; multiple_choice: distinct options; scale: one option; text: 1-2000 characters); a blank answer (empty text or list, null) leaves its question unanswered; a new answer replaces the old one; all or nothing: {success, profile, progress}.",
                   parameters: [ParameterDescription("responses", "array of {question_id, answer}", required: true,
                                                     "answer: a string, a number (scale) or a list of strings (multiple_choice); question_text is ignored"),
                                ParameterDescription("themeId", "string (uuid)", "ignored: the answers belong to the caller's selected theme")]) { input in
                .json(try await database.json(input.caller, """
                    SELECT jsonb_build_object('success', true, 'profile', p, 'progress', jsonb_build_object(
                             'totalRequired', p -> 'required_questions', 'answeredRequired', p -> 'answered_required',
                             'allRequiredAnswered', (p ->> 'answered_required')::integer >= (p ->> 'required_questions')::integer,
                             'onboardingCompleted', p -> 'onboarding_completed'))::text
                      FROM (SELECT public.submit_onboarding_answers($1::jsonb) AS p) x
                    """, [.json(try answers(input))]) ?? "null")
            },
            Action("get_profile", "The caller's identity profile (theme, answers, attributes, master prompt, onboarding_step, missing_questions; null before a theme is chosen), the theme's questions not answered yet, and the progress: {success, profile, nextQuestions, onboardingProgress}.") { input in
                .json(try await database.json(input.caller, readOnly: true, """
                    SELECT jsonb_build_object('success', true, 'profile', p, 'nextQuestions', n,
                             'onboardingProgress', CASE WHEN p IS NOT NULL THEN jsonb_build_object(
                               'step', p -> 'onboarding_step', 'completed', p -> 'onboarding_completed',
                               'answeredQuestions', jsonb_array_length(p -> 'answers'),
                               'totalQuestions', jsonb_array_length(p -> 'answers') + jsonb_array_length(n)) END)::text
                      FROM (SELECT public.get_identity_profile() AS p) x
                     CROSS JOIN LATERAL (
                       SELECT coalesce(jsonb_agg(q.question ORDER BY q.position), '[]'::jsonb) AS n
                         FROM jsonb_array_elements(public.get_theme_questions((p ->> 'theme_id')::uuid)) WITH ORDINALITY AS q(question, position)
                        WHERE NOT (p -> 'answers') @> jsonb_build_array(jsonb_build_object('question_id', q.question -> 'id'))) y
                    """) ?? "null")
            },
            Action("update_profile", "Changes the caller's identity attributes (creating the profile when needed): {success, profile}. The master prompt is not among them: amie-prompt-builder composes it.",
                   parameters: [ParameterDescription("coreValues", "array of string", "at most 30"),
                                ParameterDescription("lifeRoles", "array of string", "at most 30"),
                                ParameterDescription("motivationDrivers", "array of string", "at most 30"),
                                ParameterDescription("communicationStyle", "string", styles.joined(separator: ", ")),
                                ParameterDescription("preferredAiVoice", "string", ""),
                                ParameterDescription("formalityLevel", "string", formality.joined(separator: ", ")),
                                ParameterDescription("encouragementFrequency", "string", encouragement.joined(separator: ", ")),
                                ParameterDescription("themeCustomizations", "object", "")]) { input in
                if input.has("masterPrompt") {
                    throw FunctionError.invalid("`masterPrompt` cannot be set: amie-prompt-builder composes it from the theme and the answers")
                }
                for name in ["coreValues", "lifeRoles", "motivationDrivers"] { _ = try input.strings(name, max: 30, maxLength: 200) }
                _ = try input.choice("communicationStyle", styles)
                _ = try input.choice("formalityLevel", formality)
                _ = try input.choice("encouragementFrequency", encouragement)
                _ = try input.string("preferredAiVoice", maxLength: 100)
                _ = try input.object("themeCustomizations")
                var patch: [String: JSONValue] = [:]
                for (member, column) in profileFields { patch[column] = input.values[member] }
                return .json(try await database.json(input.caller, """
                    SELECT jsonb_build_object('success', true, 'profile', public.update_identity_profile($1::jsonb))::text
                    """, [.json(JSONValue.object(patch).jsonText)]) ?? "null")
            },
        ])
    }

    /// `themeId` or `themeName` as the two binds of `public.get_theme($1::uuid, $2)`.
    static func themeBinds(_ input: ActionInput) throws(FunctionError) -> [SQLValue] {
        let id = try input.uuid("themeId")
        let name = try input.string("themeName", maxLength: 100)
        guard id != nil || name != nil else { throw .invalid("`themeId` or `themeName` is required") }
        return [id.map(SQLValue.text) ?? .null, name.map(SQLValue.text) ?? .null]
    }

    /// The app's `responses` as `submit_onboarding_answers` takes them, `[{question_id, answer}]`.
    /// The app sends one response per question, an empty one for each question left out; those
    /// (an empty or blank text, an empty list, null) are not answers and are dropped.
    static func answers(_ input: ActionInput) throws(FunctionError) -> String {
        guard case .array(let responses)? = input.value("responses"), !responses.isEmpty, responses.count <= 100 else {
            throw .invalid("`responses` must be a list of 1 to 100 {question_id, answer}")
        }
        var answers: [JSONValue] = []
        for response in responses {
            guard case .string(let id)? = response["question_id"], UUID(uuidString: id) != nil, let answer = response["answer"] else {
                throw .invalid("each response is {question_id: uuid, answer}")
            }
            switch answer {
            case .null: continue
            case .string(let text) where text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty: continue
            case .array(let items) where items.isEmpty: continue
            case .string, .number, .array: answers.append(.object(["question_id": .string(id), "answer": answer]))
            case .bool, .object: throw .invalid("an answer is a text, a number or a list of texts")
            }
        }
        guard !answers.isEmpty else { throw .invalid("`responses` answers no question") }
        return JSONValue.array(answers).jsonText
    }
}
