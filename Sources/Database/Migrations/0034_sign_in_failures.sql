-- Wrong passwords count against the pair (email, client address), not the email alone: a
-- stranger who guesses at someone's account from their own address backs off exponentially, and
-- never locks the owner out of it from another address. The per-address request cap of the Auth
-- API bounds how many accounts one address can try.

CREATE TABLE auth.sign_in_failures (
  email text NOT NULL,
  address text NOT NULL,
  failures integer NOT NULL DEFAULT 0,
  blocked_until timestamptz,
  last_failed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (email, address)
);
CREATE INDEX sign_in_failures_last_failed_at_idx ON auth.sign_in_failures (last_failed_at);
COMMENT ON TABLE auth.sign_in_failures IS 'Failed password sign-ins per (email, client address) and the back-off they earned.';
COMMENT ON COLUMN auth.sign_in_failures.address IS 'The client address as the server saw it; empty when unknown.';
COMMENT ON COLUMN auth.sign_in_failures.blocked_until IS 'Until when sign-ins for this pair are refused with 429.';

-- Seconds until the pair may try again; 0 when it may now.
CREATE FUNCTION auth.sign_in_wait(p_email text, p_address text) RETURNS integer
LANGUAGE sql STABLE AS $function$
  SELECT coalesce((SELECT greatest(ceil(extract(epoch FROM f.blocked_until - now())), 0)::integer
                   FROM auth.sign_in_failures f WHERE f.email = p_email AND f.address = p_address), 0)
$function$;
REVOKE EXECUTE ON FUNCTION auth.sign_in_wait(text, text) FROM PUBLIC;
COMMENT ON FUNCTION auth.sign_in_wait(text, text) IS 'Seconds until the (email, address) pair may try a password again; 0 when it may.';

-- Counts a wrong password: the first p_free failures cost nothing; each further one blocks the
-- pair for twice as long as the one before (1 s, 2 s, 4 s, …), at most p_cap_seconds. A pair
-- quiet for a day starts afresh; rows quiet for a day are removed as failures arrive.
CREATE FUNCTION auth.record_sign_in_failure(p_email text, p_address text, p_free integer, p_cap_seconds integer) RETURNS void
LANGUAGE sql AS $function$
  WITH stale AS (
    DELETE FROM auth.sign_in_failures WHERE last_failed_at < now() - interval '1 day'
      AND NOT (email = p_email AND address = p_address)
  )
  INSERT INTO auth.sign_in_failures AS f (email, address, failures, blocked_until, last_failed_at)
  VALUES (p_email, p_address, 1, CASE WHEN p_free < 1 THEN now() + interval '1 second' END, now())
  ON CONFLICT (email, address) DO UPDATE SET
    failures = CASE WHEN f.last_failed_at < now() - interval '1 day' THEN 1 ELSE least(f.failures + 1, 1000) END,
    blocked_until = CASE
      WHEN f.last_failed_at < now() - interval '1 day' OR f.failures + 1 <= p_free THEN NULL
      ELSE now() + make_interval(secs => least(power(2, least(f.failures + 1 - p_free - 1, 30)), p_cap_seconds)) END,
    last_failed_at = now()
$function$;
REVOKE EXECUTE ON FUNCTION auth.record_sign_in_failure(text, text, integer, integer) FROM PUBLIC;
COMMENT ON FUNCTION auth.record_sign_in_failure(text, text, integer, integer) IS
  'Counts a failed password sign-in for (email, address) and sets its exponential back-off past the free attempts.';

-- A successful sign-in forgets the pair's failures.
CREATE FUNCTION auth.clear_sign_in_failures(p_email text, p_address text) RETURNS void
LANGUAGE sql AS $function$
  DELETE FROM auth.sign_in_failures WHERE email = p_email AND address = p_address
$function$;
REVOKE EXECUTE ON FUNCTION auth.clear_sign_in_failures(text, text) FROM PUBLIC;
COMMENT ON FUNCTION auth.clear_sign_in_failures(text, text) IS 'Forgets the failed sign-ins of (email, address) after a successful one.';
