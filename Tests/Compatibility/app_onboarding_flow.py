"""onboarding-themes as the app calls it: the theme picker (components/ThemeSelector.tsx) and the
questionnaire (components/MasterPromptQnA.tsx), replayed through the official client with the
app's exact requests, and the attacker's side of them.

Usage: python app_onboarding_flow.py <API URL> <anon key> <service_role key>
"""

import sys

from supabase import create_client

import flow_checks
from app_replay import User, arguments, expect_http_error, invoke

checks = flow_checks.Checks()
check = checks.run


def ui_answer(question):
    """The answer the questionnaire's input for this question type sends (MasterPromptQnA.tsx:293-430):
    an option's text for single_choice and scale, a list of options for multiple_choice, typed text."""
    options = question["options"]
    kind = question["question_type"]
    if kind == "multiple_choice":
        return options[:2]
    if kind == "scale":
        return options[-1]
    if kind == "single_choice":
        return options[0]
    return "Lead a calm, well-run household"


def responses(questions, answered):
    """MasterPromptQnA.tsx:96-100: one response per question, "" for those the user left out."""
    return [{"question_id": q["id"], "question_text": q["question_text"],
             "answer": ui_answer(q) if q["id"] in answered else ""} for q in questions]


def main():
    url, anon_key, _ = arguments("app_onboarding_flow.py")
    anon = create_client(url, anon_key)
    me = User(url, anon_key, "onboarding")
    other = User(url, anon_key, "onboarding-other")
    state = {}

    def themes_without_an_action():
        # ThemeSelector.tsx:33 — invoke('onboarding-themes', {body: {}}): no action named.
        for client in (anon, me.client):
            data = invoke(client, "onboarding-themes", {})
            assert data["success"] is True and len(data["themes"]) == 5, data

    check("ThemeSelector's first call, naming no action, lists the themes", themes_without_an_action)

    def theme_cards():
        # ThemeSelector.tsx:39 — invoke('onboarding-themes?action=list', {method: 'GET'}); reads
        # data.themes, each card reading id, name, icon, display_name, description,
        # include_scripture/metrics/wellness/legacy and motivation_style (ThemeSelector.tsx:156-214).
        data = invoke(anon, "onboarding-themes?action=list", method="GET")
        themes = data["themes"]
        assert [t["name"] for t in themes] == ["christian", "business_executive", "health_fitness", "retirement", "custom"], themes
        for theme in themes:
            for field in ("id", "icon", "display_name", "description", "motivation_style"):
                assert isinstance(theme[field], str) and theme[field], (field, theme)
            for flag in ("include_scripture", "include_metrics", "include_wellness", "include_legacy"):
                assert isinstance(theme[flag], bool), (flag, theme)
        assert next(t for t in themes if t["name"] == "christian")["include_scripture"] is True, themes
        state["themes"] = {t["name"]: t for t in themes}

    check("ThemeSelector lists the theme cards as anon, with every field a card shows", theme_cards)
    if "themes" not in state:
        return checks.summary()
    executive = state["themes"]["business_executive"]["id"]
    christian = state["themes"]["christian"]["id"]

    def select_theme():
        # ThemeSelector.tsx:71 — invoke('onboarding-themes?action=select', {body: {themeId}}) with
        # the session's token; the app reads only the error.
        data = invoke(me.client, "onboarding-themes?action=select", {"themeId": executive})
        assert data["success"] is True and data["themeId"] == executive, data
        assert data["profile"]["user_id"] == me.id and data["profile"]["onboarding_step"] == 1, data

    check("ThemeSelector saves the chosen theme", select_theme)

    def questions():
        # MasterPromptQnA.tsx:43 — invoke(`onboarding-themes?action=get_questions&themeId=${themeId}`,
        # {method: 'GET'}); reads data.questions: id, question_text, question_type, options,
        # is_required (MasterPromptQnA.tsx:144, 211-215, 298-300).
        for client in (anon, me.client):
            data = invoke(client, f"onboarding-themes?action=get_questions&themeId={executive}", method="GET")
            listed = data["questions"]
            assert len(listed) == 7, data
            for question in listed:
                assert isinstance(question["id"], str) and question["question_text"], question
                assert question["question_type"] in ("single_choice", "multiple_choice", "text", "scale"), question
                assert isinstance(question["options"], list) and isinstance(question["is_required"], bool), question
            assert [q["question_type"] for q in listed].count("multiple_choice") == 1, listed
        state["questions"] = listed

    check("MasterPromptQnA loads the theme's questions with a GET, as anon and signed in", questions)
    if "questions" not in state:
        return checks.summary()
    listed = state["questions"]

    def answers_with_blanks():
        # MasterPromptQnA.tsx:107 — invoke('onboarding-themes?action=submit_answers',
        # {body: {themeId, responses}}); a question the user jumped over is sent as "".
        first = {q["id"] for q in listed[:4]}
        data = invoke(me.client, "onboarding-themes?action=submit_answers", {"themeId": executive, "responses": responses(listed, first)})
        assert data["success"] is True, data
        assert data["progress"]["answeredRequired"] == 4 and data["progress"]["allRequiredAnswered"] is False, data
        stored = {a["question_id"]: a["answer"] for a in data["profile"]["answers"]}
        assert set(stored) == first, stored
        assert all(stored[q["id"]] == ui_answer(q) for q in listed[:4]), stored

    check("MasterPromptQnA submits answers with the skipped ones blank: the answered ones are stored", answers_with_blanks)

    def all_answers():
        # MasterPromptQnA.tsx:107 again, every question answered through its input.
        every = {q["id"] for q in listed}
        data = invoke(me.client, "onboarding-themes?action=submit_answers", {"themeId": executive, "responses": responses(listed, every)})
        assert data["progress"]["allRequiredAnswered"] is True and data["profile"]["onboarding_step"] == 2, data
        assert len(data["profile"]["answers"]) == 7, data
        profile = invoke(me.client, "onboarding-themes?action=get_profile")
        assert profile["nextQuestions"] == [] and profile["onboardingProgress"]["answeredQuestions"] == 7, profile

    check("MasterPromptQnA submits every answer: the required questions are all answered", all_answers)

    def scale_as_text():
        # MasterPromptQnA.tsx:385-409: a scale answer is its option's text ("5").
        invoke(other.client, "onboarding-themes?action=select", {"themeId": christian})
        scale = invoke(other.client, f"onboarding-themes?action=get_questions&themeId={christian}", method="GET")["questions"]
        question = next(q for q in scale if q["question_type"] == "scale")
        data = invoke(other.client, "onboarding-themes?action=submit_answers",
                      {"themeId": christian, "responses": responses(scale, {question["id"]})})
        assert data["profile"]["answers"] == [{"question_id": question["id"], "question_text": question["question_text"], "answer": "5"}], data

    check("a scale answer sent as the option's text is stored", scale_as_text)

    def bad_answers_refused():
        wrong = listed[0]
        bodies = [
            {"themeId": executive, "responses": [{"question_id": wrong["id"], "question_text": "", "answer": "Get rich quick"}]},
            {"themeId": executive, "responses": [{"question_id": "fallback-1", "answer": "x"}]},
            {"themeId": executive, "responses": responses(listed, set())},
            {"themeId": executive, "responses": "all of them"},
            {"themeId": executive},
        ]
        for body in bodies:
            expect_http_error(lambda: invoke(me.client, "onboarding-themes?action=submit_answers", body), 400)
        expect_http_error(lambda: invoke(anon, "onboarding-themes?action=get_questions&themeId=fallback-christian", method="GET"), 400)
        expect_http_error(lambda: invoke(anon, "onboarding-themes?action=get_questions", method="GET"), 400)
        stored = invoke(me.client, "onboarding-themes?action=get_profile")["profile"]["answers"]
        assert len(stored) == 7, stored

    check("answers that are no option, questions of no theme, nothing answered: 400, nothing changed", bad_answers_refused)

    def anon_writes_nothing():
        # ThemeSelector.tsx:69 and MasterPromptQnA.tsx:105 call only with a session; without one
        # (the anon key as bearer) the writes are refused.
        expect_http_error(lambda: invoke(anon, "onboarding-themes?action=select", {"themeId": executive}), 401)
        expect_http_error(lambda: invoke(anon, "onboarding-themes?action=submit_answers",
                               {"themeId": executive, "responses": responses(listed, {listed[0]["id"]})}), 401)
        expect_http_error(lambda: invoke(anon, "onboarding-themes?action=get_profile"), 401)

    check("anon cannot select, answer or read a profile", anon_writes_nothing)

    def user_id_in_body_ignored():
        # The body's userId names nobody: the token decides whose profile changes.
        before = invoke(me.client, "onboarding-themes?action=get_profile")["profile"]
        data = invoke(other.client, "onboarding-themes?action=select", {"themeId": state["themes"]["retirement"]["id"], "userId": me.id})
        assert data["profile"]["user_id"] == other.id, data
        # Answers to my theme's questions sent by someone else, naming me: not their theme's, refused.
        expect_http_error(lambda: invoke(other.client, "onboarding-themes?action=submit_answers",
                               {"userId": me.id, "themeId": executive, "responses": [{"question_id": listed[0]["id"], "answer": ui_answer(listed[0])}]}), 400)
        after = invoke(me.client, "onboarding-themes?action=get_profile")["profile"]
        assert after["theme_id"] == before["theme_id"] == executive and after["answers"] == before["answers"], (before, after)
        mine = invoke(other.client, "onboarding-themes?action=get_profile")["profile"]
        assert mine["user_id"] == other.id and mine["answers"] == [], mine

    check("a userId of someone else in the body changes only the caller's profile", user_id_in_body_ignored)

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
