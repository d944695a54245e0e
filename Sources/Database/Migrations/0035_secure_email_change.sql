-- Secure email change and reauthentication (the Auth API's PUT /user, POST /verify with
-- type=email_change, GET /reauthenticate). A new address takes effect only once both the current
-- and the new address have confirmed, each with a token mailed to it; until then the user keeps
-- the old, confirmed one, so an address nobody has proved can never appear in a token. Changing
-- the email or the password needs the current password, a reauthentication nonce mailed to the
-- user, or a sign-in within the last ten minutes.

ALTER TABLE auth.users
  ADD COLUMN email_change_token_current_hash text,
  ADD COLUMN email_change_confirm_status smallint NOT NULL DEFAULT 0
    CONSTRAINT users_email_change_confirm_status_check CHECK (email_change_confirm_status BETWEEN 0 AND 3),
  ADD COLUMN reauthentication_token_hash text,
  ADD COLUMN reauthentication_sent_at timestamptz;

COMMENT ON COLUMN auth.users.email_change IS 'The address the user asked to change to; applied once both addresses confirm.';
COMMENT ON COLUMN auth.users.email_change_token_hash IS 'SHA-256 of the token mailed to the new address.';
COMMENT ON COLUMN auth.users.email_change_token_current_hash IS 'SHA-256 of the token mailed to the current address.';
COMMENT ON COLUMN auth.users.email_change_confirm_status IS 'Which addresses have confirmed the pending change: 1 the current, 2 the new (bits).';
COMMENT ON COLUMN auth.users.reauthentication_token_hash IS 'SHA-256 of the nonce mailed by GET /reauthenticate; good for one attempt.';
COMMENT ON COLUMN auth.users.reauthentication_sent_at IS 'When the reauthentication nonce was mailed.';

CREATE INDEX users_email_change_token_hash_idx ON auth.users (email_change_token_hash) WHERE email_change_token_hash IS NOT NULL;
CREATE INDEX users_email_change_token_current_hash_idx ON auth.users (email_change_token_current_hash)
  WHERE email_change_token_current_hash IS NOT NULL;
