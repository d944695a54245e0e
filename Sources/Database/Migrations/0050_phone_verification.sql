-- Phone numbers verified by a texted code, and texts and calls a user (or the server for a
-- user) asks for — only ever to that user's own verified number.
--
-- The server draws a 6-digit code, texts it to the number being verified and keeps only its
-- keyed hash (HMAC under a key the database never sees), so neither a reader of this table nor
-- a client can produce a matching code. A code lives 10 minutes and allows 5 tries; a user may
-- ask for a new code once a minute and 5 times an hour, and a number may receive 5 codes an hour
-- whoever asks, so the flow cannot be used to flood someone else's phone. Every function here is
-- the server's (owner) alone: the user is the one the server verified from the token.

CREATE TABLE internal.phone_verifications (
  user_id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  phone_number text NOT NULL CHECK (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
  code_hash bytea NOT NULL CHECK (octet_length(code_hash) = 32),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts BETWEEN 0 AND 5),
  sent_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL CHECK (expires_at > sent_at),
  used_at timestamptz
);
COMMENT ON TABLE internal.phone_verifications IS 'The latest phone verification code per user: the number, the keyed hash of the texted code, tries used, expiry, and when it stopped counting (verified, expired or out of tries); kept after use, so the once-a-minute rule holds.';

-- The E.164 form of a number as people type it (spaces, dashes, dots and brackets dropped), or
-- NULL when it is not one.
CREATE FUNCTION internal.e164(p_number text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$
  SELECT CASE WHEN v.digits ~ '^\+[1-9][0-9]{6,14}$' THEN v.digits END
  FROM (SELECT regexp_replace(btrim(coalesce(p_number, '')), '[\s().-]', '', 'g') AS digits) v
$$;
REVOKE EXECUTE ON FUNCTION internal.e164(text) FROM PUBLIC;
COMMENT ON FUNCTION internal.e164(text) IS 'A phone number in E.164 form (+ and 7-15 digits) with separators removed, or NULL.';

-- Starts (or restarts) the verification of p_number, or of the user's current number when it
-- is NULL: keeps the code's hash and answers {phone_number, expires_at} — the number to text —
-- or {phone_number, already_verified: true} when that number is verified already.
CREATE FUNCTION internal.begin_phone_verification(p_user uuid, p_number text, p_code_hash bytea) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_prefs record;
  v_number text;
BEGIN
  SELECT phone_number, phone_verified INTO v_prefs FROM public.user_comm_preferences WHERE user_id = p_user;
  IF p_number IS NULL THEN
    IF v_prefs.phone_number IS NULL OR btrim(v_prefs.phone_number) = '' THEN
      RAISE EXCEPTION 'you have no phone number: send phone_number, or set it in your communication preferences' USING ERRCODE = 'P0001';
    END IF;
    v_number := internal.e164(v_prefs.phone_number);
  ELSE
    v_number := internal.e164(p_number);
  END IF;
  IF v_number IS NULL THEN
    RAISE EXCEPTION 'the phone number must be in international form: + and country code, 7 to 15 digits' USING ERRCODE = '22023';
  END IF;
  IF v_prefs.phone_verified AND internal.e164(v_prefs.phone_number) = v_number THEN
    RETURN jsonb_build_object('phone_number', v_number, 'already_verified', true);
  END IF;

  -- The new code replaces the last one only when that was sent a minute ago or more: one
  -- statement, so two requests at once cannot both pass.
  INSERT INTO internal.phone_verifications AS v (user_id, phone_number, code_hash, attempts, sent_at, expires_at, used_at)
  VALUES (p_user, v_number, p_code_hash, 0, now(), now() + interval '10 minutes', NULL)
  ON CONFLICT (user_id) DO UPDATE
    SET phone_number = EXCLUDED.phone_number, code_hash = EXCLUDED.code_hash, attempts = 0,
        sent_at = EXCLUDED.sent_at, expires_at = EXCLUDED.expires_at, used_at = NULL
    WHERE v.sent_at <= now() - interval '60 seconds';
  IF NOT FOUND THEN
    RAISE EXCEPTION 'a code was sent less than a minute ago; wait before asking for another' USING ERRCODE = 'PT429';
  END IF;
  IF auth.hit_rate_limit('phone_code:' || p_user::text, 3600) > 5 THEN
    RAISE EXCEPTION 'too many codes asked for in the last hour; try again later' USING ERRCODE = 'PT429';
  END IF;
  IF auth.hit_rate_limit('phone_code_number:' || v_number, 3600) > 5 THEN
    RAISE EXCEPTION 'too many codes sent to this number in the last hour; try again later' USING ERRCODE = 'PT429';
  END IF;
  RETURN jsonb_build_object('phone_number', v_number, 'expires_at', now() + interval '10 minutes');
END;
$$;
REVOKE EXECUTE ON FUNCTION internal.begin_phone_verification(uuid, text, bytea) FROM PUBLIC;
COMMENT ON FUNCTION internal.begin_phone_verification(uuid, text, bytea) IS 'Server only (verify-phone start): keeps the hash of a new code for the user''s number, within the per-user and per-number allowances (PT429 beyond).';

-- Checks a code's hash against the user's pending verification. Answers {outcome} — verified
-- (the number becomes the user's verified number), wrong (with attempts_left), exhausted (the
-- fifth wrong try: the code is void), expired or none — and never raises for a wrong code, so
-- the spent try is kept. A code that stops counting is marked used, not deleted.
CREATE FUNCTION internal.confirm_phone_verification(p_user uuid, p_code_hash bytea) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_pending internal.phone_verifications;
BEGIN
  SELECT * INTO v_pending FROM internal.phone_verifications WHERE user_id = p_user AND used_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'none');
  END IF;
  IF v_pending.expires_at <= now() THEN
    UPDATE internal.phone_verifications SET used_at = now() WHERE user_id = p_user;
    RETURN jsonb_build_object('outcome', 'expired');
  END IF;
  IF v_pending.code_hash IS DISTINCT FROM p_code_hash THEN
    IF v_pending.attempts + 1 >= 5 THEN
      UPDATE internal.phone_verifications SET attempts = 5, used_at = now() WHERE user_id = p_user;
      RETURN jsonb_build_object('outcome', 'exhausted');
    END IF;
    UPDATE internal.phone_verifications SET attempts = attempts + 1 WHERE user_id = p_user;
    RETURN jsonb_build_object('outcome', 'wrong', 'attempts_left', 5 - v_pending.attempts - 1);
  END IF;
  UPDATE internal.phone_verifications SET used_at = now() WHERE user_id = p_user;
  INSERT INTO public.user_comm_preferences AS p (user_id, phone_number, phone_verified)
  VALUES (p_user, v_pending.phone_number, true)
  ON CONFLICT (user_id) DO UPDATE SET phone_number = EXCLUDED.phone_number, phone_verified = true;
  RETURN jsonb_build_object('outcome', 'verified', 'phone_number', v_pending.phone_number);
END;
$$;
REVOKE EXECUTE ON FUNCTION internal.confirm_phone_verification(uuid, bytea) FROM PUBLIC;
COMMENT ON FUNCTION internal.confirm_phone_verification(uuid, bytea) IS 'Server only (verify-phone confirm): checks a code''s hash; a match verifies the number, a miss spends one of 5 tries.';

-- The user's own verified number for a text (p_channel 'sms') or a call ('call'), counting one
-- against the hourly allowance (10 texts, 3 calls; PT429 beyond); raises P0001 naming what is
-- missing when there is none to use.
CREATE FUNCTION internal.phone_recipient(p_user uuid, p_channel text) RETURNS text
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_prefs record;
  v_allowance integer := CASE p_channel WHEN 'sms' THEN 10 ELSE 3 END;
BEGIN
  IF p_channel NOT IN ('sms', 'call') THEN
    RAISE EXCEPTION 'unknown phone channel %', p_channel USING ERRCODE = '22023';
  END IF;
  SELECT phone_number, phone_verified, call_enabled INTO v_prefs FROM public.user_comm_preferences WHERE user_id = p_user;
  IF v_prefs.phone_number IS NULL OR btrim(v_prefs.phone_number) = '' THEN
    RAISE EXCEPTION 'you have no phone number in your communication preferences' USING ERRCODE = 'P0001';
  END IF;
  IF NOT v_prefs.phone_verified THEN
    RAISE EXCEPTION 'your phone number is not verified: verify it with verify-phone first' USING ERRCODE = 'P0001';
  END IF;
  IF p_channel = 'call' AND NOT v_prefs.call_enabled THEN
    RAISE EXCEPTION 'calls are not enabled in your communication preferences' USING ERRCODE = 'P0001';
  END IF;
  IF auth.hit_rate_limit('phone_' || p_channel || ':' || p_user::text, 3600) > v_allowance THEN
    RAISE EXCEPTION 'too many % in the last hour (% allowed); try again later',
      CASE p_channel WHEN 'sms' THEN 'texts' ELSE 'calls' END, v_allowance USING ERRCODE = 'PT429';
  END IF;
  RETURN coalesce(internal.e164(v_prefs.phone_number), v_prefs.phone_number);
END;
$$;
REVOKE EXECUTE ON FUNCTION internal.phone_recipient(uuid, text) FROM PUBLIC;
COMMENT ON FUNCTION internal.phone_recipient(uuid, text) IS 'Server only (send-sms, make-call): the user''s verified number for a text or call, within the hourly allowance.';

-- A text or call that went out on request, kept with the user's check-ins as sent.
CREATE FUNCTION internal.record_phone_message(p_user uuid, p_channel text, p_content jsonb, p_provider_id text, p_status text)
RETURNS void
LANGUAGE sql
SET search_path = ''
AS $$
  INSERT INTO public.scheduled_checkins (user_id, checkin_type, scheduled_for, channel, status, content, response)
  VALUES (p_user, 'custom', now(), p_channel, 'sent', p_content,
          jsonb_build_object('provider_id', p_provider_id, 'provider_status', p_status, 'sent_at', now()));
$$;
REVOKE EXECUTE ON FUNCTION internal.record_phone_message(uuid, text, jsonb, text, text) FROM PUBLIC;
COMMENT ON FUNCTION internal.record_phone_message(uuid, text, jsonb, text, text) IS 'Server only (send-sms, make-call): records a text or call sent on request as a sent check-in.';
