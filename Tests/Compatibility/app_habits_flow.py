"""habit-service with the app's contract, replayed through the official client. No screen of the
app calls it (HabitTracker.tsx reads and writes the tables itself), so the requests are the ones
its edge function (supabase/functions/habit-service/index.ts) reads and its own tests
(src/test/habit-service.test.ts) make: the action in `?action=`, camelCase members, and the reply
fields the edge function answers. Then the attacker's side.

Usage: python app_habits_flow.py <API URL> <anon key> <service_role key>
"""

import datetime
import sys

from supabase import create_client

import flow_checks
from app_replay import User, arguments, expect_http_error, invoke

checks = flow_checks.Checks()
check = checks.run


def main():
    url, anon_key, _ = arguments("app_habits_flow.py")
    anon = create_client(url, anon_key)
    me = User(url, anon_key, "habits")
    other = User(url, anon_key, "habits-other")
    today = datetime.datetime.now(datetime.timezone.utc).date()
    state = {}

    def create():
        # index.ts:105 reads {title, description, frequency, customDays, reminderTime, taskId};
        # habit-service.test.ts:77-98 — a daily habit by default. index.ts:141-148 answers
        # {success, habit: {...columns, currentStreak, longestStreak, completedToday}}.
        data = invoke(me.client, "habit-service?action=create",
                      {"title": "Morning Meditation", "description": "Meditate for 10 minutes", "reminderTime": "07:30"})
        habit = data["habit"]
        assert data["success"] is True, data
        assert habit["title"] == "Morning Meditation" and habit["description"] == "Meditate for 10 minutes", habit
        assert habit["frequency"] == "daily" and habit["is_active"] is True, habit
        assert habit["reminder_time"] == "07:30:00", habit
        assert (habit["currentStreak"], habit["longestStreak"], habit["completedToday"]) == (0, 0, False), habit
        custom = invoke(me.client, "habit-service?action=create",
                        {"title": "Gym", "frequency": "custom", "customDays": [1, 3, 5]})["habit"]
        assert custom["custom_days"] == [1, 3, 5], custom
        state["habit"], state["custom"] = habit["id"], custom["id"]

    check("create with the edge function's members answers {success, habit} with its streak fields", create)
    if "habit" not in state:
        return checks.summary()

    def complete():
        # index.ts:158 reads {habitId, date, notes, moodRating}; habit-service.test.ts:155-159 the
        # date defaults to today. index.ts:209-214 answers {success, completion, currentStreak, habitTitle}.
        data = invoke(me.client, "habit-service?action=complete", {"habitId": state["habit"], "notes": "calm", "moodRating": 4})
        assert data["success"] is True and data["currentStreak"] == 1, data
        assert data["habitTitle"] == "Morning Meditation", data
        assert data["completion"]["mood_rating"] == 4 and data["completion"]["notes"] == "calm", data
        yesterday = (today - datetime.timedelta(days=1)).isoformat()
        back = invoke(me.client, "habit-service?action=complete", {"habitId": state["habit"], "date": yesterday})
        assert back["currentStreak"] == 2 and back["completion"]["completed_on"] == yesterday, back

    check("complete with habitId, notes, moodRating, date answers the streak and the title", complete)

    def complete_twice():
        # habit-service.test.ts:161-181 — the same day twice is refused ("already completed").
        expect_http_error(lambda: invoke(me.client, "habit-service?action=complete", {"habitId": state["habit"]}), 409, "already")

    check("completing the same day twice is refused (409)", complete_twice)

    def list_habits():
        # habit-service.test.ts:42 — GET habit-service?action=list; index.ts:347-351 answers
        # {success, habits, count}, each habit with currentStreak, longestStreak, completedToday and
        # totalCompletions (index.ts:336-342); inactive ones only with includeInactive (271, 290-292).
        data = invoke(me.client, "habit-service?action=list", method="GET")
        assert data["success"] is True and data["count"] == 2, data
        by_id = {h["id"]: h for h in data["habits"]}
        meditation = by_id[state["habit"]]
        assert (meditation["currentStreak"], meditation["longestStreak"]) == (2, 2), meditation
        assert meditation["completedToday"] is True and meditation["totalCompletions"] == 2, meditation
        assert by_id[state["custom"]]["completedToday"] is False, data

    check("list (GET, action in the query) answers {success, habits, count} with live streaks", list_habits)

    def list_by_task():
        # habit-service.test.ts:218-221 — list filtered by ?taskId=… (index.ts:272, 294-296).
        task = me.client.table("action_tasks").insert({"title": "Daily practice", "type": "ADMIN"}).execute().data[0]
        tied = invoke(me.client, "habit-service?action=create", {"title": "Journal", "taskId": task["id"]})["habit"]
        data = invoke(me.client, f"habit-service?action=list&taskId={task['id']}", method="GET")
        assert [h["id"] for h in data["habits"]] == [tied["id"]] and data["count"] == 1, data
        state["tied"] = tied["id"]

    check("list by taskId answers only the habits serving that task", list_by_task)

    def get_one():
        # index.ts:360 reads ?habitId=; 396-404 answers {success, habit: {..., currentStreak,
        # completedToday, recentCompletions}}.
        data = invoke(me.client, f"habit-service?action=get&habitId={state['habit']}", method="GET")
        habit = data["habit"]
        assert habit["currentStreak"] == 2 and habit["completedToday"] is True, habit
        assert [c["completed_on"] for c in habit["recentCompletions"]] == [
            today.isoformat(), (today - datetime.timedelta(days=1)).isoformat()], habit

    check("get by habitId answers the habit with its recent completions", get_one)

    def uncomplete():
        # index.ts:223 reads {habitId, date}; 258-262 answers {success, currentStreak, message}.
        data = invoke(me.client, "habit-service?action=uncomplete", {"habitId": state["habit"]})
        assert data["success"] is True and data["currentStreak"] == 1, data
        assert data["message"] == "Completion removed", data

    check("uncomplete (today by default) answers the recomputed streak", uncomplete)

    def stats():
        # index.ts:413-414 reads ?habitId= and ?period= (days, default 30); 480-494 answers stats of
        # one habit, 576-586 of all active habits. Days count from the habit's first day (today here).
        invoke(me.client, "habit-service?action=complete", {"habitId": state["habit"], "moodRating": 5})
        one = invoke(me.client, f"habit-service?action=stats&habitId={state['habit']}&period=7", method="GET")["stats"]
        assert one["habitId"] == state["habit"] and one["habitTitle"] == "Morning Meditation", one
        assert one["period"] == "7 days" and one["frequency"] == "daily", one
        assert (one["completedDays"], one["expectedDays"], one["completionRate"]) == (1, 1, 100), one
        assert one["currentStreak"] == 2 and one["averageMood"] == 5, one
        assert one["completionDates"] == [(today - datetime.timedelta(days=1)).isoformat(), today.isoformat()], one
        everything = invoke(me.client, "habit-service?action=stats", method="GET")["stats"]
        assert everything["period"] == "30 days" and everything["totalHabits"] == 3, everything
        assert everything["totalCompletions"] == 1 and everything["bestStreak"] == 2, everything
        assert everything["habitsWithStreaks"] == 1 and len(everything["habitStats"]) == 3, everything
        meditation = next(h for h in everything["habitStats"] if h["habitId"] == state["habit"])
        assert (meditation["completedDays"], meditation["expectedDays"], meditation["completionRate"]) == (1, 1, 100), meditation
        assert isinstance(everything["overallCompletionRate"], (int, float)), everything
        assert everything["achievements"] == [], everything

    check("stats of one habit and of all answer the edge function's fields", stats)

    def update():
        # index.ts:596 reads {habitId, title, description, frequency, customDays, reminderTime,
        # isActive}; habit-service.test.ts:291-299 only the given fields change; 638-641 answers
        # {success, habit}.
        data = invoke(me.client, "habit-service?action=update", {"habitId": state["custom"], "title": "Gym (evenings)"})
        assert data["habit"]["title"] == "Gym (evenings)" and data["habit"]["custom_days"] == [1, 3, 5], data
        # habit-service.test.ts:286-289 and 302-305: no habitId, or nothing to change, is refused.
        expect_http_error(lambda: invoke(me.client, "habit-service?action=update", {"title": "x"}), 400, "habitId")
        expect_http_error(lambda: invoke(me.client, "habit-service?action=update", {"habitId": state["custom"]}), 400)

    check("update changes only the given fields; a request without habitId or changes is a 400", update)

    def delete():
        # habit-service.test.ts:309-339 — {habitId, permanent: false} archives, {habitId, permanent:
        # true} deletes; index.ts:679-702 answers {success, message}.
        archived = invoke(me.client, "habit-service?action=delete", {"habitId": state["custom"], "permanent": False})
        assert archived["success"] is True and "archived" in archived["message"], archived
        assert invoke(me.client, "habit-service?action=list", method="GET")["count"] == 2
        assert invoke(me.client, "habit-service?action=list&includeInactive=true", method="GET")["count"] == 3
        gone = invoke(me.client, "habit-service?action=delete", {"habitId": state["tied"], "permanent": True})
        assert gone["success"] is True and "deleted" in gone["message"], gone
        assert invoke(me.client, "habit-service?action=list&includeInactive=true", method="GET")["count"] == 2

    check("delete archives, or with permanent deletes", delete)

    def bad_inputs():
        # habit-service.test.ts:72-75 and 126-128 — title and habitId are required; every bad input
        # is a 4xx in the function's error envelope, numbers range-checked.
        for action, body, part in [
            ("create", {"description": "Test habit"}, "title"), ("complete", {"date": "2024-01-15"}, "habitId"),
            ("complete", {"habitId": state["habit"], "moodRating": 11}, "moodRating"),
            ("complete", {"habitId": state["habit"], "moodRating": 1e308}, "moodRating"),
            ("complete", {"habitId": state["habit"], "date": "15/01/2024"}, "date"),
            ("create", {"title": "x", "customDays": [9]}, "customDays"),
            ("stats", {"period": 100000}, "period"),
        ]:
            expect_http_error(lambda: invoke(me.client, f"habit-service?action={action}", body), 400, part)
        expect_http_error(lambda: invoke(me.client, "habit-service", {"habitId": state["habit"]}), 400, "action")

    check("bad inputs are 400s naming the member; a request without an action is a 400", bad_inputs)

    # -- the attacker's side ----------------------------------------------------------------------

    def someone_elses_habit():
        for action, body in [("complete", {"habitId": state["habit"]}), ("uncomplete", {"habitId": state["habit"]}),
                             ("update", {"habitId": state["habit"], "title": "hacked"}),
                             ("delete", {"habitId": state["habit"], "permanent": True}),
                             ("get", {"habitId": state["habit"]}), ("stats", {"habitId": state["habit"]})]:
            expect_http_error(lambda: invoke(other.client, f"habit-service?action={action}", body), 404)
        mine = invoke(me.client, f"habit-service?action=get&habitId={state['habit']}", method="GET")["habit"]
        assert mine["title"] == "Morning Meditation" and mine["is_active"] is True, mine

    check("another user's habitId is not found for every action, and the habit is untouched", someone_elses_habit)

    def someone_elses_user_id():
        # The edge function took the user from the token; a userId in the body changes nothing.
        listed = invoke(other.client, "habit-service?action=list&includeInactive=true", {"userId": me.id})
        assert listed["count"] == 0, listed
        planted = invoke(other.client, "habit-service?action=create", {"title": "planted", "userId": me.id, "user_id": me.id})
        assert planted["habit"]["id"] not in [h["id"] for h in invoke(me.client, "habit-service?action=list", method="GET")["habits"]]
        assert invoke(other.client, "habit-service?action=stats", {"userId": me.id})["stats"]["totalHabits"] == 1

    check("a userId of someone else in the body is ignored", someone_elses_user_id)

    def anon_refused():
        expect_http_error(lambda: invoke(anon, "habit-service?action=list", method="GET"), 401)
        expect_http_error(lambda: invoke(anon, "habit-service?action=create", {"title": "x"}), 401)

    check("the anon key cannot act for a user (401)", anon_refused)

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
