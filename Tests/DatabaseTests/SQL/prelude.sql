-- Test support for the SQL test files: acting as a role with claims, and assertions that raise.
-- Loaded into each fresh test database before a test file runs; never part of a migration.
CREATE SCHEMA tests;
GRANT USAGE ON SCHEMA tests TO PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA tests GRANT EXECUTE ON FUNCTIONS TO PUBLIC;

-- Creates a user (the profile trigger runs as for a real sign-up) and returns its id.
CREATE FUNCTION tests.create_user(p_email text) RETURNS uuid
LANGUAGE sql
AS $$
  INSERT INTO auth.users (email) VALUES (lower(p_email)) RETURNING id
$$;

-- Switches the transaction to the role a request for this user would run as, with its claims.
CREATE FUNCTION tests.act_as(p_user uuid) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  claims jsonb;
BEGIN
  PERFORM set_config('role', 'none', true);
  SELECT jsonb_build_object('sub', u.id, 'role', 'authenticated', 'email', u.email, 'aud', 'authenticated')
    INTO claims FROM auth.users u WHERE u.id = p_user;
  IF claims IS NULL THEN
    claims := jsonb_build_object('sub', p_user, 'role', 'authenticated', 'aud', 'authenticated');
  END IF;
  PERFORM set_config('request.jwt.claims', claims::text, true);
  PERFORM set_config('role', 'authenticated', true);
END
$$;

-- Acts as an anonymous API request.
CREATE FUNCTION tests.act_as_anon() RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('role', 'none', true);
  PERFORM set_config('request.jwt.claims', '{"role": "anon"}', true);
  PERFORM set_config('role', 'anon', true);
END
$$;

-- Acts as trusted server code (the service_role key).
CREATE FUNCTION tests.act_as_service() RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('role', 'none', true);
  PERFORM set_config('request.jwt.claims', '{"role": "service_role"}', true);
  PERFORM set_config('role', 'service_role', true);
END
$$;

-- Back to the test's own (superuser) session role, with no claims.
CREATE FUNCTION tests.act_as_owner() RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('role', 'none', true);
  PERFORM set_config('request.jwt.claims', '', true);
END
$$;

CREATE FUNCTION tests.assert(p_condition boolean, p_message text) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  IF p_condition IS NOT TRUE THEN
    RAISE EXCEPTION 'assertion failed: %', p_message USING ERRCODE = 'TS001';
  END IF;
END
$$;

CREATE FUNCTION tests.assert_eq(p_actual anyelement, p_expected anyelement, p_message text) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  IF p_actual IS DISTINCT FROM p_expected THEN
    RAISE EXCEPTION 'assertion failed: % (expected %, got %)', p_message, p_expected, p_actual
      USING ERRCODE = 'TS001';
  END IF;
END
$$;

-- Runs a statement that must fail with the given SQLSTATE (e.g. '42501'); its effects are undone.
CREATE FUNCTION tests.assert_raises(p_sql text, p_sqlstate text, p_message text) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  BEGIN
    EXECUTE p_sql;
  EXCEPTION WHEN OTHERS THEN
    IF p_sqlstate IS NOT NULL AND SQLSTATE <> p_sqlstate THEN
      RAISE EXCEPTION 'assertion failed: % (expected SQLSTATE %, got %: %)', p_message, p_sqlstate, SQLSTATE, SQLERRM
        USING ERRCODE = 'TS001';
    END IF;
    RETURN;
  END;
  RAISE EXCEPTION 'assertion failed: % (statement succeeded: %)', p_message, p_sql USING ERRCODE = 'TS001';
END
$$;

-- Number of rows a query returns.
CREATE FUNCTION tests.row_count(p_query text) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM (%s) AS q', p_query) INTO n;
  RETURN n;
END
$$;

-- Number of rows a data-changing statement affected.
CREATE FUNCTION tests.affected(p_sql text) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE p_sql;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
