-- 0004 streaks: the rules of docs/schema.md (Habits and streaks) for daily, weekdays, custom and
-- weekly habits — gaps, the unfinished current period, unscheduled days, ISO weeks, local
-- midnights, deletions, frequency changes, the O(1) path, badges, refresh_habit_streaks and
-- recalculate_habit_streak — and a randomized comparison with a naive day-by-day reference
-- implementation.
-- now() is fixed for the whole test; days are given relative to the owner's local today.

SELECT set_config('test.u', tests.create_user('streak-u@example.com')::text, true),   -- no preferences: UTC
       set_config('test.la', tests.create_user('streak-la@example.com')::text, true),  -- America/Los_Angeles
       set_config('test.ki', tests.create_user('streak-ki@example.com')::text, true);  -- Pacific/Kiritimati (UTC+14)
INSERT INTO public.user_comm_preferences (user_id, timezone) VALUES
  (current_setting('test.la')::uuid, 'America/Los_Angeles'),
  (current_setting('test.ki')::uuid, 'Pacific/Kiritimati');

---------------------------------------------------------------------------------------------------
-- Helpers
---------------------------------------------------------------------------------------------------

-- The owner's local today (their time zone, UTC without preferences).
CREATE FUNCTION pg_temp.local_today(p_user uuid) RETURNS date
LANGUAGE sql
AS $$
  SELECT (now() AT TIME ZONE coalesce((SELECT timezone FROM public.user_comm_preferences WHERE user_id = p_user), 'UTC'))::date
$$;

-- A new habit (made as the schema owner).
CREATE FUNCTION pg_temp.habit(p_user uuid, p_frequency text, p_custom_days jsonb DEFAULT '[]') RETURNS uuid
LANGUAGE sql
AS $$
  INSERT INTO public.habits (user_id, title, frequency, custom_days)
  VALUES (p_user, p_frequency || ' habit', p_frequency, p_custom_days)
  RETURNING id
$$;

-- Completes a habit on the owner's local day today + p_offset, at noon local time, as
-- service_role (so back-dating is not limited); returns the completion id.
CREATE FUNCTION pg_temp.complete(p_habit uuid, p_offset integer) RETURNS uuid
LANGUAGE plpgsql
AS $$
DECLARE
  v_user uuid := (SELECT user_id FROM public.habits WHERE id = p_habit);
  v_day date := pg_temp.local_today(v_user) + p_offset;
  v_tz text := coalesce((SELECT timezone FROM public.user_comm_preferences WHERE user_id = v_user), 'UTC');
  v_id uuid;
BEGIN
  PERFORM tests.act_as_service();
  INSERT INTO public.habit_completions (habit_id, completed_on, completed_at)
  VALUES (p_habit, v_day, (v_day + time '12:00') AT TIME ZONE v_tz)
  RETURNING id INTO v_id;
  PERFORM tests.act_as_owner();
  RETURN v_id;
END
$$;

-- Completes a habit on several local days in ONE statement (the multi-row path).
CREATE FUNCTION pg_temp.complete_many(p_habit uuid, p_offsets integer[]) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  v_user uuid := (SELECT user_id FROM public.habits WHERE id = p_habit);
BEGIN
  PERFORM tests.act_as_service();
  INSERT INTO public.habit_completions (habit_id, completed_on)
  SELECT p_habit, pg_temp.local_today(v_user) + o FROM unnest(p_offsets) AS o;
  PERFORM tests.act_as_owner();
END
$$;

-- Deletes the completion of a habit on local day today + p_offset (as service_role).
CREATE FUNCTION pg_temp.uncomplete(p_habit uuid, p_offset integer) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM tests.act_as_service();
  DELETE FROM public.habit_completions
   WHERE habit_id = p_habit
     AND completed_on = pg_temp.local_today((SELECT user_id FROM public.habits WHERE id = p_habit)) + p_offset;
  PERFORM tests.act_as_owner();
END
$$;

-- "current/longest" as stored on the habit, e.g. '3/5'.
CREATE FUNCTION pg_temp.streaks(p_habit uuid) RETURNS text
LANGUAGE sql
AS $$
  SELECT current_streak || '/' || longest_streak FROM public.habits WHERE id = p_habit
$$;

-- Weekday numbers (0 = Sunday) of the owner's local today + each offset, as a jsonb array.
CREATE FUNCTION pg_temp.days_of(p_user uuid, p_offsets integer[]) RETURNS jsonb
LANGUAGE sql
AS $$
  SELECT jsonb_agg(DISTINCT extract(dow FROM pg_temp.local_today(p_user) + o)::integer) FROM unnest(p_offsets) AS o
$$;

-- Whether a calendar day is scheduled for a habit (reference implementation).
CREATE FUNCTION pg_temp.scheduled(p_frequency text, p_custom_days jsonb, p_day date) RETURNS boolean
LANGUAGE sql
AS $$
  SELECT CASE p_frequency
    WHEN 'daily' THEN true
    WHEN 'weekdays' THEN extract(isodow FROM p_day) <= 5
    WHEN 'custom' THEN p_custom_days @> to_jsonb(extract(dow FROM p_day)::integer)
  END
$$;

-- Reference implementation of those rules, walking day by day (or week by week), independent of
-- the period numbering used by the migration.
CREATE FUNCTION pg_temp.naive_streaks(p_habit uuid, OUT current_streak integer, OUT longest_streak integer)
LANGUAGE plpgsql
AS $$
DECLARE
  h public.habits%ROWTYPE;
  v_today date;
  d date;
  v_first date;
  v_last date;
  v_run integer := 0;
BEGIN
  SELECT * INTO h FROM public.habits WHERE id = p_habit;
  v_today := pg_temp.local_today(h.user_id);
  current_streak := 0;
  longest_streak := 0;
  SELECT min(completed_on), max(completed_on) INTO v_first, v_last FROM public.habit_completions WHERE habit_id = p_habit;
  IF v_first IS NULL THEN
    RETURN;
  END IF;
  IF h.frequency = 'weekly' THEN
    -- Weeks are ISO weeks: Monday to Sunday.
    d := date_trunc('week', v_today)::date;
    IF NOT EXISTS (SELECT 1 FROM public.habit_completions WHERE habit_id = p_habit AND completed_on BETWEEN d AND d + 6) THEN
      d := d - 7;
    END IF;
    WHILE EXISTS (SELECT 1 FROM public.habit_completions WHERE habit_id = p_habit AND completed_on BETWEEN d AND d + 6) LOOP
      current_streak := current_streak + 1;
      d := d - 7;
    END LOOP;
    d := date_trunc('week', v_first)::date;
    WHILE d <= v_last LOOP
      IF EXISTS (SELECT 1 FROM public.habit_completions WHERE habit_id = p_habit AND completed_on BETWEEN d AND d + 6) THEN
        v_run := v_run + 1;
        longest_streak := greatest(longest_streak, v_run);
      ELSE
        v_run := 0;
      END IF;
      d := d + 7;
    END LOOP;
  ELSE
    d := v_today;
    IF pg_temp.scheduled(h.frequency, h.custom_days, d)
       AND NOT EXISTS (SELECT 1 FROM public.habit_completions WHERE habit_id = p_habit AND completed_on = d) THEN
      d := d - 1;   -- today not done yet: skipped
    END IF;
    WHILE d >= v_first LOOP
      IF pg_temp.scheduled(h.frequency, h.custom_days, d) THEN
        EXIT WHEN NOT EXISTS (SELECT 1 FROM public.habit_completions WHERE habit_id = p_habit AND completed_on = d);
        current_streak := current_streak + 1;
      END IF;
      d := d - 1;
    END LOOP;
    d := v_first;
    WHILE d <= v_last LOOP
      IF pg_temp.scheduled(h.frequency, h.custom_days, d) THEN
        IF EXISTS (SELECT 1 FROM public.habit_completions WHERE habit_id = p_habit AND completed_on = d) THEN
          v_run := v_run + 1;
          longest_streak := greatest(longest_streak, v_run);
        ELSE
          v_run := 0;
        END IF;
      END IF;
      d := d + 1;
    END LOOP;
  END IF;
END
$$;

-- The stored counters agree with the reference implementation and with the history.
CREATE FUNCTION pg_temp.check_habit(p_habit uuid, p_context text) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  v_naive record;
BEGIN
  SELECT * INTO v_naive FROM pg_temp.naive_streaks(p_habit);
  PERFORM tests.assert_eq(pg_temp.streaks(p_habit), v_naive.current_streak || '/' || v_naive.longest_streak,
                          p_context || ': current/longest as the reference computes them');
  PERFORM tests.assert_eq((SELECT last_completed FROM public.habits WHERE id = p_habit),
                          (SELECT max(completed_at) FROM public.habit_completions WHERE habit_id = p_habit),
                          p_context || ': last_completed = latest completed_at');
END
$$;

-- The helpers switch roles; whoever is acting may call them.
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pg_temp TO PUBLIC;

---------------------------------------------------------------------------------------------------
-- Daily
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  u uuid := current_setting('test.u')::uuid;
  h uuid := pg_temp.habit(current_setting('test.u')::uuid, 'daily');
BEGIN
  PERFORM tests.assert_eq(pg_temp.streaks(h), '0/0', 'daily: a new habit has no streak');
  PERFORM pg_temp.complete(h, -2);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '0/1', 'daily: a completion the day before yesterday is no current streak');
  PERFORM pg_temp.complete(h, -1);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '2/2', 'daily: yesterday extends it; today, not done yet, does not break it');
  PERFORM pg_temp.complete(h, 0);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '3/3', 'daily: today extends it');
  -- An older run, separated by a gap.
  PERFORM pg_temp.complete_many(h, ARRAY[-10, -9, -8, -7, -6]);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '3/5', 'daily: an older 5-day run before a gap is the longest streak');
  PERFORM pg_temp.complete(h, -4);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '3/5', 'daily: a back-dated completion leaving a gap (day -3) changes nothing');
  PERFORM pg_temp.complete(h, -3);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '5/5', 'daily: filling the gap back-dated joins the runs (-4..0)');
  PERFORM pg_temp.complete(h, -5);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '11/11', 'daily: filling the last gap makes one run of 11');
  -- Deletions lower both counters.
  PERFORM pg_temp.uncomplete(h, -5);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '5/5', 'daily: deleting a completion splits the run again');
  PERFORM pg_temp.uncomplete(h, -8);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '5/5', 'daily: deleting inside the old run');
  PERFORM pg_temp.uncomplete(h, -2);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '2/2', 'daily: deleting inside the current run lowers current and longest');
  PERFORM pg_temp.uncomplete(h, 0);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '1/2', 'daily: deleting today''s completion');
  PERFORM pg_temp.uncomplete(h, -1);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '0/2', 'daily: nothing since the day before yesterday: no current streak');
  PERFORM pg_temp.check_habit(h, 'daily scenario');
  DELETE FROM public.habit_completions WHERE habit_id = h;
  PERFORM tests.assert_eq((SELECT row(current_streak, longest_streak, last_completed)::text FROM public.habits WHERE id = h),
                          '(0,0,)', 'daily: without completions everything is reset, last_completed NULL');
END
$$;

---------------------------------------------------------------------------------------------------
-- Weekdays: weekends neither extend nor break (fixed historic dates for the longest streak; the
-- current streak over the most recent weekdays, whatever today is)
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  u uuid := current_setting('test.u')::uuid;
  h uuid := pg_temp.habit(current_setting('test.u')::uuid, 'weekdays');
  v_today date := pg_temp.local_today(current_setting('test.u')::uuid);
  v_recent integer[];
BEGIN
  -- 2024-01-01 is a Monday. Mon-Fri, then Sat and Sun, then Mon.
  PERFORM tests.act_as_service();
  INSERT INTO public.habit_completions (habit_id, completed_on)
    SELECT h, d::date FROM generate_series(date '2024-01-01', date '2024-01-05', interval '1 day') AS d;
  PERFORM tests.assert_eq((SELECT longest_streak FROM public.habits WHERE id = h), 5, 'weekdays: Monday to Friday is 5');
  INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (h, '2024-01-06'), (h, '2024-01-07');
  PERFORM tests.assert_eq((SELECT longest_streak FROM public.habits WHERE id = h), 5, 'weekdays: weekend completions add nothing');
  INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (h, '2024-01-08');
  PERFORM tests.assert_eq((SELECT longest_streak FROM public.habits WHERE id = h), 6, 'weekdays: the weekend does not break Friday -> Monday');
  INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (h, '2024-01-10');
  PERFORM tests.assert_eq((SELECT longest_streak FROM public.habits WHERE id = h), 6, 'weekdays: missing Tuesday breaks the run');
  DELETE FROM public.habit_completions WHERE habit_id = h AND completed_on IN ('2024-01-06', '2024-01-07');
  PERFORM tests.assert_eq((SELECT longest_streak FROM public.habits WHERE id = h), 6, 'weekdays: removing weekend completions changes nothing');
  DELETE FROM public.habit_completions WHERE habit_id = h AND completed_on = '2024-01-03';
  PERFORM tests.assert_eq((SELECT longest_streak FROM public.habits WHERE id = h), 3, 'weekdays: deleting Wednesday lowers the longest streak');
  PERFORM tests.act_as_owner();

  -- The 4 most recent weekdays before today, completed: current streak 4.
  SELECT array_agg(d - v_today ORDER BY d) INTO v_recent
    FROM (SELECT d::date AS d FROM generate_series(v_today - 10, v_today - 1, interval '1 day') AS d
           WHERE extract(isodow FROM d) <= 5 ORDER BY d DESC LIMIT 4) s;
  PERFORM pg_temp.complete_many(h, v_recent);
  PERFORM tests.assert_eq((SELECT current_streak FROM public.habits WHERE id = h), 4,
                          'weekdays: the 4 most recent weekdays make a current streak of 4 (weekend in between or not)');
  -- Today: a weekday extends the streak; a weekend day counts for nothing.
  PERFORM pg_temp.complete(h, 0);
  PERFORM tests.assert_eq((SELECT current_streak FROM public.habits WHERE id = h),
                          CASE WHEN extract(isodow FROM v_today) <= 5 THEN 5 ELSE 4 END,
                          'weekdays: today''s completion counts only on a weekday');
  -- Removing the oldest of the recent weekdays shortens the current streak by one.
  PERFORM pg_temp.uncomplete(h, v_recent[1]);
  PERFORM tests.assert_eq((SELECT current_streak FROM public.habits WHERE id = h),
                          CASE WHEN extract(isodow FROM v_today) <= 5 THEN 4 ELSE 3 END,
                          'weekdays: deleting the oldest recent weekday shortens the current streak');
  -- Removing the most recent weekday before today breaks it.
  PERFORM pg_temp.uncomplete(h, v_recent[4]);
  PERFORM tests.assert_eq((SELECT current_streak FROM public.habits WHERE id = h),
                          CASE WHEN extract(isodow FROM v_today) <= 5 THEN 1 ELSE 0 END,
                          'weekdays: missing the last weekday before today breaks the streak');
  PERFORM pg_temp.check_habit(h, 'weekdays scenario');
END
$$;

---------------------------------------------------------------------------------------------------
-- Custom days: scheduled on today's weekday and the weekday two days ago; others are free days
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  u uuid := current_setting('test.u')::uuid;
  h uuid := pg_temp.habit(current_setting('test.u')::uuid, 'custom',
                          pg_temp.days_of(current_setting('test.u')::uuid, ARRAY[0, -2]));
BEGIN
  -- Scheduled days going back: 0, -2, -7, -9, -14, -16, ...
  PERFORM pg_temp.complete_many(h, ARRAY[-9, -7]);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '0/2', 'custom: -9 and -7 make a run, but -2 was missed');
  PERFORM pg_temp.complete(h, -2);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '3/3', 'custom: -9, -7, -2 are consecutive scheduled days (days between are free)');
  PERFORM pg_temp.complete(h, -1);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '3/3', 'custom: a completion on an unscheduled day neither extends nor breaks');
  PERFORM pg_temp.complete(h, 0);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '4/4', 'custom: today is scheduled and extends the streak');
  PERFORM pg_temp.complete(h, -14);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '5/5', 'custom: -14 is the scheduled day right before -9');
  PERFORM pg_temp.uncomplete(h, -7);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '2/2', 'custom: deleting -7 leaves runs of 2 (-14, -9) and 2 (-2, 0)');
  PERFORM pg_temp.check_habit(h, 'custom scenario');

  -- Changing the schedule re-applies the rules within the same statement: daily now, so the
  -- free days count and the gaps break.
  UPDATE public.habits SET frequency = 'daily' WHERE id = h;
  PERFORM tests.assert_eq(pg_temp.streaks(h), '3/3', 'custom -> daily: -2, -1, 0 is the run now');
  PERFORM pg_temp.check_habit(h, 'after custom -> daily');
  UPDATE public.habits SET frequency = 'custom', custom_days = pg_temp.days_of(u, ARRAY[0, -1, -2, -9, -14]) WHERE id = h;
  PERFORM pg_temp.check_habit(h, 'after changing custom_days');
  UPDATE public.habits SET frequency = 'weekly', custom_days = '[]' WHERE id = h;
  PERFORM pg_temp.check_habit(h, 'after custom -> weekly');
END
$$;

---------------------------------------------------------------------------------------------------
-- Weekly: ISO weeks, one completion is enough, several in a week count once
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  u uuid := current_setting('test.u')::uuid;
  h uuid := pg_temp.habit(current_setting('test.u')::uuid, 'weekly');
  v_today date := pg_temp.local_today(current_setting('test.u')::uuid);
  v_monday integer := date_trunc('week', pg_temp.local_today(current_setting('test.u')::uuid))::date
                      - pg_temp.local_today(current_setting('test.u')::uuid);  -- offset of this week's Monday (0..-6)
BEGIN
  PERFORM pg_temp.complete_many(h, ARRAY[v_monday - 14 + 3, v_monday - 7 + 6]);   -- Thursday 2 weeks ago, last Sunday
  PERFORM tests.assert_eq(pg_temp.streaks(h), '2/2', 'weekly: the last two weeks; this week, not done yet, does not break');
  PERFORM pg_temp.complete(h, v_monday - 7);                                       -- last Monday too
  PERFORM tests.assert_eq(pg_temp.streaks(h), '2/2', 'weekly: a second completion in a week counts once');
  PERFORM pg_temp.complete(h, v_monday);                                           -- this Monday
  PERFORM tests.assert_eq(pg_temp.streaks(h), '3/3', 'weekly: a completion this week extends the streak');
  IF v_monday < 0 THEN
    PERFORM pg_temp.complete(h, 0);
    PERFORM tests.assert_eq(pg_temp.streaks(h), '3/3', 'weekly: another completion this week changes nothing');
  END IF;
  PERFORM pg_temp.complete(h, v_monday - 28);                                      -- 4 weeks ago, after a missed week
  PERFORM tests.assert_eq(pg_temp.streaks(h), '3/3', 'weekly: a missed week separates runs');
  PERFORM pg_temp.uncomplete(h, v_monday - 7 + 6);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '3/3', 'weekly: deleting one of two completions of a week keeps the week');
  PERFORM pg_temp.uncomplete(h, v_monday - 7);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '1/1', 'weekly: deleting the last completion of last week breaks the run');
  PERFORM pg_temp.check_habit(h, 'weekly scenario');

  -- ISO week boundaries on fixed dates: Sunday 2024-01-07 and Monday 2024-01-08 are different
  -- weeks; Monday 2024-01-01 and Sunday 2024-01-07 the same week.
  h := pg_temp.habit(u, 'weekly');
  PERFORM tests.act_as_service();
  INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (h, '2024-01-01'), (h, '2024-01-07');
  PERFORM tests.assert_eq((SELECT longest_streak FROM public.habits WHERE id = h), 1, 'weekly: Monday to Sunday is one ISO week');
  INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (h, '2024-01-08');
  PERFORM tests.assert_eq((SELECT longest_streak FROM public.habits WHERE id = h), 2, 'weekly: the next Monday starts the next week');
  INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (h, '2024-01-28');
  PERFORM tests.assert_eq((SELECT longest_streak FROM public.habits WHERE id = h), 2, 'weekly: a skipped week breaks the run');
  INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (h, '2024-01-21');
  PERFORM tests.assert_eq((SELECT longest_streak FROM public.habits WHERE id = h), 4,
                          'weekly: Sunday 2024-01-21 fills the week of 2024-01-15: four weeks in a row');
  INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (h, '2024-01-15');
  PERFORM tests.assert_eq((SELECT longest_streak FROM public.habits WHERE id = h), 4, 'weekly: a second day of that week adds nothing');
  PERFORM tests.act_as_owner();
END
$$;

---------------------------------------------------------------------------------------------------
-- Local midnights: completed_on follows the owner's time zone
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  la uuid := current_setting('test.la')::uuid;
  u uuid := current_setting('test.u')::uuid;
  h uuid := pg_temp.habit(current_setting('test.la')::uuid, 'daily');
  hu uuid := pg_temp.habit(current_setting('test.u')::uuid, 'daily');
  v_yesterday date := pg_temp.local_today(current_setting('test.la')::uuid) - 1;
  v_late timestamptz := (pg_temp.local_today(current_setting('test.la')::uuid) - 1 + time '23:30') AT TIME ZONE 'America/Los_Angeles';
  v_early timestamptz := (pg_temp.local_today(current_setting('test.la')::uuid) + time '00:30') AT TIME ZONE 'America/Los_Angeles';
BEGIN
  -- 23:30 yesterday in Los Angeles is already "today" in UTC, yet it checks off yesterday.
  PERFORM tests.act_as(la);
  INSERT INTO public.habit_completions (habit_id, completed_at) VALUES (h, v_late);
  PERFORM tests.assert_eq((SELECT completed_on FROM public.habit_completions WHERE habit_id = h), v_yesterday,
                          'a completion at 23:30 local counts for that local day');
  PERFORM tests.assert((v_late AT TIME ZONE 'UTC')::date <> v_yesterday, '(the same instant is another day in UTC)');
  -- 00:30 local, one hour later and the same UTC day, is the next local day: a 2-day streak.
  INSERT INTO public.habit_completions (habit_id, completed_at) VALUES (h, v_early);
  PERFORM tests.assert_eq((SELECT max(completed_on) FROM public.habit_completions WHERE habit_id = h), v_yesterday + 1,
                          'a completion at 00:30 local counts for the next local day');
  PERFORM tests.assert_eq(pg_temp.streaks(h), '2/2', 'two local days in a row are a 2-day streak in Los Angeles');
  PERFORM tests.assert_raises(format('INSERT INTO public.habit_completions (habit_id, completed_at) VALUES (%L, %L)',
                                     h, v_early + interval '10 minutes'), '23505',
                              'a second completion on the same local day is refused');
  PERFORM tests.act_as_owner();

  -- The same two instants for a user without preferences (UTC) fall on one UTC day.
  PERFORM tests.act_as(u);
  IF (v_late AT TIME ZONE 'UTC')::date >= pg_temp.local_today(u) - 7 AND (v_early AT TIME ZONE 'UTC')::date <= pg_temp.local_today(u) THEN
    INSERT INTO public.habit_completions (habit_id, completed_at) VALUES (hu, v_late);
    PERFORM tests.assert_eq((SELECT completed_on FROM public.habit_completions WHERE habit_id = hu), (v_late AT TIME ZONE 'UTC')::date,
                            'without preferences completed_on is the UTC day');
    PERFORM tests.assert_raises(format('INSERT INTO public.habit_completions (habit_id, completed_at) VALUES (%L, %L)', hu, v_early),
                                '23505', 'in UTC both instants are the same day: the second is refused');
  END IF;
  PERFORM tests.act_as_owner();
END
$$;

-- "Today" is the owner's: at UTC+14 the local day may already be tomorrow in UTC.
DO $$
DECLARE
  ki uuid := current_setting('test.ki')::uuid;
  h uuid := pg_temp.habit(current_setting('test.ki')::uuid, 'daily');
BEGIN
  PERFORM pg_temp.complete_many(h, ARRAY[-2, -1]);
  PERFORM tests.act_as(ki);
  INSERT INTO public.habit_completions (habit_id) VALUES (h);
  PERFORM tests.assert_eq((SELECT max(completed_on) FROM public.habit_completions WHERE habit_id = h),
                          (now() AT TIME ZONE 'Pacific/Kiritimati')::date, 'completed_on defaults to the local today');
  PERFORM tests.assert_eq(pg_temp.streaks(h), '3/3', 'the local today extends the local streak');
  PERFORM tests.act_as_owner();
  PERFORM pg_temp.check_habit(h, 'Kiritimati');
END
$$;

---------------------------------------------------------------------------------------------------
-- The O(1) path: a completion of the current period extends the stored streak (or restarts it)
-- without reading the history; anything else recomputes.
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  u uuid := current_setting('test.u')::uuid;
  h uuid := pg_temp.habit(current_setting('test.u')::uuid, 'daily');
  w uuid := pg_temp.habit(current_setting('test.u')::uuid, 'weekly');
BEGIN
  PERFORM pg_temp.complete(h, -1);
  -- Pretend a long history: the stored counters are trusted on the common path.
  UPDATE public.habits SET current_streak = 41, longest_streak = 41 WHERE id = h;
  PERFORM pg_temp.complete(h, 0);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '42/42', 'O(1): today extends the stored streak from yesterday');
  -- Without yesterday the streak restarts at 1 and the longest stays.
  PERFORM pg_temp.uncomplete(h, 0);
  PERFORM pg_temp.uncomplete(h, -1);
  UPDATE public.habits SET current_streak = 0, longest_streak = 41 WHERE id = h;
  PERFORM pg_temp.complete(h, 0);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '1/41', 'O(1): without yesterday today restarts at 1');
  -- A back-dated completion recomputes from the history (the pretended 41 disappears).
  PERFORM pg_temp.complete(h, -1);
  PERFORM tests.assert_eq(pg_temp.streaks(h), '2/2', 'a back-dated completion recomputes from the history');

  -- Weekly: the current week extends last week's stored streak.
  PERFORM pg_temp.complete(w, -7);
  UPDATE public.habits SET current_streak = 9, longest_streak = 9 WHERE id = w;
  PERFORM pg_temp.complete(w, 0);
  PERFORM tests.assert_eq(pg_temp.streaks(w), '10/10', 'O(1): this week extends last week''s stored streak');
END
$$;

---------------------------------------------------------------------------------------------------
-- Achievements: the streak record and the 7 / 30 / 100-day badges
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  la uuid := current_setting('test.la')::uuid;
  h uuid := pg_temp.habit(current_setting('test.la')::uuid, 'daily');
  h2 uuid := pg_temp.habit(current_setting('test.la')::uuid, 'daily');
  v_earned timestamptz;
BEGIN
  PERFORM pg_temp.complete_many(h, ARRAY[-6, -5, -4, -3, -2, -1]);
  PERFORM tests.assert_eq((SELECT value FROM public.user_achievements WHERE user_id = la AND achievement_key = 'habit_streak_' || h),
                          6, 'the streak record holds the current streak');
  PERFORM tests.assert(NOT EXISTS (SELECT 1 FROM public.user_achievements WHERE user_id = la AND achievement_key = '7_day_streak'),
                       'no 7-day badge at 6 days');
  -- The end user completes today: 7 days.
  PERFORM tests.act_as(la);
  INSERT INTO public.habit_completions (habit_id) VALUES (h);
  PERFORM tests.assert_eq((SELECT row(achievement_type, value, metadata ->> 'habit_id')::text FROM public.user_achievements
                            WHERE achievement_key = '7_day_streak'), format('(badge,1,%s)', h),
                          'the 7-day badge is awarded at 7 days, naming the habit');
  PERFORM tests.assert_eq((SELECT row(achievement_type, value)::text FROM public.user_achievements
                            WHERE achievement_key = 'habit_streak_' || h), '(streak,7)', 'the streak record is upserted to 7');
  PERFORM tests.assert(NOT EXISTS (SELECT 1 FROM public.user_achievements WHERE achievement_key IN ('30_day_streak', '100_day_streak')),
                       'no 30- or 100-day badge at 7 days');
  PERFORM tests.act_as_owner();
  -- Losing the streak and reaching 7 again with another habit leaves the first badge untouched.
  UPDATE public.user_achievements SET earned_at = now() - interval '1 day' WHERE user_id = la AND achievement_key = '7_day_streak'
  RETURNING earned_at INTO v_earned;
  PERFORM pg_temp.uncomplete(h, -3);
  PERFORM pg_temp.complete_many(h2, ARRAY[-7, -6, -5, -4, -3, -2, -1]);
  PERFORM tests.assert_eq((SELECT row(earned_at, metadata ->> 'habit_id')::text FROM public.user_achievements
                            WHERE user_id = la AND achievement_key = '7_day_streak'), row(v_earned, h::text)::text,
                          'an existing badge is left untouched');
  PERFORM tests.assert_eq((SELECT count(*) FROM public.user_achievements WHERE user_id = la AND achievement_type = 'badge'), 1::bigint,
                          'one badge per key and user');
  -- 30 days.
  PERFORM pg_temp.complete_many(h2, (SELECT array_agg(o) FROM generate_series(-29, -8) AS o));
  PERFORM tests.assert(NOT EXISTS (SELECT 1 FROM public.user_achievements WHERE user_id = la AND achievement_key = '30_day_streak'),
                       'no 30-day badge at 29 days');
  PERFORM pg_temp.complete(h2, 0);
  PERFORM tests.assert_eq((SELECT metadata ->> 'habit_id' FROM public.user_achievements WHERE user_id = la AND achievement_key = '30_day_streak'),
                          h2::text, 'the 30-day badge is awarded at 30 days');
  -- 100 days, reached by a back-dated bulk insert (full recomputation path).
  PERFORM pg_temp.complete_many(h2, (SELECT array_agg(o) FROM generate_series(-99, -30) AS o));
  PERFORM tests.assert_eq((SELECT current_streak FROM public.habits WHERE id = h2), 100, 'a 100-day streak');
  PERFORM tests.assert(EXISTS (SELECT 1 FROM public.user_achievements WHERE user_id = la AND achievement_key = '100_day_streak'),
                       'the 100-day badge is awarded at 100 days');
  -- Deletions lower the counters but never take badges away.
  PERFORM pg_temp.uncomplete(h2, -1);
  PERFORM tests.assert_eq(pg_temp.streaks(h2), '1/98', 'deleting yesterday: current 1 (today), longest 98');
  PERFORM tests.assert_eq((SELECT count(*) FROM public.user_achievements WHERE user_id = la AND achievement_type = 'badge'), 3::bigint,
                          'badges stay after the streak drops');
END
$$;

---------------------------------------------------------------------------------------------------
-- refresh_habit_streaks (daily job) and recalculate_habit_streak
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  u uuid := current_setting('test.u')::uuid;
  lapsed uuid := pg_temp.habit(current_setting('test.u')::uuid, 'daily');
  alive uuid := pg_temp.habit(current_setting('test.u')::uuid, 'daily');
  week_alive uuid := pg_temp.habit(current_setting('test.u')::uuid, 'weekly');
  week_lapsed uuid := pg_temp.habit(current_setting('test.u')::uuid, 'weekly');
BEGIN
  PERFORM pg_temp.complete_many(lapsed, ARRAY[-3, -2]);
  PERFORM pg_temp.complete(alive, -1);
  PERFORM pg_temp.complete(week_alive, -7);
  PERFORM pg_temp.complete(week_lapsed, -14);
  -- As stored two days ago / last week, before the days passed.
  UPDATE public.habits SET current_streak = 2, longest_streak = 2 WHERE id = lapsed;
  UPDATE public.habits SET current_streak = 1, longest_streak = 1 WHERE id IN (week_lapsed);

  PERFORM tests.act_as(u);
  PERFORM tests.assert_raises('SELECT public.refresh_habit_streaks()', '42501', 'end users cannot run refresh_habit_streaks');
  PERFORM tests.assert_raises(format('SELECT public.recalculate_habit_streak(%L)', lapsed), '42501',
                              'end users cannot run recalculate_habit_streak');
  PERFORM tests.act_as_service();
  PERFORM tests.assert_eq(public.refresh_habit_streaks() >= 2, true, 'refresh reports the habits it reset');
  PERFORM tests.assert_eq(pg_temp.streaks(lapsed), '0/2', 'refresh resets a lapsed daily streak, keeps the longest');
  PERFORM tests.assert_eq(pg_temp.streaks(week_lapsed), '0/1', 'refresh resets a lapsed weekly streak');
  PERFORM tests.assert_eq(pg_temp.streaks(alive), '1/1', 'refresh keeps a streak whose today is not over');
  PERFORM tests.assert_eq(pg_temp.streaks(week_alive), '1/1', 'refresh keeps a weekly streak whose week is not over');
  PERFORM tests.assert_eq(public.refresh_habit_streaks(), 0, 'a second refresh has nothing to do');

  UPDATE public.habits SET current_streak = 0, longest_streak = 17 WHERE id = alive;
  PERFORM tests.assert_eq(public.recalculate_habit_streak(alive), 1, 'recalculate_habit_streak returns the current streak');
  PERFORM tests.assert_eq(pg_temp.streaks(alive), '1/1', 'recalculate_habit_streak repairs the counters from the history');
  PERFORM tests.assert_raises(format('SELECT public.recalculate_habit_streak(%L)', gen_random_uuid()), 'P0002',
                              'recalculate_habit_streak of an unknown habit');
  PERFORM tests.act_as_owner();
END
$$;

---------------------------------------------------------------------------------------------------
-- Randomized: many insertions and deletions (single and multi-row, back-dated, current period,
-- a few future days by the server) against the reference, for every kind of schedule and for
-- three time zones.
---------------------------------------------------------------------------------------------------
SELECT setseed(0.4242);
DO $$
DECLARE
  cfg record;
  v_user uuid;
  h uuid;
  i integer;
  v_offset integer;
  v_today date;
  v_tz text;
  r double precision;
BEGIN
  FOR cfg IN SELECT * FROM (VALUES ('daily', '[]'::jsonb), ('weekdays', '[]'), ('custom', '[1, 3, 5]'), ('custom', '[0, 6]'),
                                   ('custom', '[2]'), ('weekly', '[]')) AS c (frequency, custom_days),
                           unnest(ARRAY['test.u', 'test.la', 'test.ki']) AS who
  LOOP
    v_user := current_setting(cfg.who)::uuid;
    v_today := pg_temp.local_today(v_user);
    v_tz := coalesce((SELECT timezone FROM public.user_comm_preferences WHERE user_id = v_user), 'UTC');
    h := pg_temp.habit(v_user, cfg.frequency, cfg.custom_days);
    FOR i IN 1..70 LOOP
      r := random();
      v_offset := CASE WHEN random() < 0.25 THEN -(floor(random() * 3))::integer     -- near today: the O(1) path
                       WHEN random() < 0.05 THEN (floor(random() * 3) + 1)::integer  -- future (server only)
                       ELSE -(floor(random() * 45))::integer END;
      IF r < 0.6 THEN
        IF NOT EXISTS (SELECT 1 FROM public.habit_completions WHERE habit_id = h AND completed_on = v_today + v_offset) THEN
          IF random() < 0.5 THEN
            PERFORM pg_temp.complete(h, v_offset);
          ELSE
            -- completed_on derived from completed_at in the owner's time zone
            PERFORM tests.act_as_service();
            INSERT INTO public.habit_completions (habit_id, completed_at)
              VALUES (h, (v_today + v_offset + time '00:05' + random() * interval '23 hours') AT TIME ZONE v_tz);
            PERFORM tests.act_as_owner();
          END IF;
        END IF;
      ELSIF r < 0.7 THEN
        PERFORM pg_temp.complete_many(h, ARRAY(
          SELECT DISTINCT o FROM (SELECT -(floor(random() * 20))::integer AS o FROM generate_series(1, 3)) s
           WHERE NOT EXISTS (SELECT 1 FROM public.habit_completions WHERE habit_id = h AND completed_on = v_today + s.o)));
      ELSIF r < 0.95 THEN
        PERFORM pg_temp.uncomplete(h, v_offset);
      ELSE
        -- a multi-row delete
        PERFORM tests.act_as_service();
        DELETE FROM public.habit_completions WHERE habit_id = h AND completed_on BETWEEN v_today + v_offset - 3 AND v_today + v_offset;
        PERFORM tests.act_as_owner();
      END IF;
      PERFORM pg_temp.check_habit(h, format('random %s %s step %s', cfg.frequency, cfg.custom_days, i));
    END LOOP;
    -- The daily job agrees with the reference too.
    PERFORM public.refresh_habit_streaks();
    PERFORM pg_temp.check_habit(h, format('random %s %s after refresh', cfg.frequency, cfg.custom_days));
  END LOOP;
END
$$;
