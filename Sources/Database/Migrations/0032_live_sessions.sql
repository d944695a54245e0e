-- A signed-out, banned or deleted user's access token stops working at once, not when it expires.
-- Every API request (REST, Storage, Functions) becomes its caller through internal.assume_caller,
-- in the request's own round trip: when the token names a user, that user must exist, not be
-- deleted and not be banned; when it names a session, the session must still exist and be the
-- user's. Logout, refresh-token reuse, an admin ban or password change and a soft delete all end
-- sessions (migration 0008 and the Auth API), so their tokens fail here with SQLSTATE VS401,
-- which each surface answers with its invalid-token error.

-- Whether the user (and, when given, their session) may still act. Runs with the owner's rights:
-- the API login cannot read auth.users or auth.sessions, and need not.
CREATE FUNCTION internal.caller_is_live(p_user uuid, p_session uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $function$
  SELECT EXISTS (
    SELECT 1 FROM auth.users u
    WHERE u.id = p_user AND u.deleted_at IS NULL AND (u.banned_until IS NULL OR u.banned_until <= now())
      AND (p_session IS NULL OR EXISTS (
        SELECT 1 FROM auth.sessions s
        WHERE s.id = p_session AND s.user_id = p_user AND (s.not_after IS NULL OR s.not_after > now()))))
$function$;

REVOKE EXECUTE ON FUNCTION internal.caller_is_live(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.caller_is_live(uuid, uuid) TO authenticator;
COMMENT ON FUNCTION internal.caller_is_live(uuid, uuid) IS
  'True when the user exists, is neither deleted nor banned, and (when given) their session still exists.';

-- Becomes the caller for the rest of the transaction: checks that the token's user and session
-- are live (raising VS401 otherwise), then switches role and publishes the claims, both
-- transaction-local. p_user and p_session are the token's sub and session_id (NULL for API keys).
CREATE FUNCTION internal.assume_caller(p_role text, p_claims text, p_user uuid, p_session uuid) RETURNS void
LANGUAGE plpgsql AS $function$
BEGIN
  IF p_user IS NOT NULL AND NOT internal.caller_is_live(p_user, p_session) THEN
    RAISE EXCEPTION 'the session of this token has ended' USING ERRCODE = 'VS401';
  END IF;
  PERFORM set_config('role', p_role, true), set_config('request.jwt.claims', p_claims, true);
END
$function$;

REVOKE EXECUTE ON FUNCTION internal.assume_caller(text, text, uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.assume_caller(text, text, uuid, uuid) TO authenticator;
COMMENT ON FUNCTION internal.assume_caller(text, text, uuid, uuid) IS
  'Checks that the caller''s user and session are live (VS401 otherwise), then sets role and claims transaction-locally.';

-- The one-round-trip call of 0030, now through assume_caller.
DROP FUNCTION internal.api_statement(text, text, boolean, text, text[]);

CREATE FUNCTION internal.api_statement(
  p_role text, p_claims text, p_user uuid, p_session uuid, p_read_only boolean, p_statement text, p_parameters text[],
  OUT total text, OUT page text, OUT body text)
LANGUAGE plpgsql AS $function$
BEGIN
  PERFORM internal.assume_caller(p_role, p_claims, p_user, p_session);
  IF p_read_only THEN
    SET LOCAL transaction_read_only = on;
  END IF;
  EXECUTE p_statement INTO total, page, body USING p_parameters;
END
$function$;

REVOKE EXECUTE ON FUNCTION internal.api_statement(text, text, uuid, uuid, boolean, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.api_statement(text, text, uuid, uuid, boolean, text, text[]) TO authenticator;
COMMENT ON FUNCTION internal.api_statement(text, text, uuid, uuid, boolean, text, text[]) IS
  'Runs one rendered API statement as the caller (live user and session checked, role and claims set transaction-locally, read-only when asked) in a single round trip; returns its (total, page, body) row.';
