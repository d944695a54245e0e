"""The REST reads and writes of the app's team screens, replayed: the manager dashboard's
membership read and its invitation with a code it chooses, the leaderboard screen's rows and its
teams with their member counts. Then the attacker's side: a taken or malformed code, someone
else's leaderboard, guessed codes.

Usage: python app_screens_flow.py <API URL> <anon key> <service_role key>
"""

import random
import re
import string
import sys
from datetime import datetime, timedelta, timezone

from postgrest.exceptions import APIError
from supabase import create_client

import app_replay
import flow_checks

checks = flow_checks.Checks()
check = checks.run


def expect_api_error(call, code):
    try:
        result = call()
    except APIError as error:
        assert str(error.code) == code, f"expected {code}, got {error.code}: {error.message}"
        return error
    raise AssertionError(f"expected error {code}, but the call returned {result!r}"[:300])


def manager_code():
    """components/ManagerDashboard.tsx: Math.random().toString(36).substring(2, 10).toUpperCase()."""
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(8)).upper()


def main():
    url, anon_key, service_key = app_replay.arguments("app_screens_flow.py")
    state = {}

    def setup():
        owner = app_replay.User(url, anon_key, "owner", prefix="app-screens")
        member = app_replay.User(url, anon_key, "member", prefix="app-screens")
        outsider = app_replay.User(url, anon_key, "outsider", prefix="app-screens")
        team = app_replay.invoke(owner.client, "team-service?action=create", {"name": "Climbers"})
        app_replay.invoke(owner.client, "team-service?action=invite", {"team_id": team["id"], "email": member.email})
        waiting = app_replay.invoke(member.client, "team-service?action=invitations", method="GET")
        app_replay.invoke(member.client, "team-service?action=accept_invitation", {"invitation_id": waiting[0]["id"]})
        state.update(owner=owner, member=member, outsider=outsider, team=team["id"])

    check("an owner creates a team; a member joins by invitation", setup)
    if "team" not in state:
        return checks.summary()
    owner, member, outsider, team = state["owner"], state["member"], state["outsider"], state["team"]

    # components/ManagerDashboard.tsx loadData: the caller's membership with its team.
    def manager_membership():
        row = owner.client.table("team_members").select("*, teams (*)").eq("user_id", owner.id).single().execute().data
        assert row["role"] == "owner" and row["teams"]["id"] == team and row["teams"]["name"] == "Climbers", row
        members = owner.client.table("team_members").select("*").eq("team_id", team).execute().data
        assert sorted(m["user_id"] for m in members) == sorted([owner.id, member.id]), members

    check("ManagerDashboard: the membership with teams(*), the team's members", manager_membership)

    # components/ManagerDashboard.tsx handleInvite: a partner invitation with the code it chose.
    def manager_invite():
        code = manager_code()
        owner.client.table("partner_invitations").insert({
            "inviter_id": owner.id, "invitee_email": "invitee@example.com", "invite_code": code,
            "message": "You've been invited to join Climbers on Visionary AI",
            "expires_at": (datetime.now(timezone.utc) + timedelta(days=7)).isoformat(),
        }).execute()
        row = owner.client.table("partner_invitations").select("invite_code, status").eq("invite_code", code).single().execute().data
        assert row == {"invite_code": code, "status": "pending"}, row
        state["code"] = code

    check("ManagerDashboard handleInvite: the chosen 8-character code is the invitation's", manager_invite)

    def taken_and_malformed_codes():
        expect_api_error(lambda: member.client.table("partner_invitations").insert(
            {"inviter_id": member.id, "invitee_email": "someone@example.com", "invite_code": state["code"]}).execute(), "23505")
        expect_api_error(lambda: member.client.table("partner_invitations").insert(
            {"inviter_id": member.id, "invitee_email": "someone@example.com", "invite_code": "AB12"}).execute(), "23514")
        expect_api_error(lambda: member.client.table("partner_invitations").insert(
            {"inviter_id": owner.id, "invitee_email": "someone@example.com"}).execute(), "42501")
        issued = member.client.table("partner_invitations").insert(
            {"inviter_id": member.id, "invitee_email": "someone@example.com"}).execute().data[0]
        assert re.fullmatch(r"[A-Z0-9]{8}", issued["invite_code"]), issued

    check("a taken code is 409, a malformed one 400, another inviter refused; the server issues 8 characters", taken_and_malformed_codes)

    def guessing_is_limited():
        outcomes = []
        for attempt in range(12):
            try:
                outsider.client.rpc("accept_partner_invitation", {"p_invite_code": f"GUESS{attempt:03d}"}).execute()
                outcomes.append("null")
            except APIError as error:
                outcomes.append(str(error.code))
        assert outcomes[:10] == ["null"] * 10 and outcomes[10:] == ["PT429", "PT429"], outcomes
        # The right code of an invitation addressed to someone else is no use either.
        expect_api_error(lambda: outsider.client.rpc("accept_partner_invitation", {"p_invite_code": state["code"]}).execute(), "PT429")

    check("guessing codes: ten tries an hour answer nothing, then 429", guessing_is_limited)

    # components/TeamLeaderboards.tsx: the leaderboard rows of a timeframe in rank order, as
    # computing a leaderboard stored them.
    def leaderboard_rows():
        app_replay.invoke(owner.client, "team-service?action=leaderboard", {"team_id": team, "period": "weekly", "refresh": True})
        rows = member.client.table("team_leaderboards").select("*").eq("period_type", "weekly").order("rank").limit(50).execute().data
        assert [r["rank"] for r in rows] == [1, 2], rows
        assert sorted(r["user_id"] for r in rows) == sorted([owner.id, member.id]), rows
        for row in rows:
            for field in ("user_name", "avatar_url", "total_score", "longest_streak", "completions_count", "rank_change"):
                assert field in row, (field, row)
            assert isinstance(row["total_score"], int) and isinstance(row["rank_change"], int), row
        for period_type in ("monthly", "all_time"):
            app_replay.invoke(owner.client, "team-service?action=leaderboard", {"team_id": team, "period": period_type})
            other = member.client.table("team_leaderboards").select("*").eq("period_type", period_type).order("rank").limit(50).execute().data
            assert len(other) == 2, (period_type, other)

    check("TeamLeaderboards: weekly, monthly and all_time rows by rank with the fields the screen reads", leaderboard_rows)

    def outsider_sees_no_board():
        rows = outsider.client.table("team_leaderboards").select("*").eq("period_type", "weekly").execute().data
        assert rows == [], rows
        anon = create_client(url, anon_key)
        expect_api_error(lambda: anon.table("team_leaderboards").select("*").execute(), "42501")

    check("an outsider reads no leaderboard row; anon is refused", outsider_sees_no_board)

    # components/TeamLeaderboards.tsx: active teams with team_members(count).
    def teams_with_counts():
        teams = member.client.table("teams").select("*, team_members(count)").eq("is_active", True).limit(20).execute().data
        climbers = next(t for t in teams if t["id"] == team)
        assert climbers["team_members"] == [{"count": 2}], climbers
        membership = member.client.table("team_members").select("team_id").eq("user_id", member.id).single().execute().data
        assert membership == {"team_id": team}, membership
        assert all(t["id"] != team for t in outsider.client.table("teams").select("*, team_members(count)").eq("is_active", True).execute().data)

    check("TeamLeaderboards: teams with team_members(count) as [{count: 2}], the caller's team", teams_with_counts)

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
