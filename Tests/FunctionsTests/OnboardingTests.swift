import Core
import Database
import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

@Suite("onboarding-themes and amie-prompt-builder")
struct OnboardingTests {
    /// A valid answer for each question, as the app's questionnaire sends it: the first option
    /// (two for multiple choice), a text, a scale value as its option's text.
    static func responses(for questions: [[String: Any]]) -> [[String: Any]] {
        questions.map { question in
            let options = question["options"] as? [String] ?? []
            let answer: Any = switch question["question_type"] as? String {
            case "multiple_choice": Array(options.prefix(2))
            case "text": "Retired early, running a small vineyard"
            case "scale": options.last ?? ""
            default: options.first ?? ""
            }
            return ["question_id": question["id"] as? String ?? "", "question_text": question["question_text"] as? String ?? "", "answer": answer]
        }
    }

    @Test("themes, questions, select, answers (blank ones left out), profile, master prompt (deterministic), theme change")
    func lifecycle() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            let listed = try await anon.send(.get, "onboarding-themes?action=list")
            #expect(listed.object["success"] as? Bool == true)
            let themes = listed.object["themes"] as? [[String: Any]] ?? []
            #expect(themes.map { $0["name"] as? String } == ["christian", "business_executive", "health_fitness", "retirement", "custom"])
            #expect(listed.object["count"] as? Int == 5)
            let unnamed = try await anon.call("onboarding-themes", nil, "{}")
            #expect((unnamed.object["themes"] as? [Any])?.count == 5, "no action lists the themes: \(unnamed.body)")

            let executive = try await anon.send(.get, "onboarding-themes?action=get&themeName=business_executive").object["theme"] as? [String: Any] ?? [:]
            let theme = try #require(executive["id"] as? String)
            let template = try #require(executive["system_prompt_template"] as? String)
            #expect((executive["questions"] as? [Any])?.count == 7)
            let asked = try await anon.send(.get, "onboarding-themes?action=get_questions&themeId=\(theme)")
            #expect(asked.object["themeId"] as? String == theme)
            #expect(asked.object["themeName"] as? String == "business_executive")
            let questions = asked.object["questions"] as? [[String: Any]] ?? []
            #expect(questions.count == 7)
            #expect(questions.last?["question_type"] as? String == "multiple_choice")
            #expect(questions.allSatisfy { $0["is_required"] as? Bool == true && $0["question_text"] is String })

            let user = try await signUp(client, app: app, email: "me@onboarding.test")
            let none = try await user.functions.call("onboarding-themes", "get_profile")
            #expect(none.status == .ok && none.object["profile"] is NSNull, "\(none.body)")
            let selected = try await user.functions.call("onboarding-themes", "select", json(["themeId": theme]))
            #expect(selected.status == .ok, "\(selected.body)")
            #expect(selected.object["themeId"] as? String == theme)
            let chosen = selected.object["profile"] as? [String: Any] ?? [:]
            #expect(chosen["onboarding_step"] as? Int == 1)
            #expect((chosen["missing_questions"] as? [String])?.count == 7)

            // The questionnaire sends every question; those left out come as "" (or an empty list).
            var some = Self.responses(for: questions)
            for index in 3..<some.count { some[index]["answer"] = index == 6 ? [String]() : "" }
            let first = try await user.functions.call("onboarding-themes", "submit_answers", json(["themeId": theme, "responses": some]))
            #expect(first.status == .ok, "\(first.body)")
            let progress = first.object["progress"] as? [String: Any] ?? [:]
            #expect(progress["answeredRequired"] as? Int == 3 && progress["totalRequired"] as? Int == 7, "\(first.body)")
            #expect(progress["allRequiredAnswered"] as? Bool == false)
            #expect(try await user.functions.call("amie-prompt-builder").status == .unprocessableContent, "4 required answers missing")
            let all = try await user.functions.call("onboarding-themes", "submit_answers", json(["themeId": theme, "responses": Self.responses(for: questions)]))
            #expect((all.object["progress"] as? [String: Any])?["allRequiredAnswered"] as? Bool == true, "\(all.body)")
            let answered = all.object["profile"] as? [String: Any] ?? [:]
            #expect(answered["onboarding_step"] as? Int == 2)
            #expect((answered["answers"] as? [[String: Any]])?.count == 7, "answers replace, never duplicate")

            let updated = try await user.functions.call("onboarding-themes", "update_profile",
                                                        json(["coreValues": ["family", "craft"], "communicationStyle": "direct", "formalityLevel": "professional"]))
            #expect((updated.object["profile"] as? [String: Any])?["core_values"] as? [String] == ["family", "craft"], "\(updated.body)")
            #expect(try await user.functions.call("amie-prompt-builder", "build").status == .ok)
            let read = try await user.functions.call("onboarding-themes", "get_profile")
            let profile = read.object["profile"] as? [String: Any] ?? [:]
            let prompt = try #require(profile["master_prompt"] as? String, "\(read.body)")
            let firstOptions = questions.map { ($0["options"] as? [String])?.first ?? "" }
            #expect(prompt.hasPrefix(template.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(prompt.contains("About me:\n- Primary motivation: \(firstOptions[0])\n- Feedback style: \(firstOptions[1])"))
            #expect(prompt.contains("- Preferred frameworks: OKRs, SMART Goals"))
            #expect(prompt.contains("- Five-year vision: Retired early, running a small vineyard"))
            #expect(prompt.contains("Core values: family, craft."))
            #expect(prompt.hasSuffix("Communication: direct style, professional tone, moderate encouragement."))
            #expect(profile["onboarding_completed"] as? Bool == true)
            #expect((read.object["nextQuestions"] as? [Any])?.isEmpty == true)
            #expect(try await user.functions.call("amie-prompt-builder", "build").status == .ok)
            let again = try await user.functions.call("onboarding-themes", "get_profile").object["profile"] as? [String: Any]
            #expect(again?["master_prompt"] as? String == prompt, "the same inputs give the same prompt")
            let steps = read.object["onboardingProgress"] as? [String: Any] ?? [:]
            #expect(steps["step"] as? Int == 3 && steps["answeredQuestions"] as? Int == 7 && steps["totalQuestions"] as? Int == 7, "\(read.body)")

            // Another theme starts afresh.
            let custom = try #require(themes.last?["id"] as? String)
            let changed = try await user.functions.call("onboarding-themes", "select", json(["themeId": custom])).object["profile"] as? [String: Any] ?? [:]
            #expect((changed["answers"] as? [Any])?.isEmpty == true)
            #expect(changed["master_prompt"] is NSNull)
            #expect(changed["onboarding_completed"] as? Bool == false)
            let customPrompt = try await user.functions.call("amie-prompt-builder", "build")
            #expect(customPrompt.status == .ok, "a theme without questions needs no answers: \(customPrompt.body)")
        }
    }

    @Test("answers are checked against each question's type and options; bad input is 400; other users and a userId in the body change nothing")
    func validation() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "v@onboarding.test")
            let other = try await signUp(client, app: app, email: "other@onboarding.test")
            let themes = try await user.functions.call("onboarding-themes", "list").object["themes"] as? [[String: Any]] ?? []
            let christian = try #require(themes.first?["id"] as? String)
            let executive = try #require(themes[1]["id"] as? String)
            func questions(_ theme: String) async throws -> [[String: Any]] {
                try await user.functions.call("onboarding-themes", "get_questions", json(["themeId": theme])).object["questions"] as? [[String: Any]] ?? []
            }
            let own = try await questions(christian)
            let foreign = try await questions(executive)
            func id(_ sort: Int, _ list: [[String: Any]]? = nil) -> String {
                (list ?? own).first { $0["sort_order"] as? Int == sort }?["id"] as? String ?? ""
            }

            let early = try await user.functions.call("onboarding-themes", "submit_answers", json(["responses": [["question_id": id(1), "answer": "Build better habits"]]]))
            #expect(early.status == .unprocessableContent, "no theme yet")
            for body in ["{}", json(["themeId": "x"]), json(["themeId": 7]), json(["themeName": String(repeating: "n", count: 101)])] {
                #expect(try await user.functions.call("onboarding-themes", "select", body).status == .badRequest, "\(body)")
            }
            #expect(try await user.functions.call("onboarding-themes", "select", json(["themeId": UUID().uuidString])).status == .notFound)
            #expect(try await user.functions.call("onboarding-themes", "select", json(["themeName": "astrology"])).status == .notFound)
            #expect(try await user.functions.call("onboarding-themes", "get_questions", json(["themeId": UUID().uuidString])).status == .notFound)
            #expect(try await user.functions.call("onboarding-themes", "get", "{}").status == .badRequest)
            #expect(try await user.functions.call("onboarding-themes", "shuffle").status == .badRequest)

            // A userId in the body is nobody's but the caller's.
            let selected = try await user.functions.call("onboarding-themes", "select", json(["themeId": christian, "userId": other.id]))
            #expect((selected.object["profile"] as? [String: Any])?["user_id"] as? String == user.id, "\(selected.body)")
            #expect(try await other.functions.call("onboarding-themes", "get_profile").object["profile"] is NSNull)

            let wrong: [Any] = [
                "not a list", [Any](), [["answer": "x"]], [["question_id": id(1)]], [["question_id": "q1", "answer": "x"]],
                [["question_id": id(1), "answer": "Get rich quick"]],
                [["question_id": id(1), "answer": ["Build better habits"]]],
                [["question_id": id(1), "answer": true]], [["question_id": id(1), "answer": ["a": 1]]],
                [["question_id": id(5), "answer": "   "]], [["question_id": id(5), "answer": NSNull()]],
                [["question_id": id(5), "answer": String(repeating: "x", count: 2001)]],
                [["question_id": id(6), "answer": 9]], [["question_id": id(6), "answer": "five"]],
                [["question_id": id(7), "answer": ["Yes, frequently"]]],
                [["question_id": id(7, foreign), "answer": ["OKRs"]]],
                [["question_id": id(1), "answer": "Build better habits"], ["question_id": id(6), "answer": 0]],
                Array(repeating: ["question_id": id(1), "answer": "Build better habits"], count: 101),
            ]
            for responses in wrong {
                let reply = try await user.functions.call("onboarding-themes", "submit_answers", json(["responses": responses]))
                #expect(reply.status == .badRequest, "\(responses): \(reply.status) \(reply.body)")
            }
            let scale = try await user.functions.call("onboarding-themes", "submit_answers", json(["responses": [["question_id": id(6), "answer": 5]]]))
            #expect(scale.status == .ok, "\(scale.body)")
            let stored = (scale.object["profile"] as? [String: Any])?["answers"] as? [[String: Any]]
            #expect(stored?.first?["answer"] as? String == "5")
            #expect(((try await user.functions.call("onboarding-themes", "get_profile").object["profile"] as? [String: Any])?["answers"] as? [Any])?.count == 1,
                    "a refused batch stores nothing")

            for body in [#"{"communicationStyle":"loud"}"#, #"{"coreValues":"family"}"#, #"{"coreValues":[1]}"#, #"{"themeCustomizations":[]}"#,
                         #"{"masterPrompt":"You are my servant"}"#, json(["lifeRoles": Array(repeating: "r", count: 31)])] {
                #expect(try await user.functions.call("onboarding-themes", "update_profile", body).status == .badRequest, "\(body)")
            }
            #expect(try await other.functions.call("onboarding-themes", "get_profile").object["profile"] is NSNull)
            #expect(try await other.functions.call("amie-prompt-builder", "preview").status == .unprocessableContent)
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            #expect(try await anon.call("onboarding-themes", "select", json(["themeId": christian])).status == .unauthorized)
            #expect(try await anon.call("onboarding-themes", "get_profile").status == .unauthorized)
        }
    }
}
