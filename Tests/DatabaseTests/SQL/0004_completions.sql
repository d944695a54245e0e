-- 0004 completions and time zones: completed_on derivation and the rules on a client-supplied
-- completed_on (docs/schema.md, Habits and streaks), one completion per local day, and the time
-- zone validation of user_comm_preferences (docs/schema.md, T8).

SELECT set_config('test.u', tests.create_user('compl-u@example.com')::text, true),     -- no preferences: UTC
       set_config('test.tk', tests.create_user('compl-tk@example.com')::text, true);   -- Asia/Tokyo
INSERT INTO public.user_comm_preferences (user_id, timezone) VALUES (current_setting('test.tk')::uuid, 'Asia/Tokyo');
INSERT INTO public.habits (id, user_id, title) VALUES
  ('00000000-0000-0000-0004-0000000000c1', current_setting('test.u')::uuid, 'walk'),
  ('00000000-0000-0000-0004-0000000000c2', current_setting('test.tk')::uuid, 'walk');

-- Time zone validation: IANA names only, on insert and update.
DO $$
DECLARE
  u uuid := current_setting('test.u')::uuid;
  tz text;
BEGIN
  PERFORM tests.act_as(u);
  FOREACH tz IN ARRAY ARRAY['Mars/Olympus_Mons', 'UTC+5', 'europe/paris', '', 'America/New York'] LOOP
    PERFORM tests.assert_raises(format('INSERT INTO public.user_comm_preferences (timezone) VALUES (%L)', tz), '23514',
                                format('time zone %L is refused', tz));
  END LOOP;
  INSERT INTO public.user_comm_preferences DEFAULT VALUES;
  PERFORM tests.assert_eq((SELECT timezone FROM public.user_comm_preferences), 'America/New_York',
                          'the default time zone is America/New_York');
  PERFORM tests.assert_raises('UPDATE public.user_comm_preferences SET timezone = ''Atlantis/Capital''', '23514',
                              'an unknown time zone is refused on update');
  PERFORM tests.assert_eq(tests.affected('UPDATE public.user_comm_preferences SET timezone = ''Europe/Paris'''), 1::bigint,
                          'a known time zone is accepted on update');
  PERFORM tests.assert_eq(tests.affected('UPDATE public.user_comm_preferences SET phone_number = ''+33100000000'''), 1::bigint,
                          'updating other columns does not re-check anything');
  DELETE FROM public.user_comm_preferences;
  PERFORM tests.act_as_service();
  PERFORM tests.assert_raises(format('INSERT INTO public.user_comm_preferences (user_id, timezone) VALUES (%L, ''Nowhere'')', u), '23514',
                              'service_role cannot store an unknown time zone either');
  PERFORM tests.act_as_owner();
END
$$;

-- completed_on is derived from completed_at in the owner's time zone (UTC without preferences).
DO $$
DECLARE
  u uuid := current_setting('test.u')::uuid;
  tk uuid := current_setting('test.tk')::uuid;
  v_instant timestamptz := date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '2 days' + interval '20 hours';
BEGIN
  -- 20:00 UTC two days ago is 05:00 the next day in Tokyo.
  PERFORM tests.act_as(u);
  INSERT INTO public.habit_completions (habit_id, completed_at) VALUES ('00000000-0000-0000-0004-0000000000c1', v_instant);
  PERFORM tests.assert_eq((SELECT completed_on FROM public.habit_completions), (v_instant AT TIME ZONE 'UTC')::date,
                          'without preferences completed_on is the UTC day');
  PERFORM tests.act_as(tk);
  INSERT INTO public.habit_completions (habit_id, completed_at) VALUES ('00000000-0000-0000-0004-0000000000c2', v_instant);
  PERFORM tests.assert_eq((SELECT completed_on FROM public.habit_completions), (v_instant AT TIME ZONE 'UTC')::date + 1,
                          'in Tokyo the same instant is the next day');
  -- Omitting both: completed_at = now(), completed_on = the local today.
  DELETE FROM public.habit_completions;
  INSERT INTO public.habit_completions (habit_id) VALUES ('00000000-0000-0000-0004-0000000000c2');
  PERFORM tests.assert_eq((SELECT row(completed_at, completed_on)::text FROM public.habit_completions),
                          row(now(), (now() AT TIME ZONE 'Asia/Tokyo')::date)::text, 'defaults: now, local today');
  PERFORM tests.assert_raises('INSERT INTO public.habit_completions (habit_id) VALUES (''00000000-0000-0000-0004-0000000000c2'')', '23505',
                              'a second completion on the same local day is refused');
  PERFORM tests.assert_raises(format('INSERT INTO public.habit_completions (habit_id, completed_at) VALUES (%L, %L)',
                                     '00000000-0000-0000-0004-0000000000c2',
                                     ((now() AT TIME ZONE 'Asia/Tokyo')::date + time '00:01') AT TIME ZONE 'Asia/Tokyo'), '23505',
                              'a completion at another moment of the same local day is refused too');
  PERFORM tests.act_as_owner();
  -- Changing the time zone later does not move existing days.
  UPDATE public.user_comm_preferences SET timezone = 'America/Anchorage' WHERE user_id = tk;
  PERFORM tests.assert_eq((SELECT completed_on FROM public.habit_completions WHERE user_id = tk), (now() AT TIME ZONE 'Asia/Tokyo')::date,
                          'existing completions keep their day when the time zone changes');
  UPDATE public.user_comm_preferences SET timezone = 'Asia/Tokyo' WHERE user_id = tk;
END
$$;

-- A client-supplied completed_on: today or up to 7 days back, never a future day (end users).
DO $$
DECLARE
  tk uuid := current_setting('test.tk')::uuid;
  h uuid := '00000000-0000-0000-0004-0000000000c2';
  v_today date := (now() AT TIME ZONE 'Asia/Tokyo')::date;
  o integer;
BEGIN
  DELETE FROM public.habit_completions WHERE habit_id = h;
  PERFORM tests.act_as(tk);
  FOREACH o IN ARRAY ARRAY[1, 2, 30] LOOP
    PERFORM tests.assert_raises(format('INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (%L, %L)', h, v_today + o),
                                '23514', format('end user: a future day (today + %s) is refused', o));
  END LOOP;
  FOREACH o IN ARRAY ARRAY[-8, -30, -365] LOOP
    PERFORM tests.assert_raises(format('INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (%L, %L)', h, v_today + o),
                                '23514', format('end user: more than 7 days back (today %s) is refused', o));
  END LOOP;
  PERFORM tests.assert_raises(format('INSERT INTO public.habit_completions (habit_id, completed_at) VALUES (%L, %L)', h, now() - interval '9 days'),
                              '23514', 'end user: a completed_at 9 days back (derived day) is refused');
  PERFORM tests.assert_raises(format('INSERT INTO public.habit_completions (habit_id, completed_at) VALUES (%L, %L)', h, now() + interval '2 days'),
                              '23514', 'end user: a completed_at in two days (derived day) is refused');
  FOREACH o IN ARRAY ARRAY[-7, -3, 0] LOOP
    PERFORM tests.assert_eq(tests.affected(format('INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (%L, %L)', h, v_today + o)),
                            1::bigint, format('end user: today %s may be checked off', o));
  END LOOP;
  PERFORM tests.assert_eq((SELECT completed_at FROM public.habit_completions WHERE completed_on = v_today - 3), now(),
                          'a back-dated check-off keeps completed_at = the moment it was made');
  -- The server is not limited (imports, corrections).
  PERFORM tests.act_as_service();
  PERFORM tests.assert_eq(tests.affected(format('INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (%L, %L), (%L, %L)',
                                                h, v_today - 30, h, v_today + 1)), 2::bigint,
                          'service_role may write any day');
  -- A server correction of completed_at moves the day; an explicit completed_on is kept.
  UPDATE public.habit_completions SET completed_at = ((v_today - 20) + time '08:00') AT TIME ZONE 'Asia/Tokyo'
   WHERE habit_id = h AND completed_on = v_today - 30;
  PERFORM tests.assert(EXISTS (SELECT 1 FROM public.habit_completions WHERE habit_id = h AND completed_on = v_today - 20),
                       'changing completed_at re-derives completed_on');
  UPDATE public.habit_completions SET completed_on = v_today - 21, completed_at = now()
   WHERE habit_id = h AND completed_on = v_today - 20;
  PERFORM tests.assert(EXISTS (SELECT 1 FROM public.habit_completions WHERE habit_id = h AND completed_on = v_today - 21),
                       'an explicit completed_on set with completed_at is kept');
  PERFORM tests.act_as_owner();
  -- The streak follows such corrections: -7, -3, 0 and +1 are days; only 0 and +1 are adjacent.
  PERFORM tests.assert_eq((SELECT row(current_streak, longest_streak)::text FROM public.habits WHERE id = h), '(1,2)',
                          'streaks are recomputed after the corrections');
END
$$;
