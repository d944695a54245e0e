-- Invitations by consent, to a confirmed address:
--
-- * An owner or admin could make any registered user a team member by email, at once, and learn
--   from the answer whether the address had an account (its id and name, or a 404); the
--   leaderboard then showed that stranger's activity to the team. Membership is now an
--   invitation (team_invitations) that the invitee accepts or declines. Inviting answers the
--   same invitation whether or not the address belongs to an account, and mails it through the
--   outbox; invitations per team and per inviter are capped per day (PT429), and a team never
--   promises more seats than it has: members plus pending invitations stay within max_members,
--   and acceptance adds the member under the team lock of 0006.
-- * An owner or admin could also insert any user id into team_members through REST (the id of a
--   member who had left, say). End users no longer insert memberships: a team's creation makes
--   its owner a member, accepting an invitation makes the invitee one.
-- * Partner invitations were visible to, and acceptable by, whoever's token carried the
--   invitee's address in its email claim, and any holder of the code could accept one addressed
--   to someone else. A token's claims are what the token says, minted once and kept for its
--   lifetime; the address an account has confirmed is what the account owns. Invitations (team
--   and partner) now match only internal.caller_confirmed_email(), and only the invitee accepts
--   or declines them (42501 for anyone else).

---------------------------------------------------------------------------------------------------
-- The caller's confirmed email address
---------------------------------------------------------------------------------------------------

-- The caller's email address as their account holds it, when they have confirmed it and the
-- account is not deleted; NULL otherwise (no user, no address, unconfirmed, deleted). Owner
-- rights: the client roles cannot read auth.users, and policies call it.
CREATE FUNCTION internal.caller_confirmed_email() RETURNS text
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT u.email FROM auth.users u
   WHERE u.id = auth.uid() AND u.email_confirmed_at IS NOT NULL AND u.deleted_at IS NULL
$$;
REVOKE EXECUTE ON FUNCTION internal.caller_confirmed_email() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.caller_confirmed_email() TO authenticated;
COMMENT ON FUNCTION internal.caller_confirmed_email() IS 'The caller''s account email when confirmed and the account is not deleted, else NULL; invitations are matched against it, never against the token''s email claim.';

---------------------------------------------------------------------------------------------------
-- Partner invitations: the invitee is the account with the confirmed address
---------------------------------------------------------------------------------------------------

DROP POLICY partner_invitations_select ON public.partner_invitations;
CREATE POLICY partner_invitations_select ON public.partner_invitations
  FOR SELECT TO authenticated
  USING (inviter_id = (select auth.uid())
         OR invitee_email = (select internal.caller_confirmed_email()));
DROP POLICY partner_invitations_insert ON public.partner_invitations;
CREATE POLICY partner_invitations_insert ON public.partner_invitations
  FOR INSERT TO authenticated
  WITH CHECK (inviter_id = (select auth.uid())
              AND invitee_email IS DISTINCT FROM (select internal.caller_confirmed_email()));

-- The caller's pending invitations: received (addressed to their confirmed email, with the
-- inviter's email) and sent (with the invitee's email).
CREATE OR REPLACE FUNCTION public.list_partner_invitations() RETURNS jsonb
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
       WHERE i.invitee_email = d.email AND i.inviter_id <> d.uid
         AND i.status = 'pending' AND i.expires_at > now()), '[]'::jsonb),
    'sent', coalesce((
      SELECT jsonb_agg(jsonb_build_object(
               'id', i.id, 'invite_code', i.invite_code, 'invitee_email', i.invitee_email,
               'message', i.message, 'expires_at', i.expires_at, 'created_at', i.created_at) ORDER BY i.created_at DESC)
        FROM public.partner_invitations i
       WHERE i.inviter_id = d.uid AND i.status = 'pending' AND i.expires_at > now()), '[]'::jsonb))
  FROM (SELECT internal.require_user() AS uid, internal.caller_confirmed_email() AS email) d
$$;
REVOKE EXECUTE ON FUNCTION public.list_partner_invitations() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_partner_invitations() TO authenticated;
COMMENT ON FUNCTION public.list_partner_invitations() IS 'The caller''s pending, unexpired invitations: received (addressed to their confirmed email) and sent.';

-- Whether the caller has a partner, who, since when, and what is pending (received: addressed
-- to their confirmed email).
CREATE OR REPLACE FUNCTION public.get_partner_status() RETURNS jsonb
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
                          WHERE i.invitee_email = d.email AND i.inviter_id <> d.uid
                            AND i.status = 'pending' AND i.expires_at > now()),
    'pending_sent', (SELECT count(*) FROM public.partner_invitations i
                      WHERE i.inviter_id = d.uid AND i.status = 'pending' AND i.expires_at > now()))
  FROM (SELECT internal.require_user() AS uid, internal.caller_confirmed_email() AS email) d
  LEFT JOIN LATERAL internal.caller_partnership() p ON true
$$;
REVOKE EXECUTE ON FUNCTION public.get_partner_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_partner_status() TO authenticated;
COMMENT ON FUNCTION public.get_partner_status() IS 'The caller''s partnership: whether connected, the partner''s id and email, since when, active shared goals and pending invitations (received: to their confirmed email).';

-- Refuses (42501) a caller who is not the invitee of a partner invitation: the code alone is no
-- longer enough, the caller's confirmed email must be the one it was sent to.
CREATE FUNCTION internal.require_invitee(p_invitee_email text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = ''
AS $$
DECLARE
  v_email text := internal.caller_confirmed_email();
BEGIN
  IF v_email IS NULL THEN
    RAISE EXCEPTION 'confirm your email address before answering an invitation' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF v_email IS DISTINCT FROM p_invitee_email THEN
    RAISE EXCEPTION 'this invitation was sent to another email address' USING ERRCODE = 'insufficient_privilege',
      HINT = 'Sign in with the address it was sent to, or ask for an invitation to yours.';
  END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.require_invitee(text) FROM PUBLIC;
COMMENT ON FUNCTION internal.require_invitee(text) IS 'Raises 42501 unless the caller''s confirmed email is the given invitee address.';

-- As in 0006, and only for the invitee: the caller's confirmed email must be the invitation's.
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

  -- Lock the invitation so that it is accepted (or declined) at most once.
  SELECT * INTO v_invitation
  FROM public.partner_invitations
  WHERE invite_code = p_invite_code
  FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no invitation has this code' USING ERRCODE = 'no_data_found';
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
REVOKE EXECUTE ON FUNCTION public.accept_partner_invitation(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.accept_partner_invitation(text) TO authenticated;
COMMENT ON FUNCTION public.accept_partner_invitation(text) IS 'The invitee (the caller''s confirmed email is the invitation''s) accepts a pending, unexpired invitation issued by someone else: creates or reactivates the pair''s partner connection and marks the invitation accepted, atomically. Returns the connection id; raises and changes nothing otherwise.';

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
  SELECT * INTO v_invitation
  FROM public.partner_invitations
  WHERE invite_code = p_invite_code
  FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no invitation has this code' USING ERRCODE = 'no_data_found';
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
REVOKE EXECUTE ON FUNCTION public.decline_partner_invitation(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.decline_partner_invitation(text) TO authenticated;
COMMENT ON FUNCTION public.decline_partner_invitation(text) IS 'The invitee (by confirmed email) declines a pending, unexpired invitation issued by someone else; true when declined, false when it was no longer pending or had expired.';

---------------------------------------------------------------------------------------------------
-- team_invitations
---------------------------------------------------------------------------------------------------
CREATE TABLE public.team_invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  team_id uuid NOT NULL REFERENCES public.teams (id) ON DELETE CASCADE,
  invitee_email text NOT NULL
    CONSTRAINT team_invitations_invitee_email_normalised CHECK (invitee_email = lower(btrim(invitee_email)) AND invitee_email <> ''),
  role text NOT NULL DEFAULT 'member'
    CONSTRAINT team_invitations_role_check CHECK (role IN ('admin', 'manager', 'member')),
  invited_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  status text NOT NULL DEFAULT 'pending'
    CONSTRAINT team_invitations_status_check CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
  invite_code text NOT NULL
    DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
    CONSTRAINT team_invitations_invite_code_length CHECK (char_length(invite_code) >= 32),
  expires_at timestamptz NOT NULL DEFAULT now() + interval '7 days',
  accepted_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  accepted_at timestamptz,
  declined_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT team_invitations_invite_code_key UNIQUE (invite_code)
);
-- One pending invitation per team and address (inviting again refreshes it).
CREATE UNIQUE INDEX team_invitations_pending_key ON public.team_invitations (team_id, invitee_email) WHERE status = 'pending';
CREATE INDEX team_invitations_team_id_idx ON public.team_invitations (team_id);
CREATE INDEX team_invitations_invitee_email_idx ON public.team_invitations (invitee_email) WHERE status = 'pending';
CREATE INDEX team_invitations_invited_by_idx ON public.team_invitations (invited_by);
CREATE INDEX team_invitations_accepted_by_idx ON public.team_invitations (accepted_by);

COMMENT ON TABLE public.team_invitations IS 'Invitation of an email address into a team; membership begins when the invitee (the account with that confirmed address) accepts it.';
COMMENT ON COLUMN public.team_invitations.id IS 'Primary key.';
COMMENT ON COLUMN public.team_invitations.team_id IS 'The team the invitation is to.';
COMMENT ON COLUMN public.team_invitations.invitee_email IS 'Email address invited, trimmed and lower-cased; matched against the confirmed email of the account that answers.';
COMMENT ON COLUMN public.team_invitations.role IS 'Role the invitee gets on accepting: admin, manager or member.';
COMMENT ON COLUMN public.team_invitations.invited_by IS 'The owner or admin who (last) sent the invitation.';
COMMENT ON COLUMN public.team_invitations.status IS 'pending, accepted, declined or revoked.';
COMMENT ON COLUMN public.team_invitations.invite_code IS 'Unguessable code (64 hex characters, 244 random bits) sent in the invitation mail; names the invitation for the invitee, never replaces their confirmed email. Not readable by end users.';
COMMENT ON COLUMN public.team_invitations.expires_at IS 'Moment after which the invitation can no longer be accepted (7 days after it was last sent).';
COMMENT ON COLUMN public.team_invitations.accepted_by IS 'The account that accepted the invitation.';
COMMENT ON COLUMN public.team_invitations.accepted_at IS 'When the invitation was accepted.';
COMMENT ON COLUMN public.team_invitations.declined_at IS 'When the invitee declined the invitation.';
COMMENT ON COLUMN public.team_invitations.revoked_at IS 'When an owner or admin revoked the invitation.';
COMMENT ON COLUMN public.team_invitations.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.team_invitations.updated_at IS 'Moment of the last update (maintained by trigger).';

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.team_invitations
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- End users read (the team's owners and admins, and the invitee by confirmed email) and change
-- nothing themselves: inviting, accepting, declining and revoking are the functions below. The
-- code is read by nobody but the server (it travels in the mail only).
ALTER TABLE public.team_invitations ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.team_invitations FROM PUBLIC, anon, authenticated;
GRANT SELECT (id, team_id, invitee_email, role, invited_by, status, expires_at, accepted_by, accepted_at,
              declined_at, revoked_at, created_at, updated_at)
  ON public.team_invitations TO authenticated;
GRANT ALL ON public.team_invitations TO service_role;

CREATE POLICY team_invitations_select ON public.team_invitations
  FOR SELECT TO authenticated
  USING (public.team_role(team_id) IN ('owner', 'admin')
         OR invitee_email = (select internal.caller_confirmed_email()));

-- One row per invitation mail queued, kept 24 hours: the daily caps of add_team_member count
-- them per team and per inviter, so revoking and inviting again still counts.
CREATE TABLE internal.team_invitation_sends (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id uuid REFERENCES public.teams (id) ON DELETE SET NULL,
  inviter_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  sent_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX team_invitation_sends_team_id_sent_at_idx ON internal.team_invitation_sends (team_id, sent_at);
CREATE INDEX team_invitation_sends_inviter_id_sent_at_idx ON internal.team_invitation_sends (inviter_id, sent_at);
REVOKE ALL ON internal.team_invitation_sends FROM PUBLIC, anon, authenticated, service_role;
COMMENT ON TABLE internal.team_invitation_sends IS 'Team invitation mails queued in the last 24 hours, per team and inviter: the daily caps of add_team_member.';
COMMENT ON COLUMN internal.team_invitation_sends.id IS 'Primary key.';
COMMENT ON COLUMN internal.team_invitation_sends.team_id IS 'The team invited to (NULL once the team is deleted; the inviter''s count remains).';
COMMENT ON COLUMN internal.team_invitation_sends.inviter_id IS 'The owner or admin who sent the invitation.';
COMMENT ON COLUMN internal.team_invitation_sends.sent_at IS 'When the invitation mail was queued.';

-- An invitation as the team functions answer it: nothing about whether its address has an
-- account, and never its code.
CREATE FUNCTION internal.team_invitation_json(p_invitation public.team_invitations) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT jsonb_build_object(
    'id', p_invitation.id, 'team_id', p_invitation.team_id, 'email', p_invitation.invitee_email,
    'role', p_invitation.role, 'status', p_invitation.status, 'expires_at', p_invitation.expires_at)
$$;
REVOKE EXECUTE ON FUNCTION internal.team_invitation_json(public.team_invitations) FROM PUBLIC;
COMMENT ON FUNCTION internal.team_invitation_json(public.team_invitations) IS 'A team invitation as the team functions answer it: id, team_id, email, role, status, expires_at (never the code).';

---------------------------------------------------------------------------------------------------
-- Memberships come from invitations only
---------------------------------------------------------------------------------------------------
DROP POLICY team_members_insert ON public.team_members;
REVOKE INSERT ON public.team_members FROM authenticated;

-- Invites an email address into a team as member, manager or admin (owner or admin): creates,
-- or refreshes (new code, role and expiry, mailed again), the address's pending invitation and
-- queues the invitation mail. The answer is the invitation whether or not the address has an
-- account. Under the team's lock (0006): the team never promises more seats than max_members
-- (members plus unexpired pending invitations, 23514), an active member is not invited again
-- (23505, as the roster shows them), and mails are capped per 24 hours (PT429) at 50 per team
-- and 100 per inviter, or the team's max_members when that is larger.
CREATE OR REPLACE FUNCTION public.add_team_member(p_team_id uuid, p_email text, p_role text DEFAULT 'member') RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_caller uuid := internal.require_user();
  v_role text := coalesce(p_role, 'member');
  v_email text := lower(btrim(p_email));
  v_team record;
  v_invitation public.team_invitations;
  v_pending integer;
BEGIN
  IF public.team_role(p_team_id) IS NULL THEN
    RAISE EXCEPTION 'no team of yours has id %', p_team_id USING ERRCODE = 'no_data_found';
  END IF;
  IF public.team_role(p_team_id) NOT IN ('owner', 'admin') THEN
    RAISE EXCEPTION 'only the team''s owner or admins may invite members' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF v_role NOT IN ('member', 'manager', 'admin') THEN
    RAISE EXCEPTION 'a member''s role is member, manager or admin' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_email IS NULL OR v_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' THEN
    RAISE EXCEPTION '"%" is not an email address', p_email USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- The team row locked: invitations and acceptances of this team take turns from here.
  SELECT * INTO v_team FROM internal.lock_team_for_membership(p_team_id);
  IF EXISTS (SELECT 1 FROM public.team_members m JOIN auth.users u ON u.id = m.user_id
              WHERE m.team_id = p_team_id AND m.is_active AND u.email = v_email) THEN
    RAISE EXCEPTION '% is already a member of this team', v_email USING ERRCODE = 'unique_violation';
  END IF;
  SELECT * INTO v_invitation FROM public.team_invitations i
   WHERE i.team_id = p_team_id AND i.invitee_email = v_email AND i.status = 'pending';
  SELECT count(*)::integer INTO v_pending FROM public.team_invitations i
   WHERE i.team_id = p_team_id AND i.status = 'pending' AND i.expires_at > now() AND i.invitee_email <> v_email;
  IF v_team.active_members + v_pending >= v_team.max_members THEN
    RAISE EXCEPTION 'the team is full (% active members and % pending invitations of at most % members)',
      v_team.active_members, v_pending, v_team.max_members USING ERRCODE = 'check_violation',
      HINT = 'Revoke a pending invitation or remove a member first.';
  END IF;

  DELETE FROM internal.team_invitation_sends s
   WHERE (s.team_id = p_team_id OR s.inviter_id = v_caller) AND s.sent_at <= now() - interval '24 hours';
  IF (SELECT count(*) FROM internal.team_invitation_sends s WHERE s.team_id = p_team_id) >= greatest(50, v_team.max_members) THEN
    RAISE EXCEPTION 'this team has sent % invitations in the last 24 hours; try again tomorrow', greatest(50, v_team.max_members)
      USING ERRCODE = 'PT429';
  END IF;
  IF (SELECT count(*) FROM internal.team_invitation_sends s WHERE s.inviter_id = v_caller) >= greatest(100, v_team.max_members) THEN
    RAISE EXCEPTION 'you have sent % team invitations in the last 24 hours; try again tomorrow', greatest(100, v_team.max_members)
      USING ERRCODE = 'PT429';
  END IF;
  INSERT INTO internal.team_invitation_sends (team_id, inviter_id) VALUES (p_team_id, v_caller);

  IF v_invitation.id IS NOT NULL THEN
    UPDATE public.team_invitations i
       SET role = v_role, invited_by = v_caller, expires_at = now() + interval '7 days',
           invite_code = replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
     WHERE i.id = v_invitation.id
    RETURNING * INTO v_invitation;
  ELSE
    INSERT INTO public.team_invitations (team_id, invitee_email, role, invited_by)
    VALUES (p_team_id, v_email, v_role, v_caller)
    RETURNING * INTO v_invitation;
  END IF;
  INSERT INTO auth.mail_outbox (recipient, template, payload)
  VALUES (v_email, 'team_invitation', jsonb_build_object(
    'invitation_id', v_invitation.id, 'invite_code', v_invitation.invite_code, 'team_id', p_team_id,
    'team_name', (SELECT t.name FROM public.teams t WHERE t.id = p_team_id), 'role', v_invitation.role,
    'invited_by', (SELECT u.email FROM auth.users u WHERE u.id = v_caller), 'expires_at', v_invitation.expires_at));
  RETURN internal.team_invitation_json(v_invitation);
END
$$;
REVOKE EXECUTE ON FUNCTION public.add_team_member(uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.add_team_member(uuid, text, text) TO authenticated;
COMMENT ON FUNCTION public.add_team_member(uuid, text, text) IS 'Owner or admin invites an email address into the team as member, manager or admin: creates or refreshes its pending invitation and queues the invitation mail; the same answer whether or not the address has an account. Within max_members (members plus pending invitations) and the daily caps (PT429).';

-- The pending, unexpired invitation the caller answers, locked: named by id or by code (one of
-- them, 22023), unknown ones 404, addressed to another (or an unconfirmed) address 42501,
-- answered, revoked or expired ones 23514. The team row is locked before the invitation, in the
-- order add_team_member takes them, so an answer and a refresh of the same invitation queue
-- rather than deadlock.
CREATE FUNCTION internal.invitation_for_invitee(p_invitation_id uuid, p_invite_code text) RETURNS public.team_invitations
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_team_id uuid;
  v_invitation public.team_invitations;
BEGIN
  PERFORM internal.require_user();
  IF (p_invitation_id IS NULL) = (p_invite_code IS NULL) THEN
    RAISE EXCEPTION 'name the invitation by its id or by its code' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT i.team_id INTO v_team_id FROM public.team_invitations i
   WHERE i.id = p_invitation_id OR i.invite_code = p_invite_code;
  PERFORM 1 FROM public.teams t WHERE t.id = v_team_id FOR UPDATE;
  SELECT * INTO v_invitation FROM public.team_invitations i
   WHERE i.id = p_invitation_id OR i.invite_code = p_invite_code
   FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no team invitation has this %', CASE WHEN p_invitation_id IS NULL THEN 'code' ELSE 'id' END
      USING ERRCODE = 'no_data_found';
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
REVOKE EXECUTE ON FUNCTION internal.invitation_for_invitee(uuid, text) FROM PUBLIC;
COMMENT ON FUNCTION internal.invitation_for_invitee(uuid, text) IS 'For accept/decline_team_invitation: the pending, unexpired invitation (by id or code) addressed to the caller''s confirmed email, locked; raises 22023, P0002, 42501 or 23514 otherwise.';

-- The invitee accepts: becomes an active member with the invitation's role (a deactivated
-- membership is reactivated). The membership guard of 0006 takes the team lock and refuses a
-- full team (23514), so concurrent acceptances never exceed max_members; an active member
-- already is 23505. Answers the invitation and the team.
CREATE FUNCTION public.accept_team_invitation(p_invitation_id uuid DEFAULT NULL, p_invite_code text DEFAULT NULL) RETURNS jsonb
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
REVOKE EXECUTE ON FUNCTION public.accept_team_invitation(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.accept_team_invitation(uuid, text) TO authenticated;
COMMENT ON FUNCTION public.accept_team_invitation(uuid, text) IS 'The invitee (by confirmed email) accepts a pending team invitation named by id or code: joins the team with its role, within max_members. Answers {invitation, team}.';

CREATE FUNCTION public.decline_team_invitation(p_invitation_id uuid DEFAULT NULL, p_invite_code text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_invitation public.team_invitations := internal.invitation_for_invitee(p_invitation_id, p_invite_code);
BEGIN
  UPDATE public.team_invitations i SET status = 'declined', declined_at = now()
   WHERE i.id = v_invitation.id
  RETURNING * INTO v_invitation;
  RETURN internal.team_invitation_json(v_invitation);
END
$$;
REVOKE EXECUTE ON FUNCTION public.decline_team_invitation(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.decline_team_invitation(uuid, text) TO authenticated;
COMMENT ON FUNCTION public.decline_team_invitation(uuid, text) IS 'The invitee (by confirmed email) declines a pending team invitation named by id or code; answers the invitation.';

-- The team invitations waiting for the caller: pending, unexpired, addressed to their confirmed
-- email, with the team's name and the inviter's email (what the mail told them). Owner rights:
-- the invitee is not yet a member who could read the team.
CREATE FUNCTION public.list_my_team_invitations() RETURNS jsonb
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT coalesce(jsonb_agg(internal.team_invitation_json(i) || jsonb_build_object(
           'team_name', t.name, 'invited_by_email', u.email, 'created_at', i.created_at)
           ORDER BY i.created_at DESC, i.id), '[]'::jsonb)
    FROM (SELECT internal.require_user() AS uid, internal.caller_confirmed_email() AS email) d
    JOIN public.team_invitations i ON i.invitee_email = d.email
    JOIN public.teams t ON t.id = i.team_id
    LEFT JOIN auth.users u ON u.id = i.invited_by
   WHERE i.status = 'pending' AND i.expires_at > now()
$$;
REVOKE EXECUTE ON FUNCTION public.list_my_team_invitations() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_my_team_invitations() TO authenticated;
COMMENT ON FUNCTION public.list_my_team_invitations() IS 'The pending, unexpired team invitations addressed to the caller''s confirmed email, with team name and inviter email.';

-- A team's pending, unexpired invitations (owner or admin; row-level security decides which
-- rows the caller reads).
CREATE FUNCTION public.list_team_invitations(p_team_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = ''
AS $$
BEGIN
  PERFORM internal.team_access(p_team_id, true);
  RETURN (
    SELECT coalesce(jsonb_agg(jsonb_build_object(
             'id', i.id, 'team_id', i.team_id, 'email', i.invitee_email, 'role', i.role, 'status', i.status,
             'expires_at', i.expires_at, 'invited_by', i.invited_by, 'created_at', i.created_at, 'updated_at', i.updated_at)
             ORDER BY i.created_at, i.id), '[]'::jsonb)
      FROM public.team_invitations i
     WHERE i.team_id = p_team_id AND i.status = 'pending' AND i.expires_at > now());
END
$$;
REVOKE EXECUTE ON FUNCTION public.list_team_invitations(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_team_invitations(uuid) TO authenticated;
COMMENT ON FUNCTION public.list_team_invitations(uuid) IS 'Owner or admin: the team''s pending, unexpired invitations.';

-- Revokes a pending invitation (owner or admin of its team; others get 404, plain members 403).
CREATE FUNCTION public.revoke_team_invitation(p_invitation_id uuid) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_team_id uuid;
  v_invitation public.team_invitations;
BEGIN
  PERFORM internal.require_user();
  SELECT i.team_id INTO v_team_id FROM public.team_invitations i WHERE i.id = p_invitation_id;
  IF v_team_id IS NULL OR public.team_role(v_team_id) IS NULL THEN
    RAISE EXCEPTION 'no invitation of your teams has id %', p_invitation_id USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM internal.team_access(v_team_id, true);
  SELECT * INTO v_invitation FROM public.team_invitations i WHERE i.id = p_invitation_id FOR UPDATE;
  IF v_invitation.status <> 'pending' THEN
    RAISE EXCEPTION 'this invitation is no longer pending (it is %)', v_invitation.status USING ERRCODE = 'check_violation';
  END IF;
  UPDATE public.team_invitations i SET status = 'revoked', revoked_at = now()
   WHERE i.id = p_invitation_id
  RETURNING * INTO v_invitation;
  RETURN internal.team_invitation_json(v_invitation);
END
$$;
REVOKE EXECUTE ON FUNCTION public.revoke_team_invitation(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.revoke_team_invitation(uuid) TO authenticated;
COMMENT ON FUNCTION public.revoke_team_invitation(uuid) IS 'Owner or admin revokes a pending invitation of their team; answers it.';
