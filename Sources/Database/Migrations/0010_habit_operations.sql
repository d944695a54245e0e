-- Habit operations behind /functions/v1/habit-service, callable by RPC as well: the habit list
-- with live streaks, completing and un-completing a day, editing, and statistics. All run as the
-- caller (SECURITY INVOKER), so row-level security decides whose habits they touch.

-- The streak helpers of 0004 stay the owner's: the helpers below use them with owner rights.
-- They are reachable only from the functions of these migrations (the internal schema is not
-- exposed), which hand them rows the caller may see.

-- A habit as the habit functions answer it: its columns, the streak as it stands today (the
-- stored counter, or 0 when it lapsed and the daily job has not reset it yet), whether today is
-- a scheduled day, whether today is done, and whether the current period (today, or this ISO
-- week for weekly habits) is done. p_today is the owner's local day.
CREATE FUNCTION internal.live_habit(p_habit public.habits, p_today date) RETURNS jsonb
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_days integer[] := internal.habit_scheduled_days(p_habit.frequency, p_habit.custom_days);
  v_now bigint := internal.habit_period_index(p_habit.frequency, v_days, p_today);
  v_scheduled boolean := internal.habit_is_scheduled(p_habit.frequency, v_days, p_today);
  v_period_done boolean := v_now IS NOT NULL AND internal.habit_period_hit(p_habit.id, p_habit.frequency, v_days, v_now);
  v_current integer := p_habit.current_streak;
BEGIN
  -- Lapsed: neither the current period nor (when today is scheduled) the one before is done.
  IF v_current > 0 AND NOT v_period_done
     AND NOT (v_scheduled AND internal.habit_period_hit(p_habit.id, p_habit.frequency, v_days, v_now - 1)) THEN
    v_current := 0;
  END IF;
  RETURN jsonb_build_object(
    'id', p_habit.id,
    'title', p_habit.title,
    'description', p_habit.description,
    'frequency', p_habit.frequency,
    'custom_days', p_habit.custom_days,
    'reminder_time', p_habit.reminder_time,
    'task_id', p_habit.task_id,
    'is_active', p_habit.is_active,
    'current_streak', v_current,
    'longest_streak', p_habit.longest_streak,
    'last_completed', p_habit.last_completed,
    'scheduled_today', v_scheduled,
    'done_today', EXISTS (SELECT 1 FROM public.habit_completions c
                           WHERE c.habit_id = p_habit.id AND c.completed_on = p_today),
    'period_done', coalesce(v_period_done AND (p_habit.frequency = 'weekly' OR v_scheduled), false),
    'created_at', p_habit.created_at,
    'updated_at', p_habit.updated_at);
END
$$;
REVOKE EXECUTE ON FUNCTION internal.live_habit(public.habits, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.live_habit(public.habits, date) TO authenticated, service_role;
COMMENT ON FUNCTION internal.live_habit(public.habits, date) IS 'A habit as the habit functions answer it, with its live streak and today''s state (owner''s local day).';

-- The caller's local calendar day (their time zone preference, else UTC).
CREATE FUNCTION internal.caller_today() RETURNS date
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT (now() AT TIME ZONE internal.user_timezone(auth.uid()))::date
$$;
REVOKE EXECUTE ON FUNCTION internal.caller_today() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.caller_today() TO authenticated, service_role;
COMMENT ON FUNCTION internal.caller_today() IS 'The calling user''s local calendar day (their time zone, UTC without preferences).';

-- Refuses a request without a signed-in user (functions that act on auth.uid()).
CREATE FUNCTION internal.require_user() RETURNS uuid
LANGUAGE plpgsql STABLE
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := auth.uid();
BEGIN
  IF v_uid IS NULL THEN
    RAISE EXCEPTION 'sign in first: this operation acts for a signed-in user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN v_uid;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.require_user() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.require_user() TO anon, authenticated, service_role;
COMMENT ON FUNCTION internal.require_user() IS 'The caller''s user id; raises 42501 when the request carries no user.';

CREATE FUNCTION public.list_habits(p_include_inactive boolean DEFAULT false) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce(jsonb_agg(internal.live_habit(h, d.today) ORDER BY h.created_at, h.id), '[]')
    FROM (SELECT internal.caller_today() AS today, internal.require_user() AS uid) d
    JOIN public.habits h ON h.user_id = d.uid
   WHERE coalesce(p_include_inactive, false) OR h.is_active
$$;
REVOKE EXECUTE ON FUNCTION public.list_habits(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_habits(boolean) TO authenticated;
COMMENT ON FUNCTION public.list_habits(boolean) IS 'The caller''s habits (archived ones too when asked), oldest first, each with its live current streak, longest streak, and whether today and the current period are done in the caller''s time zone.';

-- Creates a habit of the caller from a JSON object (title, description, frequency, custom_days,
-- reminder_time, task_id); absent members take the column defaults.
CREATE FUNCTION public.create_habit(p_habit jsonb) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_habit public.habits;
BEGIN
  PERFORM internal.require_user();
  INSERT INTO public.habits (title, description, frequency, custom_days, reminder_time, task_id)
  VALUES (btrim(p_habit ->> 'title'),
          p_habit ->> 'description',
          coalesce(p_habit ->> 'frequency', 'daily'),
          coalesce(p_habit -> 'custom_days', '[]'::jsonb),
          (p_habit ->> 'reminder_time')::time,
          (p_habit ->> 'task_id')::uuid)
  RETURNING * INTO v_habit;
  RETURN internal.live_habit(v_habit, internal.caller_today());
END
$$;
REVOKE EXECUTE ON FUNCTION public.create_habit(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.create_habit(jsonb) TO authenticated;
COMMENT ON FUNCTION public.create_habit(jsonb) IS 'Creates one of the caller''s habits from {title, description?, frequency?, custom_days?, reminder_time?, task_id?}; returns it as list_habits shows it.';

-- Changes the members present in p_patch (title, description, frequency, custom_days,
-- reminder_time, task_id, is_active) of one of the caller's habits. A new schedule re-applies
-- the streak rules (trigger of 0004).
CREATE FUNCTION public.update_habit(p_habit_id uuid, p_patch jsonb) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_habit public.habits;
BEGIN
  PERFORM internal.require_user();
  UPDATE public.habits h SET
    title = CASE WHEN p_patch ? 'title' THEN btrim(p_patch ->> 'title') ELSE h.title END,
    description = CASE WHEN p_patch ? 'description' THEN p_patch ->> 'description' ELSE h.description END,
    frequency = CASE WHEN p_patch ? 'frequency' THEN p_patch ->> 'frequency' ELSE h.frequency END,
    custom_days = CASE WHEN p_patch ? 'custom_days' THEN coalesce(p_patch -> 'custom_days', '[]'::jsonb) ELSE h.custom_days END,
    reminder_time = CASE WHEN p_patch ? 'reminder_time' THEN (p_patch ->> 'reminder_time')::time ELSE h.reminder_time END,
    task_id = CASE WHEN p_patch ? 'task_id' THEN (p_patch ->> 'task_id')::uuid ELSE h.task_id END,
    is_active = CASE WHEN p_patch ? 'is_active' THEN coalesce((p_patch ->> 'is_active')::boolean, h.is_active) ELSE h.is_active END
  WHERE h.id = p_habit_id
  RETURNING * INTO v_habit;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no habit of yours has id %', p_habit_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN internal.live_habit(v_habit, internal.caller_today());
END
$$;
REVOKE EXECUTE ON FUNCTION public.update_habit(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.update_habit(uuid, jsonb) TO authenticated;
COMMENT ON FUNCTION public.update_habit(uuid, jsonb) IS 'Changes the given members of one of the caller''s habits; returns it as list_habits shows it.';

-- Checks off a habit of the caller for a day (default: the caller's today; up to 7 days back,
-- never ahead — trigger of 0004). The completion triggers keep the streaks (O(1) for today).
CREATE FUNCTION public.complete_habit(p_habit_id uuid, p_completed_on date DEFAULT NULL,
                                      p_notes text DEFAULT NULL, p_mood_rating integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_today date;
  v_active boolean;
  v_completion public.habit_completions;
  v_habit public.habits;
BEGIN
  PERFORM internal.require_user();
  SELECT h.is_active INTO v_active FROM public.habits h WHERE h.id = p_habit_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no habit of yours has id %', p_habit_id USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT v_active THEN
    RAISE EXCEPTION 'this habit is archived; restore it before checking it off' USING ERRCODE = 'check_violation';
  END IF;
  v_today := internal.caller_today();
  INSERT INTO public.habit_completions (habit_id, completed_on, notes, mood_rating)
  VALUES (p_habit_id, coalesce(p_completed_on, v_today), p_notes, p_mood_rating)
  ON CONFLICT (habit_id, completed_on) DO NOTHING
  RETURNING * INTO v_completion;
  IF v_completion.id IS NULL THEN
    RAISE EXCEPTION 'this habit is already checked off for %', coalesce(p_completed_on, v_today)
      USING ERRCODE = 'unique_violation';
  END IF;
  SELECT * INTO v_habit FROM public.habits h WHERE h.id = p_habit_id;
  RETURN jsonb_build_object(
    'completion', jsonb_build_object(
      'id', v_completion.id, 'habit_id', v_completion.habit_id, 'completed_on', v_completion.completed_on,
      'completed_at', v_completion.completed_at, 'notes', v_completion.notes, 'mood_rating', v_completion.mood_rating),
    'habit', internal.live_habit(v_habit, v_today));
END
$$;
REVOKE EXECUTE ON FUNCTION public.complete_habit(uuid, date, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.complete_habit(uuid, date, text, integer) TO authenticated;
COMMENT ON FUNCTION public.complete_habit(uuid, date, text, integer) IS 'Checks off one of the caller''s active habits for a local day (default today; at most 7 days back); returns the completion and the habit with its new streaks. A day already checked off raises 23505.';

CREATE FUNCTION public.uncomplete_habit(p_habit_id uuid, p_completed_on date DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_today date;
  v_removed uuid;
  v_habit public.habits;
BEGIN
  PERFORM internal.require_user();
  v_today := internal.caller_today();
  DELETE FROM public.habit_completions c
   WHERE c.habit_id = p_habit_id AND c.completed_on = coalesce(p_completed_on, v_today)
  RETURNING c.id INTO v_removed;
  IF v_removed IS NULL THEN
    RAISE EXCEPTION 'no habit of yours has a completion on %', coalesce(p_completed_on, v_today)
      USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO v_habit FROM public.habits h WHERE h.id = p_habit_id;
  RETURN jsonb_build_object('removed', v_removed, 'habit', internal.live_habit(v_habit, v_today));
END
$$;
REVOKE EXECUTE ON FUNCTION public.uncomplete_habit(uuid, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.uncomplete_habit(uuid, date) TO authenticated;
COMMENT ON FUNCTION public.uncomplete_habit(uuid, date) IS 'Removes the check-off of one of the caller''s habits for a local day (default today); returns the habit with its recomputed streaks.';

-- Completion rate of one habit over the last p_days local days up to p_today (clipped to the
-- habit's first local day): scheduled periods and those done. The current period counts only
-- once it is done, so an unfinished today never lowers the rate.
CREATE FUNCTION internal.completion_window(p_habit public.habits, p_today date, p_days integer,
  OUT scheduled integer, OUT completed integer)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_days integer[] := internal.habit_scheduled_days(p_habit.frequency, p_habit.custom_days);
  v_first date := greatest(p_today - (p_days - 1),
                           (p_habit.created_at AT TIME ZONE internal.user_timezone(p_habit.user_id))::date);
  v_current bigint := internal.habit_period_index(p_habit.frequency, v_days, p_today);
BEGIN
  IF v_first > p_today OR v_current IS NULL THEN
    scheduled := 0;
    completed := 0;
    RETURN;
  END IF;
  WITH periods AS (
    SELECT DISTINCT internal.habit_period_index(p_habit.frequency, v_days, d::date) AS idx
      FROM generate_series(v_first, p_today, interval '1 day') AS g (d)
     WHERE internal.habit_is_scheduled(p_habit.frequency, v_days, d::date)
  ), done AS (
    SELECT DISTINCT internal.habit_period_index(p_habit.frequency, v_days, c.completed_on) AS idx
      FROM public.habit_completions c
     WHERE c.habit_id = p_habit.id
       AND c.completed_on BETWEEN CASE WHEN p_habit.frequency = 'weekly'
                                       THEN date_trunc('week', v_first::timestamp)::date ELSE v_first END
                              AND p_today
       AND internal.habit_is_scheduled(p_habit.frequency, v_days, c.completed_on)
  )
  SELECT count(*) FILTER (WHERE p.idx < v_current OR d.idx IS NOT NULL),
         count(d.idx)
    INTO scheduled, completed
    FROM periods p LEFT JOIN done d ON d.idx = p.idx;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.completion_window(public.habits, date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.completion_window(public.habits, date, integer) TO authenticated, service_role;
COMMENT ON FUNCTION internal.completion_window(public.habits, date, integer) IS 'Scheduled and completed periods of a habit over its last N local days (the unfinished current period left out).';

-- Statistics of one habit of the caller, or of all their active habits with an overall line:
-- completion rates over 7 and 30 days (percent, one decimal; null when nothing was scheduled),
-- streaks, total completions and the best day of the week (most completions; ties go to the
-- earlier weekday, Sunday first).
CREATE FUNCTION public.habit_stats(p_habit_id uuid DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := internal.require_user();
  v_today date := internal.caller_today();
  v_names text[] := ARRAY['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
  v_habits jsonb;
  v_overall jsonb;
BEGIN
  WITH picked AS (
    SELECT h FROM public.habits h
     WHERE h.user_id = v_uid AND (h.id = p_habit_id OR (p_habit_id IS NULL AND h.is_active))
  ), stats AS (
    SELECT (p.h).id AS id, (p.h).created_at AS created_at,
           internal.live_habit(p.h, v_today) AS view, w7.scheduled AS s7, w7.completed AS c7,
           w30.scheduled AS s30, w30.completed AS c30,
           (SELECT count(*) FROM public.habit_completions c WHERE c.habit_id = (p.h).id)::integer AS total,
           (SELECT extract(dow FROM c.completed_on)::integer FROM public.habit_completions c
             WHERE c.habit_id = (p.h).id GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1) AS best_dow
      FROM picked p
      CROSS JOIN LATERAL internal.completion_window(p.h, v_today, 7) w7
      CROSS JOIN LATERAL internal.completion_window(p.h, v_today, 30) w30
  )
  SELECT jsonb_agg(jsonb_build_object(
           'habit_id', s.id,
           'title', s.view ->> 'title',
           'frequency', s.view ->> 'frequency',
           'current_streak', (s.view -> 'current_streak'),
           'longest_streak', (s.view -> 'longest_streak'),
           'last_completed', (s.view -> 'last_completed'),
           'total_completions', s.total,
           'completion_rate_7d', round(100.0 * s.c7 / nullif(s.s7, 0), 1),
           'completion_rate_30d', round(100.0 * s.c30 / nullif(s.s30, 0), 1),
           'scheduled_7d', s.s7, 'completed_7d', s.c7, 'scheduled_30d', s.s30, 'completed_30d', s.c30,
           'best_day_of_week', v_names[s.best_dow + 1]) ORDER BY s.created_at, s.id),
         jsonb_build_object(
           'habits', count(*),
           'total_completions', coalesce(sum(s.total), 0),
           'completion_rate_7d', round(100.0 * sum(s.c7) / nullif(sum(s.s7), 0), 1),
           'completion_rate_30d', round(100.0 * sum(s.c30) / nullif(sum(s.s30), 0), 1),
           'best_current_streak', coalesce(max((s.view ->> 'current_streak')::integer), 0),
           'best_longest_streak', coalesce(max((s.view ->> 'longest_streak')::integer), 0))
    INTO v_habits, v_overall
    FROM stats s;

  IF p_habit_id IS NOT NULL THEN
    IF v_habits IS NULL THEN
      RAISE EXCEPTION 'no habit of yours has id %', p_habit_id USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_habits -> 0;
  END IF;
  RETURN jsonb_build_object(
    'habits', coalesce(v_habits, '[]'::jsonb),
    'overall', v_overall || jsonb_build_object('best_day_of_week', (
      SELECT v_names[extract(dow FROM c.completed_on)::integer + 1]
        FROM public.habit_completions c JOIN public.habits h ON h.id = c.habit_id
       WHERE h.user_id = v_uid AND h.is_active
       GROUP BY extract(dow FROM c.completed_on) ORDER BY count(*) DESC, extract(dow FROM c.completed_on) LIMIT 1)));
END
$$;
REVOKE EXECUTE ON FUNCTION public.habit_stats(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.habit_stats(uuid) TO authenticated;
COMMENT ON FUNCTION public.habit_stats(uuid) IS 'Statistics of one of the caller''s habits, or of all their active habits with an overall line: completion rates over 7 and 30 days, streaks, totals and the best day of the week.';
