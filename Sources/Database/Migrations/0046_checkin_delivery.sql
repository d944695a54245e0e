-- Check-ins delivered by the job queue (checkins.deliver, every minute): each due pending
-- check-in goes out through its channel — email to the mail outbox (the mail sender sends it),
-- push to a push outbox (no push gateway is reachable from here: the outbox is the record) — and
-- is marked sent. A channel whose provider is not configured (sms, voice and call need Twilio)
-- marks it skipped with the reason in its response: no retries, no dead letters. Succeeded jobs
-- older than a week are pruned daily (jobs.prune), so the minute-by-minute jobs do not pile up.

CREATE TABLE internal.push_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  checkin_id uuid REFERENCES public.scheduled_checkins (id) ON DELETE SET NULL,
  checkin_type text,
  content jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL
);
CREATE INDEX push_outbox_user_id_idx ON internal.push_outbox (user_id, created_at);
CREATE INDEX push_outbox_checkin_id_idx ON internal.push_outbox (checkin_id);
COMMENT ON TABLE internal.push_outbox IS 'Push notifications the server would send: the record of each, kept since no push gateway is reachable.';
COMMENT ON COLUMN internal.push_outbox.id IS 'Primary key.';
COMMENT ON COLUMN internal.push_outbox.user_id IS 'The user to notify.';
COMMENT ON COLUMN internal.push_outbox.checkin_id IS 'The check-in it delivers, while it exists.';
COMMENT ON COLUMN internal.push_outbox.checkin_type IS 'The check-in''s type (weekly_review, daily_habit, …).';
COMMENT ON COLUMN internal.push_outbox.content IS 'The check-in''s message payload.';
COMMENT ON COLUMN internal.push_outbox.created_at IS 'When it was delivered to the outbox.';

-- Delivers up to p_limit check-ins due at p_now (oldest first; each once, however many workers
-- run it at the same time). p_configured: the channels besides email and push whose provider is
-- configured; their check-ins are left for that provider's job. Returns {sent, skipped}.
CREATE FUNCTION internal.deliver_due_checkins(p_now timestamptz, p_configured text[] DEFAULT '{}', p_limit integer DEFAULT 500) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_checkin record;
  v_sent integer := 0;
  v_skipped integer := 0;
  v_reason text;
BEGIN
  FOR v_checkin IN
    SELECT c.id, c.user_id, c.channel, c.checkin_type, c.content, u.email
    FROM public.scheduled_checkins c
    JOIN auth.users u ON u.id = c.user_id
    WHERE c.status = 'pending' AND c.scheduled_for <= p_now AND NOT (c.channel = ANY (p_configured))
    ORDER BY c.scheduled_for, c.id
    LIMIT greatest(p_limit, 0)
    FOR UPDATE OF c SKIP LOCKED
  LOOP
    v_reason := CASE
      WHEN v_checkin.channel = 'email' AND v_checkin.email IS NULL THEN 'the user has no email address'
      WHEN v_checkin.channel NOT IN ('email', 'push') THEN 'no ' || v_checkin.channel || ' provider is configured'
    END;
    IF v_reason IS NOT NULL THEN
      UPDATE public.scheduled_checkins
      SET status = 'skipped', response = response || jsonb_build_object('skipped_reason', v_reason, 'skipped_at', p_now)
      WHERE id = v_checkin.id;
      v_skipped := v_skipped + 1;
      CONTINUE;
    END IF;
    IF v_checkin.channel = 'email' THEN
      INSERT INTO auth.mail_outbox (recipient, template, payload)
      VALUES (v_checkin.email, 'checkin', jsonb_build_object(
        'checkin_id', v_checkin.id, 'checkin_type', v_checkin.checkin_type, 'content', v_checkin.content));
    ELSE
      INSERT INTO internal.push_outbox (user_id, checkin_id, checkin_type, content, created_at)
      VALUES (v_checkin.user_id, v_checkin.id, v_checkin.checkin_type, v_checkin.content, p_now);
    END IF;
    UPDATE public.scheduled_checkins
    SET status = 'sent', response = response || jsonb_build_object('sent_at', p_now)
    WHERE id = v_checkin.id;
    v_sent := v_sent + 1;
  END LOOP;
  RETURN jsonb_build_object('sent', v_sent, 'skipped', v_skipped);
END;
$$;
REVOKE EXECUTE ON FUNCTION internal.deliver_due_checkins(timestamptz, text[], integer) FROM PUBLIC;
COMMENT ON FUNCTION internal.deliver_due_checkins(timestamptz, text[], integer) IS 'Background job checkins.deliver: sends due pending check-ins through their channel (email and push outboxes) or marks them skipped with the reason; returns {sent, skipped}.';

-- Deletes the jobs that succeeded before p_before; returns how many.
CREATE FUNCTION internal.prune_jobs(p_before timestamptz) RETURNS integer
LANGUAGE sql
SET search_path = ''
AS $$
  WITH pruned AS (DELETE FROM internal.jobs WHERE state = 'succeeded' AND finished_at < p_before RETURNING 1)
  SELECT count(*)::integer FROM pruned;
$$;
REVOKE EXECUTE ON FUNCTION internal.prune_jobs(timestamptz) FROM PUBLIC;
COMMENT ON FUNCTION internal.prune_jobs(timestamptz) IS 'Background job jobs.prune: deletes the jobs that succeeded before p_before.';
CREATE INDEX jobs_succeeded_idx ON internal.jobs (finished_at) WHERE state = 'succeeded';
