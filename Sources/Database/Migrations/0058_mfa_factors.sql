-- Multi-factor authentication: TOTP factors.
--
-- A factor is enrolled unverified and becomes verified with its first correct code; its secret is
-- never stored: the server derives it from the project secret and the factor's id. A challenge
-- lives five minutes and takes five wrong codes; a code's time step is used once per factor (a
-- replayed code is refused). A verified code raises the session to aal2 (`auth.sessions.aal`, and
-- `totp` in its `amr`), which access tokens carry as `aal` and `amr`, so policies may ask for it:
-- `(SELECT auth.jwt() ->> 'aal') = 'aal2'`.

CREATE TABLE auth.mfa_factors (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  friendly_name text CHECK (char_length(friendly_name) BETWEEN 1 AND 100),
  factor_type text NOT NULL DEFAULT 'totp' CHECK (factor_type = 'totp'),
  status text NOT NULL DEFAULT 'unverified' CHECK (status IN ('unverified', 'verified')),
  last_used_step bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mfa_factors_user_id_idx ON auth.mfa_factors (user_id);
CREATE UNIQUE INDEX mfa_factors_user_id_friendly_name_key ON auth.mfa_factors (user_id, friendly_name) WHERE friendly_name IS NOT NULL;
COMMENT ON TABLE auth.mfa_factors IS 'Multi-factor authentication factors (TOTP); the secret is derived from the project secret and the id, never stored.';
COMMENT ON COLUMN auth.mfa_factors.status IS 'unverified until its first correct code, then verified.';
COMMENT ON COLUMN auth.mfa_factors.last_used_step IS 'The TOTP time step of the last accepted code: a code of it or an earlier step is refused (no replay).';

CREATE TABLE auth.mfa_challenges (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  factor_id uuid NOT NULL REFERENCES auth.mfa_factors (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  verified_at timestamptz,
  failed_attempts integer NOT NULL DEFAULT 0,
  ip inet
);
CREATE INDEX mfa_challenges_factor_id_created_at_idx ON auth.mfa_challenges (factor_id, created_at);
COMMENT ON TABLE auth.mfa_challenges IS 'Challenges of MFA factors: five minutes and five wrong codes each, verified once.';

CREATE OR REPLACE FUNCTION auth.user_json(u auth.users) RETURNS jsonb
LANGUAGE sql STABLE
AS $function$
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
    'factors', coalesce((
      SELECT jsonb_agg(jsonb_build_object(
        'id', f.id, 'friendly_name', f.friendly_name, 'factor_type', f.factor_type, 'status', f.status,
        'created_at', f.created_at, 'updated_at', f.updated_at) ORDER BY f.created_at)
      FROM auth.mfa_factors f WHERE f.user_id = u.id), '[]'),
    'created_at', u.created_at,
    'updated_at', u.updated_at,
    'is_anonymous', u.is_anonymous,
    'banned_until', u.banned_until
  ) || CASE WHEN u.email_change IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('new_email', u.email_change) END
    || CASE WHEN u.invited_at IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('invited_at', u.invited_at) END
$function$;
COMMENT ON FUNCTION auth.user_json(auth.users) IS 'The user object of the Auth API, identities and MFA factors included.';
