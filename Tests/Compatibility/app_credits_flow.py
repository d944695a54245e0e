"""The app's credit calls, replayed: it reads `profiles.credits` and spends a credit by writing
back one less. That write is accepted as one spend (journaled `client_spend`); every other write
of credits, tier or Stripe columns is refused; twenty writes computed from the same read cannot
spend more than one credit.

Usage: python app_credits_flow.py <API URL> <anon key> <service_role key>
"""

import sys
import threading

from postgrest.exceptions import APIError
from supabase import create_client

import app_replay
import flow_checks

checks = flow_checks.Checks()
check = checks.run


def profile(client, user_id):
    """services/storageService.ts getUserProfile / decrementCredits: the read."""
    return client.table("profiles").select("credits, subscription_tier").eq("id", user_id).single().execute().data


def expect_refused(call, status="403"):
    try:
        result = call()
    except APIError as error:
        assert str(error.code) == "42501" or status in str(error), f"expected a {status} refusal, got {error!r}"
        return error
    raise AssertionError(f"expected a refusal, but the call returned {result!r}"[:300])


def ledger(client):
    return client.rpc("get_credits", {}).execute().data


def main():
    url, anon_key, service_key = app_replay.arguments("app_credits_flow.py")
    state = {}

    def users():
        state["a"] = app_replay.User(url, anon_key, "a", prefix="app-credits")
        state["b"] = app_replay.User(url, anon_key, "b", prefix="app-credits")
        state["c"] = app_replay.User(url, anon_key, "c", prefix="app-credits")
        state["anon"] = create_client(url, anon_key)

    check("three users sign up", users)
    if "anon" not in state:
        return checks.summary()
    a, b, c, anon = state["a"], state["b"], state["c"], state["anon"]

    # services/storageService.ts getUserProfile: credits and tier of a new user.
    def read_profile():
        data = profile(a.client, a.id)
        assert data == {"credits": 3, "subscription_tier": "FREE"}, data

    check("getUserProfile: a new user has 3 credits, FREE", read_profile)

    # services/storageService.ts decrementCredits: read, then update({credits: credits - 1}).
    def decrement_credits():
        current = profile(a.client, a.id)
        assert current["subscription_tier"] == "FREE" and current["credits"] > 0
        a.client.table("profiles").update({"credits": current["credits"] - 1}).eq("id", a.id).execute()
        assert profile(a.client, a.id)["credits"] == 2
        entries = ledger(a.client)
        assert entries["credits"] == 2 and entries["ledger"][0]["reason"] == "client_spend" and entries["ledger"][0]["delta"] == -1, entries

    check("decrementCredits: the app's read-then-write spends one credit, journaled client_spend", decrement_credits)

    def spend_to_zero():
        for expected in (1, 0):
            current = profile(a.client, a.id)["credits"]
            a.client.table("profiles").update({"credits": current - 1}).eq("id", a.id).execute()
            assert profile(a.client, a.id)["credits"] == expected
        expect_refused(lambda: a.client.table("profiles").update({"credits": -1}).eq("id", a.id).execute())
        assert profile(a.client, a.id)["credits"] == 0

    check("spending down to zero, and no further", spend_to_zero)

    # services/storageService.ts updateSubscription: the app upgrades its own tier with 9999
    # credits. That hole stays closed: tiers come from payments.
    def self_upgrade_refused():
        expect_refused(lambda: b.client.table("profiles").update({"subscription_tier": "ELITE", "credits": 9999}).eq("id", b.id).execute())
        expect_refused(lambda: b.client.table("profiles").update({"credits": 9999}).eq("id", b.id).execute())
        expect_refused(lambda: b.client.table("profiles").update({"subscription_tier": "PRO"}).eq("id", b.id).execute())
        expect_refused(lambda: b.client.table("profiles").update({"stripe_customer_id": "cus_x"}).eq("id", b.id).execute())
        expect_refused(lambda: b.client.table("profiles").update({"credits": 1}).eq("id", b.id).execute())
        expect_refused(lambda: b.client.table("profiles").update({"credits": 2, "financial_target": 10}).eq("id", b.id).execute())
        assert profile(b.client, b.id) == {"credits": 3, "subscription_tier": "FREE"}

    check("updateSubscription and every other credit write are refused; the balance stays 3", self_upgrade_refused)

    def others_and_anon():
        result = b.client.table("profiles").update({"credits": 2}).eq("id", c.id).execute()
        assert result.data == [], result.data
        expect_refused(lambda: anon.table("profiles").update({"credits": 2}).eq("id", c.id).execute(), status="401")
        assert profile(c.client, c.id)["credits"] == 3

    check("another user's and anon's writes change nobody's credits", others_and_anon)

    # Twenty tabs of the app, all having read 3, spend at once: exactly one spend passes.
    def race():
        clients = []
        for _ in range(20):
            client = create_client(url, anon_key)
            client.auth.sign_in_with_password({"email": c.email, "password": app_replay.PASSWORD})
            clients.append(client)
        read = [profile(client, c.id)["credits"] for client in clients]
        assert read == [3] * 20, read
        start = threading.Barrier(20)
        outcomes = [None] * 20

        def spend(index):
            start.wait()
            try:
                clients[index].table("profiles").update({"credits": read[index] - 1}).eq("id", c.id).execute()
                outcomes[index] = "ok"
            except APIError as error:
                outcomes[index] = str(error.code)

        threads = [threading.Thread(target=spend, args=(index,)) for index in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert outcomes.count("ok") == 1, outcomes
        assert outcomes.count("42501") == 19, outcomes
        assert profile(c.client, c.id)["credits"] == 2
        spends = [entry for entry in ledger(c.client)["ledger"] if entry["reason"] == "client_spend"]
        assert len(spends) == 1, spends

    check("20 concurrent spends computed from the same read of 3: exactly one succeeds, the balance is 2", race)

    # decrement_user_credits stays the recommended way.
    def recommended_way():
        assert b.client.rpc("decrement_user_credits", {}).execute().data is True
        assert profile(b.client, b.id)["credits"] == 2
        assert ledger(b.client)["ledger"][0]["reason"] == "generation"

    check("decrement_user_credits still spends one (reason generation)", recommended_way)

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
