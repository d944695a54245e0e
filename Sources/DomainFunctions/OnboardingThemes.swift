import Core
import Foundation
import FunctionsAPI

/// `onboarding-themes`: the AMIE onboarding — coaching themes and their questions, choosing a
/// theme, answers checked against each question's type and options, and the identity profile.
/// SQL of migration 0015.
enum OnboardingThemes {
    static let styles = ["direct", "supportive", "analytical", "storytelling"]
    static let formality = ["formal", "casual", "professional"]
    static let encouragement = ["high", "moderate", "minimal"]
    static let profileFields = ["core_values", "life_roles", "motivation_drivers", "communication_style", "preferred_ai_voice",
                                "formality_level", "encouragement_frequency", "theme_customizations"]

    static func function(_ database: CallerDatabase) -> ActionFunction {
        let theme = ParameterDescription("theme_id", "string (uuid)", required: true, "an active theme")
        return ActionFunction(name: "onboarding-themes", summary: "AMIE onboarding: coaching themes, questions, answers and the identity profile.", actions: [
            Action("list", "The active coaching themes in display order.", access: .anyone) { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.list_themes()::text") ?? "[]")
            },
            Action("get", "One theme, by id or by name, with its persona prompt.", access: .anyone,
                   parameters: [ParameterDescription("theme_id", "string (uuid)", "the theme"),
                                ParameterDescription("name", "string", "or its name, e.g. business_executive")]) { input in
                let id = try input.uuid("theme_id")
                let name = try input.string("name", maxLength: 100)
                guard id != nil || name != nil else { throw FunctionError.invalid("`theme_id` or `name` is required") }
                return .json(try await database.json(
                    input.caller, readOnly: true, "SELECT public.get_theme($1::uuid, $2)::text",
                    [id.map(SQLValue.text) ?? .null, name.map(SQLValue.text) ?? .null], orNotFound: "no such theme"))
            },
            Action("get_questions", "A theme's onboarding questions in order: type (single_choice, multiple_choice, text, scale), options, required.",
                   access: .anyone, parameters: [theme]) { input in
                let id = try input.requiredUUID("theme_id")
                return .json(try await database.json(input.caller, readOnly: true, "SELECT public.get_theme_questions($1::uuid)::text",
                                                     [.text(id)], orNotFound: "no theme has id \(id)"))
            },
            Action("select", "Chooses the caller's theme (a different one than before clears earlier answers and master prompt); answers the profile.",
                   parameters: [theme]) { input in
                .json(try await database.json(input.caller, "SELECT public.select_theme($1::uuid)::text",
                                              [.text(try input.requiredUUID("theme_id"))]) ?? "null")
            },
            Action("submit_answers", "Stores answers to the theme's questions, each checked against its type and options (single_choice: one option; multiple_choice: distinct options; scale: one option; text: 1-2000 characters); a new answer replaces the old one.",
                   parameters: [ParameterDescription("answers", "array of {question_id, answer}", required: true, "answer: a string, a number (scale) or a list of strings (multiple_choice)")]) { input in
                guard case .array(let answers)? = input.value("answers"), !answers.isEmpty, answers.count <= 100 else {
                    throw FunctionError.invalid("`answers` must be a list of 1 to 100 {question_id, answer}")
                }
                for answer in answers {
                    guard case .string(let id)? = answer["question_id"], UUID(uuidString: id) != nil, answer["answer"] != nil else {
                        throw FunctionError.invalid("each answer is {question_id: uuid, answer}")
                    }
                }
                return .json(try await database.json(input.caller, "SELECT public.submit_onboarding_answers($1::jsonb)::text",
                                                     [.json(ActionInput.serialise(.array(answers)))]) ?? "null")
            },
            Action("get_profile", "The caller's identity profile: theme, answers, attributes, master prompt and onboarding progress.") { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.get_identity_profile()::text",
                                              orNotFound: "you have no identity profile yet: select a theme first"))
            },
            Action("update_profile", "Changes the caller's identity attributes.",
                   parameters: [ParameterDescription("core_values", "array of string", ""),
                                ParameterDescription("life_roles", "array of string", ""),
                                ParameterDescription("motivation_drivers", "array of string", ""),
                                ParameterDescription("communication_style", "string", styles.joined(separator: ", ")),
                                ParameterDescription("preferred_ai_voice", "string", ""),
                                ParameterDescription("formality_level", "string", formality.joined(separator: ", ")),
                                ParameterDescription("encouragement_frequency", "string", encouragement.joined(separator: ", ")),
                                ParameterDescription("theme_customizations", "object", "")]) { input in
                for name in ["core_values", "life_roles", "motivation_drivers"] { _ = try input.strings(name, max: 30, maxLength: 200) }
                _ = try input.choice("communication_style", styles)
                _ = try input.choice("formality_level", formality)
                _ = try input.choice("encouragement_frequency", encouragement)
                _ = try input.string("preferred_ai_voice", maxLength: 100)
                _ = try input.object("theme_customizations")
                return .json(try await database.json(input.caller, "SELECT public.update_identity_profile($1::jsonb)::text",
                                                     [.json(input.patch(profileFields))]) ?? "null")
            },
        ])
    }
}
