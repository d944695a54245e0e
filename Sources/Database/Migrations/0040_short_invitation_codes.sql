-- Invitation codes people can type: 8 characters of A-Z and 0-9 (the app's accept box takes
-- exactly 8), issued by the server or, for partner invitations, chosen by the inviter as the
-- app's manager dashboard does (unique: a taken code is refused). 36^8 codes can be guessed
-- where 2^244 could not, so a code never stands alone: accepting stays bound to the
-- invitation's confirmed email (0036), and each user may try at most 10 codes an hour — a code
-- that names no invitation answers NULL rather than raising, so that the try is counted.
-- Codes issued before this migration (64 hex characters) keep working until they are used.

-- 8 characters drawn uniformly from A-Z0-9: bytes of random UUIDs (skipping the two that hold
-- version and variant bits), each below 252 = 7 * 36 kept, so every character is equally likely.
CREATE FUNCTION internal.new_invite_code() RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = ''
AS $$
DECLARE
  v_alphabet constant text := 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  v_code text := '';
  v_bytes bytea;
  v_byte integer;
BEGIN
  WHILE length(v_code) < 8 LOOP
    v_bytes := uuid_send(gen_random_uuid());
    FOR v_index IN 0..15 LOOP
      CONTINUE WHEN v_index IN (6, 8);
      v_byte := get_byte(v_bytes, v_index);
      IF v_byte < 252 AND length(v_code) < 8 THEN
        v_code := v_code || substr(v_alphabet, v_byte % 36 + 1, 1);
      END IF;
    END LOOP;
  END LOOP;
  RETURN v_code;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.new_invite_code() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.new_invite_code() TO authenticated, service_role;
COMMENT ON FUNCTION internal.new_invite_code() IS 'A fresh invitation code: 8 characters drawn uniformly from A-Z0-9.';

-- Counts one try of an invitation code by the caller; the 11th within the hour is PT429.
CREATE FUNCTION internal.count_invite_code_try() RETURNS void
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF auth.hit_rate_limit('invite_code:' || internal.require_user()::text, 3600) > 10 THEN
    RAISE EXCEPTION 'too many invitation codes tried in the last hour; try again later' USING ERRCODE = 'PT429';
  END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.count_invite_code_try() FROM PUBLIC;
COMMENT ON FUNCTION internal.count_invite_code_try() IS 'Counts a try of an invitation code against the caller''s hourly allowance of 10; raises PT429 beyond it.';

---------------------------------------------------------------------------------------------------
-- partner_invitations
---------------------------------------------------------------------------------------------------
ALTER TABLE public.partner_invitations DROP CONSTRAINT partner_invitations_invite_code_length;
ALTER TABLE public.partner_invitations ALTER COLUMN invite_code SET DEFAULT internal.new_invite_code();
ALTER TABLE public.partner_invitations ADD CONSTRAINT partner_invitations_invite_code_format
  CHECK (invite_code ~ '^[A-Z0-9]{8}$' OR invite_code ~ '^[0-9a-f]{64}$');
GRANT INSERT (invite_code) ON public.partner_invitations TO authenticated;
COMMENT ON COLUMN public.partner_invitations.invite_code IS 'Code the invitee types to answer: 8 characters of A-Z0-9, issued by the server or chosen by the inviter (upper-cased; unique). Guessable, so it only names the invitation: answering needs the invitee''s confirmed email, and each user may try 10 codes an hour. Older invitations keep their 64-hex-character code.';

CREATE OR REPLACE FUNCTION internal.partner_invitation_before_write() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  NEW.invitee_email := lower(btrim(NEW.invitee_email));
  IF NEW.invitee_email = '' THEN
    RAISE EXCEPTION 'the invitee''s email address is empty' USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'INSERT' THEN
    NEW.invite_code := upper(btrim(NEW.invite_code));
    IF NEW.invite_code !~ '^[A-Z0-9]{8}$' THEN
      RAISE EXCEPTION 'an invitation code is 8 letters (A-Z) or digits' USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  IF (TG_OP = 'INSERT' OR NEW.expires_at IS DISTINCT FROM OLD.expires_at)
     AND NEW.expires_at > now() + interval '30 days' THEN
    RAISE EXCEPTION 'an invitation may expire at most 30 days from now'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION internal.partner_invitation_before_write() IS 'Trigger: trims and lower-cases partner_invitations.invitee_email, upper-cases a new invitation''s code and refuses one that is not 8 characters of A-Z0-9, and refuses an expiry more than 30 days ahead.';

-- The invitation a typed code names: trimmed; upper-cased unless it is an older hex code.
CREATE FUNCTION internal.typed_invite_code(p_code text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$
  SELECT CASE WHEN btrim(p_code) ~ '^[0-9a-f]{64}$' THEN btrim(p_code) ELSE upper(btrim(p_code)) END
$$;
REVOKE EXECUTE ON FUNCTION internal.typed_invite_code(text) FROM PUBLIC;
COMMENT ON FUNCTION internal.typed_invite_code(text) IS 'A typed invitation code as stored: trimmed, and upper-cased unless it is a 64-hex-character code of an older invitation.';

-- As in 0036, with the try counted and an unknown code answered NULL.
CREATE OR REPLACE FUNCTION public.accept_partner_invitation(p_invite_code text) RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_caller uuid := auth.uid();
  v_invitation public.partner_invitations;
  v_connection public.partner_connections;
  v_connection_id uuid;
BEGIN
  IF v_caller IS NULL THEN
    RAISE EXCEPTION 'sign in to accept an invitation' USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM internal.count_invite_code_try();

  -- Lock the invitation so that it is accepted (or declined) at most once.
  SELECT * INTO v_invitation
  FROM public.partner_invitations
  WHERE invite_code = internal.typed_invite_code(p_invite_code)
  FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF v_invitation.inviter_id = v_caller THEN
    RAISE EXCEPTION 'you cannot accept your own invitation' USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM internal.require_invitee(v_invitation.invitee_email);
  IF v_invitation.status <> 'pending' THEN
    RAISE EXCEPTION 'this invitation is no longer pending (it is %)', v_invitation.status
      USING ERRCODE = 'check_violation';
  END IF;
  IF v_invitation.expires_at <= now() THEN
    RAISE EXCEPTION 'this invitation expired at %', v_invitation.expires_at
      USING ERRCODE = 'check_violation';
  END IF;

  -- The pair's existing connection, if any (in either direction), locked.
  SELECT * INTO v_connection
  FROM public.partner_connections c
  WHERE least(c.user_id, c.partner_id) = least(v_invitation.inviter_id, v_caller)
    AND greatest(c.user_id, c.partner_id) = greatest(v_invitation.inviter_id, v_caller)
  FOR UPDATE;

  IF FOUND THEN
    IF v_connection.status = 'active' THEN
      RAISE EXCEPTION 'you are already partners with this user' USING ERRCODE = 'check_violation';
    END IF;
    UPDATE public.partner_connections
    SET user_id = v_invitation.inviter_id,
        partner_id = v_caller,
        status = 'active',
        connected_at = now(),
        ended_at = NULL,
        ended_by = NULL
    WHERE id = v_connection.id
    RETURNING id INTO v_connection_id;
  ELSE
    BEGIN
      INSERT INTO public.partner_connections (user_id, partner_id, status, connected_at)
      VALUES (v_invitation.inviter_id, v_caller, 'active', now())
      RETURNING id INTO v_connection_id;
    EXCEPTION WHEN unique_violation THEN
      -- A concurrent acceptance connected the same pair first.
      RAISE EXCEPTION 'you are already partners with this user' USING ERRCODE = 'check_violation';
    END;
  END IF;

  UPDATE public.partner_invitations
  SET status = 'accepted', accepted_at = now(), accepted_by = v_caller
  WHERE id = v_invitation.id;

  RETURN v_connection_id;
END
$$;
COMMENT ON FUNCTION public.accept_partner_invitation(text) IS 'The invitee (the caller''s confirmed email is the invitation''s) accepts a pending, unexpired invitation issued by someone else: creates or reactivates the pair''s partner connection and marks the invitation accepted, atomically. Returns the connection id; NULL when no invitation has the code (the try counts against 10 an hour, PT429 beyond); raises and changes nothing otherwise.';

CREATE OR REPLACE FUNCTION public.decline_partner_invitation(p_invite_code text) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_caller uuid := auth.uid();
  v_invitation public.partner_invitations;
BEGIN
  IF v_caller IS NULL THEN
    RAISE EXCEPTION 'sign in to decline an invitation' USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM internal.count_invite_code_try();
  SELECT * INTO v_invitation
  FROM public.partner_invitations
  WHERE invite_code = internal.typed_invite_code(p_invite_code)
  FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF v_invitation.inviter_id = v_caller THEN
    RAISE EXCEPTION 'you cannot decline your own invitation; delete it to withdraw it'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM internal.require_invitee(v_invitation.invitee_email);
  IF v_invitation.status <> 'pending' OR v_invitation.expires_at <= now() THEN
    RETURN false;
  END IF;
  UPDATE public.partner_invitations
  SET status = 'declined', declined_at = now()
  WHERE id = v_invitation.id;
  RETURN true;
END
$$;
COMMENT ON FUNCTION public.decline_partner_invitation(text) IS 'The invitee (by confirmed email) declines a pending, unexpired invitation issued by someone else; true when declined, false when it was no longer pending or had expired, NULL when no invitation has the code (the try counts against 10 an hour, PT429 beyond).';

---------------------------------------------------------------------------------------------------
-- team_invitations: codes are always the server's; every written code is replaced by a fresh
-- one (a re-sent invitation gets a new code this way, from add_team_member's update).
---------------------------------------------------------------------------------------------------
ALTER TABLE public.team_invitations DROP CONSTRAINT team_invitations_invite_code_length;
ALTER TABLE public.team_invitations ALTER COLUMN invite_code SET DEFAULT internal.new_invite_code();
ALTER TABLE public.team_invitations ADD CONSTRAINT team_invitations_invite_code_format
  CHECK (invite_code ~ '^[A-Z0-9]{8}$' OR invite_code ~ '^[0-9a-f]{64}$');
COMMENT ON COLUMN public.team_invitations.invite_code IS 'Code sent in the invitation mail: 8 characters of A-Z0-9, issued by the server (a new one each time the invitation is sent); names the invitation for the invitee, never replaces their confirmed email; each user may try 10 codes an hour. Not readable by end users. Older invitations keep their 64-hex-character code until re-sent.';

CREATE FUNCTION internal.issue_team_invite_code() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  NEW.invite_code := internal.new_invite_code();
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.issue_team_invite_code() FROM PUBLIC;
COMMENT ON FUNCTION internal.issue_team_invite_code() IS 'Trigger: gives a written team invitation a fresh server-issued code.';
CREATE TRIGGER issue_team_invite_code BEFORE INSERT OR UPDATE OF invite_code ON public.team_invitations
  FOR EACH ROW EXECUTE FUNCTION internal.issue_team_invite_code();

-- As in 0036, with a code's try counted and an unknown code answered by an empty row (its id
-- NULL), which the callers answer as NULL.
CREATE OR REPLACE FUNCTION internal.invitation_for_invitee(p_invitation_id uuid, p_invite_code text) RETURNS public.team_invitations
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_team_id uuid;
  v_code text := internal.typed_invite_code(p_invite_code);
  v_invitation public.team_invitations;
BEGIN
  PERFORM internal.require_user();
  IF (p_invitation_id IS NULL) = (p_invite_code IS NULL) THEN
    RAISE EXCEPTION 'name the invitation by its id or by its code' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_code IS NOT NULL THEN
    PERFORM internal.count_invite_code_try();
  END IF;
  SELECT i.team_id INTO v_team_id FROM public.team_invitations i
   WHERE i.id = p_invitation_id OR i.invite_code = v_code;
  PERFORM 1 FROM public.teams t WHERE t.id = v_team_id FOR UPDATE;
  SELECT * INTO v_invitation FROM public.team_invitations i
   WHERE i.id = p_invitation_id OR i.invite_code = v_code
   FOR UPDATE;
  IF NOT FOUND AND v_code IS NOT NULL THEN
    RETURN v_invitation;
  ELSIF NOT FOUND THEN
    RAISE EXCEPTION 'no team invitation has this id' USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM internal.require_invitee(v_invitation.invitee_email);
  IF v_invitation.status <> 'pending' THEN
    RAISE EXCEPTION 'this invitation is no longer pending (it is %)', v_invitation.status USING ERRCODE = 'check_violation';
  END IF;
  IF v_invitation.expires_at <= now() THEN
    RAISE EXCEPTION 'this invitation expired at %', v_invitation.expires_at USING ERRCODE = 'check_violation',
      HINT = 'Ask the team for a new invitation.';
  END IF;
  RETURN v_invitation;
END
$$;
COMMENT ON FUNCTION internal.invitation_for_invitee(uuid, text) IS 'For accept/decline_team_invitation: the pending, unexpired invitation (by id or code) addressed to the caller''s confirmed email, locked; a row of NULLs for an unknown code (the try counted, PT429 beyond 10 an hour); raises 22023, P0002 (unknown id), 42501 or 23514 otherwise.';

CREATE OR REPLACE FUNCTION public.accept_team_invitation(p_invitation_id uuid DEFAULT NULL, p_invite_code text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_caller uuid := internal.require_user();
  v_invitation public.team_invitations := internal.invitation_for_invitee(p_invitation_id, p_invite_code);
  v_member public.team_members;
  v_team public.teams;
BEGIN
  IF v_invitation.id IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT * INTO v_member FROM public.team_members m WHERE m.team_id = v_invitation.team_id AND m.user_id = v_caller;
  IF FOUND AND v_member.is_active THEN
    RAISE EXCEPTION 'you are already a member of this team' USING ERRCODE = 'unique_violation';
  ELSIF FOUND THEN
    UPDATE public.team_members m
       SET is_active = true, role = v_invitation.role, invited_by = v_invitation.invited_by, joined_at = now()
     WHERE m.id = v_member.id;
  ELSE
    INSERT INTO public.team_members (team_id, user_id, role, invited_by)
    VALUES (v_invitation.team_id, v_caller, v_invitation.role, v_invitation.invited_by);
  END IF;
  UPDATE public.team_invitations i SET status = 'accepted', accepted_by = v_caller, accepted_at = now()
   WHERE i.id = v_invitation.id
  RETURNING * INTO v_invitation;
  SELECT * INTO v_team FROM public.teams t WHERE t.id = v_invitation.team_id;
  RETURN jsonb_build_object('invitation', internal.team_invitation_json(v_invitation), 'team', internal.team_json(v_team));
END
$$;
COMMENT ON FUNCTION public.accept_team_invitation(uuid, text) IS 'The invitee (by confirmed email) accepts a pending team invitation named by id or code: joins the team with its role, within max_members. Answers {invitation, team}; NULL for an unknown code (10 tries an hour, PT429 beyond).';

CREATE OR REPLACE FUNCTION public.decline_team_invitation(p_invitation_id uuid DEFAULT NULL, p_invite_code text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_invitation public.team_invitations := internal.invitation_for_invitee(p_invitation_id, p_invite_code);
BEGIN
  IF v_invitation.id IS NULL THEN
    RETURN NULL;
  END IF;
  UPDATE public.team_invitations i SET status = 'declined', declined_at = now()
   WHERE i.id = v_invitation.id
  RETURNING * INTO v_invitation;
  RETURN internal.team_invitation_json(v_invitation);
END
$$;
COMMENT ON FUNCTION public.decline_team_invitation(uuid, text) IS 'The invitee (by confirmed email) declines a pending team invitation named by id or code; answers the invitation, NULL for an unknown code (10 tries an hour, PT429 beyond).';
