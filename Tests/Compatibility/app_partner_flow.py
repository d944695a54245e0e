"""partner-collaboration as the app calls it: the partner dashboard (components/PartnerDashboard.tsx),
replayed through the official client with the app's exact requests, and the attacker's side.

The dashboard names no action in any call: it sends `{}` for status, progress, goals, feed,
invitations and unlink, `{partnerEmail, message}` to invite, `{inviteCode}` to accept and to
decline, and the new goal's fields to create one. The function answers a body that names no
action with the default, status — which carries every field those reads look for — except where
the body is unmistakable: `partnerEmail` invites and `title` creates a shared goal. A bare
`{inviteCode}` accepts and declines nothing; `?action=accept` does, for the invitee's account only.

Usage: python app_partner_flow.py <API URL> <anon key> <service_role key>
"""

import datetime
import sys

from supabase import create_client

import flow_checks
from app_replay import User, arguments, expect_http_error, invoke

checks = flow_checks.Checks()
check = checks.run


def dashboard(user):
    """PartnerDashboard.tsx:123 (and 154, 165, 176, 187, the same request):
    invoke('partner-collaboration', {body: {}}) with the session's token."""
    return invoke(user.client, "partner-collaboration", {})


def main():
    url, anon_key, _ = arguments("app_partner_flow.py")
    anon = create_client(url, anon_key)
    alice = User(url, anon_key, "partner-alice")
    bob = User(url, anon_key, "partner-bob")
    mallory = User(url, anon_key, "partner-mallory")
    state = {}

    def status_alone():
        # PartnerDashboard.tsx:123 — reads hasPartner, partner, connectedAt (129-131); without a
        # partner the invitations, sent and received (193-194).
        data = dashboard(alice)
        assert data["success"] is True and data["hasPartner"] is False, data
        assert data["partner"] is None and data["connectedAt"] is None, data
        assert data["sent"] == [] and data["received"] == [], data

    check("the dashboard's status without a partner", status_alone)

    def invite():
        # PartnerDashboard.tsx:211 — {partnerEmail: inviteEmail.trim(), message}; reads the error,
        # then reloads the invitations (223): sent items show invitee_email, invite_code, expires_at (460-466).
        data = invoke(alice.client, "partner-collaboration", {"partnerEmail": bob.email, "message": "Let's achieve our goals together!"})
        assert data["success"] is True and data["invitation"]["partnerEmail"] == bob.email, data
        code = data["invitation"]["inviteCode"]
        assert isinstance(code, str) and 0 < len(code) <= 64, code
        sent = dashboard(alice)["sent"]
        assert [(i["invitee_email"], i["invite_code"]) for i in sent] == [(bob.email, code)], sent
        assert isinstance(sent[0]["expires_at"], str), sent
        state["code"] = code

    check("inviting by partnerEmail with no action named sends the invitation", invite)
    if "code" not in state:
        return checks.summary()
    code = state["code"]

    def received():
        # PartnerDashboard.tsx:187 — the invitee's received list: profiles.names (who invites),
        # expires_at and invite_code for the Accept and Decline buttons (362-380).
        data = dashboard(bob)
        assert data["hasPartner"] is False, data
        invitation = data["received"][0]
        assert invitation["invite_code"] == code and isinstance(invitation["expires_at"], str), invitation
        assert invitation["profiles"]["names"] == alice.email, invitation

    check("the invitee sees the invitation, its code and who sent it", received)

    def bare_code_accepts_nothing():
        # PartnerDashboard.tsx:237 (accept) and 255 (decline) send the same {inviteCode}: which
        # one is meant cannot be told, so the answer is the status and nothing changes.
        for _ in ("accept", "decline"):
            data = invoke(bob.client, "partner-collaboration", {"inviteCode": code})
            assert data["hasPartner"] is False and "connection" not in data and "declined" not in data, data
        after = dashboard(bob)
        assert after["hasPartner"] is False and [i["invite_code"] for i in after["received"]] == [code], after
        assert dashboard(alice)["hasPartner"] is False

    check("a bare {inviteCode} neither accepts nor declines", bare_code_accepts_nothing)

    def only_the_invitee_accepts():
        # The invitation names bob's confirmed email: mallory holding the code gets 403, with or
        # without an action named, and bob's account accepts it.
        expect_http_error(lambda: invoke(mallory.client, "partner-collaboration?action=accept", {"inviteCode": code}), 403)
        expect_http_error(lambda: invoke(mallory.client, "partner-collaboration?action=decline", {"inviteCode": code}), 403)
        expect_http_error(lambda: invoke(alice.client, "partner-collaboration?action=accept", {"inviteCode": code}), 403)
        expect_http_error(lambda: invoke(mallory.client, "partner-collaboration?action=accept", {"inviteCode": "ZZZZ9999"}), 404)
        assert dashboard(mallory)["hasPartner"] is False
        data = invoke(bob.client, "partner-collaboration?action=accept", {"inviteCode": code})
        assert data["success"] is True and data["connection"]["partnerId"] == alice.id, data
        expect_http_error(lambda: invoke(bob.client, "partner-collaboration?action=accept", {"inviteCode": code}), 422)

    check("the invitation is accepted only by the invitee's account, once", only_the_invitee_accepts)

    def partner_activity():
        # Bob's habit done today, written as the app writes habits (REST), for the progress card.
        habit = bob.client.table("habits").insert({"title": "secret diary"}).execute().data[0]
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        bob.client.table("habit_completions").insert(
            {"habit_id": habit["id"], "user_id": bob.id, "completed_on": today}).execute()
        state["habit"] = habit["id"]

    check("the partner completes a habit", partner_activity)

    def status_connected():
        # PartnerDashboard.tsx:123 — hasPartner, connectedAt (486), partner.name (486, 519),
        # partner.tier (520), partner.stats.activeHabits and weeklyCompletions (660, 664).
        data = dashboard(alice)
        assert data["hasPartner"] is True and isinstance(data["connectedAt"], str), data
        partner = data["partner"]
        assert partner["id"] == bob.id and partner["name"] == bob.email, partner
        assert "tier" in partner, partner
        assert partner["stats"] == {"activeHabits": 1, "weeklyCompletions": 1}, partner

    check("the dashboard's status with a partner", status_connected)

    def progress():
        # PartnerDashboard.tsx:154 — data.partner as the progress card reads it:
        # todayProgress.completed/total/percentage (531-537), habits (544), visionBoardCount (668).
        partner = dashboard(alice)["partner"]
        assert partner["todayProgress"] == {"completed": 1, "total": 1, "percentage": 100}, partner
        assert partner["habits"] == [] and partner["visionBoardCount"] is None, partner
        named = invoke(alice.client, "partner-collaboration?action=partner_progress")["partner"]
        assert named["todayProgress"] == partner["todayProgress"], named
        for answer in (partner, named):
            assert "secret diary" not in str(answer) and state.get("habit", "-") not in str(answer), answer

    check("the partner's progress: counts only, never their habits", progress)

    def create_goal():
        # PartnerDashboard.tsx:294 — {title, description, category, targetDate, targetValue, unit},
        # no action; reads the error, then reloads the goals (310, 165): title, category,
        # target_value, current_value, unit (587-604).
        body = {"title": "Save for the trip", "description": "", "category": "travel",
                "targetDate": "2031-06-30", "targetValue": 2500.0, "unit": "USD"}
        data = invoke(alice.client, "partner-collaboration", body)
        assert data["success"] is True and data["goal"]["title"] == "Save for the trip", data
        goals = dashboard(bob)["goals"]
        assert [(g["title"], g["category"], g["target_value"], g["current_value"], g["unit"]) for g in goals] \
            == [("Save for the trip", "travel", 2500, 0, "USD")], goals
        assert goals[0]["created_by"] == alice.id and goals[0]["target_date"] == "2031-06-30", goals

    check("a new shared goal from the goal form, with no action named", create_goal)

    def goal_category_refused():
        # The form's 'home' and 'other' categories (PartnerDashboard.tsx:712, 715) are not among
        # the shared goals' categories: 400, nothing created.
        expect_http_error(lambda: invoke(alice.client, "partner-collaboration", {"title": "New roof", "category": "home"}), 400)
        assert len(dashboard(alice)["goals"]) == 1

    check("a category the goals do not have is refused", goal_category_refused)

    def feed():
        # PartnerDashboard.tsx:176 — data.feed items: type, isPartner, title, timestamp (625-644).
        items = dashboard(alice)["feed"]
        kinds = {item["type"] for item in items}
        assert {"connected", "goal_created", "habit_completion"} <= kinds, items
        done = next(item for item in items if item["type"] == "habit_completion")
        assert done["isPartner"] is True and done["title"] == "1 habit" and done["userId"] == bob.id, done
        goal = next(item for item in items if item["type"] == "goal_created")
        assert goal["isPartner"] is False and goal["title"] == "Save for the trip", goal
        assert all(isinstance(item["timestamp"], str) for item in items), items
        assert "secret diary" not in str(items), items

    check("the shared feed", feed)

    def others_see_nothing():
        # Mallory, and a body naming alice's userId, read only mallory's own (empty) dashboard.
        data = invoke(mallory.client, "partner-collaboration", {"userId": alice.id})
        assert data["hasPartner"] is False and data["goals"] == [] and data["feed"] == [], data
        for action in ("partner_progress", "feed", "shared_goals", "pending"):
            answer = invoke(mallory.client, f"partner-collaboration?action={action}", {"userId": alice.id})
            assert alice.id not in str(answer) and bob.id not in str(answer), (action, answer)
        goal = dashboard(alice)["goals"][0]
        expect_http_error(lambda: invoke(mallory.client, "partner-collaboration?action=shared_goals", {"goalId": goal["id"], "increment": 100}), 404)
        expect_http_error(lambda: invoke(mallory.client, "partner-collaboration?action=unlink", {"connectionId": dashboard(alice)["connectionId"]}), 404)
        assert dashboard(alice)["goals"][0]["current_value"] == 0

    check("another user, or a userId in the body, reaches nothing of the pair's", others_see_nothing)

    def anon_refused():
        expect_http_error(lambda: invoke(anon, "partner-collaboration", {}), 401)
        expect_http_error(lambda: invoke(anon, "partner-collaboration", {"partnerEmail": bob.email}), 401)
        expect_http_error(lambda: invoke(anon, "partner-collaboration?action=accept", {"inviteCode": code}), 401)

    check("anon is refused", anon_refused)

    def unlink_needs_its_action():
        # PartnerDashboard.tsx:273 — unlink sends {}: the status, nothing ends.
        data = invoke(bob.client, "partner-collaboration", {})
        assert data["hasPartner"] is True, data
        assert dashboard(alice)["hasPartner"] is True
        ended = invoke(bob.client, "partner-collaboration?action=unlink")
        assert ended["unlinked"] is True, ended
        assert dashboard(alice)["hasPartner"] is False and dashboard(alice)["goals"] == []

    check("the dashboard's unlink ({}) ends nothing; ?action=unlink ends it for both", unlink_needs_its_action)

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
