import Core
import Database
import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

@Suite("onboarding-themes and amie-prompt-builder")
struct OnboardingTests {
    /// A valid answer for each question: the first option (two for multiple choice), a text, a scale value.
    static func answers(for questions: [[String: Any]]) -> [[String: Any]] {
        questions.map { question in
            let options = question["options"] as? [String] ?? []
            let answer: Any = switch question["question_type"] as? String {
            case "multiple_choice": Array(options.prefix(2))
            case "text": "Retired early, running a small vineyard"
            case "scale": 4
            default: options.first ?? ""
            }
            return ["question_id": question["id"] as? String ?? "", "answer": answer]
        }
    }

    @Test("themes, questions, select, answers, profile, master prompt (deterministic), theme change")
    func lifecycle() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            let themes = try await anon.call("onboarding-themes", "list")
            #expect(themes.array.map { $0["name"] as? String } == ["christian", "business_executive", "health_fitness", "retirement", "custom"])
            let executive = try await anon.call("onboarding-themes", "get", #"{"name":"business_executive"}"#)
            let theme = try #require(executive.object["id"] as? String)
            let template = try #require(executive.object["system_prompt_template"] as? String)
            let questions = try await anon.call("onboarding-themes", "get_questions", json(["theme_id": theme])).array
            #expect(questions.count == 7)
            #expect(questions.last?["question_type"] as? String == "multiple_choice")

            let user = try await signUp(client, app: app, email: "me@onboarding.test")
            #expect(try await user.functions.call("onboarding-themes", "get_profile").status == .notFound)
            let selected = try await user.functions.call("onboarding-themes", "select", json(["theme_id": theme]))
            #expect(selected.status == .ok, "\(selected.body)")
            #expect(selected.object["onboarding_step"] as? Int == 1)
            #expect((selected.object["missing_questions"] as? [String])?.count == 7)

            let first = try await user.functions.call("onboarding-themes", "submit_answers", json(["answers": Array(Self.answers(for: questions).prefix(3))]))
            #expect(first.status == .ok, "\(first.body)")
            #expect(first.object["answered_required"] as? Int == 3)
            #expect(try await user.functions.call("amie-prompt-builder").status == .unprocessableContent, "4 required answers missing")
            let all = try await user.functions.call("onboarding-themes", "submit_answers", json(["answers": Self.answers(for: questions)]))
            #expect(all.object["answered_required"] as? Int == 7)
            #expect(all.object["onboarding_step"] as? Int == 2)
            #expect((all.object["answers"] as? [[String: Any]])?.count == 7, "answers replace, never duplicate")

            _ = try await user.functions.call("onboarding-themes", "update_profile",
                                              json(["core_values": ["family", "craft"], "communication_style": "direct", "formality_level": "professional"]))
            let built = try await user.functions.call("amie-prompt-builder", "build")
            #expect(built.status == .ok, "\(built.body)")
            let prompt = try #require(built.object["master_prompt"] as? String)
            let firstOptions = questions.map { ($0["options"] as? [String])?.first ?? "" }
            #expect(prompt.hasPrefix(template.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(prompt.contains("About me:\n- Primary motivation: \(firstOptions[0])\n- Feedback style: \(firstOptions[1])"))
            #expect(prompt.contains("- Preferred frameworks: OKRs, SMART Goals"))
            #expect(prompt.contains("- Five-year vision: Retired early, running a small vineyard"))
            #expect(prompt.contains("Core values: family, craft."))
            #expect(prompt.hasSuffix("Communication: direct style, professional tone, moderate encouragement."))
            let preview = try await user.functions.call("amie-prompt-builder", "preview")
            #expect(preview.object["master_prompt"] as? String == prompt, "the same inputs give the same prompt")
            #expect(preview.object["stored"] as? Bool == false)
            let profile = try await user.functions.call("onboarding-themes", "get_profile")
            #expect(profile.object["master_prompt"] as? String == prompt)
            #expect(profile.object["onboarding_completed"] as? Bool == true)
            #expect(profile.object["onboarding_step"] as? Int == 3)

            // Another theme starts afresh.
            let custom = try #require(themes.array.last?["id"] as? String)
            let changed = try await user.functions.call("onboarding-themes", "select", json(["theme_id": custom]))
            #expect((changed.object["answers"] as? [Any])?.isEmpty == true)
            #expect(changed.object["master_prompt"] is NSNull)
            #expect(changed.object["onboarding_completed"] as? Bool == false)
            let customPrompt = try await user.functions.call("amie-prompt-builder", "build")
            #expect(customPrompt.status == .ok, "a theme without questions needs no answers: \(customPrompt.body)")
        }
    }

    @Test("answers are checked against each question's type and options; other users see nothing")
    func validation() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "v@onboarding.test")
            let other = try await signUp(client, app: app, email: "other@onboarding.test")
            let themes = try await user.functions.call("onboarding-themes", "list").array
            let christian = try #require(themes.first?["id"] as? String)
            let executive = try #require(themes[1]["id"] as? String)
            let questions = try await user.functions.call("onboarding-themes", "get_questions", json(["theme_id": christian])).array
            let foreign = try await user.functions.call("onboarding-themes", "get_questions", json(["theme_id": executive])).array
            func id(_ sort: Int, _ list: [[String: Any]] = questions) -> String { list.first { $0["sort_order"] as? Int == sort }?["id"] as? String ?? "" }

            let early = try await user.functions.call("onboarding-themes", "submit_answers", json(["answers": [["question_id": id(1), "answer": "Build better habits"]]]))
            #expect(early.status == .unprocessableContent, "no theme yet")
            for body in ["{}", json(["theme_id": "x"])] {
                #expect(try await user.functions.call("onboarding-themes", "select", body).status == .badRequest)
            }
            #expect(try await user.functions.call("onboarding-themes", "select", json(["theme_id": UUID().uuidString])).status == .notFound)
            #expect(try await user.functions.call("onboarding-themes", "get_questions", json(["theme_id": UUID().uuidString])).status == .notFound)
            #expect(try await user.functions.call("onboarding-themes", "get", "{}").status == .badRequest)
            _ = try await user.functions.call("onboarding-themes", "select", json(["theme_id": christian]))

            let wrong: [Any] = [
                "not a list", [Any](), [["answer": "x"]], [["question_id": id(1)]],
                [["question_id": id(1), "answer": "Get rich quick"]],
                [["question_id": id(1), "answer": ["Build better habits"]]],
                [["question_id": id(5), "answer": "   "]],
                [["question_id": id(6), "answer": 9]], [["question_id": id(6), "answer": "five"]],
                [["question_id": id(7), "answer": ["Yes, frequently"]]],
                [["question_id": id(7, foreign), "answer": ["OKRs"]]],
                [["question_id": id(1), "answer": "Build better habits"], ["question_id": id(6), "answer": 0]],
            ]
            for answers in wrong {
                let reply = try await user.functions.call("onboarding-themes", "submit_answers", json(["answers": answers]))
                #expect(reply.status == .badRequest, "\(answers): \(reply.status) \(reply.body)")
            }
            let scale = try await user.functions.call("onboarding-themes", "submit_answers", json(["answers": [["question_id": id(6), "answer": "5"]]]))
            #expect(scale.status == .ok)
            #expect((scale.object["answers"] as? [[String: Any]])?.first?["answer"] as? String == "5")
            #expect((try await user.functions.call("onboarding-themes", "get_profile").object["answers"] as? [Any])?.count == 1,
                    "a refused batch stores nothing")

            for body in [#"{"communication_style":"loud"}"#, #"{"core_values":"family"}"#, #"{"core_values":[1]}"#, #"{"theme_customizations":[]}"#] {
                #expect(try await user.functions.call("onboarding-themes", "update_profile", body).status == .badRequest, "\(body)")
            }
            #expect(try await other.functions.call("onboarding-themes", "get_profile").status == .notFound)
            #expect(try await other.functions.call("amie-prompt-builder", "preview").status == .unprocessableContent)
            #expect(try await FunctionsClient(client: client, apiKey: app.keys.anon).call("onboarding-themes", "select", json(["theme_id": christian])).status == .unauthorized)
        }
    }
}
