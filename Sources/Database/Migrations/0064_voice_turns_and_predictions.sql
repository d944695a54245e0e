-- Voice coaching keeps its turns as data, and progress predictions are computed by the
-- database whenever a user's tasks change.

ALTER TABLE public.voice_coach_sessions ADD COLUMN turns jsonb NOT NULL DEFAULT '[]'::jsonb
  CHECK (jsonb_typeof(turns) = 'array');
COMMENT ON COLUMN public.voice_coach_sessions.turns IS 'The conversation as it happened: [{role: user | assistant, content, at, partial?}]; transcript is its readable text once the session ends.';

-- One prediction per user and goal: the action plan's tasks (goal_type action_plan).
CREATE UNIQUE INDEX progress_predictions_user_id_goal_type_key ON public.progress_predictions (user_id, goal_type);

-- The pace of p_user's action plan: a least-squares line through the cumulative count of tasks
-- completed over the last 90 days (one point a day with a completion, from the first), its
-- slope the pace in tasks a day. With the open tasks left, it gives the predicted completion
-- date; target_date is the latest due date of the open tasks; current_pace is the pace over
-- the pace the target needs (1 = on schedule, above 1 = ahead); the confidence is the fit's
-- R² scaled down below 5 points. Without open tasks the prediction is removed; with fewer
-- than 2 points there is no pace yet.
CREATE FUNCTION internal.refresh_progress_prediction(p_user uuid) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_open integer;
  v_target date;
  v_slope double precision;
  v_r2 double precision;
  v_points integer;
  v_needed double precision;
  v_pace double precision;
  v_predicted date;
  v_recommendations jsonb;
BEGIN
  SELECT count(*), max(internal.due_date(t.due_date))
    INTO v_open, v_target
    FROM public.action_tasks t WHERE t.user_id = p_user AND NOT t.is_completed;
  IF v_open = 0 THEN
    DELETE FROM public.progress_predictions WHERE user_id = p_user AND goal_type = 'action_plan';
    RETURN;
  END IF;
  WITH days AS (
    SELECT t.updated_at::date AS day, count(*) AS done
      FROM public.action_tasks t
     WHERE t.user_id = p_user AND t.is_completed AND t.updated_at >= now() - interval '90 days'
     GROUP BY 1
  ), points AS (
    SELECT (day - min(day) OVER ())::double precision AS x, sum(done) OVER (ORDER BY day)::double precision AS y FROM days
  )
  SELECT regr_slope(y, x), regr_r2(y, x), count(*) INTO v_slope, v_r2, v_points FROM points;
  IF v_points >= 2 AND v_slope > 0 THEN
    v_predicted := current_date + least(ceil(v_open / v_slope), 36500)::integer;
  END IF;
  IF v_target IS NOT NULL AND v_target > current_date THEN
    v_needed := v_open::double precision / (v_target - current_date);
  END IF;
  v_pace := CASE WHEN v_points >= 2 AND v_needed > 0 THEN round((greatest(v_slope, 0) / v_needed)::numeric, 3)::double precision END;
  v_recommendations := CASE
    WHEN v_points < 2 THEN '["Complete a few tasks so your pace can be measured."]'::jsonb
    WHEN v_pace IS NOT NULL AND v_pace < 0.8 THEN jsonb_build_array(format('Finish about %s tasks a week to reach your target on time.', ceil(v_needed * 7)))
    WHEN v_pace IS NOT NULL THEN '["You are on pace: keep going."]'::jsonb
    ELSE '[]'::jsonb END;
  INSERT INTO public.progress_predictions (user_id, goal_type, target_date, current_pace, predicted_completion_date, confidence_score,
                                           recommendations, calculated_at)
  VALUES (p_user, 'action_plan', v_target, v_pace, v_predicted,
          CASE WHEN v_points >= 2 THEN round((coalesce(v_r2, 0) * least(1.0, v_points / 5.0))::numeric, 3)::double precision ELSE 0 END,
          v_recommendations, now())
  ON CONFLICT (user_id, goal_type) DO UPDATE
  SET target_date = excluded.target_date, current_pace = excluded.current_pace,
      predicted_completion_date = excluded.predicted_completion_date, confidence_score = excluded.confidence_score,
      recommendations = excluded.recommendations, calculated_at = excluded.calculated_at;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.refresh_progress_prediction(uuid) FROM PUBLIC;
COMMENT ON FUNCTION internal.refresh_progress_prediction(uuid) IS 'Recomputes the user''s action-plan prediction: pace by least squares over cumulative completions (90 days), predicted completion date, pace against the target, confidence (R², fewer than 5 points count less).';

-- Statement trigger on action_tasks: the prediction of every user whose tasks the statement changed.
CREATE FUNCTION internal.refresh_predictions_after_tasks() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_user uuid;
BEGIN
  -- Each event has its own transition tables; only the branch of this event reads them.
  IF TG_OP = 'INSERT' THEN
    FOR v_user IN SELECT DISTINCT user_id FROM changed_new LOOP
      PERFORM internal.refresh_progress_prediction(v_user);
    END LOOP;
  ELSIF TG_OP = 'UPDATE' THEN
    FOR v_user IN SELECT user_id FROM changed_new UNION SELECT user_id FROM changed_old LOOP
      PERFORM internal.refresh_progress_prediction(v_user);
    END LOOP;
  ELSE
    FOR v_user IN SELECT DISTINCT user_id FROM changed_old LOOP
      PERFORM internal.refresh_progress_prediction(v_user);
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.refresh_predictions_after_tasks() FROM PUBLIC;
COMMENT ON FUNCTION internal.refresh_predictions_after_tasks() IS 'Trigger: refreshes the progress prediction of each user whose action tasks a statement changed.';
CREATE TRIGGER refresh_predictions_after_insert AFTER INSERT ON public.action_tasks
  REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION internal.refresh_predictions_after_tasks();
CREATE TRIGGER refresh_predictions_after_update AFTER UPDATE ON public.action_tasks
  REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION internal.refresh_predictions_after_tasks();
CREATE TRIGGER refresh_predictions_after_delete AFTER DELETE ON public.action_tasks
  REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION internal.refresh_predictions_after_tasks();

-- Every user with open tasks gets a prediction now.
SELECT internal.refresh_progress_prediction(u.user_id) FROM (SELECT DISTINCT user_id FROM public.action_tasks) u;
