-- Weekly reviews written by the job queue: each user's review of the seven days before their
-- chosen weekday, at their chosen hour in their own timezone (user_comm_preferences). The job
-- weekly-reviews.schedule runs hourly and enqueues a weekly-review job for every user whose
-- moment it is (once per user and week: the idempotency key); each of those computes the week's
-- figures from the user's rows. The figures are deterministic; the coach's narrative
-- (ai_insights) is added to the same row by the AI features and kept when a week is recomputed.

-- The week p_week_start … p_week_start + 6 of p_user:
--   habit_completion_rate  completions of active habits / completions their frequencies ask for
--                          (daily 7, weekdays 5, weekly 1, custom: its days), at most 1; NULL
--                          when nothing was asked;
--   tasks_completed/_total tasks completed during the week / tasks open at some time in it;
--   mood_average           the mean mood of the week's completions that gave one;
--   wins                   tasks completed in the week, and habits done as often as asked;
--   blockers               tasks still open, and active habits not done at all.
CREATE FUNCTION internal.compute_weekly_review(p_user uuid, p_week_start date) RETURNS uuid
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_week_end constant date := p_week_start + 6;
  v_from constant timestamptz := p_week_start::timestamptz;
  v_until constant timestamptz := (p_week_start + 7)::timestamptz;
  v_id uuid;
BEGIN
  WITH habit_weeks AS (
    SELECT h.title,
           CASE h.frequency WHEN 'daily' THEN 7 WHEN 'weekdays' THEN 5 WHEN 'weekly' THEN 1
                            ELSE jsonb_array_length(h.custom_days) END AS asked,
           (SELECT count(*) FROM public.habit_completions c
            WHERE c.habit_id = h.id AND c.completed_on BETWEEN p_week_start AND v_week_end)::integer AS done
    FROM public.habits h
    WHERE h.user_id = p_user AND h.is_active AND h.created_at < v_until
  ),
  tasks AS (
    SELECT t.title, t.is_completed AND t.updated_at >= v_from AND t.updated_at < v_until AS completed_in_week
    FROM public.action_tasks t
    WHERE t.user_id = p_user AND t.created_at < v_until AND (NOT t.is_completed OR t.updated_at >= v_from)
  ),
  figures AS (
    SELECT
      (SELECT CASE WHEN sum(asked) > 0 THEN least(1.0, sum(least(done, asked))::double precision / sum(asked)) END FROM habit_weeks) AS rate,
      (SELECT count(*) FILTER (WHERE completed_in_week) FROM tasks)::integer AS tasks_completed,
      (SELECT count(*) FROM tasks)::integer AS tasks_total,
      (SELECT avg(c.mood_rating)::double precision FROM public.habit_completions c
       WHERE c.user_id = p_user AND c.completed_on BETWEEN p_week_start AND v_week_end AND c.mood_rating IS NOT NULL) AS mood,
      coalesce((SELECT jsonb_agg(w ORDER BY w) FROM (
        SELECT title AS w FROM tasks WHERE completed_in_week
        UNION ALL SELECT title FROM habit_weeks WHERE asked > 0 AND done >= asked) AS wins), '[]'::jsonb) AS wins,
      coalesce((SELECT jsonb_agg(b ORDER BY b) FROM (
        SELECT title AS b FROM tasks WHERE NOT completed_in_week
        UNION ALL SELECT title FROM habit_weeks WHERE asked > 0 AND done = 0) AS blockers), '[]'::jsonb) AS blockers
  )
  INSERT INTO public.weekly_reviews (user_id, week_start, week_end, wins, blockers, habit_completion_rate, tasks_completed, tasks_total, mood_average)
  SELECT p_user, p_week_start, v_week_end, f.wins, f.blockers, f.rate, f.tasks_completed, f.tasks_total, f.mood FROM figures f
  ON CONFLICT (user_id, week_start) DO UPDATE
  SET wins = excluded.wins, blockers = excluded.blockers, habit_completion_rate = excluded.habit_completion_rate,
      tasks_completed = excluded.tasks_completed, tasks_total = excluded.tasks_total, mood_average = excluded.mood_average
  RETURNING id INTO v_id;
  RETURN v_id;
END;
$$;
REVOKE EXECUTE ON FUNCTION internal.compute_weekly_review(uuid, date) FROM PUBLIC;
COMMENT ON FUNCTION internal.compute_weekly_review(uuid, date) IS 'Background job weekly-review: computes (or recomputes) a user''s weekly review figures for the week starting p_week_start; returns its id.';

-- Enqueues the weekly-review job of every user whose review weekday and hour it is at p_now in
-- their timezone (a name the server's time zone data no longer knows counts as UTC): the week is
-- the seven days before their local date. Returns how many jobs it added or found already added.
CREATE FUNCTION internal.enqueue_weekly_reviews(p_now timestamptz) RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_count integer := 0;
  v_row record;
BEGIN
  FOR v_row IN
    WITH zones AS MATERIALIZED (SELECT name FROM pg_catalog.pg_timezone_names),
    local AS (
      SELECT p.user_id, p.weekly_review_day, p.weekly_review_time, p_now AT TIME ZONE coalesce(z.name, 'UTC') AS local_time
      FROM public.user_comm_preferences p LEFT JOIN zones z ON z.name = p.timezone)
    SELECT l.user_id, l.local_time::date - 7 AS week_start
    FROM local l
    WHERE lower(to_char(l.local_time, 'FMday')) = lower(l.weekly_review_day)
      AND extract(hour FROM l.local_time) = extract(hour FROM l.weekly_review_time)
  LOOP
    PERFORM internal.enqueue_job(
      'weekly-review', jsonb_build_object('user_id', v_row.user_id, 'week_start', v_row.week_start), p_now, p_now,
      'user ' || v_row.user_id || ' week ' || v_row.week_start);
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END;
$$;
REVOKE EXECUTE ON FUNCTION internal.enqueue_weekly_reviews(timestamptz) FROM PUBLIC;
COMMENT ON FUNCTION internal.enqueue_weekly_reviews(timestamptz) IS 'Background job weekly-reviews.schedule: enqueues the weekly-review job of each user whose review weekday and hour it is at p_now in their timezone.';
