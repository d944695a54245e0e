-- The schema's own assertions (docs/schema.md, Conventions), read from the catalog after every
-- migration.
CREATE TEMP TABLE expected_tables (name text PRIMARY KEY);
INSERT INTO expected_tables VALUES
  ('profiles'), ('vision_boards'), ('reference_images'), ('documents'), ('action_tasks'),
  ('poster_orders'), ('plaid_items'), ('agent_sessions'), ('agent_messages'),
  ('user_comm_preferences'), ('habits'), ('habit_completions'), ('user_achievements'),
  ('scheduled_checkins'), ('agent_actions'), ('weekly_reviews'), ('progress_predictions'),
  ('workbook_templates'), ('workbook_orders'), ('workbook_sections'), ('user_knowledge_base'),
  ('motivational_themes'), ('user_identity_profiles'), ('user_knowledge_sources'),
  ('user_knowledge_chunks'), ('voice_coach_sessions'), ('master_prompt_questions'),
  ('partner_invitations'), ('partner_connections'), ('shared_goals'), ('slack_installations'),
  ('teams_installations'), ('print_orders'), ('teams'), ('team_members'), ('team_leaderboards'),
  ('print_products'), ('credit_ledger'), ('team_invitations');

-- Exactly the 39 tables (the 38 of the original schema and team_invitations, 0036), all in
-- public, each with RLS (not forced), a policy and a comment.
SELECT tests.assert_eq((SELECT count(*) FROM expected_tables), 39::bigint, 'the list names 39 tables');
SELECT tests.assert_eq(
  (SELECT array_agg(e.name ORDER BY e.name) FROM expected_tables e
   WHERE to_regclass('public.' || quote_ident(e.name)) IS NULL),
  NULL::text[], 'missing tables');
SELECT tests.assert_eq(
  (SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
     AND c.relname NOT IN (SELECT name FROM expected_tables)),
  NULL::text[], 'tables in public beyond the 39');
SELECT tests.assert_eq(
  (SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c JOIN expected_tables e ON e.name = c.relname
   WHERE c.relnamespace = 'public'::regnamespace AND (NOT c.relrowsecurity OR c.relforcerowsecurity)),
  NULL::text[], 'tables without row-level security enabled (or with it forced)');
SELECT tests.assert_eq(
  (SELECT array_agg(e.name ORDER BY e.name) FROM expected_tables e
   WHERE NOT EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = e.name)),
  NULL::text[], 'tables without any policy');
SELECT tests.assert_eq(
  (SELECT array_agg(e.name ORDER BY e.name) FROM expected_tables e
   WHERE coalesce(btrim(obj_description(('public.' || e.name)::regclass, 'pg_class')), '') = ''),
  NULL::text[], 'tables without a comment');
SELECT tests.assert_eq(
  (SELECT array_agg(a.attrelid::regclass::text || '.' || a.attname ORDER BY 1) FROM pg_attribute a
   JOIN expected_tables e ON ('public.' || e.name)::regclass = a.attrelid
   WHERE a.attnum > 0 AND NOT a.attisdropped
     AND coalesce(btrim(col_description(a.attrelid, a.attnum)), '') = ''),
  NULL::text[], 'columns without a comment');

-- Standard columns and the updated_at trigger on every table.
SELECT tests.assert_eq(
  (SELECT array_agg(e.name || '.' || col ORDER BY 1) FROM expected_tables e
   CROSS JOIN (VALUES ('created_at'), ('updated_at')) AS c (col)
   WHERE NOT EXISTS (
     SELECT 1 FROM information_schema.columns i
     WHERE i.table_schema = 'public' AND i.table_name = e.name AND i.column_name = c.col
       AND i.data_type = 'timestamp with time zone' AND i.is_nullable = 'NO')),
  NULL::text[], 'created_at/updated_at missing, not timestamptz, or nullable');
SELECT tests.assert_eq(
  (SELECT array_agg(e.name ORDER BY 1) FROM expected_tables e
   WHERE NOT EXISTS (
     SELECT 1 FROM information_schema.columns i
     WHERE i.table_schema = 'public' AND i.table_name = e.name AND i.column_name = 'id' AND i.data_type = 'uuid')),
  NULL::text[], 'tables without a uuid id');
SELECT tests.assert_eq(
  (SELECT array_agg(e.name ORDER BY 1) FROM expected_tables e
   WHERE NOT EXISTS (
     SELECT 1 FROM pg_trigger t
     WHERE t.tgrelid = ('public.' || e.name)::regclass AND NOT t.tgisinternal
       AND t.tgfoid = 'public.set_updated_at()'::regprocedure
       AND (t.tgtype & 2) = 2   -- BEFORE
       AND (t.tgtype & 16) = 16 -- UPDATE
       AND (t.tgtype & 1) = 1)), -- FOR EACH ROW
  NULL::text[], 'tables without the BEFORE UPDATE set_updated_at row trigger');

-- pgvector and the knowledge-chunk indexes.
SELECT tests.assert((SELECT count(*) = 1 FROM pg_extension WHERE extname = 'vector'), 'extension vector is installed');
SELECT tests.assert(EXISTS (
  SELECT 1 FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'user_knowledge_chunks'
    AND indexdef ILIKE '%USING hnsw%embedding%'), 'user_knowledge_chunks has an HNSW index on embedding');
SELECT tests.assert(EXISTS (
  SELECT 1 FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'user_knowledge_chunks'
    AND indexdef ILIKE '%USING gin%chunk_tsv%'), 'user_knowledge_chunks has a GIN index on chunk_tsv');

-- No plaintext token columns; ciphertext columns are invisible to client roles.
SELECT tests.assert_eq(
  (SELECT array_agg(table_name || '.' || column_name) FROM information_schema.columns
   WHERE table_schema = 'public' AND column_name IN ('access_token', 'refresh_token')),
  NULL::text[], 'plaintext token columns');
SELECT tests.assert(
  (SELECT count(*) FROM information_schema.columns
   WHERE table_schema = 'public' AND column_name LIKE '%\_encrypted') >= 4, 'the four *_encrypted columns exist');
SELECT tests.assert_eq(
  (SELECT array_agg(r.rolname || ' ' || c.table_name || '.' || c.column_name ORDER BY 1)
   FROM information_schema.columns c CROSS JOIN (VALUES ('anon'), ('authenticated')) AS r (rolname)
   WHERE c.table_schema = 'public' AND c.column_name LIKE '%\_encrypted'
     AND has_column_privilege(r.rolname, format('public.%I', c.table_name), c.column_name, 'SELECT')),
  NULL::text[], 'client roles that can select ciphertext');

-- End users cannot touch their tier or payment fields (credits: only the one-credit spend of 0039).
SELECT tests.assert_eq(
  (SELECT array_agg(col ORDER BY col) FROM unnest(ARRAY['subscription_tier', 'subscription_status', 'stripe_customer_id']) AS col
   WHERE has_column_privilege('authenticated', 'public.profiles', col, 'UPDATE')),
  NULL::text[], 'profile columns authenticated may update but must not');
SELECT tests.assert(NOT has_column_privilege('service_role', 'public.profiles', 'credits', 'UPDATE'), 'not even service_role updates credits directly');
SELECT tests.assert(NOT has_table_privilege(r, 'public.credit_ledger', p), format('%s lacks %s on credit_ledger', r, p))
FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) AS r CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p;

-- Seeds, and their idempotence is tested where they are defined.
SELECT tests.assert_eq((SELECT count(*) FROM public.motivational_themes), 5::bigint, 'motivational_themes seed');
SELECT tests.assert_eq((SELECT count(*) FROM public.master_prompt_questions), 28::bigint, 'master_prompt_questions seed');
SELECT tests.assert_eq((SELECT count(*) FROM public.workbook_templates), 4::bigint, 'workbook_templates seed');
SELECT tests.assert_eq((SELECT count(*) FROM public.print_products), 10::bigint, 'print_products seed');

-- Functions: the named ones exist; definers pin search_path; nothing executable by PUBLIC.
SELECT tests.assert(to_regprocedure(f) IS NOT NULL, 'function exists: ' || f)
FROM unnest(ARRAY[
  'auth.jwt()', 'auth.uid()', 'auth.role()', 'public.set_updated_at()', 'public.handle_new_user()',
  'public.decrement_user_credits()', 'public.adjust_user_credits(uuid, integer, text, text)',
  'public.soft_delete_vision_board(uuid)', 'public.restore_vision_board(uuid)',
  'public.soft_delete_reference_image(uuid)', 'public.restore_reference_image(uuid)',
  'public.soft_delete_document(uuid)', 'public.restore_document(uuid)',
  'public.recalculate_habit_streak(uuid)', 'public.refresh_habit_streaks()', 'public.enforce_order_status()',
  'public.compile_user_knowledge_base()', 'public.compile_user_knowledge_base(uuid)', 'public.get_amie_context()',
  'public.search_knowledge_chunks(extensions.vector, integer)',
  'public.hybrid_search_knowledge_chunks(text, extensions.vector, integer)',
  'public.accept_partner_invitation(text)', 'public.decline_partner_invitation(text)',
  'public.expire_partner_invitations()', 'public.end_partner_connection(uuid)', 'public.get_partner_connection()',
  'public.is_team_member(uuid)', 'public.team_role(uuid)', 'public.calculate_team_leaderboard(uuid, text)',
  'public.refresh_team_leaderboards()'
]) AS f;
SELECT tests.assert_eq(
  (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
   WHERE p.prosecdef AND p.pronamespace IN ('public'::regnamespace, 'auth'::regnamespace, 'internal'::regnamespace, 'storage'::regnamespace)
     AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) AS c WHERE c LIKE 'search_path=%')),
  NULL::text[], 'SECURITY DEFINER functions without a fixed search_path');
SELECT tests.assert_eq(
  (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
   LEFT JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
   WHERE p.pronamespace IN ('public'::regnamespace, 'auth'::regnamespace, 'internal'::regnamespace, 'storage'::regnamespace)
     AND d.objid IS NULL
     AND has_function_privilege('public', p.oid, 'EXECUTE')
     AND EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')),
  NULL::text[], 'functions executable by PUBLIC');
-- Policies call auth helpers in sub-select form, so they are computed once per statement.
SELECT tests.assert_eq(
  (SELECT array_agg(tablename || '.' || policyname ORDER BY 1) FROM pg_policies
   WHERE schemaname = 'public'
     AND (coalesce(qual, '') || coalesce(with_check, '')) ~ 'auth\.uid\(\)'
     AND (coalesce(qual, '') || coalesce(with_check, '')) !~ 'SELECT auth\.uid\(\)'),
  NULL::text[], 'policies calling auth.uid() outside a sub-select');

-- Every foreign key that an account or board deletion follows has an index on its referencing
-- columns (leading), so deletions never scan whole tables (in auth and storage too). A partial
-- index counts only when its predicate is the column's IS NOT NULL, which the cascade's equality
-- implies; a live-rows index (deleted_at IS NULL) cannot serve the cascade.
SELECT tests.assert_eq(
  (SELECT array_agg(c.conrelid::regclass::text || '(' || a.attname || ')' ORDER BY 1)
   FROM pg_constraint c
   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
   WHERE c.contype = 'f' AND c.connamespace IN ('public'::regnamespace, 'auth'::regnamespace, 'storage'::regnamespace)
     AND array_length(c.conkey, 1) = 1
     AND NOT EXISTS (
       SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]
         AND (i.indpred IS NULL OR pg_get_expr(i.indpred, i.indrelid) = '(' || quote_ident(a.attname) || ' IS NOT NULL)'))),
  NULL::text[], 'foreign keys without an index on their column');
