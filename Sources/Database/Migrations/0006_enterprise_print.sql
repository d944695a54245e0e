-- Enterprise and print shop (spec §6, §7): accountability partners (invitations, connections,
-- shared goals), Slack and Microsoft Teams bot installations, the print catalogue and its orders,
-- enterprise teams with memberships and leaderboards, and their functions.

---------------------------------------------------------------------------------------------------
-- partner_invitations (§6.1)
---------------------------------------------------------------------------------------------------
CREATE TABLE public.partner_invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  inviter_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  invitee_email text NOT NULL,
  invite_code text NOT NULL
    DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
    CONSTRAINT partner_invitations_invite_code_length CHECK (char_length(invite_code) >= 32),
  message text,
  status text NOT NULL DEFAULT 'pending'
    CONSTRAINT partner_invitations_status_check CHECK (status IN ('pending', 'accepted', 'declined', 'expired')),
  expires_at timestamptz NOT NULL DEFAULT now() + interval '7 days',
  accepted_at timestamptz,
  accepted_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  declined_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT partner_invitations_invite_code_key UNIQUE (invite_code)
);
CREATE INDEX partner_invitations_inviter_id_idx ON public.partner_invitations (inviter_id);
CREATE INDEX partner_invitations_invitee_email_idx ON public.partner_invitations (invitee_email);
CREATE INDEX partner_invitations_pending_idx ON public.partner_invitations (status) WHERE status = 'pending';

COMMENT ON TABLE public.partner_invitations IS 'Invitation from one user to a partner for shared accountability; accepted with its code.';
COMMENT ON COLUMN public.partner_invitations.id IS 'Primary key.';
COMMENT ON COLUMN public.partner_invitations.inviter_id IS 'The user who sent the invitation (defaults to the caller).';
COMMENT ON COLUMN public.partner_invitations.invitee_email IS 'Email address of the invited person; trimmed and lower-cased by trigger.';
COMMENT ON COLUMN public.partner_invitations.invite_code IS 'Unguessable bearer token (64 hex characters, 244 random bits by default; never fewer than 128 bits); not settable by end users.';
COMMENT ON COLUMN public.partner_invitations.message IS 'Personal note from the inviter.';
COMMENT ON COLUMN public.partner_invitations.status IS 'pending, accepted, declined or expired.';
COMMENT ON COLUMN public.partner_invitations.expires_at IS 'Moment after which the invitation can no longer be accepted; 7 days by default, at most 30 days ahead.';
COMMENT ON COLUMN public.partner_invitations.accepted_at IS 'When the invitation was accepted.';
COMMENT ON COLUMN public.partner_invitations.accepted_by IS 'The user who accepted the invitation.';
COMMENT ON COLUMN public.partner_invitations.declined_at IS 'When the invitation was declined.';
COMMENT ON COLUMN public.partner_invitations.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.partner_invitations.updated_at IS 'Moment of the last update (maintained by trigger).';

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.partner_invitations
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- Normalises invitee_email and keeps expires_at within 30 days of now.
CREATE FUNCTION internal.partner_invitation_before_write() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  NEW.invitee_email := lower(btrim(NEW.invitee_email));
  IF NEW.invitee_email = '' THEN
    RAISE EXCEPTION 'the invitee''s email address is empty' USING ERRCODE = 'check_violation';
  END IF;
  IF (TG_OP = 'INSERT' OR NEW.expires_at IS DISTINCT FROM OLD.expires_at)
     AND NEW.expires_at > now() + interval '30 days' THEN
    RAISE EXCEPTION 'an invitation may expire at most 30 days from now'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.partner_invitation_before_write() FROM PUBLIC;
COMMENT ON FUNCTION internal.partner_invitation_before_write() IS 'Trigger: trims and lower-cases partner_invitations.invitee_email and refuses an expiry more than 30 days ahead.';

CREATE TRIGGER partner_invitation_before_write
  BEFORE INSERT OR UPDATE OF invitee_email, expires_at ON public.partner_invitations
  FOR EACH ROW EXECUTE FUNCTION internal.partner_invitation_before_write();

ALTER TABLE public.partner_invitations ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.partner_invitations FROM PUBLIC, anon, authenticated;
GRANT SELECT, DELETE ON public.partner_invitations TO authenticated;
GRANT INSERT (id, inviter_id, invitee_email, message, expires_at, created_at, updated_at)
  ON public.partner_invitations TO authenticated;
GRANT ALL ON public.partner_invitations TO service_role;

CREATE POLICY partner_invitations_select ON public.partner_invitations
  FOR SELECT TO authenticated
  USING (inviter_id = (select auth.uid())
         OR invitee_email = lower(btrim((select auth.jwt()) ->> 'email')));
CREATE POLICY partner_invitations_insert ON public.partner_invitations
  FOR INSERT TO authenticated
  WITH CHECK (inviter_id = (select auth.uid())
              AND invitee_email IS DISTINCT FROM lower(btrim((select auth.jwt()) ->> 'email')));
CREATE POLICY partner_invitations_delete ON public.partner_invitations
  FOR DELETE TO authenticated
  USING (inviter_id = (select auth.uid()) AND status = 'pending');

---------------------------------------------------------------------------------------------------
-- partner_connections (§6.2)
---------------------------------------------------------------------------------------------------
CREATE TABLE public.partner_connections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  partner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'active'
    CONSTRAINT partner_connections_status_check CHECK (status IN ('active', 'ended')),
  connected_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  ended_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT partner_connections_not_self CHECK (partner_id <> user_id),
  CONSTRAINT partner_connections_user_id_partner_id_key UNIQUE (user_id, partner_id)
);
CREATE UNIQUE INDEX partner_connections_pair_key
  ON public.partner_connections ((least(user_id, partner_id)), (greatest(user_id, partner_id)));
CREATE INDEX partner_connections_user_id_idx ON public.partner_connections (user_id);
CREATE INDEX partner_connections_partner_id_idx ON public.partner_connections (partner_id);
CREATE INDEX partner_connections_active_idx ON public.partner_connections (status) WHERE status = 'active';

COMMENT ON TABLE public.partner_connections IS 'An accountability partnership between two users; one row per pair of users.';
COMMENT ON COLUMN public.partner_connections.id IS 'Primary key.';
COMMENT ON COLUMN public.partner_connections.user_id IS 'The inviting side of the partnership.';
COMMENT ON COLUMN public.partner_connections.partner_id IS 'The accepting side of the partnership; never the same user as user_id.';
COMMENT ON COLUMN public.partner_connections.status IS 'active or ended.';
COMMENT ON COLUMN public.partner_connections.connected_at IS 'When the partnership was (last) started.';
COMMENT ON COLUMN public.partner_connections.ended_at IS 'When the partnership was ended.';
COMMENT ON COLUMN public.partner_connections.ended_by IS 'The party who ended the partnership.';
COMMENT ON COLUMN public.partner_connections.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.partner_connections.updated_at IS 'Moment of the last update (maintained by trigger).';

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.partner_connections
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.partner_connections ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.partner_connections FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.partner_connections TO authenticated;
GRANT ALL ON public.partner_connections TO service_role;

CREATE POLICY partner_connections_select ON public.partner_connections
  FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()) OR partner_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- Partner functions (§6.1, §6.2)
---------------------------------------------------------------------------------------------------
CREATE FUNCTION public.accept_partner_invitation(p_invite_code text) RETURNS uuid
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
COMMENT ON FUNCTION public.accept_partner_invitation(text) IS 'Accepts a pending, unexpired invitation issued by someone else: creates or reactivates the pair''s partner connection and marks the invitation accepted, atomically. Returns the connection id; raises and changes nothing otherwise.';

CREATE FUNCTION public.decline_partner_invitation(p_invite_code text) RETURNS boolean
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
COMMENT ON FUNCTION public.decline_partner_invitation(text) IS 'Declines a pending, unexpired invitation issued by someone else; true when declined, false when it was no longer pending or had expired.';

CREATE FUNCTION public.expire_partner_invitations() RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_count integer;
BEGIN
  UPDATE public.partner_invitations
  SET status = 'expired'
  WHERE status = 'pending' AND expires_at <= now();
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END
$$;
REVOKE EXECUTE ON FUNCTION public.expire_partner_invitations() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.expire_partner_invitations() TO service_role;
COMMENT ON FUNCTION public.expire_partner_invitations() IS 'Background job: marks pending invitations past expires_at as expired; returns how many.';

CREATE FUNCTION public.end_partner_connection(p_connection_id uuid) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_caller uuid := auth.uid();
  v_connection public.partner_connections;
BEGIN
  IF v_caller IS NULL THEN
    RAISE EXCEPTION 'sign in to end a partnership' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO v_connection
  FROM public.partner_connections
  WHERE id = p_connection_id AND v_caller IN (user_id, partner_id)
  FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no partnership of yours has this id' USING ERRCODE = 'no_data_found';
  END IF;
  IF v_connection.status <> 'active' THEN
    RETURN false;
  END IF;
  UPDATE public.partner_connections
  SET status = 'ended', ended_at = now(), ended_by = v_caller
  WHERE id = v_connection.id;
  RETURN true;
END
$$;
REVOKE EXECUTE ON FUNCTION public.end_partner_connection(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.end_partner_connection(uuid) TO authenticated;
COMMENT ON FUNCTION public.end_partner_connection(uuid) IS 'Either party ends an active partnership (status ended, ended_at, ended_by); true when ended now, false when it had already ended.';

CREATE FUNCTION public.get_partner_connection()
RETURNS TABLE (connection_id uuid, partner_id uuid, partner_email text, connected_at timestamptz)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT c.id,
         p.id,
         p.email,
         c.connected_at
  FROM public.partner_connections c
  JOIN auth.users p
    ON p.id = CASE WHEN c.user_id = auth.uid() THEN c.partner_id ELSE c.user_id END
  WHERE c.status = 'active'
    AND auth.uid() IN (c.user_id, c.partner_id)
  ORDER BY c.connected_at DESC, c.id
  LIMIT 1
$$;
REVOKE EXECUTE ON FUNCTION public.get_partner_connection() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_partner_connection() TO authenticated;
COMMENT ON FUNCTION public.get_partner_connection() IS 'The caller''s most recent active partnership: connection id, the other party''s id and email, and when it started (at most one row).';

---------------------------------------------------------------------------------------------------
-- shared_goals (§6.3)
---------------------------------------------------------------------------------------------------
CREATE TABLE public.shared_goals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  connection_id uuid NOT NULL REFERENCES public.partner_connections (id) ON DELETE CASCADE,
  created_by uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  title text NOT NULL,
  description text,
  target_date date,
  category text NOT NULL DEFAULT 'general'
    CONSTRAINT shared_goals_category_check CHECK (category IN
      ('general', 'health', 'financial', 'relationship', 'career', 'spiritual', 'family', 'travel')),
  target_value numeric(12,2),
  current_value numeric(12,2) NOT NULL DEFAULT 0,
  unit text,
  status text NOT NULL DEFAULT 'active'
    CONSTRAINT shared_goals_status_check CHECK (status IN ('active', 'completed', 'cancelled')),
  completed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shared_goals_connection_id_idx ON public.shared_goals (connection_id);
CREATE INDEX shared_goals_active_idx ON public.shared_goals (status) WHERE status = 'active';

COMMENT ON TABLE public.shared_goals IS 'Goals two accountability partners track together.';
COMMENT ON COLUMN public.shared_goals.id IS 'Primary key.';
COMMENT ON COLUMN public.shared_goals.connection_id IS 'The partnership this goal belongs to.';
COMMENT ON COLUMN public.shared_goals.created_by IS 'The partner who created the goal (defaults to the caller).';
COMMENT ON COLUMN public.shared_goals.title IS 'Short name of the goal.';
COMMENT ON COLUMN public.shared_goals.description IS 'Longer description of the goal.';
COMMENT ON COLUMN public.shared_goals.target_date IS 'Day by which the partners aim to reach the goal.';
COMMENT ON COLUMN public.shared_goals.category IS 'general, health, financial, relationship, career, spiritual, family or travel.';
COMMENT ON COLUMN public.shared_goals.target_value IS 'Numeric target, when the goal is measurable.';
COMMENT ON COLUMN public.shared_goals.current_value IS 'Progress towards target_value.';
COMMENT ON COLUMN public.shared_goals.unit IS 'Unit of target_value and current_value.';
COMMENT ON COLUMN public.shared_goals.status IS 'active, completed or cancelled (goals are cancelled, not deleted).';
COMMENT ON COLUMN public.shared_goals.completed_at IS 'When the goal was completed.';
COMMENT ON COLUMN public.shared_goals.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.shared_goals.updated_at IS 'Moment of the last update (maintained by trigger).';

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.shared_goals
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- A goal stays with its partnership and its creator: end users cannot move or re-attribute it.
CREATE FUNCTION internal.shared_goal_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NOT internal.is_privileged_caller()
     AND (NEW.connection_id IS DISTINCT FROM OLD.connection_id
          OR NEW.created_by IS DISTINCT FROM OLD.created_by) THEN
    RAISE EXCEPTION 'a shared goal cannot be moved to another partnership or creator'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.shared_goal_guard() FROM PUBLIC;
COMMENT ON FUNCTION internal.shared_goal_guard() IS 'Trigger: keeps shared_goals.connection_id and created_by unchanged by end users.';

CREATE TRIGGER shared_goal_guard BEFORE UPDATE OF connection_id, created_by ON public.shared_goals
  FOR EACH ROW EXECUTE FUNCTION internal.shared_goal_guard();

ALTER TABLE public.shared_goals ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.shared_goals FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE ON public.shared_goals TO authenticated;
GRANT ALL ON public.shared_goals TO service_role;

-- "party": the caller is a side of the referenced connection and that connection is active.
CREATE POLICY shared_goals_select ON public.shared_goals
  FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.partner_connections c
                 WHERE c.id = connection_id AND c.status = 'active'
                   AND (select auth.uid()) IN (c.user_id, c.partner_id)));
CREATE POLICY shared_goals_insert ON public.shared_goals
  FOR INSERT TO authenticated
  WITH CHECK (created_by = (select auth.uid())
              AND EXISTS (SELECT 1 FROM public.partner_connections c
                          WHERE c.id = connection_id AND c.status = 'active'
                            AND (select auth.uid()) IN (c.user_id, c.partner_id)));
CREATE POLICY shared_goals_update ON public.shared_goals
  FOR UPDATE TO authenticated
  USING (EXISTS (SELECT 1 FROM public.partner_connections c
                 WHERE c.id = connection_id AND c.status = 'active'
                   AND (select auth.uid()) IN (c.user_id, c.partner_id)))
  WITH CHECK (EXISTS (SELECT 1 FROM public.partner_connections c
                      WHERE c.id = connection_id AND c.status = 'active'
                        AND (select auth.uid()) IN (c.user_id, c.partner_id)));

---------------------------------------------------------------------------------------------------
-- slack_installations (§6.4)
---------------------------------------------------------------------------------------------------
CREATE TABLE public.slack_installations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  team_id text NOT NULL,
  team_name text NOT NULL,
  bot_user_id text NOT NULL,
  access_token_encrypted bytea NOT NULL
    CONSTRAINT slack_installations_access_token_ciphertext CHECK (octet_length(access_token_encrypted) > 28),
  token_key_version integer NOT NULL,
  scope text,
  authed_user_id text,
  is_active boolean NOT NULL DEFAULT true,
  settings jsonb NOT NULL
    DEFAULT '{"morning_reminder": true, "evening_summary": true, "goal_reminders": false, "reminder_time": "08:00"}',
  installed_at timestamptz NOT NULL DEFAULT now(),
  disconnected_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT slack_installations_user_id_team_id_key UNIQUE (user_id, team_id)
);
CREATE INDEX slack_installations_team_id_idx ON public.slack_installations (team_id);
CREATE INDEX slack_installations_active_user_idx ON public.slack_installations (user_id) WHERE is_active;

COMMENT ON TABLE public.slack_installations IS 'A user''s connection of the reminder bot to a Slack workspace; the bot token is stored only as ciphertext.';
COMMENT ON COLUMN public.slack_installations.id IS 'Primary key.';
COMMENT ON COLUMN public.slack_installations.user_id IS 'Owner: the user who installed the bot.';
COMMENT ON COLUMN public.slack_installations.team_id IS 'Slack workspace id (unrelated to the teams table).';
COMMENT ON COLUMN public.slack_installations.team_name IS 'Slack workspace name.';
COMMENT ON COLUMN public.slack_installations.bot_user_id IS 'Slack user id of the bot in the workspace.';
COMMENT ON COLUMN public.slack_installations.access_token_encrypted IS 'Bot access token as AES-256-GCM ciphertext (12-byte nonce, ciphertext, 16-byte tag); never selectable by client roles.';
COMMENT ON COLUMN public.slack_installations.token_key_version IS 'Version of the server-held key that encrypted the token.';
COMMENT ON COLUMN public.slack_installations.scope IS 'Granted OAuth scopes.';
COMMENT ON COLUMN public.slack_installations.authed_user_id IS 'Slack user id of the installer.';
COMMENT ON COLUMN public.slack_installations.is_active IS 'False once the user disconnects the bot.';
COMMENT ON COLUMN public.slack_installations.settings IS 'Reminder settings: morning_reminder, evening_summary, goal_reminders, reminder_time.';
COMMENT ON COLUMN public.slack_installations.installed_at IS 'When the bot was installed.';
COMMENT ON COLUMN public.slack_installations.disconnected_at IS 'When the bot was disconnected.';
COMMENT ON COLUMN public.slack_installations.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.slack_installations.updated_at IS 'Moment of the last update (maintained by trigger).';

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.slack_installations
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.slack_installations ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.slack_installations FROM PUBLIC, anon, authenticated;
GRANT SELECT (id, user_id, team_id, team_name, bot_user_id, token_key_version, scope, authed_user_id,
              is_active, settings, installed_at, disconnected_at, created_at, updated_at)
  ON public.slack_installations TO authenticated;
GRANT UPDATE (settings, is_active, disconnected_at) ON public.slack_installations TO authenticated;
GRANT DELETE ON public.slack_installations TO authenticated;
GRANT ALL ON public.slack_installations TO service_role;

CREATE POLICY slack_installations_select ON public.slack_installations
  FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));
CREATE POLICY slack_installations_update ON public.slack_installations
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid()))
  WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY slack_installations_delete ON public.slack_installations
  FOR DELETE TO authenticated
  USING (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- teams_installations (§6.5)
---------------------------------------------------------------------------------------------------
CREATE TABLE public.teams_installations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  tenant_id text NOT NULL,
  tenant_name text,
  service_url text NOT NULL,
  bot_id text,
  conversation_id text,
  access_token_encrypted bytea
    CONSTRAINT teams_installations_access_token_ciphertext CHECK (octet_length(access_token_encrypted) > 28),
  refresh_token_encrypted bytea
    CONSTRAINT teams_installations_refresh_token_ciphertext CHECK (octet_length(refresh_token_encrypted) > 28),
  token_key_version integer,
  token_expires_at timestamptz,
  is_active boolean NOT NULL DEFAULT true,
  settings jsonb NOT NULL
    DEFAULT '{"morning_reminder": true, "evening_summary": true, "goal_reminders": false, "reminder_time": "08:00"}',
  installed_at timestamptz NOT NULL DEFAULT now(),
  disconnected_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT teams_installations_token_key_version_check CHECK (
    token_key_version IS NOT NULL
    OR (access_token_encrypted IS NULL AND refresh_token_encrypted IS NULL)),
  CONSTRAINT teams_installations_user_id_tenant_id_key UNIQUE (user_id, tenant_id)
);
CREATE INDEX teams_installations_tenant_id_idx ON public.teams_installations (tenant_id);
CREATE INDEX teams_installations_active_user_idx ON public.teams_installations (user_id) WHERE is_active;

COMMENT ON TABLE public.teams_installations IS 'A user''s connection of the reminder bot to a Microsoft Teams tenant; tokens are stored only as ciphertext.';
COMMENT ON COLUMN public.teams_installations.id IS 'Primary key.';
COMMENT ON COLUMN public.teams_installations.user_id IS 'Owner: the user who installed the bot.';
COMMENT ON COLUMN public.teams_installations.tenant_id IS 'Microsoft tenant id.';
COMMENT ON COLUMN public.teams_installations.tenant_name IS 'Microsoft tenant name.';
COMMENT ON COLUMN public.teams_installations.service_url IS 'Bot Framework service URL.';
COMMENT ON COLUMN public.teams_installations.bot_id IS 'Bot id in the tenant.';
COMMENT ON COLUMN public.teams_installations.conversation_id IS 'Conversation used for proactive messages.';
COMMENT ON COLUMN public.teams_installations.access_token_encrypted IS 'Access token as AES-256-GCM ciphertext (12-byte nonce, ciphertext, 16-byte tag); never selectable by client roles.';
COMMENT ON COLUMN public.teams_installations.refresh_token_encrypted IS 'Refresh token as AES-256-GCM ciphertext (12-byte nonce, ciphertext, 16-byte tag); never selectable by client roles.';
COMMENT ON COLUMN public.teams_installations.token_key_version IS 'Version of the server-held key that encrypted the tokens; required when either token is present.';
COMMENT ON COLUMN public.teams_installations.token_expires_at IS 'When the access token expires.';
COMMENT ON COLUMN public.teams_installations.is_active IS 'False once the user disconnects the bot.';
COMMENT ON COLUMN public.teams_installations.settings IS 'Reminder settings: morning_reminder, evening_summary, goal_reminders, reminder_time.';
COMMENT ON COLUMN public.teams_installations.installed_at IS 'When the bot was installed.';
COMMENT ON COLUMN public.teams_installations.disconnected_at IS 'When the bot was disconnected.';
COMMENT ON COLUMN public.teams_installations.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.teams_installations.updated_at IS 'Moment of the last update (maintained by trigger).';

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.teams_installations
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.teams_installations ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.teams_installations FROM PUBLIC, anon, authenticated;
GRANT SELECT (id, user_id, tenant_id, tenant_name, service_url, bot_id, conversation_id,
              token_key_version, token_expires_at, is_active, settings, installed_at,
              disconnected_at, created_at, updated_at)
  ON public.teams_installations TO authenticated;
GRANT UPDATE (settings, is_active, disconnected_at) ON public.teams_installations TO authenticated;
GRANT DELETE ON public.teams_installations TO authenticated;
GRANT ALL ON public.teams_installations TO service_role;

CREATE POLICY teams_installations_select ON public.teams_installations
  FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));
CREATE POLICY teams_installations_update ON public.teams_installations
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid()))
  WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY teams_installations_delete ON public.teams_installations
  FOR DELETE TO authenticated
  USING (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- print_products (§7.1) — catalogue, before print_orders
---------------------------------------------------------------------------------------------------
CREATE TABLE public.print_products (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text,
  product_type text NOT NULL
    CONSTRAINT print_products_product_type_check CHECK (product_type IN
      ('workbook', 'pad', 'cards', 'poster', 'sticker', 'canvas', 'bundle')),
  prodigi_sku text NOT NULL,
  size text NOT NULL,
  base_price numeric(10,2) NOT NULL,
  shipping_estimate numeric(10,2),
  preview_image_url text,
  personalization_fields jsonb NOT NULL DEFAULT '[]',
  color_options jsonb NOT NULL DEFAULT '[]',
  requires_content boolean NOT NULL DEFAULT true,
  min_content_items integer NOT NULL DEFAULT 0,
  elite_exclusive boolean NOT NULL DEFAULT false,
  is_active boolean NOT NULL DEFAULT true,
  sort_order integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT print_products_prodigi_sku_key UNIQUE (prodigi_sku)
);
CREATE INDEX print_products_active_sort_idx ON public.print_products (is_active, sort_order);
CREATE INDEX print_products_product_type_idx ON public.print_products (product_type);

COMMENT ON TABLE public.print_products IS 'Catalogue of physical print products sold through the print shop.';
COMMENT ON COLUMN public.print_products.id IS 'Primary key.';
COMMENT ON COLUMN public.print_products.name IS 'Product name shown in the shop.';
COMMENT ON COLUMN public.print_products.description IS 'Marketing text.';
COMMENT ON COLUMN public.print_products.product_type IS 'workbook, pad, cards, poster, sticker, canvas or bundle.';
COMMENT ON COLUMN public.print_products.prodigi_sku IS 'Print vendor (Prodigi) SKU; unique natural key of the catalogue.';
COMMENT ON COLUMN public.print_products.size IS 'Human-readable size.';
COMMENT ON COLUMN public.print_products.base_price IS 'Price in USD before shipping and tax.';
COMMENT ON COLUMN public.print_products.shipping_estimate IS 'Estimated shipping cost in USD.';
COMMENT ON COLUMN public.print_products.preview_image_url IS 'URL of a preview image.';
COMMENT ON COLUMN public.print_products.personalization_fields IS 'JSON array of the names of fields the buyer fills in.';
COMMENT ON COLUMN public.print_products.color_options IS 'JSON array of available colour options.';
COMMENT ON COLUMN public.print_products.requires_content IS 'Whether the product needs the user''s content (vision boards, habits).';
COMMENT ON COLUMN public.print_products.min_content_items IS 'Minimum number of content items the user must have.';
COMMENT ON COLUMN public.print_products.elite_exclusive IS 'Whether only Elite subscribers may order it.';
COMMENT ON COLUMN public.print_products.is_active IS 'Whether the product is currently sold.';
COMMENT ON COLUMN public.print_products.sort_order IS 'Position in the shop listing.';
COMMENT ON COLUMN public.print_products.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.print_products.updated_at IS 'Moment of the last update (maintained by trigger).';

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.print_products
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.print_products ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.print_products FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.print_products TO anon, authenticated;
GRANT ALL ON public.print_products TO service_role;

CREATE POLICY print_products_select ON public.print_products
  FOR SELECT TO anon, authenticated
  USING (true);

-- Seed: the 10 catalogue products (idempotent on prodigi_sku).
INSERT INTO public.print_products
  (sort_order, name, description, product_type, prodigi_sku, size, base_price, shipping_estimate,
   personalization_fields, min_content_items, requires_content, elite_exclusive, color_options, is_active)
SELECT s.sort_order, s.name, s.description, s.product_type, s.prodigi_sku, s.size, s.base_price,
       s.shipping_estimate, s.personalization_fields::jsonb, s.min_content_items, true, false, '[]'::jsonb, true
FROM (VALUES
  (1, 'Daily Focus Pad', 'A tear-off pad that puts your vision and today''s three priorities on your desk every morning.',
   'pad', 'GLOBAL-PAD-A5-50', 'A5 (5.8"x8.3")', 14.99, 4.99, '["title", "tagline"]', 1),
  (2, 'Habit Cue Cards', 'Pocket cards printed with your habits, to keep your daily cues in sight wherever you go.',
   'cards', 'GLOBAL-CRD-3x5-25', '3"x5" (25 cards)', 9.99, 2.99, '[]', 3),
  (3, 'Vision Poster 18x24', 'Your vision board printed on museum-grade fine-art paper, ready to frame.',
   'poster', 'GLOBAL-FAP-18x24', '18"x24"', 24.99, 6.99, '["title"]', 1),
  (4, 'Vision Poster 24x36', 'A large-format fine-art print of your vision board for the wall you see every day.',
   'poster', 'GLOBAL-FAP-24x36', '24"x36"', 39.99, 9.99, '["title"]', 1),
  (5, 'Achievement Stickers', 'A sheet of stickers to celebrate the streaks and milestones you reach.',
   'sticker', 'GLOBAL-STK-A4', 'A4 Sheet', 9.99, 2.99, '[]', 0),
  (6, 'Vision Canvas 16x20', 'Your vision board printed on gallery-wrapped canvas, ready to hang.',
   'canvas', 'GLOBAL-CAN-16x20', '16"x20"', 49.99, 9.99, '["title"]', 1),
  (7, 'Vision Canvas 24x36', 'A statement-size gallery-wrapped canvas of your vision board.',
   'canvas', 'GLOBAL-CAN-24x36', '24"x36"', 89.99, 14.99, '["title"]', 1),
  (8, 'Quarterly Review Kit', 'A bundle of printed tools to review the past quarter and plan the next one.',
   'bundle', 'BUNDLE-QTR-KIT', 'Mixed', 34.99, 6.99, '["quarter", "year"]', 5),
  (9, 'Goal Milestone Cards', 'Large cards to mark and share the milestones on the way to your goals.',
   'cards', 'GLOBAL-CRD-5x7-10', '5"x7" (10 cards)', 14.99, 3.99, '["message"]', 0),
  (10, 'Weekly Reflection Pad', 'A weekly planning and reflection pad with a page for every week of the year.',
   'pad', 'GLOBAL-PAD-A4-52', 'A4 (8.3"x11.7")', 19.99, 5.99, '["title", "year"]', 0)
) AS s (sort_order, name, description, product_type, prodigi_sku, size, base_price, shipping_estimate,
        personalization_fields, min_content_items)
ON CONFLICT (prodigi_sku) DO NOTHING;

---------------------------------------------------------------------------------------------------
-- print_orders (§6.6)
---------------------------------------------------------------------------------------------------
CREATE TABLE public.print_orders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  product_id uuid NOT NULL REFERENCES public.print_products (id),
  prodigi_order_id text,
  status text NOT NULL DEFAULT 'pending'
    CONSTRAINT print_orders_status_check CHECK (status IN
      ('pending', 'paid', 'processing', 'submitted', 'production', 'shipped', 'delivered', 'cancelled', 'failed')),
  quantity integer NOT NULL DEFAULT 1 CONSTRAINT print_orders_quantity_check CHECK (quantity >= 1),
  customization jsonb NOT NULL DEFAULT '{}',
  content_snapshot jsonb,
  shipping_address jsonb NOT NULL,
  shipping_method text NOT NULL DEFAULT 'standard',
  subtotal numeric(10,2) NOT NULL,
  shipping numeric(10,2) NOT NULL,
  tax numeric(10,2) NOT NULL DEFAULT 0,
  discount numeric(10,2) NOT NULL DEFAULT 0,
  total numeric(10,2) NOT NULL,
  currency text NOT NULL DEFAULT 'USD',
  tracking_number text,
  tracking_url text,
  carrier text,
  estimated_delivery date,
  stripe_payment_intent_id text,
  stripe_charge_id text,
  paid_at timestamptz,
  submitted_at timestamptz,
  shipped_at timestamptz,
  delivered_at timestamptz,
  cancelled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX print_orders_user_id_idx ON public.print_orders (user_id);
CREATE INDEX print_orders_status_idx ON public.print_orders (status);
CREATE INDEX print_orders_created_at_idx ON public.print_orders (created_at DESC);
CREATE INDEX print_orders_product_id_idx ON public.print_orders (product_id);
CREATE INDEX print_orders_prodigi_order_id_idx ON public.print_orders (prodigi_order_id)
  WHERE prodigi_order_id IS NOT NULL;

COMMENT ON TABLE public.print_orders IS 'Orders for catalogue print products (pads, cards, posters, stickers, canvases, bundles).';
COMMENT ON COLUMN public.print_orders.id IS 'Primary key.';
COMMENT ON COLUMN public.print_orders.user_id IS 'Owner: the user who placed the order.';
COMMENT ON COLUMN public.print_orders.product_id IS 'The catalogue product ordered.';
COMMENT ON COLUMN public.print_orders.prodigi_order_id IS 'The print vendor''s (Prodigi) order id.';
COMMENT ON COLUMN public.print_orders.status IS 'Order state: pending, paid, processing, submitted, production, shipped, delivered, cancelled or failed; transitions enforced by trigger.';
COMMENT ON COLUMN public.print_orders.quantity IS 'Number of copies (at least 1).';
COMMENT ON COLUMN public.print_orders.customization IS 'Values for the product''s personalization fields.';
COMMENT ON COLUMN public.print_orders.content_snapshot IS 'The vision board / habits as they were when ordered.';
COMMENT ON COLUMN public.print_orders.shipping_address IS 'Shipping address {name, line1, line2?, city, state, postalCode, country}.';
COMMENT ON COLUMN public.print_orders.shipping_method IS 'Shipping method (standard by default).';
COMMENT ON COLUMN public.print_orders.subtotal IS 'Price of the products before shipping, tax and discount.';
COMMENT ON COLUMN public.print_orders.shipping IS 'Shipping cost.';
COMMENT ON COLUMN public.print_orders.tax IS 'Tax amount.';
COMMENT ON COLUMN public.print_orders.discount IS 'Discount amount.';
COMMENT ON COLUMN public.print_orders.total IS 'Amount charged; re-validated by the server against the catalogue before payment.';
COMMENT ON COLUMN public.print_orders.currency IS 'ISO currency code of the amounts.';
COMMENT ON COLUMN public.print_orders.tracking_number IS 'Carrier tracking number.';
COMMENT ON COLUMN public.print_orders.tracking_url IS 'Carrier tracking URL.';
COMMENT ON COLUMN public.print_orders.carrier IS 'Shipping carrier.';
COMMENT ON COLUMN public.print_orders.estimated_delivery IS 'Estimated delivery day.';
COMMENT ON COLUMN public.print_orders.stripe_payment_intent_id IS 'Stripe payment intent of the order.';
COMMENT ON COLUMN public.print_orders.stripe_charge_id IS 'Stripe charge of the order.';
COMMENT ON COLUMN public.print_orders.paid_at IS 'Stamped on entering paid.';
COMMENT ON COLUMN public.print_orders.submitted_at IS 'Stamped on entering submitted.';
COMMENT ON COLUMN public.print_orders.shipped_at IS 'Stamped on entering shipped.';
COMMENT ON COLUMN public.print_orders.delivered_at IS 'Stamped on entering delivered.';
COMMENT ON COLUMN public.print_orders.cancelled_at IS 'Stamped on entering cancelled.';
COMMENT ON COLUMN public.print_orders.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.print_orders.updated_at IS 'Moment of the last update (maintained by trigger).';

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.print_orders
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER enforce_order_status BEFORE UPDATE OF status ON public.print_orders
  FOR EACH ROW EXECUTE FUNCTION public.enforce_order_status();

ALTER TABLE public.print_orders ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.print_orders FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.print_orders TO authenticated;
GRANT INSERT (id, user_id, product_id, quantity, customization, content_snapshot, shipping_address,
              shipping_method, subtotal, shipping, tax, discount, total, currency)
  ON public.print_orders TO authenticated;
GRANT UPDATE (status) ON public.print_orders TO authenticated;
GRANT ALL ON public.print_orders TO service_role;

CREATE POLICY print_orders_select ON public.print_orders
  FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));
CREATE POLICY print_orders_insert ON public.print_orders
  FOR INSERT TO authenticated
  WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY print_orders_update ON public.print_orders
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid()))
  WITH CHECK (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- teams (§6.7) and team_members (§6.8)
---------------------------------------------------------------------------------------------------
CREATE TABLE public.teams (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  slug text CONSTRAINT teams_slug_key UNIQUE,
  owner_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id),
  logo_url text,
  settings jsonb NOT NULL DEFAULT '{}',
  subscription_tier text NOT NULL DEFAULT 'team'
    CONSTRAINT teams_subscription_tier_check CHECK (subscription_tier IN ('team', 'enterprise')),
  max_members integer NOT NULL DEFAULT 10 CONSTRAINT teams_max_members_check CHECK (max_members > 0),
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX teams_owner_id_idx ON public.teams (owner_id);

COMMENT ON TABLE public.teams IS 'An enterprise team that shares accountability and leaderboards.';
COMMENT ON COLUMN public.teams.id IS 'Primary key.';
COMMENT ON COLUMN public.teams.name IS 'Team name.';
COMMENT ON COLUMN public.teams.slug IS 'Unique URL-friendly name of the team.';
COMMENT ON COLUMN public.teams.owner_id IS 'The owning user (defaults to the creator); when the owner''s account is deleted the team passes to its longest-standing active admin, else member, or is deleted.';
COMMENT ON COLUMN public.teams.logo_url IS 'URL of the team logo.';
COMMENT ON COLUMN public.teams.settings IS 'Team settings.';
COMMENT ON COLUMN public.teams.subscription_tier IS 'team or enterprise; server-managed.';
COMMENT ON COLUMN public.teams.max_members IS 'Maximum number of active members; server-managed, enforced on membership.';
COMMENT ON COLUMN public.teams.is_active IS 'Whether the team is active (leaderboards are refreshed for active teams only).';
COMMENT ON COLUMN public.teams.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.teams.updated_at IS 'Moment of the last update (maintained by trigger).';

CREATE TABLE public.team_members (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  team_id uuid NOT NULL REFERENCES public.teams (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  role text NOT NULL DEFAULT 'member'
    CONSTRAINT team_members_role_check CHECK (role IN ('owner', 'admin', 'manager', 'member')),
  joined_at timestamptz NOT NULL DEFAULT now(),
  invited_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT team_members_team_id_user_id_key UNIQUE (team_id, user_id)
);
CREATE INDEX team_members_user_id_idx ON public.team_members (user_id);

COMMENT ON TABLE public.team_members IS 'Membership of a user in a team, with role.';
COMMENT ON COLUMN public.team_members.id IS 'Primary key.';
COMMENT ON COLUMN public.team_members.team_id IS 'The team.';
COMMENT ON COLUMN public.team_members.user_id IS 'The member.';
COMMENT ON COLUMN public.team_members.role IS 'owner (only the team''s owner_id), admin, manager or member.';
COMMENT ON COLUMN public.team_members.joined_at IS 'When the user joined the team; seniority for ownership hand-over.';
COMMENT ON COLUMN public.team_members.invited_by IS 'The user who added this member.';
COMMENT ON COLUMN public.team_members.is_active IS 'False for a deactivated membership (does not count towards max_members).';
COMMENT ON COLUMN public.team_members.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.team_members.updated_at IS 'Moment of the last update (maintained by trigger).';

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.teams
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.team_members
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- Membership helpers for policies: they read team_members with owner rights, so no policy ever
-- queries team_members from inside team_members' own policies.
CREATE FUNCTION public.is_team_member(p_team_id uuid) RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.team_members m
    WHERE m.team_id = p_team_id AND m.user_id = auth.uid() AND m.is_active
  )
$$;
REVOKE EXECUTE ON FUNCTION public.is_team_member(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.is_team_member(uuid) TO authenticated, service_role;
COMMENT ON FUNCTION public.is_team_member(uuid) IS 'True when the caller has an active membership in the team.';

CREATE FUNCTION public.team_role(p_team_id uuid) RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT m.role FROM public.team_members m
  WHERE m.team_id = p_team_id AND m.user_id = auth.uid() AND m.is_active
$$;
REVOKE EXECUTE ON FUNCTION public.team_role(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.team_role(uuid) TO authenticated, service_role;
COMMENT ON FUNCTION public.team_role(uuid) IS 'The caller''s role in the team (owner, admin, manager, member); NULL without an active membership.';

-- Locks the team row (so that concurrent joins are serialised) and reports what the membership
-- guard needs. Owner rights: the guard runs as the caller, who may not see the team's members.
CREATE FUNCTION internal.lock_team_for_membership(p_team_id uuid,
  OUT owner_id uuid, OUT max_members integer, OUT active_members integer)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  SELECT t.owner_id, t.max_members INTO owner_id, max_members
  FROM public.teams t
  WHERE t.id = p_team_id
  FOR UPDATE;
  -- Counted after the lock is held (a new snapshot in READ COMMITTED), so a concurrent join
  -- that committed while we waited is seen.
  SELECT count(*)::integer INTO active_members
  FROM public.team_members m
  WHERE m.team_id = p_team_id AND m.is_active;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.lock_team_for_membership(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.lock_team_for_membership(uuid) TO authenticated, service_role;
COMMENT ON FUNCTION internal.lock_team_for_membership(uuid) IS 'For the team_members guard: locks the team row FOR UPDATE, then returns its owner, member limit and active member count.';

-- Guard on team_members (SECURITY INVOKER, to tell end users from privileged callers).
CREATE FUNCTION internal.team_member_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_privileged boolean := internal.is_privileged_caller();
  v_team record;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF NOT v_privileged THEN
      SELECT * INTO v_team FROM internal.lock_team_for_membership(OLD.team_id);
      IF OLD.user_id = v_team.owner_id THEN
        RAISE EXCEPTION 'the team owner''s membership cannot be removed'
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'Delete the team, or have ownership transferred first.';
      END IF;
    END IF;
    RETURN OLD;
  END IF;

  IF TG_OP = 'UPDATE'
     AND (NEW.team_id IS DISTINCT FROM OLD.team_id OR NEW.user_id IS DISTINCT FROM OLD.user_id) THEN
    RAISE EXCEPTION 'a membership cannot be moved to another team or user; remove it and add a new one'
      USING ERRCODE = 'check_violation';
  END IF;

  -- Refuse end users without admin rights before taking any lock (RLS would refuse them too).
  IF NOT v_privileged AND public.team_role(NEW.team_id) IS DISTINCT FROM 'owner'
     AND public.team_role(NEW.team_id) IS DISTINCT FROM 'admin' THEN
    RAISE EXCEPTION 'only the team''s owner or admins may manage its members'
      USING ERRCODE = 'insufficient_privilege';
  END IF;

  SELECT * INTO v_team FROM internal.lock_team_for_membership(NEW.team_id);
  IF v_team.owner_id IS NULL THEN
    RAISE EXCEPTION 'no team has id %', NEW.team_id USING ERRCODE = 'no_data_found';
  END IF;

  IF NEW.role = 'owner' AND NEW.user_id <> v_team.owner_id THEN
    RAISE EXCEPTION 'only the team''s owner can have the role owner' USING ERRCODE = 'check_violation';
  END IF;

  IF TG_OP = 'UPDATE' AND NOT v_privileged AND OLD.user_id = v_team.owner_id
     AND (NEW.role IS DISTINCT FROM 'owner' OR NOT NEW.is_active) THEN
    RAISE EXCEPTION 'the team owner''s membership cannot be demoted or deactivated'
      USING ERRCODE = 'insufficient_privilege';
  END IF;

  IF NEW.is_active AND (TG_OP = 'INSERT' OR NOT OLD.is_active)
     AND v_team.active_members >= v_team.max_members THEN
    RAISE EXCEPTION 'the team is full (% active members of at most %)',
      v_team.active_members, v_team.max_members
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.team_member_guard() FROM PUBLIC;
COMMENT ON FUNCTION internal.team_member_guard() IS 'Trigger: role owner only for teams.owner_id; the owner''s row is not demoted, deactivated or removed by end users; max_members enforced with the team row locked.';

CREATE TRIGGER team_member_guard BEFORE INSERT OR UPDATE OR DELETE ON public.team_members
  FOR EACH ROW EXECUTE FUNCTION internal.team_member_guard();

-- After a team is created its owner is a member with role owner.
CREATE FUNCTION internal.team_add_owner() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  INSERT INTO public.team_members (team_id, user_id, role, invited_by)
  VALUES (NEW.id, NEW.owner_id, 'owner', NULL);
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.team_add_owner() FROM PUBLIC;
COMMENT ON FUNCTION internal.team_add_owner() IS 'Trigger: makes the owner of a new team its member with role owner.';

CREATE TRIGGER team_add_owner AFTER INSERT ON public.teams
  FOR EACH ROW EXECUTE FUNCTION internal.team_add_owner();

-- When owner_id changes (server only), the memberships follow: the previous owner becomes an
-- admin and the new owner's membership gets role owner (created when missing).
CREATE FUNCTION internal.team_owner_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  UPDATE public.team_members
  SET role = 'admin'
  WHERE team_id = NEW.id AND user_id = OLD.owner_id AND role = 'owner';
  UPDATE public.team_members
  SET role = 'owner', is_active = true
  WHERE team_id = NEW.id AND user_id = NEW.owner_id;
  IF NOT FOUND THEN
    INSERT INTO public.team_members (team_id, user_id, role)
    VALUES (NEW.id, NEW.owner_id, 'owner');
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.team_owner_changed() FROM PUBLIC;
COMMENT ON FUNCTION internal.team_owner_changed() IS 'Trigger: after a change of teams.owner_id, demotes the previous owner''s membership to admin and gives the new owner role owner.';

CREATE TRIGGER team_owner_changed AFTER UPDATE OF owner_id ON public.teams
  FOR EACH ROW WHEN (NEW.owner_id IS DISTINCT FROM OLD.owner_id)
  EXECUTE FUNCTION internal.team_owner_changed();

-- Deleting an account never fails on teams it owns: each passes to its longest-standing active
-- admin, else its longest-standing active member; a team with no other active member is deleted.
CREATE FUNCTION internal.hand_over_owned_teams() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_team_id uuid;
  v_heir uuid;
BEGIN
  FOR v_team_id IN
    SELECT t.id FROM public.teams t WHERE t.owner_id = OLD.id ORDER BY t.id FOR UPDATE
  LOOP
    SELECT m.user_id INTO v_heir
    FROM public.team_members m
    WHERE m.team_id = v_team_id AND m.user_id <> OLD.id AND m.is_active
    ORDER BY (m.role = 'admin') DESC, m.joined_at, m.created_at, m.user_id
    LIMIT 1;
    IF v_heir IS NULL THEN
      DELETE FROM public.teams WHERE id = v_team_id;
    ELSE
      UPDATE public.teams SET owner_id = v_heir WHERE id = v_team_id;
    END IF;
  END LOOP;
  RETURN OLD;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.hand_over_owned_teams() FROM PUBLIC;
COMMENT ON FUNCTION internal.hand_over_owned_teams() IS 'Trigger (BEFORE DELETE on auth.users): hands each team the user owns to its longest-standing active admin, else member, or deletes it when no other active member remains.';

CREATE TRIGGER hand_over_owned_teams BEFORE DELETE ON auth.users
  FOR EACH ROW EXECUTE FUNCTION internal.hand_over_owned_teams();

ALTER TABLE public.teams ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.teams FROM PUBLIC, anon, authenticated;
GRANT SELECT, DELETE ON public.teams TO authenticated;
GRANT INSERT (id, name, slug, owner_id, logo_url, settings, is_active, created_at, updated_at)
  ON public.teams TO authenticated;
GRANT UPDATE (name, slug, logo_url, settings, is_active) ON public.teams TO authenticated;
GRANT ALL ON public.teams TO service_role;

CREATE POLICY teams_select ON public.teams
  FOR SELECT TO authenticated
  USING (owner_id = (select auth.uid()) OR public.is_team_member(id));
CREATE POLICY teams_insert ON public.teams
  FOR INSERT TO authenticated
  WITH CHECK (owner_id = (select auth.uid()));
CREATE POLICY teams_update ON public.teams
  FOR UPDATE TO authenticated
  USING (owner_id = (select auth.uid()) OR public.team_role(id) IN ('owner', 'admin'))
  WITH CHECK (owner_id = (select auth.uid()) OR public.team_role(id) IN ('owner', 'admin'));
CREATE POLICY teams_delete ON public.teams
  FOR DELETE TO authenticated
  USING (owner_id = (select auth.uid()) OR public.team_role(id) IN ('owner', 'admin'));

ALTER TABLE public.team_members ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.team_members FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.team_members TO authenticated;
GRANT ALL ON public.team_members TO service_role;

CREATE POLICY team_members_select ON public.team_members
  FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()) OR public.is_team_member(team_id));
CREATE POLICY team_members_insert ON public.team_members
  FOR INSERT TO authenticated
  WITH CHECK (public.team_role(team_id) IN ('owner', 'admin'));
CREATE POLICY team_members_update ON public.team_members
  FOR UPDATE TO authenticated
  USING (public.team_role(team_id) IN ('owner', 'admin'))
  WITH CHECK (public.team_role(team_id) IN ('owner', 'admin'));
CREATE POLICY team_members_delete ON public.team_members
  FOR DELETE TO authenticated
  USING (public.team_role(team_id) IN ('owner', 'admin')
         OR (user_id = (select auth.uid()) AND role <> 'owner'));

---------------------------------------------------------------------------------------------------
-- team_leaderboards (§6.9)
---------------------------------------------------------------------------------------------------
CREATE TABLE public.team_leaderboards (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  team_id uuid NOT NULL REFERENCES public.teams (id) ON DELETE CASCADE,
  period_type text NOT NULL
    CONSTRAINT team_leaderboards_period_type_check CHECK (period_type IN ('daily', 'weekly', 'monthly')),
  period_start date NOT NULL,
  period_end date NOT NULL,
  rankings jsonb NOT NULL DEFAULT '[]',
  generated_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT team_leaderboards_period_check CHECK (period_end >= period_start),
  CONSTRAINT team_leaderboards_team_id_period_type_period_start_key UNIQUE (team_id, period_type, period_start)
);

COMMENT ON TABLE public.team_leaderboards IS 'Snapshot of a team''s ranking for one day, week or month; written only by the leaderboard functions.';
COMMENT ON COLUMN public.team_leaderboards.id IS 'Primary key.';
COMMENT ON COLUMN public.team_leaderboards.team_id IS 'The team ranked.';
COMMENT ON COLUMN public.team_leaderboards.period_type IS 'daily, weekly or monthly.';
COMMENT ON COLUMN public.team_leaderboards.period_start IS 'First day of the period (UTC).';
COMMENT ON COLUMN public.team_leaderboards.period_end IS 'Last day of the period (UTC).';
COMMENT ON COLUMN public.team_leaderboards.rankings IS 'JSON array in rank order of {user_id, rank, completions, streak}.';
COMMENT ON COLUMN public.team_leaderboards.generated_at IS 'When the snapshot was last computed.';
COMMENT ON COLUMN public.team_leaderboards.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.team_leaderboards.updated_at IS 'Moment of the last update (maintained by trigger).';

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.team_leaderboards
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.team_leaderboards ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.team_leaderboards FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.team_leaderboards TO authenticated;
GRANT ALL ON public.team_leaderboards TO service_role;

CREATE POLICY team_leaderboards_select ON public.team_leaderboards
  FOR SELECT TO authenticated
  USING (public.is_team_member(team_id));

-- plpgsql: habits and habit_completions (migration 0004) are resolved when it runs.
CREATE FUNCTION public.calculate_team_leaderboard(p_team_id uuid, p_period_type text DEFAULT 'weekly')
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_today date := (now() AT TIME ZONE 'UTC')::date;
  v_start date;
  v_end date;
  v_rankings jsonb;
BEGIN
  CASE p_period_type
    WHEN 'daily' THEN
      v_start := v_today;
      v_end := v_today;
    WHEN 'weekly' THEN
      v_start := date_trunc('week', v_today::timestamp)::date;
      v_end := v_start + 6;
    WHEN 'monthly' THEN
      v_start := date_trunc('month', v_today::timestamp)::date;
      v_end := (date_trunc('month', v_today::timestamp) + interval '1 month')::date - 1;
    ELSE
      RAISE EXCEPTION 'unknown period type % (expected daily, weekly or monthly)', p_period_type
        USING ERRCODE = 'invalid_parameter_value';
  END CASE;

  IF NOT EXISTS (SELECT 1 FROM public.teams t WHERE t.id = p_team_id) THEN
    RAISE EXCEPTION 'no team has id %', p_team_id USING ERRCODE = 'no_data_found';
  END IF;

  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'user_id', r.user_id, 'rank', r.rank, 'completions', r.completions, 'streak', r.streak)
           ORDER BY r.rank), '[]'::jsonb)
  INTO v_rankings
  FROM (
    SELECT s.user_id, s.completions, s.streak,
           row_number() OVER (ORDER BY s.completions DESC, s.streak DESC, s.user_id) AS rank
    FROM (
      SELECT m.user_id,
             (SELECT count(*)
              FROM public.habits h
              JOIN public.habit_completions c ON c.habit_id = h.id
              WHERE h.user_id = m.user_id AND h.is_active
                AND c.completed_on BETWEEN v_start AND v_end)::integer AS completions,
             (SELECT coalesce(max(h.current_streak), 0)
              FROM public.habits h
              WHERE h.user_id = m.user_id AND h.is_active)::integer AS streak
      FROM public.team_members m
      WHERE m.team_id = p_team_id AND m.is_active
    ) s
  ) r;

  INSERT INTO public.team_leaderboards (team_id, period_type, period_start, period_end, rankings, generated_at)
  VALUES (p_team_id, p_period_type, v_start, v_end, v_rankings, now())
  ON CONFLICT (team_id, period_type, period_start) DO UPDATE
    SET rankings = EXCLUDED.rankings,
        period_end = EXCLUDED.period_end,
        generated_at = EXCLUDED.generated_at;

  RETURN v_rankings;
END
$$;
REVOKE EXECUTE ON FUNCTION public.calculate_team_leaderboard(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.calculate_team_leaderboard(uuid, text) TO service_role;
COMMENT ON FUNCTION public.calculate_team_leaderboard(uuid, text) IS 'Computes the team''s ranking for the current UTC day, ISO week or month (completions of active habits in the period, then best current streak), stores the snapshot and returns the rankings.';

CREATE FUNCTION public.refresh_team_leaderboards() RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_team_id uuid;
  v_period text;
  v_count integer := 0;
BEGIN
  FOR v_team_id IN SELECT t.id FROM public.teams t WHERE t.is_active ORDER BY t.id LOOP
    FOREACH v_period IN ARRAY ARRAY['daily', 'weekly', 'monthly'] LOOP
      PERFORM public.calculate_team_leaderboard(v_team_id, v_period);
      v_count := v_count + 1;
    END LOOP;
  END LOOP;
  RETURN v_count;
END
$$;
REVOKE EXECUTE ON FUNCTION public.refresh_team_leaderboards() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.refresh_team_leaderboards() TO service_role;
COMMENT ON FUNCTION public.refresh_team_leaderboards() IS 'Background job: computes the daily, weekly and monthly leaderboard of every active team; returns the number of snapshots written.';
