-- Slack and Microsoft Teams links as the server makes them after an OAuth sign-in, and the
-- record of signed messages already acted on.
--
-- A chat user acts on exactly one Visionary account: the one that installed the link. So an
-- active Slack link is unique per (workspace, Slack user), and an active Teams link per Azure AD
-- user; the server refuses to link a chat user another account holds (that account must
-- disconnect first). Links are ended by the server only (it revokes or drops their tokens), so
-- clients may change a link's settings but not switch it on or off. The Teams user is known from the
-- sign-in; the conversation and Bot Framework service URL only once the bot hears from that user,
-- so service_url may be empty until then.

-- Links of the original app that named the same Slack user more than once: the newest stays active.
UPDATE public.slack_installations s SET is_active = false, disconnected_at = coalesce(s.disconnected_at, now())
 WHERE s.is_active AND EXISTS (
   SELECT 1 FROM public.slack_installations n
    WHERE n.team_id = s.team_id AND n.authed_user_id = s.authed_user_id AND n.is_active
      AND (n.installed_at, n.id) > (s.installed_at, s.id));
CREATE UNIQUE INDEX slack_installations_active_chat_user_key
  ON public.slack_installations (team_id, authed_user_id) WHERE is_active;

ALTER TABLE public.teams_installations
  ADD COLUMN teams_user_id text,
  ADD COLUMN teams_user_email text,
  ADD COLUMN teams_display_name text,
  ALTER COLUMN service_url DROP NOT NULL;
COMMENT ON COLUMN public.teams_installations.teams_user_id IS 'Azure AD object id of the Teams user who signed in (the `from.aadObjectId` of their messages).';
COMMENT ON COLUMN public.teams_installations.teams_user_email IS 'Mail (or user principal name) of the Teams user, from Microsoft Graph.';
COMMENT ON COLUMN public.teams_installations.teams_display_name IS 'Display name of the Teams user, from Microsoft Graph.';
COMMENT ON COLUMN public.teams_installations.service_url IS 'Bot Framework service URL of the conversation; known once the bot has heard from the user.';
CREATE UNIQUE INDEX teams_installations_active_chat_user_key
  ON public.teams_installations (teams_user_id) WHERE is_active;
GRANT SELECT (teams_user_id, teams_user_email, teams_display_name) ON public.teams_installations TO authenticated;

REVOKE UPDATE (is_active, disconnected_at) ON public.slack_installations FROM authenticated;
REVOKE UPDATE (is_active, disconnected_at) ON public.teams_installations FROM authenticated;

-- Signed requests (Slack's signatures, the OAuth states the server hands out) seen once: a
-- second sighting within the keep period is a replay. Rows older than the period go on the way.
CREATE TABLE internal.sightings (
  source text NOT NULL,
  key text NOT NULL CHECK (octet_length(key) <= 200),
  seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, key)
);
COMMENT ON TABLE internal.sightings IS 'Signed requests and single-use values already acted on, per source, kept for the period their signature is valid.';
CREATE INDEX sightings_seen_at_idx ON internal.sightings (source, seen_at);

-- True the first time (source, key) is seen within p_keep; false for a replay.
CREATE FUNCTION internal.first_sighting(p_source text, p_key text, p_keep interval) RETURNS boolean
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_new boolean;
BEGIN
  DELETE FROM internal.sightings WHERE source = p_source AND seen_at < now() - p_keep;
  INSERT INTO internal.sightings (source, key) VALUES (p_source, p_key)
  ON CONFLICT (source, key) DO NOTHING
  RETURNING true INTO v_new;
  RETURN coalesce(v_new, false);
END
$$;
REVOKE EXECUTE ON FUNCTION internal.first_sighting(text, text, interval) FROM PUBLIC;
COMMENT ON FUNCTION internal.first_sighting(text, text, interval) IS 'Records a signed request or single-use value; true the first time within the keep period, false for a replay.';
