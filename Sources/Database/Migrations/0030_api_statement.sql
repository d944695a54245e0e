-- One round trip per API request: the API pool's login (`authenticator`) calls this function
-- with the caller's role and claims and the request's statement; it switches into the role and
-- publishes the claims (both transaction-local), makes the transaction read-only when asked,
-- and only then plans and runs the statement, so that grants and RLS are those of the caller.
-- Parameters of the statement arrive as one text array, referenced as ($1[n])::type.
--
-- It grants nothing: switching roles is checked as ever (`authenticator` is a member of anon,
-- authenticated and service_role only), and the statement text comes from the server's own
-- renderer, never from a client.

CREATE FUNCTION internal.api_statement(
  p_role text, p_claims text, p_read_only boolean, p_statement text, p_parameters text[],
  OUT total text, OUT page text, OUT body text)
LANGUAGE plpgsql AS $function$
BEGIN
  PERFORM set_config('role', p_role, true), set_config('request.jwt.claims', p_claims, true);
  IF p_read_only THEN
    SET LOCAL transaction_read_only = on;
  END IF;
  EXECUTE p_statement INTO total, page, body USING p_parameters;
END
$function$;

REVOKE EXECUTE ON FUNCTION internal.api_statement(text, text, boolean, text, text[]) FROM PUBLIC;
GRANT USAGE ON SCHEMA internal TO authenticator;
GRANT EXECUTE ON FUNCTION internal.api_statement(text, text, boolean, text, text[]) TO authenticator;
COMMENT ON FUNCTION internal.api_statement(text, text, boolean, text, text[]) IS
  'Runs one rendered API statement as the caller (role and claims set transaction-locally, read-only when asked) in a single round trip; returns its (total, page, body) row.';
