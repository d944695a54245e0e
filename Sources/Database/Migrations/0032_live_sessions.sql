-- A signed-out, banned or deleted user's access token stops working at once, not when it expires.
-- Every API request (REST, Storage, Functions) becomes its caller through internal.assume_caller
-- (or the same lines inside internal.api_statement), in the request's own round trip: a token's
-- session must still exist and be its user's; a token without a session needs a user that exists
-- and is neither deleted nor banned. Logout, refresh-token reuse, an admin password change, a ban
-- and a soft delete all end sessions (the Auth API, and the trigger below), so their tokens fail
-- here with SQLSTATE VS401, which each surface answers with its invalid-token error.
--
-- The check runs as the API login (`authenticator`), before it switches into the caller's role:
-- one primary-key lookup with a plan kept per connection, about 7 µs of database CPU per request.
-- A SECURITY DEFINER function would spare the grants below but cost several times that, and one
-- query with both lookups under a CASE ten times that.

-- A session ends when its user may no longer act: a ban or a (soft) deletion removes the user's
-- sessions, whoever makes the change (the Auth API does so too; an operator's UPDATE is caught
-- here). So a live session stands for a live user, and checking the session is enough.
CREATE FUNCTION internal.end_sessions_of_barred_user() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $function$
BEGIN
  DELETE FROM auth.sessions WHERE user_id = NEW.id;
  RETURN NULL;
END
$function$;

CREATE TRIGGER end_sessions_of_barred_user
  AFTER UPDATE OF banned_until, deleted_at ON auth.users
  FOR EACH ROW
  WHEN ((NEW.banned_until > now() AND NEW.banned_until IS DISTINCT FROM OLD.banned_until)
        OR (NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL))
  EXECUTE FUNCTION internal.end_sessions_of_barred_user();
COMMENT ON FUNCTION internal.end_sessions_of_barred_user() IS 'Trigger: a banned or deleted user''s sessions end.';

-- What the check reads, and nothing more: the API login never runs a client's SQL, and once it
-- has switched roles these grants are not the caller's.
GRANT USAGE ON SCHEMA auth TO authenticator;
GRANT SELECT (id, user_id, not_after) ON auth.sessions TO authenticator;
GRANT SELECT (id, deleted_at, banned_until) ON auth.users TO authenticator;

-- Becomes the caller for the rest of the transaction: checks that the token's session (or, without
-- one, its user) is live, raising VS401 otherwise, then switches role and publishes the claims,
-- both transaction-local. p_user and p_session are the token's sub and session_id (NULL for API keys;
-- a session id is only ever checked with the user it belongs to).
CREATE FUNCTION internal.assume_caller(p_role text, p_claims text, p_user uuid, p_session uuid) RETURNS void
LANGUAGE plpgsql AS $function$
BEGIN
  IF p_session IS NOT NULL THEN
    IF NOT EXISTS (SELECT 1 FROM auth.sessions s
                   WHERE s.id = p_session AND s.user_id = p_user AND (s.not_after IS NULL OR s.not_after > now())) THEN
      RAISE EXCEPTION 'the session of this token has ended' USING ERRCODE = 'VS401';
    END IF;
  ELSIF p_user IS NOT NULL THEN
    IF NOT EXISTS (SELECT 1 FROM auth.users u
                   WHERE u.id = p_user AND u.deleted_at IS NULL AND (u.banned_until IS NULL OR u.banned_until <= now())) THEN
      RAISE EXCEPTION 'the session of this token has ended' USING ERRCODE = 'VS401';
    END IF;
  END IF;
  PERFORM set_config('role', p_role, true), set_config('request.jwt.claims', p_claims, true);
END
$function$;

REVOKE EXECUTE ON FUNCTION internal.assume_caller(text, text, uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.assume_caller(text, text, uuid, uuid) TO authenticator;
COMMENT ON FUNCTION internal.assume_caller(text, text, uuid, uuid) IS
  'Checks that the caller''s session (or user) is live (VS401 otherwise), then sets role and claims transaction-locally.';

-- The one-round-trip call of 0030, now checking the caller first. The lines of assume_caller are
-- written out here rather than called: this runs for every REST request, and the call would cost
-- about as much again as the check.
DROP FUNCTION internal.api_statement(text, text, boolean, text, text[]);

CREATE FUNCTION internal.api_statement(
  p_role text, p_claims text, p_user uuid, p_session uuid, p_read_only boolean, p_statement text, p_parameters text[],
  OUT total text, OUT page text, OUT body text)
LANGUAGE plpgsql AS $function$
BEGIN
  IF p_session IS NOT NULL THEN
    IF NOT EXISTS (SELECT 1 FROM auth.sessions s
                   WHERE s.id = p_session AND s.user_id = p_user AND (s.not_after IS NULL OR s.not_after > now())) THEN
      RAISE EXCEPTION 'the session of this token has ended' USING ERRCODE = 'VS401';
    END IF;
  ELSIF p_user IS NOT NULL THEN
    IF NOT EXISTS (SELECT 1 FROM auth.users u
                   WHERE u.id = p_user AND u.deleted_at IS NULL AND (u.banned_until IS NULL OR u.banned_until <= now())) THEN
      RAISE EXCEPTION 'the session of this token has ended' USING ERRCODE = 'VS401';
    END IF;
  END IF;
  PERFORM set_config('role', p_role, true), set_config('request.jwt.claims', p_claims, true);
  IF p_read_only THEN
    SET LOCAL transaction_read_only = on;
  END IF;
  EXECUTE p_statement INTO total, page, body USING p_parameters;
END
$function$;

REVOKE EXECUTE ON FUNCTION internal.api_statement(text, text, uuid, uuid, boolean, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.api_statement(text, text, uuid, uuid, boolean, text, text[]) TO authenticator;
COMMENT ON FUNCTION internal.api_statement(text, text, uuid, uuid, boolean, text, text[]) IS
  'Runs one rendered API statement as the caller (live session checked, role and claims set transaction-locally, read-only when asked) in a single round trip; returns its (total, page, body) row.';
