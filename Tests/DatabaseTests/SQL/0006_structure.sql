-- 0006 structure: standard columns, comments, RLS, privileges, indexes, function grants and the
-- print catalogue seed of the enterprise / print slice.

-- Every table of the slice: RLS enabled (not forced), standard columns, updated_at trigger,
-- non-empty comments on the table and every column, at least one policy.
DO $$
DECLARE
  t text;
  col text;
  c record;
BEGIN
  FOREACH t IN ARRAY ARRAY['partner_invitations', 'partner_connections', 'shared_goals',
    'slack_installations', 'teams_installations', 'print_products', 'print_orders', 'teams',
    'team_members', 'team_leaderboards']
  LOOP
    PERFORM tests.assert(to_regclass('public.' || t) IS NOT NULL, t || ' exists');
    PERFORM tests.assert((SELECT relrowsecurity AND NOT relforcerowsecurity FROM pg_class
                          WHERE oid = ('public.' || t)::regclass), t || ': RLS enabled, not forced');
    PERFORM tests.assert((SELECT count(*) FROM pg_policies WHERE schemaname = 'public' AND tablename = t) >= 1,
                         t || ': has at least one policy');
    PERFORM tests.assert(NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = t
                                     AND roles && ARRAY['public']::name[]),
                         t || ': every policy names its roles');
    PERFORM tests.assert_eq(
      (SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull || ' ' || pg_get_expr(d.adbin, d.adrelid)
       FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = ('public.' || t)::regclass AND a.attname = 'id'),
      'uuid true gen_random_uuid()', t || '.id');
    PERFORM tests.assert(EXISTS (SELECT 1 FROM pg_index WHERE indrelid = ('public.' || t)::regclass AND indisprimary
                                 AND indkey::text = (SELECT attnum::text FROM pg_attribute
                                                     WHERE attrelid = ('public.' || t)::regclass AND attname = 'id')),
                         t || ': id is the primary key');
    FOREACH col IN ARRAY ARRAY['created_at', 'updated_at'] LOOP
      PERFORM tests.assert_eq(
        (SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull || ' ' || pg_get_expr(d.adbin, d.adrelid)
         FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid = ('public.' || t)::regclass AND a.attname = col),
        'timestamp with time zone true now()', t || '.' || col);
    END LOOP;
    PERFORM tests.assert(EXISTS (SELECT 1 FROM pg_trigger tg WHERE tg.tgrelid = ('public.' || t)::regclass
                                 AND tg.tgname = 'set_updated_at' AND tg.tgfoid = 'public.set_updated_at()'::regprocedure
                                 AND tg.tgtype & 2 = 2 AND tg.tgtype & 16 = 16 AND tg.tgtype & 1 = 1),
                         t || ': BEFORE UPDATE FOR EACH ROW set_updated_at trigger');
    PERFORM tests.assert(coalesce(btrim(obj_description(('public.' || t)::regclass, 'pg_class')), '') <> '',
                         t || ': table comment');
    FOR c IN SELECT a.attname FROM pg_attribute a
             WHERE a.attrelid = ('public.' || t)::regclass AND a.attnum > 0 AND NOT a.attisdropped
    LOOP
      PERFORM tests.assert(coalesce(btrim(col_description(('public.' || t)::regclass,
                             (SELECT attnum FROM pg_attribute WHERE attrelid = ('public.' || t)::regclass
                              AND attname = c.attname))), '') <> '',
                           t || '.' || c.attname || ': column comment');
    END LOOP;
    -- Nothing for PUBLIC; anon only on the catalogue; service_role everything.
    PERFORM tests.assert(NOT has_table_privilege('public', 'public.' || t, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'),
                         t || ': no privilege for PUBLIC');
    PERFORM tests.assert(has_table_privilege('anon', 'public.' || t, 'SELECT') = (t = 'print_products'),
                         t || ': anon SELECT only on the catalogue');
    PERFORM tests.assert(NOT has_table_privilege('anon', 'public.' || t, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'),
                         t || ': anon cannot write');
    PERFORM tests.assert(NOT has_any_column_privilege('anon', 'public.' || t, 'INSERT, UPDATE'),
                         t || ': anon has no column write privilege');
    PERFORM tests.assert(NOT has_table_privilege('authenticated', 'public.' || t, 'TRUNCATE, REFERENCES, TRIGGER'),
                         t || ': authenticated has no TRUNCATE/REFERENCES/TRIGGER');
    PERFORM tests.assert(has_table_privilege('service_role', 'public.' || t,
                                             'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'),
                         t || ': service_role has all privileges');
  END LOOP;
END
$$;

-- authenticated: exactly the table privileges of each Access line (column grants separately below).
DO $$
DECLARE
  r record;
  p text;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('partner_invitations', 'SELECT,DELETE'),
    ('partner_connections', 'SELECT'),
    ('shared_goals', 'SELECT,INSERT,UPDATE'),
    ('slack_installations', 'DELETE'),
    ('teams_installations', 'DELETE'),
    ('print_products', 'SELECT'),
    ('print_orders', 'SELECT'),
    ('teams', 'SELECT,DELETE'),
    ('team_members', 'SELECT,UPDATE,DELETE'),   -- no INSERT: members join by accepting an invitation (0036)
    ('team_leaderboards', 'SELECT')) AS v (t, granted)
  LOOP
    FOREACH p IN ARRAY ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'] LOOP
      PERFORM tests.assert_eq(has_table_privilege('authenticated', 'public.' || r.t, p),
                              p = ANY (string_to_array(r.granted, ',')),
                              format('authenticated %s on %s (table level)', p, r.t));
    END LOOP;
  END LOOP;
END
$$;

-- Column privileges of authenticated where a table grants by column.
DO $$
DECLARE
  r record;
  c text;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('partner_invitations', 'INSERT', 'id,inviter_id,invitee_email,invite_code,message,expires_at,created_at,updated_at'),
    ('slack_installations', 'SELECT', 'id,user_id,team_id,team_name,bot_user_id,token_key_version,scope,authed_user_id,is_active,settings,installed_at,disconnected_at,created_at,updated_at'),
    ('slack_installations', 'UPDATE', 'settings'),
    ('slack_installations', 'INSERT', ''),
    ('teams_installations', 'SELECT', 'id,user_id,tenant_id,tenant_name,service_url,bot_id,conversation_id,token_key_version,teams_user_id,teams_user_email,teams_display_name,token_expires_at,is_active,settings,installed_at,disconnected_at,created_at,updated_at'),
    ('teams_installations', 'UPDATE', 'settings'),
    ('teams_installations', 'INSERT', ''),
    ('print_orders', 'INSERT', 'id,user_id,product_id,quantity,customization,content_snapshot,shipping_address,shipping_method,subtotal,shipping,tax,discount,total,currency'),
    ('print_orders', 'UPDATE', 'status'),
    ('teams', 'INSERT', 'id,name,slug,owner_id,logo_url,settings,is_active,created_at,updated_at'),
    ('teams', 'UPDATE', 'name,slug,logo_url,settings,is_active'),
    ('partner_invitations', 'UPDATE', ''),
    ('partner_connections', 'INSERT', ''),
    ('partner_connections', 'UPDATE', ''),
    ('team_leaderboards', 'INSERT', ''),
    ('team_leaderboards', 'UPDATE', ''),
    ('print_products', 'INSERT', ''),
    ('print_products', 'UPDATE', '')) AS v (t, priv, cols)
  LOOP
    FOR c IN SELECT a.attname FROM pg_attribute a
             WHERE a.attrelid = ('public.' || r.t)::regclass AND a.attnum > 0 AND NOT a.attisdropped
    LOOP
      PERFORM tests.assert_eq(has_column_privilege('authenticated', 'public.' || r.t, c, r.priv),
                              c = ANY (string_to_array(r.cols, ',')),
                              format('authenticated %s on %s.%s', r.priv, r.t, c));
    END LOOP;
  END LOOP;
END
$$;

-- F1: no plaintext tokens; ciphertext columns are bytea with a length CHECK and not selectable
-- (nor writable) by client roles.
SELECT tests.assert_eq(
  (SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'
     AND table_name IN ('slack_installations', 'teams_installations')
     AND column_name IN ('access_token', 'refresh_token', 'bot_token')),
  0::bigint, 'no plaintext token column in the installations tables');
DO $$
DECLARE
  r record;
  role_name text;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('slack_installations', 'access_token_encrypted'),
    ('teams_installations', 'access_token_encrypted'),
    ('teams_installations', 'refresh_token_encrypted')) AS v (t, c)
  LOOP
    PERFORM tests.assert_eq((SELECT data_type FROM information_schema.columns
                             WHERE table_schema = 'public' AND table_name = r.t AND column_name = r.c),
                            'bytea', r.t || '.' || r.c || ' is bytea');
    PERFORM tests.assert(EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ('public.' || r.t)::regclass
                                 AND contype = 'c'
                                 AND pg_get_constraintdef(oid) = format('CHECK ((octet_length(%s) > 28))', r.c)),
                         r.t || '.' || r.c || ' has CHECK octet_length > 28');
    FOREACH role_name IN ARRAY ARRAY['anon', 'authenticated'] LOOP
      PERFORM tests.assert(NOT has_column_privilege(role_name, 'public.' || r.t, r.c, 'SELECT'),
                           format('%s cannot select %s.%s', role_name, r.t, r.c));
      PERFORM tests.assert(NOT has_column_privilege(role_name, 'public.' || r.t, r.c, 'INSERT'),
                           format('%s cannot insert %s.%s', role_name, r.t, r.c));
      PERFORM tests.assert(NOT has_column_privilege(role_name, 'public.' || r.t, r.c, 'UPDATE'),
                           format('%s cannot update %s.%s', role_name, r.t, r.c));
    END LOOP;
    PERFORM tests.assert(has_column_privilege('service_role', 'public.' || r.t, r.c, 'SELECT'),
                         format('service_role selects %s.%s', r.t, r.c));
  END LOOP;
END
$$;

-- Named constraints and indexes.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('partner_invitations', 'UNIQUE (invite_code)'),
    ('partner_invitations', $c$CHECK (((invite_code ~ '^[A-Z0-9]{8}$'::text) OR (invite_code ~ '^[0-9a-f]{64}$'::text)))$c$),
    ('partner_connections', 'UNIQUE (user_id, partner_id)'),
    ('partner_connections', 'CHECK ((partner_id <> user_id))'),
    ('slack_installations', 'UNIQUE (user_id, team_id)'),
    ('teams_installations', 'UNIQUE (user_id, tenant_id)'),
    ('print_products', 'UNIQUE (prodigi_sku)'),
    ('print_orders', 'CHECK ((quantity >= 1))'),
    ('teams', 'UNIQUE (slug)'),
    ('teams', 'CHECK ((max_members > 0))'),
    ('team_members', 'UNIQUE (team_id, user_id)'),
    ('team_leaderboards', 'UNIQUE (team_id, period_type, user_id)'),
    ('team_leaderboards', 'CHECK ((period_end >= period_start))')) AS v (t, def)
  LOOP
    PERFORM tests.assert(EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ('public.' || r.t)::regclass
                                 AND pg_get_constraintdef(oid) = r.def),
                         r.t || ': constraint ' || r.def);
  END LOOP;
  FOR r IN SELECT * FROM (VALUES
    ('partner_invitations', '(inviter_id)'),
    ('partner_invitations', '(invitee_email)'),
    ('partner_invitations', '(status) WHERE (status = ''pending''::text)'),
    ('partner_connections', 'UNIQUE INDEX % (LEAST(user_id, partner_id), GREATEST(user_id, partner_id))'),
    ('partner_connections', '(user_id)'),
    ('partner_connections', '(partner_id)'),
    ('partner_connections', '(status) WHERE (status = ''active''::text)'),
    ('shared_goals', '(connection_id)'),
    ('shared_goals', '(status) WHERE (status = ''active''::text)'),
    ('slack_installations', '(team_id)'),
    ('slack_installations', '(user_id) WHERE is_active'),
    ('teams_installations', '(tenant_id)'),
    ('teams_installations', '(user_id) WHERE is_active'),
    ('print_products', '(is_active, sort_order)'),
    ('print_products', '(product_type)'),
    ('print_orders', '(user_id)'),
    ('print_orders', '(status)'),
    ('print_orders', '(created_at DESC)'),
    ('print_orders', '(product_id)'),
    ('print_orders', '(prodigi_order_id) WHERE (prodigi_order_id IS NOT NULL)'),
    ('teams', '(owner_id)'),
    ('team_members', '(user_id)')) AS v (t, def)
  LOOP
    PERFORM tests.assert(EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'public' AND tablename = r.t
                                 AND (indexdef LIKE '%USING btree ' || r.def OR indexdef LIKE 'CREATE ' || r.def)),
                         r.t || ': index ' || r.def);
  END LOOP;
END
$$;

-- Foreign keys and their ON DELETE behaviour (a = no action, c = cascade, n = set null).
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('partner_invitations', 'inviter_id', 'auth.users', 'c'),
    ('partner_invitations', 'accepted_by', 'auth.users', 'n'),
    ('partner_connections', 'user_id', 'auth.users', 'c'),
    ('partner_connections', 'partner_id', 'auth.users', 'c'),
    ('partner_connections', 'ended_by', 'auth.users', 'n'),
    ('shared_goals', 'connection_id', 'partner_connections', 'c'),
    ('shared_goals', 'created_by', 'auth.users', 'c'),
    ('slack_installations', 'user_id', 'auth.users', 'c'),
    ('teams_installations', 'user_id', 'auth.users', 'c'),
    ('print_orders', 'user_id', 'auth.users', 'c'),
    ('print_orders', 'product_id', 'print_products', 'a'),
    ('teams', 'owner_id', 'auth.users', 'a'),
    ('team_members', 'team_id', 'teams', 'c'),
    ('team_members', 'user_id', 'auth.users', 'c'),
    ('team_members', 'invited_by', 'auth.users', 'n'),
    ('team_leaderboards', 'team_id', 'teams', 'c')) AS v (t, col, ref, action)
  LOOP
    PERFORM tests.assert(EXISTS (
      SELECT 1 FROM pg_constraint k
      WHERE k.conrelid = ('public.' || r.t)::regclass AND k.contype = 'f'
        AND k.confrelid = (CASE WHEN r.ref LIKE '%.%' THEN r.ref ELSE 'public.' || r.ref END)::regclass
        AND k.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = k.conrelid AND attname = r.col)]
        AND k.confdeltype = r.action),
      format('%s.%s -> %s (on delete %s)', r.t, r.col, r.ref, r.action));
  END LOOP;
END
$$;

-- Defaults worth pinning down.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('partner_invitations', 'inviter_id', 'auth.uid()'),
    ('partner_invitations', 'invite_code', 'internal.new_invite_code()'),
    ('partner_invitations', 'status', '''pending''::text'),
    ('partner_invitations', 'expires_at', '(now() + ''7 days''::interval)'),
    ('shared_goals', 'created_by', 'auth.uid()'),
    ('shared_goals', 'category', '''general''::text'),
    ('slack_installations', 'user_id', 'auth.uid()'),
    ('teams_installations', 'user_id', 'auth.uid()'),
    ('print_orders', 'user_id', 'auth.uid()'),
    ('teams', 'owner_id', 'auth.uid()'),
    ('teams', 'max_members', '10'),
    ('team_members', 'role', '''member''::text')) AS v (t, col, def)
  LOOP
    PERFORM tests.assert_eq(
      (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a
         ON a.attrelid = d.adrelid AND a.attnum = d.adnum
       WHERE d.adrelid = ('public.' || r.t)::regclass AND a.attname = r.col),
      r.def, r.t || '.' || r.col || ' default');
  END LOOP;
END
$$;
SELECT tests.assert_eq(
  (SELECT column_default FROM information_schema.columns WHERE table_schema = 'public'
     AND table_name = 'teams_installations' AND column_name = 'settings'),
  (SELECT column_default FROM information_schema.columns WHERE table_schema = 'public'
     AND table_name = 'slack_installations' AND column_name = 'settings'),
  'teams_installations.settings has the same default as slack_installations.settings');

-- Functions: security definer with a fixed empty search_path, no EXECUTE for PUBLIC, and exactly
-- the roles each one is for.
DO $$
DECLARE
  r record;
  role_name text;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('public.accept_partner_invitation(text)', 'authenticated'),
    ('public.decline_partner_invitation(text)', 'authenticated'),
    ('public.expire_partner_invitations()', 'service_role'),
    ('public.end_partner_connection(uuid)', 'authenticated'),
    ('public.get_partner_connection()', 'authenticated'),
    ('public.is_team_member(uuid)', 'authenticated,service_role'),
    ('public.team_role(uuid)', 'authenticated,service_role'),
    ('public.calculate_team_leaderboard(uuid,text)', 'service_role'),
    ('public.refresh_team_leaderboards()', 'service_role')) AS v (fn, roles)
  LOOP
    PERFORM tests.assert((SELECT prosecdef FROM pg_proc WHERE oid = r.fn::regprocedure), r.fn || ' is SECURITY DEFINER');
    PERFORM tests.assert((SELECT proconfig @> ARRAY['search_path=""'] FROM pg_proc WHERE oid = r.fn::regprocedure),
                         r.fn || ' has SET search_path = ''''');
    PERFORM tests.assert(coalesce(obj_description(r.fn::regprocedure, 'pg_proc'), '') <> '', r.fn || ' has a comment');
    PERFORM tests.assert(NOT has_function_privilege('public', r.fn, 'EXECUTE'), r.fn || ': no EXECUTE for PUBLIC');
    FOREACH role_name IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
      PERFORM tests.assert_eq(has_function_privilege(role_name, r.fn, 'EXECUTE'),
                              role_name = ANY (string_to_array(r.roles, ',')),
                              format('EXECUTE on %s for %s', r.fn, role_name));
    END LOOP;
  END LOOP;
END
$$;
SELECT tests.assert_eq(
  (SELECT pg_get_function_arguments('public.calculate_team_leaderboard(uuid,text)'::regprocedure)),
  'p_team_id uuid, p_period_type text DEFAULT ''weekly''::text', 'calculate_team_leaderboard defaults to weekly');
SELECT tests.assert_eq(
  (SELECT pg_get_function_result('public.get_partner_connection()'::regprocedure)),
  'TABLE(connection_id uuid, partner_id uuid, partner_email text, connected_at timestamp with time zone)',
  'get_partner_connection result columns');
-- Every function this migration defines (public and internal): commented, no EXECUTE for PUBLIC,
-- definers pinned to an empty search_path.
DO $$
DECLARE
  f record;
BEGIN
  FOR f IN SELECT p.oid::regprocedure AS fn, p.prosecdef, p.proconfig FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname IN ('public', 'internal')
             AND p.proname IN ('partner_invitation_before_write', 'shared_goal_guard', 'lock_team_for_membership',
                               'team_member_guard', 'team_add_owner', 'team_owner_changed', 'hand_over_owned_teams')
  LOOP
    PERFORM tests.assert(NOT has_function_privilege('public', f.fn, 'EXECUTE'), f.fn || ': no EXECUTE for PUBLIC');
    PERFORM tests.assert(coalesce(obj_description(f.fn, 'pg_proc'), '') <> '', f.fn || ' has a comment');
    PERFORM tests.assert(NOT f.prosecdef OR f.proconfig @> ARRAY['search_path=""'], f.fn || ': definer with empty search_path');
    PERFORM tests.assert(NOT has_function_privilege('anon', f.fn, 'EXECUTE'), f.fn || ': anon cannot execute');
  END LOOP;
  PERFORM tests.assert_eq((SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                           WHERE n.nspname = 'internal'
                             AND p.proname IN ('partner_invitation_before_write', 'shared_goal_guard', 'lock_team_for_membership',
                                               'team_member_guard', 'team_add_owner', 'team_owner_changed', 'hand_over_owned_teams')),
                          7::bigint, 'the 7 internal helpers exist');
END
$$;

-- Seed: 10 catalogue products exactly as specified; no workbook among them; idempotent on SKU.
SELECT tests.assert_eq((SELECT count(*) FROM public.print_products), 10::bigint, 'print_products seeded with 10 rows');
SELECT tests.assert_eq(
  (SELECT string_agg(concat_ws('|', sort_order, name, product_type, prodigi_sku, size, base_price, shipping_estimate,
                               personalization_fields, min_content_items), E'\n' ORDER BY sort_order)
   FROM public.print_products),
  concat_ws(E'\n',
    '1|Daily Focus Pad|pad|GLOBAL-PAD-A5-50|A5 (5.8"x8.3")|14.99|4.99|["title", "tagline"]|1',
    '2|Habit Cue Cards|cards|GLOBAL-CRD-3x5-25|3"x5" (25 cards)|9.99|2.99|[]|3',
    '3|Vision Poster 18x24|poster|GLOBAL-FAP-18x24|18"x24"|24.99|6.99|["title"]|1',
    '4|Vision Poster 24x36|poster|GLOBAL-FAP-24x36|24"x36"|39.99|9.99|["title"]|1',
    '5|Achievement Stickers|sticker|GLOBAL-STK-A4|A4 Sheet|9.99|2.99|[]|0',
    '6|Vision Canvas 16x20|canvas|GLOBAL-CAN-16x20|16"x20"|49.99|9.99|["title"]|1',
    '7|Vision Canvas 24x36|canvas|GLOBAL-CAN-24x36|24"x36"|89.99|14.99|["title"]|1',
    '8|Quarterly Review Kit|bundle|BUNDLE-QTR-KIT|Mixed|34.99|6.99|["quarter", "year"]|5',
    '9|Goal Milestone Cards|cards|GLOBAL-CRD-5x7-10|5"x7" (10 cards)|14.99|3.99|["message"]|0',
    '10|Weekly Reflection Pad|pad|GLOBAL-PAD-A4-52|A4 (8.3"x11.7")|19.99|5.99|["title", "year"]|0'),
  'seed rows match the print_products catalogue');
SELECT tests.assert_eq(
  (SELECT count(*) FROM public.print_products
   WHERE requires_content AND NOT elite_exclusive AND color_options = '[]'::jsonb AND is_active
     AND char_length(description) > 10 AND product_type <> 'workbook'),
  10::bigint, 'every seed product: requires content, not elite, no colours, active, described, not a workbook');
-- Re-running the seed statement form (ON CONFLICT on the SKU) leaves the catalogue unchanged.
INSERT INTO public.print_products (name, product_type, prodigi_sku, size, base_price)
SELECT name || ' again', product_type, prodigi_sku, size, base_price + 1 FROM public.print_products
ON CONFLICT (prodigi_sku) DO NOTHING;
SELECT tests.assert_eq((SELECT count(*) FROM public.print_products), 10::bigint, 're-seeding keeps 10 rows');
SELECT tests.assert_eq((SELECT count(*) FROM public.print_products WHERE name LIKE '% again'), 0::bigint,
                       're-seeding changes no row');
SELECT tests.assert_raises(
  $$INSERT INTO public.print_products (name, product_type, prodigi_sku, size, base_price)
    VALUES ('Dup', 'pad', 'GLOBAL-PAD-A5-50', 'A5', 1)$$, '23505', 'prodigi_sku is unique');

-- updated_at is refreshed by the trigger (one example table per kind of row).
UPDATE public.print_products SET updated_at = now() - interval '1 day', created_at = now() - interval '1 day'
WHERE prodigi_sku = 'GLOBAL-STK-A4';
UPDATE public.print_products SET sort_order = 55 WHERE prodigi_sku = 'GLOBAL-STK-A4';
SELECT tests.assert_eq((SELECT updated_at FROM public.print_products WHERE prodigi_sku = 'GLOBAL-STK-A4'), now(),
                       'set_updated_at refreshes updated_at on print_products');
