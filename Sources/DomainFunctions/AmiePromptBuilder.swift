import FunctionsAPI

/// `amie-prompt-builder`: composes the caller's master prompt from their theme and answers with
/// a fixed, documented template (`build_master_prompt`, migration 0015) and stores it on their
/// identity profile.
enum AmiePromptBuilder {
    static func function(_ database: CallerDatabase) -> ActionFunction {
        ActionFunction(name: "amie-prompt-builder", summary: "The caller's master prompt from theme, answers and identity attributes.", defaultAction: "build", actions: [
            Action("build", "Composes the master prompt (theme persona, then 'About me:' with each answer's contribution in question order, values, roles, drivers and communication preferences), stores it and completes onboarding; every required question must be answered.") { input in
                .json(try await database.json(input.caller, "SELECT public.build_master_prompt(true)::text") ?? "null")
            },
            Action("preview", "The same composition without storing it.") { input in
                .json(try await database.json(input.caller, "SELECT public.build_master_prompt(false)::text") ?? "null")
            },
        ])
    }
}
