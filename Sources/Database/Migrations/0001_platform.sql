-- Platform: extensions, API roles, the auth and storage schemas, and helpers every later
-- migration relies on (request identity, updated_at, order state machines).

-- Extensions live in their own schema so their functions are never exposed as /rpc endpoints.
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;
GRANT USAGE ON SCHEMA extensions TO PUBLIC;

-- Roles are cluster-wide: create them only when missing, so several databases share them.
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    CREATE ROLE anon NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticator') THEN
    CREATE ROLE authenticator LOGIN NOINHERIT;
  END IF;
END
$roles$;

GRANT anon, authenticated, service_role TO authenticator;
ALTER ROLE authenticator SET search_path TO public, extensions;
ALTER ROLE authenticator SET statement_timeout TO '8s';

-- Start from nothing: PUBLIC gets neither schema creation nor function execution by default.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM anon, authenticated, service_role;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

---------------------------------------------------------------------------------------------------
-- auth: identities, sessions and refresh tokens (written by the Auth API as the schema owner).
---------------------------------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS auth;
REVOKE ALL ON SCHEMA auth FROM PUBLIC;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

CREATE TABLE auth.users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  aud text NOT NULL DEFAULT 'authenticated',
  role text NOT NULL DEFAULT 'authenticated',
  email text,
  encrypted_password text,
  email_confirmed_at timestamptz,
  confirmation_token_hash text,
  confirmation_sent_at timestamptz,
  recovery_token_hash text,
  recovery_sent_at timestamptz,
  email_change text,
  email_change_token_hash text,
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb NOT NULL DEFAULT '{"provider": "email", "providers": ["email"]}',
  raw_user_meta_data jsonb NOT NULL DEFAULT '{}',
  phone text,
  phone_confirmed_at timestamptz,
  banned_until timestamptz,
  is_anonymous boolean NOT NULL DEFAULT false,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_normalised CHECK (email IS NULL OR email = lower(btrim(email)))
);
CREATE UNIQUE INDEX users_email_key ON auth.users (email) WHERE email IS NOT NULL;
COMMENT ON TABLE auth.users IS 'Identities that can sign in; every user reference in public points here.';
COMMENT ON COLUMN auth.users.encrypted_password IS 'bcrypt hash of the password; never the password itself.';
COMMENT ON COLUMN auth.users.email IS 'Trimmed, lower-cased email address; unique.';

CREATE TABLE auth.sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  aal text NOT NULL DEFAULT 'aal1',
  not_after timestamptz,
  refreshed_at timestamptz,
  user_agent text,
  ip inet,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_id_idx ON auth.sessions (user_id);
COMMENT ON TABLE auth.sessions IS 'A signed-in session; access tokens name it in their session_id claim.';

CREATE TABLE auth.refresh_tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  session_id uuid NOT NULL REFERENCES auth.sessions (id) ON DELETE CASCADE,
  parent_id bigint REFERENCES auth.refresh_tokens (id) ON DELETE SET NULL,
  revoked boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_session_id_idx ON auth.refresh_tokens (session_id);
COMMENT ON TABLE auth.refresh_tokens IS 'Opaque refresh tokens, stored as hashes, rotated on every use.';

-- Request identity, published per transaction by the server as request.jwt.claims.
CREATE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;

CREATE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    nullif(auth.jwt() ->> 'sub', ''),
    nullif(current_setting('request.jwt.claim.sub', true), '')
  )::uuid
$$;

CREATE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT auth.jwt() ->> 'role'
$$;

REVOKE EXECUTE ON FUNCTION auth.jwt(), auth.uid(), auth.role() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.jwt(), auth.uid(), auth.role() TO anon, authenticated, service_role;
COMMENT ON FUNCTION auth.jwt() IS 'The verified JWT claims of the current request; {} when there are none.';
COMMENT ON FUNCTION auth.uid() IS 'The current user id (claim sub); NULL for anonymous requests.';
COMMENT ON FUNCTION auth.role() IS 'The role claim of the current request.';

---------------------------------------------------------------------------------------------------
-- Shared helpers of the public schema.
---------------------------------------------------------------------------------------------------

CREATE FUNCTION public.set_updated_at() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION public.set_updated_at() FROM PUBLIC;
COMMENT ON FUNCTION public.set_updated_at() IS 'Trigger: keeps updated_at at the moment of the last update.';

CREATE TRIGGER set_updated_at BEFORE UPDATE ON auth.users
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER set_updated_at BEFORE UPDATE ON auth.sessions
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER set_updated_at BEFORE UPDATE ON auth.refresh_tokens
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- internal: helpers for policies and triggers. Not exposed by the REST API; the API roles may
-- use it only through the functions granted to them.
CREATE SCHEMA IF NOT EXISTS internal;
REVOKE ALL ON SCHEMA internal FROM PUBLIC;
GRANT USAGE ON SCHEMA internal TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA internal REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- True when the current database user is trusted server code: not one of the end-user roles.
-- Functions that use it must be SECURITY INVOKER (inside a definer, current_user is the owner).
CREATE FUNCTION internal.is_privileged_caller() RETURNS boolean
LANGUAGE sql STABLE
AS $$
  SELECT current_user NOT IN ('anon', 'authenticated')
$$;
REVOKE EXECUTE ON FUNCTION internal.is_privileged_caller() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.is_privileged_caller() TO anon, authenticated, service_role;
COMMENT ON FUNCTION internal.is_privileged_caller() IS 'True for service_role, the schema owner and superusers; false for anon and authenticated.';

-- Legal order status transitions: (table, from, to, whether an end user may make it).
CREATE FUNCTION internal.order_transition_allowed(p_table text, p_from text, p_to text, p_privileged boolean)
RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$
  SELECT EXISTS (
    SELECT 1
    FROM (VALUES
      ('poster_orders', 'pending', 'cancelled', true),
      ('poster_orders', 'pending', 'paid', false),
      ('poster_orders', 'paid', 'submitted', false),
      ('poster_orders', 'paid', 'cancelled', false),
      ('poster_orders', 'submitted', 'shipped', false),
      ('poster_orders', 'submitted', 'cancelled', false),
      ('poster_orders', 'shipped', 'delivered', false),
      ('workbook_orders', 'draft', 'cancelled', true),
      ('workbook_orders', 'draft', 'generating', false),
      ('workbook_orders', 'generating', 'cancelled', true),
      ('workbook_orders', 'generating', 'ready', false),
      ('workbook_orders', 'generating', 'draft', false),
      ('workbook_orders', 'ready', 'cancelled', true),
      ('workbook_orders', 'ready', 'generating', false),
      ('workbook_orders', 'ready', 'pending_payment', false),
      ('workbook_orders', 'pending_payment', 'cancelled', true),
      ('workbook_orders', 'pending_payment', 'paid', false),
      ('workbook_orders', 'pending_payment', 'ready', false),
      ('workbook_orders', 'paid', 'submitted', false),
      ('workbook_orders', 'paid', 'cancelled', false),
      ('workbook_orders', 'submitted', 'printing', false),
      ('workbook_orders', 'submitted', 'shipped', false),
      ('workbook_orders', 'submitted', 'cancelled', false),
      ('workbook_orders', 'printing', 'shipped', false),
      ('workbook_orders', 'shipped', 'delivered', false),
      ('print_orders', 'pending', 'cancelled', true),
      ('print_orders', 'pending', 'paid', false),
      ('print_orders', 'paid', 'processing', false),
      ('print_orders', 'paid', 'submitted', false),
      ('print_orders', 'paid', 'failed', false),
      ('print_orders', 'paid', 'cancelled', false),
      ('print_orders', 'processing', 'submitted', false),
      ('print_orders', 'processing', 'failed', false),
      ('print_orders', 'processing', 'cancelled', false),
      ('print_orders', 'submitted', 'production', false),
      ('print_orders', 'submitted', 'shipped', false),
      ('print_orders', 'submitted', 'failed', false),
      ('print_orders', 'submitted', 'cancelled', false),
      ('print_orders', 'production', 'shipped', false),
      ('print_orders', 'production', 'failed', false),
      ('print_orders', 'shipped', 'delivered', false),
      ('print_orders', 'failed', 'processing', false),
      ('print_orders', 'failed', 'cancelled', false)
    ) AS t (order_table, from_status, to_status, end_user_allowed)
    WHERE t.order_table = p_table AND t.from_status = p_from AND t.to_status = p_to
      AND (p_privileged OR t.end_user_allowed)
  )
$$;
REVOKE EXECUTE ON FUNCTION internal.order_transition_allowed(text, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.order_transition_allowed(text, text, text, boolean) TO authenticated, service_role;
COMMENT ON FUNCTION internal.order_transition_allowed(text, text, text, boolean) IS 'The order state machines: whether a status transition is legal for this kind of caller.';

-- Trigger (BEFORE UPDATE) on poster_orders, workbook_orders and print_orders: permits only the
-- listed transitions (end users only theirs) and stamps the lifecycle column of the new status.
-- SECURITY INVOKER, so that the privileged-caller test sees the real caller.
CREATE FUNCTION public.enforce_order_status() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  privileged boolean := internal.is_privileged_caller();
  stamp text;
  stamps jsonb := '{}';
BEGIN
  IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NEW;
  END IF;
  IF NOT internal.order_transition_allowed(TG_TABLE_NAME, OLD.status, NEW.status, privileged) THEN
    RAISE EXCEPTION 'illegal status transition on %: % -> %', TG_TABLE_NAME, OLD.status, NEW.status
      USING ERRCODE = 'check_violation',
            HINT = CASE WHEN privileged THEN 'That transition is not part of the order lifecycle.'
                        ELSE 'End users may only cancel their own unpaid orders.' END;
  END IF;
  stamp := CASE NEW.status
    WHEN 'paid' THEN 'paid_at'
    WHEN 'submitted' THEN 'submitted_at'
    WHEN 'shipped' THEN 'shipped_at'
    WHEN 'delivered' THEN 'delivered_at'
    WHEN 'cancelled' THEN 'cancelled_at'
    WHEN 'generating' THEN 'generation_started_at'
  END;
  IF stamp IS NOT NULL THEN
    stamps := jsonb_build_object(stamp, now());
  END IF;
  IF TG_TABLE_NAME = 'workbook_orders' AND OLD.status = 'generating' AND NEW.status = 'ready' THEN
    stamps := stamps || jsonb_build_object('generation_completed_at', now());
  END IF;
  IF stamps <> '{}' THEN
    NEW := jsonb_populate_record(NEW, stamps);
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION public.enforce_order_status() FROM PUBLIC;
COMMENT ON FUNCTION public.enforce_order_status() IS 'Trigger: order state machine of poster_orders, workbook_orders and print_orders.';
