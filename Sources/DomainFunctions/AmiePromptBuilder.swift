import Core
import Database
import Foundation
import FunctionsAPI
import Knowledge

/// `amie-prompt-builder`: the AI coach's system prompt for the caller. `build` composes their
/// master prompt from theme and answers with a fixed, documented template
/// (`build_master_prompt`, migration 0015), stores it on their identity profile, and answers it
/// with the coaching context: theme, identity, preferences and the most relevant notes of their
/// knowledge base. Every answer is an object with `success: true`.
enum AmiePromptBuilder {
    /// The system prompt of a caller who has not chosen a coaching theme yet.
    static let defaultPrompt = """
        You are AMIE, the coach inside Visionary AI. Help me turn my goals into steady daily action: be supportive \
        and honest, suggest concrete next steps, and keep answers short unless I ask for detail.
        """

    static func function(_ database: CallerDatabase, _ knowledge: KnowledgeBase) -> ActionFunction {
        let buildParameters = [
            ParameterDescription("context", "string", "what the prompt is for, e.g. habit_reminder (added to the prompt)"),
            ParameterDescription("includeKnowledge", "boolean", "add notes of the caller's knowledge base (default true)"),
            ParameterDescription("knowledgeQuery", "string", "notes matching these words first (default: the newest)"),
            ParameterDescription("maxKnowledgeChunks", "integer", "0-20 notes (default 5)"),
        ]
        return ActionFunction(name: "amie-prompt-builder", summary: "The AI coach's system prompt for the caller: master prompt from theme, answers and identity attributes, with context and knowledge.", defaultAction: "build", actions: [
            Action("build", "Composes the master prompt (theme persona, then 'About me:' with each answer's contribution in question order, values, roles, drivers and communication preferences), stores it and completes onboarding; every required question must be answered (422). Answers {success, hasProfile, prompt and systemPrompt (the master prompt, then the knowledge notes and the context), master_prompt, theme, answers_used, stored, context: {theme (its name), themeDisplayName, purpose, identity, preferences, knowledge}}.",
                   parameters: buildParameters) { input in
                try await build(input, database, knowledge, store: true)
            },
            Action("preview", "The same as build without storing anything.", parameters: buildParameters) { input in
                try await build(input, database, knowledge, store: false)
            },
            Action("get_system_prompt", "The system prompt for a chat, storing nothing: the stored master prompt (else the theme's persona, else a default coach), up to 3 knowledge notes matching userMessage, and conversationContext. {success, hasProfile, systemPrompt, prompt, contextSummary: {theme ('default' without one), identityLoaded (a master prompt is stored), knowledgeChunks}}.",
                   parameters: [ParameterDescription("conversationContext", "string", "what the conversation is about (added to the prompt)"),
                                ParameterDescription("userMessage", "string", "the user's message: knowledge notes matching it are added")]) { input in
                let conversation = try input.string("conversationContext", maxLength: 2000)
                let message = try input.string("userMessage", maxLength: 2000)
                let ranked = await ranked(message, limit: 3, knowledge, input)
                return .json(try await database.json(input.caller, readOnly: true, """
                    WITH profile AS (
                      SELECT p.master_prompt, t.name AS theme, t.system_prompt_template AS persona
                        FROM public.user_identity_profiles p
                        LEFT JOIN public.motivational_themes t ON t.id = p.theme_id
                       WHERE p.user_id = auth.uid()
                    ), \(Self.knowledgeNotes(query: "$2::text", ranked: "$4::uuid[]", limit: "CASE WHEN EXISTS (SELECT 1 FROM profile) AND $2::text IS NOT NULL THEN 3 ELSE 0 END")),
                    prompt AS (
                      SELECT concat_ws(E'\\n\\n', coalesce((SELECT coalesce(master_prompt, btrim(persona)) FROM profile), $3::text),
                                       \(knowledgeSection), CASE WHEN $1::text IS NOT NULL THEN 'About this conversation: ' || $1::text END) AS text
                    )
                    SELECT jsonb_build_object(
                             'success', true, 'hasProfile', EXISTS (SELECT 1 FROM profile),
                             'systemPrompt', (SELECT text FROM prompt), 'prompt', (SELECT text FROM prompt),
                             'contextSummary', jsonb_build_object(
                               'theme', coalesce((SELECT theme FROM profile), 'default'),
                               'identityLoaded', coalesce((SELECT master_prompt IS NOT NULL FROM profile), false),
                               'knowledgeChunks', (SELECT count(*) FROM knowledge)))::text
                    """, [conversation.map(SQLValue.text) ?? .null, message.map(SQLValue.text) ?? .null, .text(defaultPrompt), .textArray(ranked)]) ?? "null")
            },
            Action("refresh", "Marks the caller's identity as changed now (last_identity_update); nothing is cached, so the next prompt is built from the profile as it stands: {success, hasProfile, refreshedAt, message}.") { input in
                .json(try await database.json(input.caller, """
                    WITH touched AS (
                      UPDATE public.user_identity_profiles p SET last_identity_update = now()
                       WHERE p.user_id = auth.uid() RETURNING p.last_identity_update
                    )
                    SELECT jsonb_build_object('success', true, 'hasProfile', EXISTS (SELECT 1 FROM touched),
                                              'refreshedAt', coalesce((SELECT last_identity_update FROM touched), now()),
                                              'message', 'Nothing is cached: the next prompt is built from your profile as it stands.')::text
                    """) ?? "null")
            },
        ])
    }

    /// `build` and `preview`: the master prompt (stored or not), then the answer composed from it
    /// and the profile as it now stands, in one transaction as the caller.
    static func build(_ input: ActionInput, _ database: CallerDatabase, _ knowledge: KnowledgeBase, store: Bool) async throws -> FunctionResponse {
        let purpose = try input.string("context", maxLength: 200)
        let query = try input.string("knowledgeQuery", maxLength: 500)
        let limit = try input.bool("includeKnowledge") == false ? 0 : try input.int("maxKnowledgeChunks", in: 0...20) ?? 5
        let ranked = limit > 0 ? await ranked(query, limit: limit, knowledge, input) : []
        let text = try await database.transaction(input.caller) { transaction in
            let built = try await transaction.text(SQLStatement("SELECT public.build_master_prompt($1)::text", [.bool(store)])) ?? "null"
            return try await transaction.text(SQLStatement("""
                WITH built AS (SELECT $1::jsonb AS b),
                profile AS (
                  SELECT p.*, t.name AS theme, t.display_name AS theme_display_name
                    FROM public.user_identity_profiles p
                    LEFT JOIN public.motivational_themes t ON t.id = p.theme_id
                   WHERE p.user_id = auth.uid()
                ), \(Self.knowledgeNotes(query: "$3::text", ranked: "$5::uuid[]", limit: "$4::integer")),
                prompt AS (
                  SELECT concat_ws(E'\\n\\n', (SELECT b ->> 'master_prompt' FROM built), \(knowledgeSection),
                                   CASE WHEN $2::text IS NOT NULL THEN 'Context: ' || $2::text END) AS text
                )
                SELECT ((SELECT b FROM built) || jsonb_build_object(
                         'success', true, 'hasProfile', true,
                         'prompt', (SELECT text FROM prompt), 'systemPrompt', (SELECT text FROM prompt),
                         'context', jsonb_build_object(
                           'theme', p.theme, 'themeDisplayName', p.theme_display_name, 'purpose', $2::text,
                           'identity', jsonb_build_object(
                             'coreValues', to_jsonb(p.core_values), 'lifeRoles', to_jsonb(p.life_roles),
                             'motivationDrivers', to_jsonb(p.motivation_drivers), 'communicationStyle', p.communication_style,
                             'identitySummary', p.identity_summary, 'coachingFocusAreas', to_jsonb(p.coaching_focus_areas)),
                           'preferences', jsonb_build_object(
                             'formalityLevel', p.formality_level, 'encouragementFrequency', p.encouragement_frequency,
                             'preferredAiVoice', p.preferred_ai_voice),
                           'knowledge', coalesce((SELECT jsonb_agg(jsonb_build_object('id', k.id, 'text', k.chunk_text,
                                                                                      'sourceName', k.source_name, 'sourceType', k.source_type)
                                                                   ORDER BY k.position) FROM knowledge k), '[]'::jsonb),
                           'onboardingCompleted', p.onboarding_completed, 'lastIdentityUpdate', p.last_identity_update)))::text
                  FROM profile p
                """, [.json(built), purpose.map(SQLValue.text) ?? .null, query.map(SQLValue.text) ?? .null, .int(limit), .textArray(ranked)]))
        }
        return .json(text ?? "null")
    }

    /// The CTE `knowledge`: up to `limit` notes of the caller's active knowledge sources, those
    /// matching `query` (SQL expressions; a NULL query matches none) first, then the newest.
    /// The chunk ids the knowledge base's hybrid search ranks first for `query` (meaning and
    /// words), as the caller; empty without a query or when the search fails.
    static func ranked(_ query: String?, limit: Int, _ knowledge: KnowledgeBase, _ input: ActionInput) async -> [String] {
        guard let query, !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        return await knowledge.notes(matching: query, limit: limit, as: input.caller).compactMap { $0["chunkId"]?.stringValue }
    }

    /// The caller's notes for the prompt: those the hybrid search ranked (`ranked`, in its
    /// order), then those matching the words of `query`, then the newest.
    static func knowledgeNotes(query: String, ranked: String, limit: String) -> String {
        """
        knowledge AS (
          SELECT c.id, c.chunk_text, s.source_name, s.source_type,
                 row_number() OVER (ORDER BY array_position(\(ranked), c.id) NULLS LAST,
                                             coalesce(ts_rank(c.chunk_tsv, websearch_to_tsquery('english', \(query))), 0) DESC,
                                             c.created_at DESC, c.id) AS position
            FROM public.user_knowledge_chunks c
            JOIN public.user_knowledge_sources s ON s.id = c.source_id AND s.is_active AND s.include_in_context
           WHERE c.user_id = auth.uid()
           ORDER BY position
           LIMIT \(limit)
        )
        """
    }

    /// The notes of the `knowledge` CTE as a section of the prompt (NULL when there are none).
    static let knowledgeSection = """
        (SELECT 'From my knowledge base:' || E'\\n' || string_agg('- ' || k.source_name || ': ' || k.chunk_text, E'\\n' ORDER BY k.position)
           FROM knowledge k)
        """
}
