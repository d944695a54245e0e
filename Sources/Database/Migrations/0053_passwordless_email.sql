-- Passwordless email (one-time codes and magic links) and invitations.
--
-- Every token the Auth API mails is a 6-digit code; what the row keeps (`*_token_hash`) is
-- an HMAC of the address and the code under a key the database never sees, which is also the
-- `token_hash` of the mailed link. A code is tried as (email, code); a link as its hash alone,
-- which cannot be derived from the address without the key. Tries are rate-limited per address
-- and per email by the Auth API, and each code works once within its lifetime.

ALTER TABLE auth.users ADD COLUMN invited_at timestamptz;
COMMENT ON COLUMN auth.users.invited_at IS 'When the user was last invited by an operator (POST /invite or an invite link).';

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
    'factors', '[]'::jsonb,
    'created_at', u.created_at,
    'updated_at', u.updated_at,
    'is_anonymous', u.is_anonymous,
    'banned_until', u.banned_until
  ) || CASE WHEN u.email_change IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('new_email', u.email_change) END
    || CASE WHEN u.invited_at IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('invited_at', u.invited_at) END
$function$;
COMMENT ON FUNCTION auth.user_json(auth.users) IS 'The user object of the Auth API, identities included.';

COMMENT ON COLUMN auth.users.confirmation_token_hash IS 'Keyed HMAC of (kind, address, code) of the pending confirmation or invitation code; the token_hash of its link.';
COMMENT ON COLUMN auth.users.recovery_token_hash IS 'Keyed HMAC of (kind, address, code) of the pending recovery or magic-link code; the token_hash of its link.';
