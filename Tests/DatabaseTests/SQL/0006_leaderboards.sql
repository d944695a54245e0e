-- 0006 leaderboards: calculate_team_leaderboard and refresh_team_leaderboards (docs/schema.md,
-- F13; rows per member since 0041) — periods from the current UTC date, counting only active
-- members' active habits, ranking order and tie-breaks, the rows the app's screen reads (rank,
-- name, score, completions, streak, change of rank), their replacement on recalculation, and the
-- refresh over active teams.

CREATE FUNCTION tests.c_id(p_name text) RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('t.' || p_name, true), '')::uuid $$;
GRANT EXECUTE ON FUNCTION tests.c_id(text) TO PUBLIC;

-- Users: olivia owns the team; ann, bob, cid, dee are active members; xan is an inactive member;
-- yves belongs to no team. Fixed ids, so that the user-id tie-break is known: olivia < bob (bob
-- must still rank first on streak) and cid < dee.
DO $$
DECLARE
  who text;
  n integer := 0;
BEGIN
  FOREACH who IN ARRAY ARRAY['olivia', 'bob', 'ann', 'cid', 'dee', 'xan', 'yves'] LOOP
    n := n + 1;
    INSERT INTO auth.users (id, email) VALUES (('00000000-0000-4000-8000-00000000000' || n)::uuid, who || '@example.com');
    PERFORM set_config('t.' || who, '00000000-0000-4000-8000-00000000000' || n, true);
  END LOOP;
END
$$;

SELECT tests.act_as_owner();
INSERT INTO public.teams (name, owner_id) VALUES ('Climbers', tests.c_id('olivia'));
SELECT set_config('t.team', (SELECT id FROM public.teams WHERE name = 'Climbers')::text, true);
INSERT INTO public.team_members (team_id, user_id, is_active)
SELECT tests.c_id('team'), tests.c_id(w), w <> 'xan' FROM unnest(ARRAY['ann', 'bob', 'cid', 'dee', 'xan']) AS w;

-- Reference dates (UTC): today, the day before this ISO week's Monday, the day before this month.
SELECT set_config('t.today', ((now() AT TIME ZONE 'UTC')::date)::text, true);
SELECT set_config('t.before_week', ((now() AT TIME ZONE 'UTC')::date
                                    - extract(isodow FROM (now() AT TIME ZONE 'UTC')::date)::integer)::text, true);
SELECT set_config('t.before_month', (date_trunc('month', (now() AT TIME ZONE 'UTC')::date)::date - 1)::text, true);

-- Habits (streak counters set directly: this file tests the leaderboard, not the streak rules).
CREATE TEMP TABLE fixture_habits (key text, owner text, active boolean, streak integer, done text[]) ON COMMIT DROP;
INSERT INTO fixture_habits VALUES
  ('ann1', 'ann', true, 5, ARRAY['today', 'before_week']),
  ('ann2', 'ann', true, 2, ARRAY['today']),
  ('ann3', 'ann', false, 9, ARRAY['today', 'before_week', 'before_month']),   -- archived: ignored
  ('bob1', 'bob', true, 7, ARRAY['today', 'before_week', 'before_month']),
  ('oli1', 'olivia', true, 0, ARRAY['today']),
  ('xan1', 'xan', true, 30, ARRAY['today']),                                 -- inactive member
  ('yve1', 'yves', true, 50, ARRAY['today']);                                -- not a member
INSERT INTO public.habits (user_id, title, is_active)
SELECT tests.c_id(owner), key, active FROM fixture_habits;
-- Completions are fixtures too: the habit_completions triggers (owner copy, date rules, streaks)
-- are switched off while inserting back-dated rows, and the counters are then set explicitly.
ALTER TABLE public.habit_completions DISABLE TRIGGER USER;
INSERT INTO public.habit_completions (habit_id, user_id, completed_on, completed_at)
SELECT h.id, h.user_id, current_setting('t.' || d)::date, current_setting('t.' || d)::date + time '12:00'
FROM fixture_habits f JOIN public.habits h ON h.title = f.key, unnest(f.done) AS d;
ALTER TABLE public.habit_completions ENABLE TRIGGER USER;
UPDATE public.habits h SET longest_streak = greatest(h.longest_streak, f.streak)
FROM fixture_habits f WHERE h.title = f.key;
UPDATE public.habits h SET current_streak = f.streak
FROM fixture_habits f WHERE h.title = f.key;
SELECT tests.assert_eq((SELECT sum(current_streak)::integer FROM public.habits), 103, 'fixture streaks in place');

-- Expected ranking: {user, completions, streak} in rank order, as text for readable failures.
CREATE FUNCTION pg_temp.ranking_text(p jsonb) RETURNS text
LANGUAGE sql
AS $$
  SELECT string_agg(format('%s:%s/%s/%s', (e ->> 'rank'),
                           (SELECT split_part(email, '@', 1) FROM auth.users WHERE id = (e ->> 'user_id')::uuid),
                           e ->> 'completions', e ->> 'streak'), ' ' ORDER BY (e ->> 'rank')::integer)
  FROM jsonb_array_elements(p) AS e
$$;
-- cid and dee (0 completions, no habits) tie on everything: ordered by user id.
SELECT set_config('t.zero_pair', '4:cid/0/0 5:dee/0/0', true);

---------------------------------------------------------------------------------------------------
-- Server only
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('olivia'));
SELECT tests.assert_raises(format('SELECT public.calculate_team_leaderboard(%L, %L)', tests.c_id('team'), 'daily'), '42501',
                           'the team owner cannot run the calculation');
SELECT tests.act_as_service();
SELECT tests.assert_raises(format('SELECT public.calculate_team_leaderboard(%L, %L)', tests.c_id('team'), 'yearly'), '22023',
                           'an unknown period type is refused');
SELECT tests.assert_raises(format('SELECT public.calculate_team_leaderboard(%L, %L)', gen_random_uuid(), 'daily'), 'P0002',
                           'an unknown team is refused');
SELECT tests.assert_eq((SELECT count(*) FROM public.team_leaderboards), 0::bigint, 'refused calls wrote nothing');

---------------------------------------------------------------------------------------------------
-- Daily: today only
---------------------------------------------------------------------------------------------------
SELECT set_config('t.daily', public.calculate_team_leaderboard(tests.c_id('team'), 'daily')::text, true);
SELECT tests.act_as_owner();
SELECT tests.assert_eq(pg_temp.ranking_text(current_setting('t.daily')::jsonb),
                       '1:ann/2/5 2:bob/1/7 3:olivia/1/0 ' || current_setting('t.zero_pair'),
                       'daily ranking: completions desc, then streak desc, then user id; archived habits, inactive members and outsiders ignored');
SELECT tests.assert_eq((SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(current_setting('t.daily')::jsonb -> 0) AS k),
                       'completions,rank,streak,user_id', 'each entry is {user_id, rank, completions, streak}');
SELECT tests.assert_eq(jsonb_typeof(current_setting('t.daily')::jsonb -> 0 -> 'completions'), 'number', 'completions is a number');
SELECT tests.assert((SELECT bool_and(period_start = current_setting('t.today')::date AND period_end = period_start AND generated_at = now())
                            AND internal.leaderboard_rankings(tests.c_id('team'), 'daily') = current_setting('t.daily')::jsonb
                     FROM public.team_leaderboards WHERE team_id = tests.c_id('team') AND period_type = 'daily'),
                    'daily rows stored for today (UTC), the returned rankings');
-- The row the app's leaderboard screen reads: rank, user_id, user_name, avatar_url, total_score,
-- longest_streak, completions_count, rank_change.
SELECT tests.assert_eq((SELECT string_agg(format('%s:%s/%s/%s/%s/%s', rank, user_name, total_score, completions_count, longest_streak, rank_change), ' ' ORDER BY rank)
                          FROM public.team_leaderboards WHERE team_id = tests.c_id('team') AND period_type = 'daily'),
                       '1:ann/2/2/5/0 2:bob/1/1/7/0 3:olivia/1/1/0/0 4:cid/0/0/0/0 5:dee/0/0/0/0', 'one row per member as the screen reads it');

---------------------------------------------------------------------------------------------------
-- Weekly (the default): Monday..Sunday of the current ISO week
---------------------------------------------------------------------------------------------------
SELECT tests.act_as_service();
SELECT set_config('t.weekly', public.calculate_team_leaderboard(tests.c_id('team'))::text, true);
SELECT tests.act_as_owner();
SELECT tests.assert((SELECT bool_and(extract(isodow FROM period_start) = 1 AND period_end = period_start + 6
                                     AND current_setting('t.today')::date BETWEEN period_start AND period_end)
                            AND internal.leaderboard_rankings(tests.c_id('team'), 'weekly') = current_setting('t.weekly')::jsonb
                     FROM public.team_leaderboards WHERE team_id = tests.c_id('team') AND period_type = 'weekly'),
                    'the default period is the current ISO week, Monday to Sunday');
-- The day before Monday never counts; the day before the month counts only when this week
-- started in the previous month (then bob has 2 and passes ann on streak).
SELECT tests.assert_eq(pg_temp.ranking_text(current_setting('t.weekly')::jsonb),
                       CASE WHEN current_setting('t.before_month')::date > current_setting('t.before_week')::date
                            THEN '1:bob/2/7 2:ann/2/5 3:olivia/1/0 '
                            ELSE '1:ann/2/5 2:bob/1/7 3:olivia/1/0 ' END || current_setting('t.zero_pair'),
                       'weekly ranking');

---------------------------------------------------------------------------------------------------
-- Monthly: the current calendar month
---------------------------------------------------------------------------------------------------
SELECT tests.act_as_service();
SELECT set_config('t.monthly', public.calculate_team_leaderboard(tests.c_id('team'), 'monthly')::text, true);
SELECT tests.act_as_owner();
SELECT tests.assert((SELECT bool_and(extract(day FROM period_start) = 1 AND extract(day FROM period_end + 1) = 1
                                     AND date_trunc('month', period_end) = date_trunc('month', period_start)
                                     AND current_setting('t.today')::date BETWEEN period_start AND period_end)
                     FROM public.team_leaderboards WHERE team_id = tests.c_id('team') AND period_type = 'monthly'),
                    'monthly period is the current calendar month, first to last day');
-- The day before the month never counts; the day before Monday counts when it is in this month.
SELECT tests.assert_eq(pg_temp.ranking_text(current_setting('t.monthly')::jsonb),
                       CASE WHEN current_setting('t.before_week')::date > current_setting('t.before_month')::date
                            THEN '1:ann/3/5 2:bob/2/7 3:olivia/1/0 '
                            ELSE '1:ann/2/5 2:bob/1/7 3:olivia/1/0 ' END || current_setting('t.zero_pair'),
                       'monthly ranking');

---------------------------------------------------------------------------------------------------
-- Recalculation replaces the rows, each with its change of rank
---------------------------------------------------------------------------------------------------
UPDATE public.team_leaderboards SET generated_at = now() - interval '1 hour'
WHERE team_id = tests.c_id('team') AND period_type = 'weekly';
-- dee completes a habit today: the next calculation sees it, and dee climbs past olivia and cid.
INSERT INTO public.habits (user_id, title, current_streak, longest_streak) VALUES (tests.c_id('dee'), 'dee1', 1, 1);
ALTER TABLE public.habit_completions DISABLE TRIGGER USER;
INSERT INTO public.habit_completions (habit_id, user_id, completed_on)
SELECT id, user_id, current_setting('t.today')::date FROM public.habits WHERE title = 'dee1';
ALTER TABLE public.habit_completions ENABLE TRIGGER USER;
UPDATE public.habits SET current_streak = 1, longest_streak = 1 WHERE title = 'dee1';
SELECT tests.act_as_service();
SELECT set_config('t.weekly2', public.calculate_team_leaderboard(tests.c_id('team'), 'weekly')::text, true);
SELECT tests.act_as_owner();
SELECT tests.assert((SELECT count(*) = 5 AND bool_and(generated_at = now())
                     FROM public.team_leaderboards WHERE team_id = tests.c_id('team') AND period_type = 'weekly'),
                    'recalculation replaces the five rows');
SELECT tests.assert_eq((SELECT string_agg(format('%s:%s', user_name, rank_change), ' ' ORDER BY rank)
                          FROM public.team_leaderboards WHERE team_id = tests.c_id('team') AND period_type = 'weekly' AND rank >= 3),
                       'dee:2 olivia:-1 cid:-1', 'dee gained two places, olivia and cid lost one');
SELECT tests.assert_eq((SELECT count(*) FROM public.team_leaderboards WHERE team_id = tests.c_id('team')), 15::bigint,
                       'one row per member and period type');
SELECT tests.assert_eq((SELECT e ->> 'completions' FROM jsonb_array_elements(current_setting('t.weekly2')::jsonb) e
                        WHERE (e ->> 'user_id')::uuid = tests.c_id('dee')), '1', 'the new completion is counted');
SELECT tests.assert_eq((SELECT (e ->> 'rank')::integer FROM jsonb_array_elements(current_setting('t.weekly2')::jsonb) e
                        WHERE (e ->> 'user_id')::uuid = tests.c_id('cid')), 5, 'cid, alone with nothing, ranks last');
-- A member who leaves drops off the board at the next calculation.
UPDATE public.team_members SET is_active = false WHERE team_id = tests.c_id('team') AND user_id = tests.c_id('cid');
SELECT tests.act_as_service();
SELECT public.calculate_team_leaderboard(tests.c_id('team'), 'weekly');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT count(*) FROM public.team_leaderboards WHERE team_id = tests.c_id('team') AND period_type = 'weekly'), 4::bigint,
                       'an inactive member has no row');
UPDATE public.team_members SET is_active = true WHERE team_id = tests.c_id('team') AND user_id = tests.c_id('cid');

-- all_time: since the team was created (today, in this file).
SELECT tests.act_as_service();
SELECT public.calculate_team_leaderboard(tests.c_id('team'), 'all_time');
SELECT tests.act_as_owner();
SELECT tests.assert((SELECT bool_and(period_start = current_setting('t.today')::date AND period_end = period_start)
                     FROM public.team_leaderboards WHERE team_id = tests.c_id('team') AND period_type = 'all_time'),
                    'all_time runs from the team''s creation to today');
SELECT tests.act_as_service();
SELECT public.calculate_team_leaderboard(tests.c_id('team'), 'weekly');

-- Members read the snapshot; the outsider does not.
SELECT tests.act_as(tests.c_id('cid'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.team_leaderboards'), 20::bigint, 'a member reads the team''s rows');
-- The app's screen (components/TeamLeaderboards.tsx): the week's board in rank order.
SELECT tests.assert_eq((SELECT string_agg(rank::text, ',' ORDER BY rank) FROM public.team_leaderboards WHERE period_type = 'weekly'),
                       '1,2,3,4,5', 'the weekly board by rank');
SELECT tests.act_as(tests.c_id('yves'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.team_leaderboards'), 0::bigint, 'an outsider reads none');

---------------------------------------------------------------------------------------------------
-- refresh_team_leaderboards: every active team, every period type
---------------------------------------------------------------------------------------------------
SELECT tests.act_as_owner();
INSERT INTO public.teams (name, owner_id) VALUES ('Second', tests.c_id('yves'));
INSERT INTO public.teams (name, owner_id, is_active) VALUES ('Dormant', tests.c_id('xan'), false);
DELETE FROM public.team_leaderboards WHERE period_type = 'monthly';
SELECT tests.act_as_service();
SELECT tests.assert_eq(public.refresh_team_leaderboards(), 8, 'two active teams x four periods');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT count(*) FROM public.team_leaderboards), 24::bigint,
                       'refresh replaces: a row per member and period, 5 members and 1 member, no duplicates');
SELECT tests.assert_eq((SELECT count(*) FROM public.team_leaderboards l JOIN public.teams t ON t.id = l.team_id WHERE NOT t.is_active),
                       0::bigint, 'inactive teams get no snapshot');
SELECT tests.assert_eq(pg_temp.ranking_text(internal.leaderboard_rankings((SELECT id FROM public.teams WHERE name = 'Second'), 'daily')),
                       '1:yves/1/50', 'the second team ranks its only member');
