-- Sign-in with OAuth and OpenID Connect providers.
--
-- Each `/authorize` starts a flow: the provider, where the client is sent back to, the PKCE
-- challenge the client made (when it asked for the PKCE flow), and the nonce the ID token must
-- carry, and the PKCE verifier of the server's own code request to the provider (so a code
-- stolen from one flow cannot be injected into another). The provider's callback names the flow by its `state` and ends it once; the PKCE flow
-- then hands the client a one-time code (kept only as a hash) that `token?grant_type=pkce`
-- exchanges, with the verifier, for a session — once, within five minutes.

CREATE TABLE auth.flow_state (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  provider text NOT NULL,
  redirect_to text NOT NULL,
  code_challenge text CHECK (code_challenge ~ '^[A-Za-z0-9._~-]{43,128}$'),
  code_challenge_method text CHECK (code_challenge_method IN ('s256', 'plain')),
  nonce text NOT NULL,
  provider_verifier text,
  auth_code_hash text UNIQUE,
  user_id uuid REFERENCES auth.users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  callback_at timestamptz,
  exchanged_at timestamptz,
  CHECK ((code_challenge IS NULL) = (code_challenge_method IS NULL))
);
CREATE INDEX flow_state_created_at_idx ON auth.flow_state (created_at);
CREATE INDEX flow_state_user_id_idx ON auth.flow_state (user_id) WHERE user_id IS NOT NULL;
COMMENT ON TABLE auth.flow_state IS 'OAuth sign-in flows: from /authorize through the provider''s callback to the PKCE code exchange, each step once.';
COMMENT ON COLUMN auth.flow_state.provider_verifier IS 'The PKCE verifier of the server''s own request to the provider: a provider code works only in the flow that asked for it.';
COMMENT ON COLUMN auth.flow_state.auth_code_hash IS 'SHA-256 of the one-time code handed to the client in the PKCE flow.';
