-- Auth API storage: identities, session details, the mail outbox, shared rate-limit counters,
-- and the user representation every Auth endpoint returns (built here, as JSON).

CREATE TABLE auth.identities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  provider text NOT NULL,
  provider_id text NOT NULL,
  identity_data jsonb NOT NULL DEFAULT '{}',
  last_sign_in_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, provider_id)
);
CREATE INDEX identities_user_id_idx ON auth.identities (user_id);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON auth.identities
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
COMMENT ON TABLE auth.identities IS 'How a user signs in: one row per provider (email for password users).';

ALTER TABLE auth.sessions ADD COLUMN amr jsonb NOT NULL DEFAULT '[]';
COMMENT ON COLUMN auth.sessions.amr IS 'Authentication methods of the session: [{method, timestamp}].';

-- Mail the server wants sent (recovery links, confirmations); a worker or relay delivers it.
CREATE TABLE auth.mail_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  recipient text NOT NULL,
  template text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  sent_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_outbox_unsent_idx ON auth.mail_outbox (created_at) WHERE sent_at IS NULL;
CREATE TRIGGER set_updated_at BEFORE UPDATE ON auth.mail_outbox
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
COMMENT ON TABLE auth.mail_outbox IS 'Mail queued by the Auth API (recovery, confirmation), sent by a worker or relay.';

-- Fixed-window request counters shared by every server process.
CREATE TABLE auth.rate_limits (
  bucket text NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket, window_start)
);
COMMENT ON TABLE auth.rate_limits IS 'Request counts per rate-limit key and window, shared by all server processes.';

-- Counts one hit for the bucket in the current window and returns the window's total; old
-- windows of the bucket are dropped on the way.
CREATE FUNCTION auth.hit_rate_limit(p_bucket text, p_window_seconds integer) RETURNS integer
LANGUAGE sql
AS $$
  WITH cleared AS (
    DELETE FROM auth.rate_limits
    WHERE bucket = p_bucket AND window_start < now() - make_interval(secs => p_window_seconds)
  )
  INSERT INTO auth.rate_limits AS r (bucket, window_start, hits)
  VALUES (p_bucket, to_timestamp(floor(extract(epoch FROM now()) / p_window_seconds) * p_window_seconds), 1)
  ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + 1
  RETURNING hits
$$;
REVOKE EXECUTE ON FUNCTION auth.hit_rate_limit(text, integer) FROM PUBLIC;
COMMENT ON FUNCTION auth.hit_rate_limit(text, integer) IS 'Counts a request against a rate-limit bucket; returns the hits in the current window.';

-- The user as the Auth API returns it (GoTrue's shape).
CREATE FUNCTION auth.user_json(u auth.users) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT jsonb_build_object(
    'id', u.id,
    'aud', u.aud,
    'role', u.role,
    'email', coalesce(u.email, ''),
    'phone', coalesce(u.phone, ''),
    'email_confirmed_at', u.email_confirmed_at,
    'confirmed_at', u.email_confirmed_at,
    'confirmation_sent_at', u.confirmation_sent_at,
    'recovery_sent_at', u.recovery_sent_at,
    'email_change_sent_at', u.email_change_sent_at,
    'last_sign_in_at', u.last_sign_in_at,
    'app_metadata', u.raw_app_meta_data,
    'user_metadata', u.raw_user_meta_data,
    'identities', coalesce((
      SELECT jsonb_agg(jsonb_build_object(
        'identity_id', i.id,
        'id', i.provider_id,
        'user_id', i.user_id,
        'identity_data', i.identity_data,
        'provider', i.provider,
        'last_sign_in_at', i.last_sign_in_at,
        'created_at', i.created_at,
        'updated_at', i.updated_at,
        'email', i.identity_data ->> 'email') ORDER BY i.created_at)
      FROM auth.identities i WHERE i.user_id = u.id), '[]'),
    'factors', '[]'::jsonb,
    'created_at', u.created_at,
    'updated_at', u.updated_at,
    'is_anonymous', u.is_anonymous,
    'banned_until', u.banned_until
  ) || CASE WHEN u.email_change IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('new_email', u.email_change) END
$$;
REVOKE EXECUTE ON FUNCTION auth.user_json(auth.users) FROM PUBLIC;
COMMENT ON FUNCTION auth.user_json(auth.users) IS 'The user object of the Auth API, identities included.';

-- Metadata update as the Auth API applies it: keys of the patch replace the old ones, and a
-- key whose new value is null is removed.
CREATE FUNCTION auth.merge_metadata(p_current jsonb, p_patch jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT CASE WHEN p_patch IS NULL THEN p_current ELSE (
    SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}')
    FROM jsonb_each(coalesce(p_current, '{}') || p_patch) AS e
    WHERE e.value <> 'null'::jsonb) END
$$;
REVOKE EXECUTE ON FUNCTION auth.merge_metadata(jsonb, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION auth.merge_metadata(jsonb, jsonb) IS 'Merges a metadata patch key by key; null values delete keys.';
