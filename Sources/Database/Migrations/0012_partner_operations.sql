-- Accountability partners behind /functions/v1/partner-collaboration (and RPC): invitations with
-- their mail, the partnership's status, shared goals, the partner's progress as a summary only,
-- and the partnership's feed. Accepting, declining and ending are the functions of 0006.

-- shared_goals.status follows the progress: a goal with a target is completed exactly while
-- current_value >= target_value (unless cancelled), and completed_at is the moment it got there.
CREATE FUNCTION internal.shared_goal_progress() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NEW.status <> 'cancelled' AND NEW.target_value IS NOT NULL THEN
    NEW.status := CASE WHEN NEW.current_value >= NEW.target_value THEN 'completed' ELSE 'active' END;
  END IF;
  IF NEW.status = 'completed' THEN
    NEW.completed_at := CASE WHEN TG_OP = 'UPDATE' AND OLD.status = 'completed' THEN OLD.completed_at ELSE now() END;
  ELSE
    NEW.completed_at := NULL;
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.shared_goal_progress() FROM PUBLIC;
COMMENT ON FUNCTION internal.shared_goal_progress() IS 'Trigger: a shared goal with a target is completed while current_value >= target_value; completed_at stamps the moment.';

CREATE TRIGGER shared_goal_progress
  BEFORE INSERT OR UPDATE OF current_value, target_value, status, completed_at ON public.shared_goals
  FOR EACH ROW EXECUTE FUNCTION internal.shared_goal_progress();

-- A shared goal as the partner functions answer it.
CREATE FUNCTION internal.shared_goal_json(p_goal public.shared_goals) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT jsonb_build_object(
    'id', p_goal.id, 'connection_id', p_goal.connection_id, 'created_by', p_goal.created_by,
    'title', p_goal.title, 'description', p_goal.description, 'category', p_goal.category,
    'target_date', p_goal.target_date, 'target_value', p_goal.target_value,
    'current_value', p_goal.current_value, 'unit', p_goal.unit, 'status', p_goal.status,
    'progress', CASE WHEN p_goal.target_value > 0
                     THEN least(round(100 * p_goal.current_value / p_goal.target_value, 1), 100) END,
    'completed_at', p_goal.completed_at, 'created_at', p_goal.created_at, 'updated_at', p_goal.updated_at)
$$;
REVOKE EXECUTE ON FUNCTION internal.shared_goal_json(public.shared_goals) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.shared_goal_json(public.shared_goals) TO authenticated, service_role;
COMMENT ON FUNCTION internal.shared_goal_json(public.shared_goals) IS 'A shared goal as the partner functions answer it, with its progress in percent.';

-- The caller's most recent active partnership (id, other party), or nothing.
CREATE FUNCTION internal.caller_partnership(OUT connection_id uuid, OUT partner_id uuid, OUT connected_at timestamptz)
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT c.id, CASE WHEN c.user_id = auth.uid() THEN c.partner_id ELSE c.user_id END, c.connected_at
    FROM public.partner_connections c
   WHERE c.status = 'active' AND auth.uid() IN (c.user_id, c.partner_id)
   ORDER BY c.connected_at DESC, c.id
   LIMIT 1
$$;
REVOKE EXECUTE ON FUNCTION internal.caller_partnership() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.caller_partnership() TO authenticated;
COMMENT ON FUNCTION internal.caller_partnership() IS 'The caller''s most recent active partnership: connection id, the other party and since when.';

-- Invites someone (by email) to become the caller's accountability partner: an unguessable code
-- (column default of 0006), an expiry 1-30 days ahead, and the invitation mail queued in the
-- outbox. One pending invitation per address, at most 20 pending per inviter.
CREATE FUNCTION public.create_partner_invitation(p_invitee_email text, p_message text DEFAULT NULL, p_expires_in_days integer DEFAULT 7)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := internal.require_user();
  v_email text := lower(btrim(p_invitee_email));
  v_invitation public.partner_invitations;
BEGIN
  IF v_email IS NULL OR v_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' THEN
    RAISE EXCEPTION '"%" is not an email address', p_invitee_email USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF coalesce(p_expires_in_days, 7) NOT BETWEEN 1 AND 30 THEN
    RAISE EXCEPTION 'an invitation expires 1 to 30 days from now' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_email = lower(btrim(auth.jwt() ->> 'email')) THEN
    RAISE EXCEPTION 'you cannot invite yourself' USING ERRCODE = 'check_violation';
  END IF;
  -- Serialises the caller's own invitations, so the checks below hold.
  PERFORM pg_advisory_xact_lock(hashtextextended('partner_invitations:' || v_uid::text, 0));
  IF EXISTS (SELECT 1 FROM public.partner_invitations i
              WHERE i.inviter_id = v_uid AND i.invitee_email = v_email AND i.status = 'pending' AND i.expires_at > now()) THEN
    RAISE EXCEPTION 'you already have a pending invitation to %', v_email USING ERRCODE = 'unique_violation';
  END IF;
  IF (SELECT count(*) FROM public.partner_invitations i
       WHERE i.inviter_id = v_uid AND i.status = 'pending' AND i.expires_at > now()) >= 20 THEN
    RAISE EXCEPTION 'you have 20 pending invitations; withdraw some or wait for answers' USING ERRCODE = 'check_violation';
  END IF;
  INSERT INTO public.partner_invitations (inviter_id, invitee_email, message, expires_at)
  VALUES (v_uid, v_email, nullif(btrim(p_message), ''), now() + make_interval(days => coalesce(p_expires_in_days, 7)))
  RETURNING * INTO v_invitation;
  INSERT INTO auth.mail_outbox (recipient, template, payload)
  VALUES (v_email, 'partner_invitation', jsonb_build_object(
    'invite_code', v_invitation.invite_code, 'inviter_email', auth.jwt() ->> 'email',
    'message', v_invitation.message, 'expires_at', v_invitation.expires_at));
  RETURN jsonb_build_object(
    'id', v_invitation.id, 'invitee_email', v_invitation.invitee_email, 'invite_code', v_invitation.invite_code,
    'message', v_invitation.message, 'status', v_invitation.status, 'expires_at', v_invitation.expires_at,
    'created_at', v_invitation.created_at);
END
$$;
REVOKE EXECUTE ON FUNCTION public.create_partner_invitation(text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.create_partner_invitation(text, text, integer) TO authenticated;
COMMENT ON FUNCTION public.create_partner_invitation(text, text, integer) IS 'Invites an email address to partner with the caller: returns the invitation with its code and queues the invitation mail.';

-- The caller's pending invitations: received (addressed to the email of their token, with the
-- inviter's email) and sent (with the invitee's email).
CREATE FUNCTION public.list_partner_invitations() RETURNS jsonb
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT jsonb_build_object(
    'received', coalesce((
      SELECT jsonb_agg(jsonb_build_object(
               'id', i.id, 'invite_code', i.invite_code, 'inviter_id', i.inviter_id, 'inviter_email', u.email,
               'message', i.message, 'expires_at', i.expires_at, 'created_at', i.created_at) ORDER BY i.created_at DESC)
        FROM public.partner_invitations i JOIN auth.users u ON u.id = i.inviter_id
       WHERE i.invitee_email = lower(btrim(auth.jwt() ->> 'email')) AND i.inviter_id <> d.uid
         AND i.status = 'pending' AND i.expires_at > now()), '[]'::jsonb),
    'sent', coalesce((
      SELECT jsonb_agg(jsonb_build_object(
               'id', i.id, 'invite_code', i.invite_code, 'invitee_email', i.invitee_email,
               'message', i.message, 'expires_at', i.expires_at, 'created_at', i.created_at) ORDER BY i.created_at DESC)
        FROM public.partner_invitations i
       WHERE i.inviter_id = d.uid AND i.status = 'pending' AND i.expires_at > now()), '[]'::jsonb))
  FROM (SELECT internal.require_user() AS uid) d
$$;
REVOKE EXECUTE ON FUNCTION public.list_partner_invitations() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_partner_invitations() TO authenticated;
COMMENT ON FUNCTION public.list_partner_invitations() IS 'The caller''s pending, unexpired invitations: received (to the email of their token) and sent.';

-- Whether the caller has a partner, who, since when, and what is pending.
CREATE FUNCTION public.get_partner_status() RETURNS jsonb
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT jsonb_build_object(
    'connected', p.connection_id IS NOT NULL,
    'connection', CASE WHEN p.connection_id IS NOT NULL THEN jsonb_build_object(
      'id', p.connection_id, 'partner_id', p.partner_id, 'partner_email', (SELECT u.email FROM auth.users u WHERE u.id = p.partner_id),
      'connected_at', p.connected_at) END,
    'active_shared_goals', (SELECT count(*) FROM public.shared_goals g WHERE g.connection_id = p.connection_id AND g.status = 'active'),
    'pending_received', (SELECT count(*) FROM public.partner_invitations i
                          WHERE i.invitee_email = lower(btrim(auth.jwt() ->> 'email')) AND i.inviter_id <> d.uid
                            AND i.status = 'pending' AND i.expires_at > now()),
    'pending_sent', (SELECT count(*) FROM public.partner_invitations i
                      WHERE i.inviter_id = d.uid AND i.status = 'pending' AND i.expires_at > now()))
  FROM (SELECT internal.require_user() AS uid) d
  LEFT JOIN LATERAL internal.caller_partnership() p ON true
$$;
REVOKE EXECUTE ON FUNCTION public.get_partner_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_partner_status() TO authenticated;
COMMENT ON FUNCTION public.get_partner_status() IS 'The caller''s partnership: whether connected, the partner''s id and email, since when, active shared goals and pending invitations.';

-- The shared goals of the caller's active partnerships (row-level security decides), newest first.
CREATE FUNCTION public.list_shared_goals(p_status text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce(jsonb_agg(internal.shared_goal_json(g) ORDER BY g.created_at DESC, g.id), '[]'::jsonb)
    FROM public.shared_goals g
   WHERE internal.require_user() IS NOT NULL AND (p_status IS NULL OR g.status = p_status)
$$;
REVOKE EXECUTE ON FUNCTION public.list_shared_goals(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_shared_goals(text) TO authenticated;
COMMENT ON FUNCTION public.list_shared_goals(text) IS 'The shared goals of the caller''s active partnerships (optionally of one status), newest first.';

-- A new shared goal in the caller's partnership (the given one, else their current one) from
-- {title, description?, category?, target_date?, target_value?, current_value?, unit?}.
CREATE FUNCTION public.create_shared_goal(p_goal jsonb, p_connection_id uuid DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_connection uuid := coalesce(p_connection_id, (SELECT p.connection_id FROM internal.caller_partnership() p));
  v_goal public.shared_goals;
BEGIN
  PERFORM internal.require_user();
  IF v_connection IS NULL THEN
    RAISE EXCEPTION 'you have no active partner to share a goal with' USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO public.shared_goals (connection_id, title, description, category, target_date, target_value, current_value, unit)
  VALUES (v_connection, btrim(p_goal ->> 'title'), p_goal ->> 'description', coalesce(p_goal ->> 'category', 'general'),
          (p_goal ->> 'target_date')::date, (p_goal ->> 'target_value')::numeric,
          coalesce((p_goal ->> 'current_value')::numeric, 0), p_goal ->> 'unit')
  RETURNING * INTO v_goal;
  RETURN internal.shared_goal_json(v_goal);
END
$$;
REVOKE EXECUTE ON FUNCTION public.create_shared_goal(jsonb, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.create_shared_goal(jsonb, uuid) TO authenticated;
COMMENT ON FUNCTION public.create_shared_goal(jsonb, uuid) IS 'Creates a shared goal in one of the caller''s active partnerships (default: the current one).';

-- Changes a shared goal of one of the caller's active partnerships: the members present in
-- p_patch (title, description, category, target_date, target_value, current_value, unit, status
-- active|cancelled), and `increment` added to current_value atomically. Completion follows the
-- progress (trigger above).
CREATE FUNCTION public.update_shared_goal(p_goal_id uuid, p_patch jsonb) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_goal public.shared_goals;
BEGIN
  PERFORM internal.require_user();
  IF p_patch ? 'status' AND p_patch ->> 'status' NOT IN ('active', 'cancelled') THEN
    RAISE EXCEPTION 'status may be set to active or cancelled; a goal completes when its progress reaches the target'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE public.shared_goals g SET
    title = CASE WHEN p_patch ? 'title' THEN btrim(p_patch ->> 'title') ELSE g.title END,
    description = CASE WHEN p_patch ? 'description' THEN p_patch ->> 'description' ELSE g.description END,
    category = CASE WHEN p_patch ? 'category' THEN p_patch ->> 'category' ELSE g.category END,
    target_date = CASE WHEN p_patch ? 'target_date' THEN (p_patch ->> 'target_date')::date ELSE g.target_date END,
    target_value = CASE WHEN p_patch ? 'target_value' THEN (p_patch ->> 'target_value')::numeric ELSE g.target_value END,
    unit = CASE WHEN p_patch ? 'unit' THEN p_patch ->> 'unit' ELSE g.unit END,
    current_value = CASE WHEN p_patch ? 'current_value' THEN (p_patch ->> 'current_value')::numeric ELSE g.current_value END
                    + coalesce((p_patch ->> 'increment')::numeric, 0),
    status = CASE WHEN p_patch ? 'status' THEN p_patch ->> 'status'
                  WHEN g.status = 'cancelled' THEN 'cancelled' ELSE 'active' END
  WHERE g.id = p_goal_id
  RETURNING * INTO v_goal;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no shared goal of yours has id %', p_goal_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN internal.shared_goal_json(v_goal);
END
$$;
REVOKE EXECUTE ON FUNCTION public.update_shared_goal(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.update_shared_goal(uuid, jsonb) TO authenticated;
COMMENT ON FUNCTION public.update_shared_goal(uuid, jsonb) IS 'Changes a shared goal of the caller''s active partnership (members of p_patch; increment adds to current_value); completed when current_value reaches target_value.';

-- The partner's habit progress, as a summary only: counts, rates and streaks of their active
-- habits — never a habit's title, notes or individual completions.
CREATE FUNCTION public.get_partner_progress() RETURNS jsonb
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_partnership record;
  v_today date;
  v_progress jsonb;
BEGIN
  PERFORM internal.require_user();
  SELECT * INTO v_partnership FROM internal.caller_partnership();
  IF v_partnership.connection_id IS NULL THEN
    RAISE EXCEPTION 'you have no active partner' USING ERRCODE = 'no_data_found';
  END IF;
  v_today := (now() AT TIME ZONE internal.user_timezone(v_partnership.partner_id))::date;
  SELECT jsonb_build_object(
           'active_habits', count(*),
           'done_today', count(*) FILTER (WHERE (s.view ->> 'done_today')::boolean),
           'completions_7d', coalesce(sum(s.c7), 0),
           'completion_rate_7d', round(100.0 * sum(s.c7) / nullif(sum(s.s7), 0), 1),
           'completion_rate_30d', round(100.0 * sum(s.c30) / nullif(sum(s.s30), 0), 1),
           'best_current_streak', coalesce(max((s.view ->> 'current_streak')::integer), 0),
           'best_longest_streak', coalesce(max((s.view ->> 'longest_streak')::integer), 0),
           'last_active_on', (SELECT max(c.completed_on) FROM public.habit_completions c WHERE c.user_id = v_partnership.partner_id))
    INTO v_progress
    FROM (SELECT internal.live_habit(h, v_today) AS view, w7.completed AS c7, w7.scheduled AS s7,
                 w30.completed AS c30, w30.scheduled AS s30
            FROM public.habits h
            CROSS JOIN LATERAL internal.completion_window(h, v_today, 7) w7
            CROSS JOIN LATERAL internal.completion_window(h, v_today, 30) w30
           WHERE h.user_id = v_partnership.partner_id AND h.is_active) s;
  RETURN jsonb_build_object(
    'connection_id', v_partnership.connection_id, 'partner_id', v_partnership.partner_id,
    'partner_email', (SELECT u.email FROM auth.users u WHERE u.id = v_partnership.partner_id),
    'progress', v_progress);
END
$$;
REVOKE EXECUTE ON FUNCTION public.get_partner_progress() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_partner_progress() TO authenticated;
COMMENT ON FUNCTION public.get_partner_progress() IS 'A summary of the caller''s partner''s habit progress (counts, rates, streaks, last active day); never their habits'' titles or completions.';

-- What happened in the caller's current partnership, newest first: the connection, shared goals
-- created and completed, and each side's number of habits completed per day (last 14 days).
CREATE FUNCTION public.get_partner_feed(p_limit integer DEFAULT 30) RETURNS jsonb
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := internal.require_user();
  v_partnership record;
BEGIN
  SELECT * INTO v_partnership FROM internal.caller_partnership();
  IF v_partnership.connection_id IS NULL THEN
    RAISE EXCEPTION 'you have no active partner' USING ERRCODE = 'no_data_found';
  END IF;
  RETURN (
    SELECT coalesce(jsonb_agg(e.item ORDER BY e.at DESC), '[]'::jsonb)
      FROM (
        SELECT x.at, x.item FROM (
          SELECT v_partnership.connected_at AS at,
                 jsonb_build_object('type', 'connected', 'at', v_partnership.connected_at) AS item
          UNION ALL
          SELECT g.created_at, jsonb_build_object(
                   'type', 'goal_created', 'at', g.created_at, 'goal_id', g.id, 'title', g.title,
                   'by', CASE WHEN g.created_by = v_uid THEN 'you' ELSE 'partner' END)
            FROM public.shared_goals g WHERE g.connection_id = v_partnership.connection_id
          UNION ALL
          SELECT g.completed_at, jsonb_build_object(
                   'type', 'goal_completed', 'at', g.completed_at, 'goal_id', g.id, 'title', g.title)
            FROM public.shared_goals g
           WHERE g.connection_id = v_partnership.connection_id AND g.status = 'completed'
          UNION ALL
          SELECT max(c.completed_at), jsonb_build_object(
                   'type', 'habits_completed', 'at', max(c.completed_at), 'day', c.completed_on,
                   'by', CASE WHEN c.user_id = v_uid THEN 'you' ELSE 'partner' END, 'count', count(*))
            FROM public.habit_completions c
           WHERE c.user_id IN (v_uid, v_partnership.partner_id)
             AND c.completed_on >= (now() AT TIME ZONE 'UTC')::date - 14
           GROUP BY c.user_id, c.completed_on
        ) x
        ORDER BY x.at DESC
        LIMIT greatest(least(coalesce(p_limit, 30), 100), 1)
      ) e);
END
$$;
REVOKE EXECUTE ON FUNCTION public.get_partner_feed(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_partner_feed(integer) TO authenticated;
COMMENT ON FUNCTION public.get_partner_feed(integer) IS 'The caller''s partnership feed, newest first: connection, shared goals created and completed, and daily habit-completion counts of each side (no habit details).';
