-- SMS and voice check-ins through Twilio, only ever to the user's own verified number.
--
-- A phone number is verified by the server alone: a client that changes its number loses the
-- verification, and a client cannot mark a number verified (42501). The phone check-ins job
-- (checkins.deliver-phone, every minute when Twilio is configured) claims the due sms, voice
-- and call check-ins: one without a verified number, or a call the user has not allowed, is
-- skipped with the reason; the others are marked sent before the provider is called — a text
-- or call goes out at most once, however the worker ends — and the provider's answer (its id,
-- or why it refused) is recorded afterwards.

CREATE FUNCTION internal.guard_phone_verification() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF current_user NOT IN ('authenticated', 'anon') THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.phone_verified THEN
      RAISE EXCEPTION 'a phone number is verified by the server, not set by the client' USING ERRCODE = '42501';
    END IF;
  ELSIF NEW.phone_number IS DISTINCT FROM OLD.phone_number THEN
    IF NEW.phone_verified AND NOT OLD.phone_verified THEN
      RAISE EXCEPTION 'a phone number is verified by the server, not set by the client' USING ERRCODE = '42501';
    END IF;
    NEW.phone_verified := false;
  ELSIF NEW.phone_verified AND NOT OLD.phone_verified THEN
    RAISE EXCEPTION 'a phone number is verified by the server, not set by the client' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END;
$$;
REVOKE EXECUTE ON FUNCTION internal.guard_phone_verification() FROM PUBLIC;
COMMENT ON FUNCTION internal.guard_phone_verification() IS 'Trigger: clients cannot verify a phone number themselves, and a changed number is unverified.';
CREATE TRIGGER guard_phone_verification BEFORE INSERT OR UPDATE ON public.user_comm_preferences
  FOR EACH ROW EXECUTE FUNCTION internal.guard_phone_verification();
COMMENT ON COLUMN public.user_comm_preferences.phone_verified IS 'Whether the phone number was verified; set by the server only, cleared when the number changes.';

-- Claims up to p_limit due sms, voice and call check-ins at p_now: skips those the user cannot
-- be reached for by phone (with the reason), marks the others sent and returns them with the
-- user's verified number: [{id, channel, checkin_type, content, phone_number}].
CREATE FUNCTION internal.claim_phone_checkins(p_now timestamptz, p_limit integer DEFAULT 100) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_checkin record;
  v_reason text;
  v_claimed jsonb := '[]'::jsonb;
BEGIN
  FOR v_checkin IN
    SELECT c.id, c.channel, c.checkin_type, c.content, p.phone_number, p.phone_verified, p.call_enabled, p.voice_enabled
    FROM public.scheduled_checkins c
    LEFT JOIN public.user_comm_preferences p ON p.user_id = c.user_id
    WHERE c.status = 'pending' AND c.scheduled_for <= p_now AND c.channel IN ('sms', 'voice', 'call')
    ORDER BY c.scheduled_for, c.id
    LIMIT greatest(p_limit, 0)
    FOR UPDATE OF c SKIP LOCKED
  LOOP
    v_reason := CASE
      WHEN v_checkin.phone_number IS NULL OR btrim(v_checkin.phone_number) = '' THEN 'the user has no phone number'
      WHEN NOT v_checkin.phone_verified THEN 'the user''s phone number is not verified'
      WHEN v_checkin.channel = 'call' AND NOT v_checkin.call_enabled THEN 'the user has not allowed calls'
      WHEN v_checkin.channel = 'voice' AND NOT v_checkin.voice_enabled THEN 'the user has not enabled voice'
    END;
    IF v_reason IS NOT NULL THEN
      UPDATE public.scheduled_checkins
      SET status = 'skipped', response = response || jsonb_build_object('skipped_reason', v_reason, 'skipped_at', p_now)
      WHERE id = v_checkin.id;
      CONTINUE;
    END IF;
    UPDATE public.scheduled_checkins
    SET status = 'sent', response = response || jsonb_build_object('sent_at', p_now)
    WHERE id = v_checkin.id;
    v_claimed := v_claimed || jsonb_build_object(
      'id', v_checkin.id, 'channel', v_checkin.channel, 'checkin_type', v_checkin.checkin_type,
      'content', v_checkin.content, 'phone_number', v_checkin.phone_number);
  END LOOP;
  RETURN v_claimed;
END;
$$;
REVOKE EXECUTE ON FUNCTION internal.claim_phone_checkins(timestamptz, integer) FROM PUBLIC;
COMMENT ON FUNCTION internal.claim_phone_checkins(timestamptz, integer) IS 'Background job checkins.deliver-phone: claims due sms, voice and call check-ins for the provider, or skips them with the reason.';

-- The provider's answer for a claimed check-in: its message or call id, or why it refused (the
-- check-in is then failed).
CREATE FUNCTION internal.record_phone_checkin(p_id uuid, p_provider_id text, p_error text, p_at timestamptz) RETURNS void
LANGUAGE sql
SET search_path = ''
AS $$
  UPDATE public.scheduled_checkins
  SET status = CASE WHEN p_error IS NULL THEN 'sent' ELSE 'failed' END,
      response = response || CASE WHEN p_error IS NULL
        THEN jsonb_build_object('provider_id', p_provider_id)
        ELSE jsonb_build_object('error', left(p_error, 500), 'failed_at', p_at) END
  WHERE id = p_id AND status = 'sent';
$$;
REVOKE EXECUTE ON FUNCTION internal.record_phone_checkin(uuid, text, text, timestamptz) FROM PUBLIC;
COMMENT ON FUNCTION internal.record_phone_checkin(uuid, text, text, timestamptz) IS 'Background job checkins.deliver-phone: records the provider''s answer for a claimed check-in.';
