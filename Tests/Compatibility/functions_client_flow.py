"""Drives the official Supabase Python client (supabase-py / supabase_functions) through /functions/v1.

Usage: python functions_client_flow.py <API URL> <anon key> <service_role key>

Users sign up through the client's auth API; every call then goes through
`client.functions.invoke(...)` as that user (the client swaps its bearer to the session's access
token), so the client's own request building and error classes are what is tested: the body as
JSON, the method, the query string carried in the function's name, sub-paths, 4xx answers as
FunctionsHttpError with the function's message, unknown functions, and JWT verification.

One line per check, then `N passed, M failed`; the exit status is 0 only when every check passed.
"""

import json
import sys
import uuid

from supabase import create_client

import flow_checks
from app_replay import PASSWORD, expect_http_error, invoke


def unique_email(label):
    return flow_checks.unique_email("py-fn", label)


checks = flow_checks.Checks()
check = checks.run


def main():
    if len(sys.argv) != 4:
        print("usage: functions_client_flow.py <API URL> <anon key> <service_role key>", file=sys.stderr)
        return 2
    url, anon_key, service_key = sys.argv[1:4]
    state = {}

    def clients():
        for label in ("a", "b"):
            client = create_client(url, anon_key)
            email = unique_email(label)
            response = client.auth.sign_up({"email": email, "password": PASSWORD})
            assert response.session is not None, f"user {label}: sign_up returned no session"
            state[label] = client
            state[f"{label}_id"] = response.user.id
            state[f"{label}_email"] = email
        state["anon"] = create_client(url, anon_key)
        state["service"] = create_client(url, service_key)

    check("two users sign up; anon and service_role clients are created", clients)
    if "service" not in state:
        checks.summary()
        return 1
    a, b, anon, service = state["a"], state["b"], state["anon"], state["service"]

    # -- 45: POST with a JSON body and the user's token; the JSON answer comes back intact ------

    def create_habit():
        created = invoke(a, "habit-service?action=create", {"title": "Read 10 pages", "frequency": "daily"})
        habit = created["habit"]
        assert created["success"] is True and habit["title"] == "Read 10 pages", created
        assert habit["currentStreak"] == 0 and habit["completedToday"] is False, habit
        state["habit"] = habit["id"]

    check("invoke habit-service create (POST, JSON body, user's bearer) returns the habit", create_habit)

    def complete_by_sub_path():
        done = invoke(a, "habit-service/complete", {"habitId": state["habit"], "moodRating": 5})
        assert done["currentStreak"] == 1, done
        assert done["habit"]["completedToday"] is True, done

    check("a sub-path names the action: habit-service/complete", complete_by_sub_path)

    def raw_bytes():
        data = a.functions.invoke("credits")
        assert isinstance(data, bytes), type(data)
        balance = json.loads(data)
        assert balance["credits"] == 3 and balance["ledger"][0]["reason"] == "signup_bonus", balance

    check("invoke without responseType gives the raw JSON bytes (credits balance)", raw_bytes)

    # -- 46: method, sub-path and query string pass through -------------------------------------

    def get_with_query():
        listed = invoke(a, "habit-service?action=list&includeInactive=true", method="GET")
        assert [h["id"] for h in listed["habits"]] == [state["habit"]], listed
        stats = invoke(a, f"habit-service?action=stats&habitId={state['habit']}&period=7", method="GET")
        assert stats["stats"]["totalCompletions"] == 1 and stats["stats"]["period"] == "7 days", stats

    check("GET with the query string carried in the name (invoke('name?x=1', {method: GET}))", get_with_query)

    # -- 47: 4xx answers as FunctionsHttpError with the function's message; unknown is 404 -------

    check("a missing field is a 400 FunctionsHttpError naming it",
          lambda: expect_http_error(lambda: invoke(a, "habit-service?action=complete", {}), 400, "habitId"))
    check("a second check-off the same day is a 409 FunctionsHttpError",
          lambda: expect_http_error(lambda: invoke(a, "habit-service?action=complete", {"habitId": state["habit"]}), 409,
                                    "already checked off"))
    check("another user's habit is a 404 FunctionsHttpError",
          lambda: expect_http_error(lambda: invoke(b, "habit-service?action=complete", {"habitId": state["habit"]}), 404))
    check("an unknown function is a 404 FunctionsHttpError",
          lambda: expect_http_error(lambda: invoke(a, "no-such-function", {}), 404))
    check("an action for the server only is a 403 FunctionsHttpError for a user",
          lambda: expect_http_error(
              lambda: invoke(a, "credits?action=adjust", {"user_id": state["a_id"], "amount": 5, "reason": "gift"}), 403))

    # -- 48: verification before the function runs -----------------------------------------------

    def invalid_jwt():
        client = create_client(url, anon_key)
        client.functions.set_auth("not-a-jwt")
        expect_http_error(lambda: invoke(client, "credits", {}), 401)

    check("an invalid bearer is a 401 before the function runs", invalid_jwt)
    def anon_catalogue():
        catalog = invoke(anon, "print-products?action=catalog")
        assert len(catalog["products"]) == 10, catalog

    check("the anon key is a valid JWT: anon reads the catalogue", anon_catalogue)
    check("the anon key cannot act for a user (401)",
          lambda: expect_http_error(lambda: invoke(anon, "habit-service?action=list", {}), 401))

    # -- The domain flows through the client ------------------------------------------------------

    def credits_adjust():
        body = {"user_id": state["a_id"], "amount": 10, "reason": "purchase", "reference": "pi_py_1"}
        first = invoke(service, "credits?action=adjust", body)
        again = invoke(service, "credits?action=adjust", body)
        assert first["credits"] == 13 and again["credits"] == 13, (first, again)

    check("service_role adjusts credits once per reference", credits_adjust)

    def partners():
        invitation = invoke(a, "partner-collaboration?action=invite", {"partnerEmail": state["b_email"]})["invitation"]
        assert 0 < len(invitation["inviteCode"]) <= 64, invitation
        accepted = invoke(b, "partner-collaboration?action=accept", {"inviteCode": invitation["inviteCode"]})
        assert accepted["connection"]["partnerId"] == state["a_id"], accepted
        goal = invoke(a, "partner-collaboration?action=shared_goals", {"title": "Save 100", "targetValue": 100})["goal"]
        done = invoke(b, "partner-collaboration?action=shared_goals", {"goalId": goal["id"], "increment": 100})["goal"]
        assert done["status"] == "completed", done
        progress = invoke(b, "partner-collaboration?action=partner_progress")
        assert progress["partner"]["stats"]["activeHabits"] == 1, progress
        assert "Read 10 pages" not in json.dumps(progress), progress
        expect_http_error(lambda: invoke(b, "partner-collaboration?action=accept", {"inviteCode": invitation["inviteCode"]}), 422)

    check("partners: invite, accept by code, shared goal completed, progress summary, reused code refused", partners)

    def teams():
        team = invoke(a, "team-service?action=create", {"name": "Py Team"})
        invitation = invoke(a, "team-service?action=invite", {"team_id": team["id"], "email": state["b_email"]})
        assert invitation["role"] == "member" and invitation["status"] == "pending", invitation
        assert "user_id" not in invitation, invitation
        received = invoke(b, "team-service?action=invitations")
        assert [i["id"] for i in received] == [invitation["id"]], received
        joined = invoke(b, "team-service?action=accept_invitation", {"invitation_id": invitation["id"]})
        assert joined["team"]["my_role"] == "member", joined
        board = invoke(b, f"team-service?action=leaderboard&team_id={team['id']}&period=weekly", method="GET")
        assert [r["user_id"] for r in board["rankings"]][0] == state["a_id"], board
        expect_http_error(lambda: invoke(b, "team-service?action=remove", {"team_id": team["id"], "user_id": state["a_id"]}), 403)

    check("teams: create, invite, accept, leaderboard; a member cannot remove the owner", teams)

    def prices_are_the_servers():
        products = invoke(anon, "print-products?action=catalog")["products"]
        stickers = next(p for p in products if p["prodigi_sku"] == "GLOBAL-STK-A4")
        placed = invoke(a, "print-products?action=order", {
            "productId": stickers["id"], "quantity": 2, "total": 0.01, "subtotal": 0.01,
            "shippingAddress": {"name": "A", "line1": "1 St", "city": "C", "postalCode": "1", "country": "US"}})
        order = placed["order"]
        assert order["total"] == 22.97 and order["status"] == "pending", placed
        cancelled = invoke(a, "print-products?action=cancel", {"orderId": order["id"]})
        assert cancelled["order"]["status"] == "cancelled", cancelled

    check("print order priced by the server (client amounts ignored), then cancelled", prices_are_the_servers)

    def onboarding():
        themes = invoke(anon, "onboarding-themes?action=list")["themes"]
        custom = next(t for t in themes if t["name"] == "custom")
        invoke(a, "onboarding-themes?action=select", {"themeId": custom["id"]})
        built = invoke(a, "amie-prompt-builder", {})
        assert "About me:" in built["master_prompt"] and built["stored"] is True, built

    check("onboarding: themes as anon, select, master prompt built", onboarding)

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
