-- The coach's tools. When the model calls a tool, agent-chat records the call as an
-- agent_actions row (pending) as the user; it runs only when the user confirms it
-- (confirm-agent-action), or at once for users who chose so (agent_auto_approve). It runs once,
-- with the user's own rights: the tool's statements are the user's, under row-level security,
-- so a tool call naming another user's rows fails as the same REST call would. Only the
-- bookkeeping (the action's status) is done by the server's functions below; users cannot
-- change an action's status, type or arguments themselves.

ALTER TABLE public.user_comm_preferences ADD COLUMN agent_auto_approve boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN public.user_comm_preferences.agent_auto_approve IS 'Whether the coach''s actions (create a task or habit, check off a habit, schedule a check-in, update goal progress) run without asking for confirmation first.';

-- A user may record an action only as pending, and never change one.
CREATE FUNCTION internal.guard_agent_action() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF current_user <> 'authenticated' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'agent actions are confirmed or cancelled, not edited'
      USING ERRCODE = 'insufficient_privilege', HINT = 'Call confirm-agent-action or cancel-agent-action.';
  END IF;
  IF NEW.action_status <> 'pending' OR NEW.approved_at IS NOT NULL OR NEW.executed_at IS NOT NULL
     OR NEW.output_result <> '{}'::jsonb OR NEW.error_message IS NOT NULL THEN
    RAISE EXCEPTION 'a new agent action is pending, with no result'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.guard_agent_action() FROM PUBLIC;
CREATE TRIGGER guard_agent_action BEFORE INSERT OR UPDATE ON public.agent_actions
  FOR EACH ROW EXECUTE FUNCTION internal.guard_agent_action();

ALTER TABLE public.agent_actions ADD CONSTRAINT agent_actions_action_type_check
  CHECK (action_type IN ('create_task', 'create_habit', 'mark_habit_complete', 'schedule_checkin', 'update_goal_progress'));
ALTER TABLE public.agent_actions ADD COLUMN session_id uuid REFERENCES public.agent_sessions (id) ON DELETE SET NULL;
CREATE INDEX agent_actions_session_id_idx ON public.agent_actions (session_id);
CREATE INDEX agent_actions_user_id_status_idx ON public.agent_actions (user_id, action_status);
COMMENT ON COLUMN public.agent_actions.session_id IS 'The coaching conversation whose tool call proposed the action, if any.';

-- A task's due date as a date: NULL when the text is not a real YYYY-MM-DD day (the column is
-- free text, and '2025-02-30' has the shape of a date without being one).
CREATE FUNCTION internal.due_date(p_text text) RETURNS date
LANGUAGE plpgsql
IMMUTABLE
SET search_path = ''
AS $$
BEGIN
  IF p_text !~ '^\d{4}-\d{2}-\d{2}$' THEN
    RETURN NULL;
  END IF;
  RETURN p_text::date;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.due_date(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.due_date(text) TO authenticated;
COMMENT ON FUNCTION internal.due_date(text) IS 'A task''s due_date text as a date; NULL when it is not a real YYYY-MM-DD day.';

-- The one tool an action names, run as the caller (row-level security applies): its result.
CREATE FUNCTION internal.run_agent_tool(p_type text, p_params jsonb) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_id uuid;
  v_result jsonb;
  v_when timestamptz;
  v_progress numeric;
BEGIN
  CASE p_type
  WHEN 'create_task' THEN
    INSERT INTO public.action_tasks (title, description, due_date, type, ai_metadata)
    VALUES (nullif(btrim(p_params ->> 'title'), ''), p_params ->> 'description',
            CASE WHEN internal.due_date(p_params ->> 'due_date') IS NOT NULL THEN p_params ->> 'due_date' END,
            coalesce(upper(p_params ->> 'type'), 'ADMIN'), jsonb_build_object('source', 'agent'))
    RETURNING id INTO v_id;
    RETURN jsonb_build_object('task_id', v_id);
  WHEN 'create_habit' THEN
    INSERT INTO public.habits (title, description, frequency)
    VALUES (nullif(btrim(p_params ->> 'title'), ''), p_params ->> 'description', coalesce(p_params ->> 'frequency', 'daily'))
    RETURNING id INTO v_id;
    RETURN jsonb_build_object('habit_id', v_id);
  WHEN 'mark_habit_complete' THEN
    IF p_params ->> 'habit_id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
      SELECT h.id INTO v_id FROM public.habits h WHERE h.id = (p_params ->> 'habit_id')::uuid AND h.is_active;
    ELSE
      SELECT h.id INTO v_id FROM public.habits h
       WHERE h.is_active AND lower(h.title) = lower(btrim(p_params ->> 'habit_name'))
       ORDER BY h.created_at LIMIT 1;
    END IF;
    IF v_id IS NULL THEN
      RAISE EXCEPTION 'no such habit of yours' USING ERRCODE = 'no_data_found';
    END IF;
    v_result := public.complete_habit(v_id, NULL, p_params ->> 'notes', NULL);
    RETURN jsonb_build_object('habit_id', v_id, 'current_streak', v_result #> '{habit,current_streak}');
  WHEN 'schedule_checkin' THEN
    BEGIN
      v_when := (p_params ->> 'when')::timestamptz;
    EXCEPTION WHEN others THEN
      RAISE EXCEPTION 'when must be a date and time' USING ERRCODE = 'invalid_datetime_format';
    END;
    IF v_when IS NULL OR v_when <= now() OR v_when > now() + interval '1 year' THEN
      RAISE EXCEPTION 'a check-in is scheduled within the next year' USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO public.scheduled_checkins (checkin_type, scheduled_for, channel, content)
    VALUES ('custom', v_when, coalesce(p_params ->> 'channel', 'push'),
            jsonb_build_object('message', left(coalesce(p_params ->> 'message', ''), 1000), 'source', 'agent'))
    RETURNING id INTO v_id;
    RETURN jsonb_build_object('checkin_id', v_id, 'scheduled_for', v_when);
  WHEN 'update_goal_progress' THEN
    IF NOT (p_params ->> 'goal_id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') THEN
      RAISE EXCEPTION 'goal_id must be a shared goal''s id' USING ERRCODE = 'invalid_text_representation';
    END IF;
    BEGIN
      v_progress := (p_params ->> 'progress')::numeric;
    EXCEPTION WHEN others THEN
      RAISE EXCEPTION 'progress must be a number' USING ERRCODE = 'invalid_text_representation';
    END;
    IF v_progress IS NULL OR v_progress < 0 OR v_progress >= 1e10 THEN
      RAISE EXCEPTION 'progress must be a number from 0' USING ERRCODE = 'check_violation';
    END IF;
    UPDATE public.shared_goals SET current_value = v_progress
     WHERE id = (p_params ->> 'goal_id')::uuid
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
      RAISE EXCEPTION 'no such shared goal of yours' USING ERRCODE = 'no_data_found';
    END IF;
    RETURN jsonb_build_object('goal_id', v_id, 'current_value', v_progress);
  ELSE
    RAISE EXCEPTION 'unknown action type %', p_type USING ERRCODE = 'invalid_parameter_value';
  END CASE;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.run_agent_tool(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.run_agent_tool(text, jsonb) TO authenticated;
COMMENT ON FUNCTION internal.run_agent_tool(text, jsonb) IS 'Runs one coach tool (create_task, create_habit, mark_habit_complete, schedule_checkin, update_goal_progress) as the caller, under row-level security; its result.';

-- Marks the caller's pending action as running; its row, or NULL with the status it is in.
CREATE FUNCTION internal.begin_agent_action(p_id uuid, OUT o_action public.agent_actions, OUT o_status text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  SELECT * INTO o_action FROM public.agent_actions a WHERE a.id = p_id AND a.user_id = internal.require_user() FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'Action not found' USING ERRCODE = 'no_data_found';
  END IF;
  o_status := o_action.action_status;
  IF o_status <> 'pending' THEN
    o_action := NULL;
    RETURN;
  END IF;
  UPDATE public.agent_actions SET action_status = 'in_progress', approved_at = now() WHERE id = p_id
  RETURNING * INTO o_action;
  o_status := 'in_progress';
END
$$;
REVOKE EXECUTE ON FUNCTION internal.begin_agent_action(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.begin_agent_action(uuid) TO authenticated;
COMMENT ON FUNCTION internal.begin_agent_action(uuid) IS 'Marks the caller''s pending agent action in_progress (approved now); otherwise answers its status.';

-- Records how the caller's running action ended.
CREATE FUNCTION internal.finish_agent_action(p_id uuid, p_result jsonb, p_error text) RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path = ''
AS $$
  UPDATE public.agent_actions
     SET action_status = CASE WHEN p_error IS NULL THEN 'completed' ELSE 'failed' END,
         output_result = coalesce(p_result, '{}'::jsonb), error_message = p_error, executed_at = now()
   WHERE id = p_id AND user_id = internal.require_user() AND action_status = 'in_progress'
$$;
REVOKE EXECUTE ON FUNCTION internal.finish_agent_action(uuid, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.finish_agent_action(uuid, jsonb, text) TO authenticated;
COMMENT ON FUNCTION internal.finish_agent_action(uuid, jsonb, text) IS 'Records the outcome of the caller''s running agent action: completed with its result, or failed with the error.';

-- Runs one of the caller's pending actions, once: {success, status, result} or {success: false,
-- status, error}. A failing tool leaves none of its writes, and the action failed.
CREATE FUNCTION internal.execute_agent_action(p_id uuid) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_begun record;
  v_result jsonb;
  v_message text;
BEGIN
  SELECT * INTO v_begun FROM internal.begin_agent_action(p_id);
  IF v_begun.o_status <> 'in_progress' THEN
    RETURN jsonb_build_object('success', false, 'status', v_begun.o_status, 'error', 'Action already ' || v_begun.o_status);
  END IF;
  BEGIN
    v_result := internal.run_agent_tool((v_begun.o_action).action_type, (v_begun.o_action).input_params);
  EXCEPTION WHEN others THEN
    -- A conflict or a timeout is not the tool's failure: the whole call fails, the action stays pending.
    IF SQLSTATE IN ('40001', '40P01', '55P03', '57014') THEN
      RAISE;
    END IF;
    GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT;
    PERFORM internal.finish_agent_action(p_id, NULL, v_message);
    RETURN jsonb_build_object('success', false, 'status', 'failed', 'error', v_message, 'action_type', (v_begun.o_action).action_type);
  END;
  PERFORM internal.finish_agent_action(p_id, v_result, NULL);
  RETURN jsonb_build_object('success', true, 'status', 'completed', 'result', v_result, 'action_type', (v_begun.o_action).action_type);
END
$$;
REVOKE EXECUTE ON FUNCTION internal.execute_agent_action(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.execute_agent_action(uuid) TO authenticated;
COMMENT ON FUNCTION internal.execute_agent_action(uuid) IS 'Runs the caller''s pending agent action once with their rights: {success, status, result} or {success: false, status, error}.';

-- Cancels one of the caller's pending actions: {success, status, action_type} (success false
-- with the status when it is no longer pending).
CREATE FUNCTION internal.cancel_agent_action(p_id uuid, p_reason text) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_action public.agent_actions;
BEGIN
  SELECT * INTO v_action FROM public.agent_actions a WHERE a.id = p_id AND a.user_id = internal.require_user() FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'Action not found' USING ERRCODE = 'no_data_found';
  END IF;
  IF v_action.action_status <> 'pending' THEN
    RETURN jsonb_build_object('success', false, 'status', v_action.action_status, 'error', 'Action already ' || v_action.action_status,
                              'action_type', v_action.action_type);
  END IF;
  UPDATE public.agent_actions
     SET action_status = 'cancelled', output_result = jsonb_build_object('cancellation_reason', coalesce(nullif(btrim(p_reason), ''), 'User declined'))
   WHERE id = p_id;
  RETURN jsonb_build_object('success', true, 'status', 'cancelled', 'action_type', v_action.action_type);
END
$$;
REVOKE EXECUTE ON FUNCTION internal.cancel_agent_action(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.cancel_agent_action(uuid, text) TO authenticated;
COMMENT ON FUNCTION internal.cancel_agent_action(uuid, text) IS 'Cancels the caller''s pending agent action (the reason kept in output_result); success false with the status otherwise.';

-- Keeps the caller's feedback on one of their actions ({rating 1-5, comment}) in its result.
CREATE FUNCTION internal.note_agent_action_feedback(p_id uuid, p_feedback jsonb) RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path = ''
AS $$
  UPDATE public.agent_actions
     SET output_result = output_result || jsonb_build_object('feedback', jsonb_strip_nulls(jsonb_build_object(
           'rating', CASE WHEN p_feedback ->> 'rating' ~ '^[1-5]$' THEN (p_feedback ->> 'rating')::integer END,
           'comment', left(p_feedback ->> 'comment', 1000))))
   WHERE id = p_id AND user_id = internal.require_user()
$$;
REVOKE EXECUTE ON FUNCTION internal.note_agent_action_feedback(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.note_agent_action_feedback(uuid, jsonb) TO authenticated;
COMMENT ON FUNCTION internal.note_agent_action_feedback(uuid, jsonb) IS 'Keeps the caller''s feedback ({rating 1-5, comment}) on one of their agent actions in its output_result.';
