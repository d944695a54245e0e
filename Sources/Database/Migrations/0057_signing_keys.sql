-- Asymmetric signing keys for access tokens (ES256, RS256).
--
-- Each key has a public id (`kid`, in the tokens it signs), its algorithm, and its private key in
-- PEM sealed by the encryption key ring (AES-256-GCM bound to this table, column and row; the
-- key version beside it, so `visionary secrets rotate` re-seals it like every stored secret).
-- The newest key not retired signs; a retired key still verifies for a grace period after
-- `retired_at`. Servers reload the keys when the table changes (NOTIFY pgrst, 'reload signing
-- keys': the channel their schema cache listens on already).

CREATE TABLE internal.signing_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kid text NOT NULL UNIQUE CHECK (kid ~ '^[A-Za-z0-9_-]{8,64}$'),
  algorithm text NOT NULL CHECK (algorithm IN ('ES256', 'RS256')),
  private_key_encrypted bytea NOT NULL CHECK (octet_length(private_key_encrypted) > 28),
  token_key_version integer NOT NULL CHECK (token_key_version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
COMMENT ON TABLE internal.signing_keys IS 'The project''s asymmetric JWT signing keys: the newest not retired signs access tokens; retired ones verify for a grace period.';
COMMENT ON COLUMN internal.signing_keys.kid IS 'The key''s public id, the kid of the tokens it signs and of its JWK.';
COMMENT ON COLUMN internal.signing_keys.algorithm IS 'ES256 (P-256) or RS256 (RSA 2048).';
COMMENT ON COLUMN internal.signing_keys.private_key_encrypted IS 'The private key (PEM), sealed by the encryption key ring (nonce, ciphertext, tag).';
COMMENT ON COLUMN internal.signing_keys.token_key_version IS 'The key ring version that sealed private_key_encrypted.';
COMMENT ON COLUMN internal.signing_keys.retired_at IS 'When the key stopped signing; it verifies until the grace period after it has passed.';

CREATE FUNCTION internal.notify_signing_keys() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  PERFORM pg_notify('pgrst', 'reload signing keys');
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.notify_signing_keys() FROM PUBLIC;
COMMENT ON FUNCTION internal.notify_signing_keys() IS 'Trigger: tells every server to reload the signing keys.';
CREATE TRIGGER reload_signing_keys AFTER INSERT OR UPDATE OR DELETE ON internal.signing_keys
  FOR EACH STATEMENT EXECUTE FUNCTION internal.notify_signing_keys();
