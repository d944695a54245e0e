-- Auth's leftovers, cleared by the scheduled job auth.clear-expired: sessions past their
-- not_after (their refresh tokens go with them) and rate-limit windows that ended more than a day
-- ago (no window is longer than a day: VISIONARY_AUTH_RATE_LIMIT_WINDOW stops at 86400).
CREATE FUNCTION auth.clear_expired() RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_sessions integer;
  v_windows integer;
BEGIN
  DELETE FROM auth.sessions WHERE not_after IS NOT NULL AND not_after < now();
  GET DIAGNOSTICS v_sessions = ROW_COUNT;
  DELETE FROM auth.rate_limits WHERE window_start < now() - interval '2 days';
  GET DIAGNOSTICS v_windows = ROW_COUNT;
  RETURN jsonb_build_object('sessions', v_sessions, 'rate_limit_windows', v_windows);
END;
$$;
REVOKE EXECUTE ON FUNCTION auth.clear_expired() FROM PUBLIC;
COMMENT ON FUNCTION auth.clear_expired() IS 'Background job: deletes sessions past not_after and rate-limit windows older than two days; returns how many of each.';
