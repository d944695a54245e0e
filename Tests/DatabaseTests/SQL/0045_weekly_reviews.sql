-- 0045: weekly reviews computed from a user's week (habits asked and done, tasks, mood, wins and
-- blockers), recomputed in place keeping the narrative; enqueued at each user's own weekday and
-- hour in their timezone, once per week; another user's rows never count; no API role calls it.
SELECT tests.act_as_owner();
SELECT set_config('t.ann', tests.create_user('ann@reviews.test')::text, true);
SELECT set_config('t.bo', tests.create_user('bo@reviews.test')::text, true);
CREATE FUNCTION tests.uid(p_name text) RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT current_setting('t.' || p_name)::uuid $$;

-- Ann's week of 2026-11-23 … 29: a daily habit done 5 times (moods 2 and 4), a weekly one
-- done once, a custom one (2 days) never; one task done in the week, one open, one done before.
INSERT INTO public.habits (id, user_id, title, frequency, custom_days, created_at) VALUES
  ('00000000-0000-4000-a000-000000000001', tests.uid('ann'), 'Walk', 'daily', '[]', '2026-11-01'),
  ('00000000-0000-4000-a000-000000000002', tests.uid('ann'), 'Call mum', 'weekly', '[]', '2026-11-01'),
  ('00000000-0000-4000-a000-000000000003', tests.uid('ann'), 'Stretch', 'custom', '[1, 3]', '2026-11-01'),
  ('00000000-0000-4000-a000-000000000004', tests.uid('bo'), 'Bo''s habit', 'daily', '[]', '2026-11-01');
INSERT INTO public.habit_completions (habit_id, user_id, completed_on, mood_rating)
SELECT '00000000-0000-4000-a000-000000000001', tests.uid('ann'), d::date, CASE WHEN d::date = '2026-11-23' THEN 2 WHEN d::date = '2026-11-24' THEN 4 END
FROM generate_series('2026-11-23'::date, '2026-11-27'::date, interval '1 day') AS d;
INSERT INTO public.habit_completions (habit_id, user_id, completed_on, mood_rating) VALUES
  ('00000000-0000-4000-a000-000000000002', tests.uid('ann'), '2026-11-25', NULL),
  ('00000000-0000-4000-a000-000000000001', tests.uid('ann'), '2026-11-30', 5),
  ('00000000-0000-4000-a000-000000000004', tests.uid('bo'), '2026-11-24', 1);
INSERT INTO public.action_tasks (user_id, title, type, is_completed, created_at, updated_at) VALUES
  (tests.uid('ann'), 'Book the flat viewing', 'LIFESTYLE', true, '2026-11-20', '2026-11-26'),
  (tests.uid('ann'), 'Open a savings account', 'FINANCE', false, '2026-11-20', '2026-11-20'),
  (tests.uid('ann'), 'Renew passport', 'ADMIN', true, '2026-11-01', '2026-11-10'),
  (tests.uid('bo'), 'Bo''s task', 'ADMIN', false, '2026-11-20', '2026-11-20');

SELECT set_config('t.review', internal.compute_weekly_review(tests.uid('ann'), '2026-11-23')::text, true);
SELECT tests.assert_eq(
  (SELECT jsonb_build_object('end', week_end, 'rate', round(habit_completion_rate::numeric, 4), 'done', tasks_completed, 'total', tasks_total,
                             'mood', mood_average, 'wins', wins, 'blockers', blockers)
   FROM public.weekly_reviews WHERE id = current_setting('t.review')::uuid),
  jsonb_build_object('end', '2026-11-29', 'rate', round(6.0 / 10, 4), 'done', 1, 'total', 2, 'mood', 3.0,
                     'wins', '["Book the flat viewing", "Call mum"]'::jsonb, 'blockers', '["Open a savings account", "Stretch"]'::jsonb),
  'Ann''s week: 6 of 10 asked, 1 of 2 tasks, mood 3, her wins and blockers only');

-- Recomputed in place: the narrative stays.
UPDATE public.weekly_reviews SET ai_insights = 'A steady week.' WHERE id = current_setting('t.review')::uuid;
INSERT INTO public.habit_completions (habit_id, user_id, completed_on) VALUES ('00000000-0000-4000-a000-000000000003', tests.uid('ann'), '2026-11-23');
SELECT tests.assert_eq(internal.compute_weekly_review(tests.uid('ann'), '2026-11-23')::text, current_setting('t.review'), 'the same row');
SELECT tests.assert_eq((SELECT round(habit_completion_rate::numeric, 4) || ' ' || ai_insights FROM public.weekly_reviews WHERE id = current_setting('t.review')::uuid),
  round(7.0 / 10, 4) || ' A steady week.', 'new figures, the narrative kept');
SELECT tests.assert_eq((SELECT habit_completion_rate FROM public.weekly_reviews
                        WHERE id = internal.compute_weekly_review(tests.uid('ann'), '2025-01-06')), NULL::double precision,
  'a week before her habits existed asks nothing');

-- Enqueued at the user's weekday and hour in their timezone, once per week.
INSERT INTO public.user_comm_preferences (user_id, timezone, weekly_review_day, weekly_review_time) VALUES
  (tests.uid('ann'), 'Asia/Tokyo', 'monday', '09:00'),
  (tests.uid('bo'), 'UTC', 'Sunday', '23:30');
-- 2026-11-30 00:15 UTC is Monday 09:15 in Tokyo, and Monday 00:15 for Bo in UTC.
SELECT tests.assert_eq(internal.enqueue_weekly_reviews('2026-11-30 00:15+00'), 1, 'Ann''s moment');
SELECT tests.assert_eq((SELECT payload FROM internal.jobs WHERE kind = 'weekly-review'),
  jsonb_build_object('user_id', tests.uid('ann'), 'week_start', '2026-11-23'), 'her last seven days');
SELECT tests.assert_eq(internal.enqueue_weekly_reviews('2026-11-30 00:45+00'), 1, 'later in the same hour');
SELECT tests.assert_eq((SELECT count(*) FROM internal.jobs WHERE kind = 'weekly-review'), 1::bigint, 'still one job for the week');
SELECT tests.assert_eq(internal.enqueue_weekly_reviews('2026-11-30 01:15+00'), 0, 'not at 10:15 in Tokyo');
SELECT tests.assert_eq(internal.enqueue_weekly_reviews('2026-11-29 23:40+00'), 1, 'Bo: Sunday 23:xx in UTC, whatever the case of the weekday');
SELECT tests.assert_eq((SELECT count(*) FROM internal.jobs WHERE kind = 'weekly-review'), 2::bigint, 'one job each');

SELECT tests.act_as(tests.uid('ann'));
SELECT tests.assert_raises($$SELECT internal.compute_weekly_review(tests.uid('bo'), '2026-11-23')$$, '42501', 'a user cannot compute another''s review');
SELECT tests.act_as_service();
SELECT tests.assert_raises($$SELECT internal.enqueue_weekly_reviews(now())$$, '42501', 'service_role cannot enqueue them');
