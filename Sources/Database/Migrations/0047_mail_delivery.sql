-- Mail goes out through the job queue: every message written to the outbox enqueues one
-- mail.send job in the same transaction (its idempotency key is the message's id), so mail is
-- handed to the relay by whichever worker has one configured, retried with the queue's backoff,
-- and kept as a dead letter when its attempts are spent. Without a relay no worker takes these
-- jobs: the mail waits in the outbox (visionary mail list) and goes out once one is configured.
-- A relay's permanent refusal (5xx) is recorded on the message (failed_at) and not retried.

ALTER TABLE auth.mail_outbox ADD COLUMN failed_at timestamptz;
COMMENT ON COLUMN auth.mail_outbox.failed_at IS 'When the relay refused the message for good (last_error says why); it is not tried again.';

CREATE FUNCTION internal.enqueue_mail_delivery() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  PERFORM internal.enqueue_job('mail.send', jsonb_build_object('id', NEW.id), now(), now(), 'mail:' || NEW.id::text, 8);
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION internal.enqueue_mail_delivery() FROM PUBLIC;
COMMENT ON FUNCTION internal.enqueue_mail_delivery() IS 'Trigger: a message written to the mail outbox enqueues its mail.send job.';

CREATE TRIGGER enqueue_delivery AFTER INSERT ON auth.mail_outbox
  FOR EACH ROW WHEN (NEW.sent_at IS NULL) EXECUTE FUNCTION internal.enqueue_mail_delivery();

-- Mail written before this migration goes out too.
SELECT internal.enqueue_job('mail.send', jsonb_build_object('id', m.id), now(), now(), 'mail:' || m.id::text, 8)
FROM auth.mail_outbox m WHERE m.sent_at IS NULL;

-- The outcome of one attempt to hand message p_id to the relay: sent at p_at, or failed with
-- p_error (for good when p_permanent). Returns false when the message no longer waits.
CREATE FUNCTION internal.record_mail_attempt(p_id uuid, p_at timestamptz, p_error text DEFAULT NULL, p_permanent boolean DEFAULT false)
RETURNS boolean
LANGUAGE sql
SET search_path = ''
AS $$
  WITH recorded AS (
    UPDATE auth.mail_outbox
    SET attempts = attempts + 1,
        sent_at = CASE WHEN p_error IS NULL THEN p_at END,
        last_error = left(p_error, 1000),
        failed_at = CASE WHEN p_error IS NOT NULL AND p_permanent THEN p_at END
    WHERE id = p_id AND sent_at IS NULL AND failed_at IS NULL
    RETURNING 1)
  SELECT EXISTS (SELECT FROM recorded);
$$;
REVOKE EXECUTE ON FUNCTION internal.record_mail_attempt(uuid, timestamptz, text, boolean) FROM PUBLIC;
COMMENT ON FUNCTION internal.record_mail_attempt(uuid, timestamptz, text, boolean) IS 'Background job mail.send: records one attempt at handing a message to the relay.';
