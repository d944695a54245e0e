"""amie-prompt-builder with the app's contract, replayed through the official client. No screen of
the app calls it; the requests are the one its own test makes (src/test/amie-onboarding.test.ts)
and the ones its edge function (supabase/functions/amie-prompt-builder/index.ts) reads, and the
checks are on the fields they read. Then the attacker's side.

Usage: python app_amie_flow.py <API URL> <anon key> <service_role key>
"""

import sys

from supabase import create_client

import flow_checks
from app_replay import User, arguments, expect_http_error, invoke

checks = flow_checks.Checks()
check = checks.run


def answer(question):
    """A valid answer of each question type: the first option (two for multiple choice), or a text."""
    options = question["options"]
    if question["question_type"] == "multiple_choice":
        return options[:2]
    if question["question_type"] == "text":
        return "Lead a product team that ships every week"
    return options[0]


def onboard(user, theme_name):
    """The onboarding the app's questionnaire does, through the SQL functions themselves: the theme
    chosen and every question answered."""
    theme = user.client.table("motivational_themes").select("id").eq("name", theme_name).single().execute().data
    user.client.rpc("select_theme", {"p_theme_id": theme["id"]}).execute()
    questions = user.client.rpc("get_theme_questions", {"p_theme_id": theme["id"]}).execute().data
    answers = [{"question_id": q["id"], "answer": answer(q)} for q in questions]
    user.client.rpc("submit_onboarding_answers", {"p_answers": answers}).execute()


def note(user, name, text):
    """A note of the user's knowledge base, as the ingest leaves it: a source and one chunk."""
    source = user.client.table("user_knowledge_sources").insert(
        {"source_type": "notes", "source_name": name, "status": "completed"}).execute().data[0]
    user.client.table("user_knowledge_chunks").insert(
        {"source_id": source["id"], "user_id": user.id, "chunk_text": text, "chunk_index": 0}).execute()


def main():
    url, anon_key, _ = arguments("app_amie_flow.py")
    anon = create_client(url, anon_key)
    me = User(url, anon_key, "amie")
    other = User(url, anon_key, "amie-other")
    state = {}

    # amie-onboarding.test.ts:295-297 — invoke('amie-prompt-builder', {body: {userId: 'user-123',
    # context: 'habit_reminder'}}): no action (index.ts:56, build by default), a userId of the app's
    # own choosing, and what the prompt is for.
    app_body = {"userId": "user-123", "context": "habit_reminder"}

    def before_onboarding():
        # Composing a master prompt needs a chosen theme (a 422 in the envelope); the chat's system
        # prompt (index.ts:186-255) falls back to a default coach without a profile.
        expect_http_error(lambda: invoke(me.client, "amie-prompt-builder", app_body), 422, "theme")
        data = invoke(me.client, "amie-prompt-builder?action=get_system_prompt", {"userMessage": "hello"})
        assert data["success"] is True and data["hasProfile"] is False, data
        assert "AMIE" in data["systemPrompt"] and data["prompt"] == data["systemPrompt"], data
        assert data["contextSummary"] == {"theme": "default", "identityLoaded": False, "knowledgeChunks": 0}, data

    check("before onboarding: build is a 422 naming the theme; get_system_prompt answers a default coach", before_onboarding)

    def the_apps_call():
        onboard(me, "business_executive")
        note(me, "Training log", "Marathon training: long run every Sunday, intervals on Wednesday.")
        note(me, "Reading list", "Finish the leadership book before the quarterly review.")
        data = invoke(me.client, "amie-prompt-builder", app_body)
        # amie-onboarding.test.ts:299-300 — reads data.prompt and data.context.theme.
        assert isinstance(data["prompt"], str) and "About me:" in data["prompt"], data
        assert data["context"]["theme"] == "business_executive", data
        # index.ts:172-179 — {success, context, hasProfile, systemPrompt}.
        assert data["success"] is True and data["hasProfile"] is True, data
        assert data["systemPrompt"] == data["prompt"], data
        assert data["prompt"].endswith("Context: habit_reminder"), data["prompt"]
        assert data["context"]["purpose"] == "habit_reminder", data
        # index.ts:92 — knowledge is included by default (5 notes at most).
        assert len(data["context"]["knowledge"]) == 2 and "Marathon training" in data["prompt"], data
        state["master"] = data["master_prompt"]
        profile = me.client.table("user_identity_profiles").select("master_prompt, onboarding_completed").single().execute().data
        assert profile == {"master_prompt": state["master"], "onboarding_completed": True}, profile

    check("the app's call (no action, userId and context in the body) answers prompt and context.theme", the_apps_call)
    if "master" not in state:
        return checks.summary()

    def build_options():
        # index.ts:92 — {includeKnowledge, knowledgeQuery, maxKnowledgeChunks}.
        one = invoke(me.client, "amie-prompt-builder?action=build",
                     {"knowledgeQuery": "leadership book", "maxKnowledgeChunks": 1})
        assert [k["sourceName"] for k in one["context"]["knowledge"]] == ["Reading list"], one
        assert "leadership book" in one["prompt"] and "Marathon" not in one["prompt"], one["prompt"]
        none = invoke(me.client, "amie-prompt-builder?action=build", {"includeKnowledge": False})
        assert none["context"]["knowledge"] == [] and none["prompt"] == state["master"], none
        identity = none["context"]["identity"]
        assert identity["coreValues"] == [] and isinstance(none["context"]["preferences"]["formalityLevel"], str), none

    check("build reads includeKnowledge, knowledgeQuery and maxKnowledgeChunks", build_options)

    def system_prompt():
        # index.ts:187 — {conversationContext, userMessage}; 242-254 answers {success, systemPrompt,
        # hasProfile, contextSummary: {theme, identityLoaded, knowledgeChunks}}.
        data = invoke(me.client, "amie-prompt-builder?action=get_system_prompt",
                      {"conversationContext": "weekly review", "userMessage": "how is my marathon training going"})
        assert data["hasProfile"] is True and data["systemPrompt"].startswith(state["master"]), data
        assert "Marathon training" in data["systemPrompt"], data
        assert data["systemPrompt"].endswith("weekly review"), data
        assert data["contextSummary"] == {"theme": "business_executive", "identityLoaded": True, "knowledgeChunks": 2}, data

    check("get_system_prompt answers the stored prompt with matching notes and the conversation", system_prompt)

    def refresh():
        # index.ts:260-278 — refresh answers {success, message, refreshedAt}.
        data = invoke(me.client, "amie-prompt-builder?action=refresh", {})
        assert data["success"] is True and isinstance(data["message"], str), data
        assert isinstance(data["refreshedAt"], str) and data["hasProfile"] is True, data

    check("refresh answers success, message and refreshedAt", refresh)

    def bad_inputs():
        for body, part in [({"maxKnowledgeChunks": 21}, "maxKnowledgeChunks"), ({"maxKnowledgeChunks": -1}, "maxKnowledgeChunks"),
                           ({"includeKnowledge": "maybe"}, "includeKnowledge"), ({"context": 5}, "context"),
                           ({"context": "x" * 201}, "context"), ({"knowledgeQuery": ["a"]}, "knowledgeQuery")]:
            expect_http_error(lambda: invoke(me.client, "amie-prompt-builder", body), 400, part)
        expect_http_error(lambda: invoke(me.client, "amie-prompt-builder?action=fly", {}), 400, "unknown action")

    check("bad inputs are 400s naming the member", bad_inputs)

    # -- the attacker's side ----------------------------------------------------------------------

    def someone_elses_user_id():
        # The app's body carries a userId; naming someone else's changes nothing: the prompt, the
        # profile and the notes are the caller's.
        body = {"userId": me.id, "context": "habit_reminder"}
        expect_http_error(lambda: invoke(other.client, "amie-prompt-builder", body), 422)
        theirs = invoke(other.client, "amie-prompt-builder?action=get_system_prompt",
                        {"userId": me.id, "userMessage": "marathon training"})
        assert theirs["hasProfile"] is False and state["master"] not in theirs["systemPrompt"], theirs
        assert "Marathon" not in theirs["systemPrompt"] and theirs["contextSummary"]["knowledgeChunks"] == 0, theirs
        onboard(other, "health_fitness")
        built = invoke(other.client, "amie-prompt-builder", body)
        assert built["context"]["theme"] == "health_fitness" and built["context"]["knowledge"] == [], built
        assert "Marathon" not in built["prompt"], built["prompt"]
        mine = me.client.table("user_identity_profiles").select("master_prompt").single().execute().data
        assert mine["master_prompt"] == state["master"], mine

    check("a userId of someone else in the body is ignored: own profile, own notes", someone_elses_user_id)

    def anon_refused():
        expect_http_error(lambda: invoke(anon, "amie-prompt-builder", app_body), 401)
        expect_http_error(lambda: invoke(anon, "amie-prompt-builder?action=get_system_prompt", {}), 401)

    check("the anon key cannot build anyone's prompt (401)", anon_refused)

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
