-- 0005 structure: the ten tables of the workbook and identity slice carry the standard columns,
-- triggers, comments, RLS and exactly the privileges their Access lines give; indexes and
-- functions are declared as the migration does.

-- Table-level privileges a role holds directly on a table (sorted), from the ACL.
CREATE FUNCTION pg_temp.table_privileges(p_role text, p_table text) RETURNS text
LANGUAGE sql AS $$
  SELECT coalesce(string_agg(a.privilege_type, ',' ORDER BY a.privilege_type), '')
  FROM pg_class c, aclexplode(c.relacl) a
  WHERE c.oid = ('public.' || p_table)::regclass
    AND a.grantee = CASE WHEN p_role = 'PUBLIC' THEN 0 ELSE (SELECT oid FROM pg_roles WHERE rolname = p_role) END
$$;

-- Columns on which a role holds a column-level privilege (sorted).
CREATE FUNCTION pg_temp.column_privileges(p_role text, p_table text, p_privilege text) RETURNS text
LANGUAGE sql AS $$
  SELECT coalesce(string_agg(att.attname, ',' ORDER BY att.attname), '')
  FROM pg_attribute att, aclexplode(att.attacl) a
  WHERE att.attrelid = ('public.' || p_table)::regclass AND att.attnum > 0 AND NOT att.attisdropped
    AND a.privilege_type = p_privilege
    AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = p_role)
$$;

-- Standard columns, updated_at trigger, RLS, comments and policies of every table.
DO $$
DECLARE
  t text;
  n integer;
BEGIN
  FOREACH t IN ARRAY ARRAY['workbook_templates', 'workbook_orders', 'workbook_sections', 'user_knowledge_base',
    'motivational_themes', 'user_identity_profiles', 'user_knowledge_sources', 'user_knowledge_chunks',
    'voice_coach_sessions', 'master_prompt_questions']
  LOOP
    PERFORM tests.assert(to_regclass('public.' || t) IS NOT NULL, t || ' exists');
    PERFORM tests.assert_eq(
      (SELECT relrowsecurity FROM pg_class WHERE oid = ('public.' || t)::regclass), true, t || ': RLS enabled');
    PERFORM tests.assert_eq(
      (SELECT relforcerowsecurity FROM pg_class WHERE oid = ('public.' || t)::regclass), false, t || ': RLS not forced');
    PERFORM tests.assert_eq(
      (SELECT format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || pg_get_expr(d.adbin, d.adrelid)
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = ('public.' || t)::regclass AND a.attname = 'id'),
      'uuid true gen_random_uuid()', t || '.id is uuid NOT NULL DEFAULT gen_random_uuid()');
    PERFORM tests.assert_eq(
      (SELECT array_agg(a.attname::text ORDER BY a.attnum)
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
       WHERE i.indrelid = ('public.' || t)::regclass AND i.indisprimary),
      ARRAY['id'], t || ': primary key is id');
    PERFORM tests.assert_eq(
      (SELECT count(*)::integer
       FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = ('public.' || t)::regclass AND a.attname IN ('created_at', 'updated_at')
         AND a.atttypid = 'timestamptz'::regtype AND a.attnotnull AND pg_get_expr(d.adbin, d.adrelid) = 'now()'),
      2, t || ': created_at and updated_at are timestamptz NOT NULL DEFAULT now()');
    PERFORM tests.assert_eq(
      (SELECT count(*)::integer FROM pg_trigger tg
       WHERE tg.tgrelid = ('public.' || t)::regclass AND tg.tgname = 'set_updated_at'
         AND tg.tgfoid = 'public.set_updated_at()'::regprocedure
         AND tg.tgtype & 1 = 1 AND tg.tgtype & 2 = 2 AND tg.tgtype & 16 = 16),
      1, t || ': BEFORE UPDATE FOR EACH ROW trigger set_updated_at');
    PERFORM tests.assert(coalesce(btrim(obj_description(('public.' || t)::regclass, 'pg_class')), '') <> '',
      t || ': table comment');
    SELECT count(*) INTO n FROM pg_attribute a
    WHERE a.attrelid = ('public.' || t)::regclass AND a.attnum > 0 AND NOT a.attisdropped
      AND coalesce(btrim(col_description(a.attrelid, a.attnum)), '') = '';
    PERFORM tests.assert_eq(n, 0, t || ': every column has a comment');
    PERFORM tests.assert((SELECT count(*) FROM pg_policy WHERE polrelid = ('public.' || t)::regclass) > 0,
      t || ': has at least one policy');
    PERFORM tests.assert_eq(pg_temp.table_privileges('PUBLIC', t), '', t || ': PUBLIC holds nothing');
    PERFORM tests.assert(
      (SELECT bool_and(has_table_privilege('service_role', 'public.' || t, p))
       FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p),
      t || ': service_role holds all privileges');
  END LOOP;
END
$$;

-- Every policy names its roles explicitly (never PUBLIC).
SELECT tests.assert_eq(
  (SELECT count(*)::integer FROM pg_policy p
   WHERE p.polrelid IN ('public.workbook_templates'::regclass, 'public.workbook_orders'::regclass,
     'public.workbook_sections'::regclass, 'public.user_knowledge_base'::regclass, 'public.motivational_themes'::regclass,
     'public.user_identity_profiles'::regclass, 'public.user_knowledge_sources'::regclass,
     'public.user_knowledge_chunks'::regclass, 'public.voice_coach_sessions'::regclass,
     'public.master_prompt_questions'::regclass)
     AND 0::oid = ANY (p.polroles)),
  0, 'no policy of the slice applies to PUBLIC');

-- Table-level privileges of the client roles, exactly as the Access lines say.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('workbook_templates', 'SELECT', 'SELECT'),
    ('motivational_themes', 'SELECT', 'SELECT'),
    ('master_prompt_questions', 'SELECT', 'SELECT'),
    ('workbook_orders', '', 'SELECT'),
    ('workbook_sections', '', 'DELETE,INSERT,SELECT,UPDATE'),
    ('user_knowledge_base', '', 'DELETE,INSERT,SELECT,UPDATE'),
    ('user_identity_profiles', '', 'DELETE,INSERT,SELECT,UPDATE'),
    ('user_knowledge_sources', '', 'DELETE,INSERT,SELECT,UPDATE'),
    ('user_knowledge_chunks', '', 'DELETE,INSERT,SELECT,UPDATE'),
    ('voice_coach_sessions', '', 'DELETE,INSERT,SELECT,UPDATE')
  ) AS v (tbl, anon_privs, authenticated_privs)
  LOOP
    PERFORM tests.assert_eq(pg_temp.table_privileges('anon', r.tbl), r.anon_privs, r.tbl || ': anon table privileges');
    PERFORM tests.assert_eq(pg_temp.table_privileges('authenticated', r.tbl), r.authenticated_privs,
      r.tbl || ': authenticated table privileges');
  END LOOP;
END
$$;

-- workbook_orders column privileges: INSERT on the client-owned columns, UPDATE on status only.
SELECT tests.assert_eq(pg_temp.column_privileges('authenticated', 'workbook_orders', 'INSERT'),
  'action_plan_id,cover_style,dedication_text,discount_code,financial_snapshot,id,include_habit_tracker,'
  'include_weekly_journal,included_habits,shipping_address,subtitle,template_id,title,user_id,vision_board_ids',
  'workbook_orders: authenticated INSERT columns');
SELECT tests.assert_eq(pg_temp.column_privileges('authenticated', 'workbook_orders', 'UPDATE'), 'status',
  'workbook_orders: authenticated UPDATE only status');
SELECT tests.assert_eq(
  (SELECT count(*)::integer FROM pg_attribute att, aclexplode(att.attacl) a
   WHERE att.attrelid = 'public.workbook_orders'::regclass
     AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = 'anon')),
  0, 'workbook_orders: anon holds no column privilege');

-- Owner columns: NOT NULL, FK to auth.users ON DELETE CASCADE, default auth.uid() except where a
-- trigger derives it; each leads an index.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('workbook_orders', 'auth.uid()'), ('workbook_sections', NULL), ('user_knowledge_base', 'auth.uid()'),
    ('user_identity_profiles', 'auth.uid()'), ('user_knowledge_sources', 'auth.uid()'),
    ('user_knowledge_chunks', NULL), ('voice_coach_sessions', 'auth.uid()')
  ) AS v (tbl, dflt)
  LOOP
    PERFORM tests.assert_eq(
      (SELECT a.attnotnull FROM pg_attribute a WHERE a.attrelid = ('public.' || r.tbl)::regclass AND a.attname = 'user_id'),
      true, r.tbl || '.user_id NOT NULL');
    PERFORM tests.assert_eq(
      (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = ('public.' || r.tbl)::regclass AND a.attname = 'user_id'),
      r.dflt, r.tbl || '.user_id default');
    PERFORM tests.assert_eq(
      (SELECT count(*)::integer FROM pg_constraint c
       WHERE c.conrelid = ('public.' || r.tbl)::regclass AND c.contype = 'f'
         AND c.confrelid = 'auth.users'::regclass AND c.confdeltype = 'c'
         AND c.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = ('public.' || r.tbl)::regclass AND attname = 'user_id')]),
      1, r.tbl || '.user_id references auth.users ON DELETE CASCADE');
    PERFORM tests.assert(EXISTS (
      SELECT 1 FROM pg_index i
      WHERE i.indrelid = ('public.' || r.tbl)::regclass
        AND i.indkey[0] = (SELECT attnum FROM pg_attribute WHERE attrelid = ('public.' || r.tbl)::regclass AND attname = 'user_id')),
      r.tbl || ': user_id leads an index');
  END LOOP;
END
$$;

-- Other foreign keys and their ON DELETE behaviour (a = no action, c = cascade).
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('workbook_orders', 'template_id', 'workbook_templates', 'a'),
    ('workbook_sections', 'workbook_order_id', 'workbook_orders', 'c'),
    ('user_identity_profiles', 'theme_id', 'motivational_themes', 'a'),
    ('user_knowledge_chunks', 'source_id', 'user_knowledge_sources', 'c'),
    ('master_prompt_questions', 'theme_id', 'motivational_themes', 'c')
  ) AS v (tbl, col, parent, action)
  LOOP
    PERFORM tests.assert_eq(
      (SELECT c.confdeltype::text FROM pg_constraint c
       WHERE c.conrelid = ('public.' || r.tbl)::regclass AND c.contype = 'f'
         AND c.confrelid = ('public.' || r.parent)::regclass
         AND c.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = ('public.' || r.tbl)::regclass AND attname = r.col)]),
      r.action, format('%s.%s references %s with ON DELETE %s', r.tbl, r.col, r.parent, r.action));
  END LOOP;
END
$$;

-- Parent keys of the parent-derived tables are NOT NULL.
SELECT tests.assert_eq(
  (SELECT count(*)::integer FROM pg_attribute
   WHERE (attrelid, attname) IN (('public.workbook_sections'::regclass, 'workbook_order_id'),
                                 ('public.user_knowledge_chunks'::regclass, 'source_id')) AND attnotnull),
  2, 'workbook_sections.workbook_order_id and user_knowledge_chunks.source_id are NOT NULL');

-- Uniques on natural keys and one-row-per-user tables.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('workbook_templates', ARRAY['sku']),
    ('motivational_themes', ARRAY['name']),
    ('master_prompt_questions', ARRAY['theme_id', 'sort_order']),
    ('user_knowledge_base', ARRAY['user_id']),
    ('user_identity_profiles', ARRAY['user_id']),
    ('user_knowledge_chunks', ARRAY['source_id', 'chunk_index'])
  ) AS v (tbl, cols)
  LOOP
    PERFORM tests.assert(EXISTS (
      SELECT 1 FROM pg_index i
      WHERE i.indrelid = ('public.' || r.tbl)::regclass AND i.indisunique AND i.indpred IS NULL
        AND (SELECT array_agg(a.attname::text ORDER BY k.ord)
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, ord)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) = r.cols),
      format('%s: unique (%s)', r.tbl, array_to_string(r.cols, ', ')));
  END LOOP;
END
$$;

-- Secondary indexes the tables rely on.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('workbook_orders', '(user_id, created_at DESC)'),
    ('workbook_orders', '(status)'),
    ('workbook_orders', '(template_id)'),
    ('workbook_sections', '(workbook_order_id, section_order)'),
    ('workbook_sections', '(user_id)'),
    ('motivational_themes', '(is_active, sort_order)'),
    ('user_identity_profiles', '(theme_id)'),
    ('user_knowledge_sources', '(user_id)'),
    ('user_knowledge_sources', '(source_type)'),
    ('user_knowledge_sources', '(status)'),
    ('user_knowledge_chunks', '(user_id)'),
    ('voice_coach_sessions', '(user_id)'),
    ('voice_coach_sessions', '(session_type)'),
    ('voice_coach_sessions', '(status)'),
    ('voice_coach_sessions', '(started_at DESC)')
  ) AS v (tbl, cols)
  LOOP
    PERFORM tests.assert(EXISTS (
      SELECT 1 FROM pg_indexes WHERE schemaname = 'public' AND tablename = r.tbl
        AND indexdef LIKE '%USING btree ' || r.cols),
      format('%s: index %s', r.tbl, r.cols));
  END LOOP;
END
$$;

-- user_knowledge_chunks: vector(1536), HNSW cosine index, generated tsvector with GIN index.
SELECT tests.assert_eq(
  (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
   WHERE attrelid = 'public.user_knowledge_chunks'::regclass AND attname = 'embedding'),
  'extensions.vector(1536)', 'embedding is vector(1536)');
SELECT tests.assert(EXISTS (
  SELECT 1 FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'user_knowledge_chunks'
    AND indexdef LIKE '%USING hnsw (embedding extensions.vector_cosine_ops)'),
  'HNSW cosine index on embedding');
SELECT tests.assert(EXISTS (
  SELECT 1 FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'user_knowledge_chunks'
    AND indexdef LIKE '%USING gin (chunk_tsv)'),
  'GIN index on chunk_tsv');
SELECT tests.assert_eq(
  (SELECT a.attgenerated::text || ' ' || a.attnotnull || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || pg_get_expr(d.adbin, d.adrelid)
   FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attrelid = 'public.user_knowledge_chunks'::regclass AND a.attname = 'chunk_tsv'),
  's true tsvector to_tsvector(''english''::regconfig, chunk_text)',
  'chunk_tsv is GENERATED ALWAYS AS (to_tsvector(''english'', chunk_text)) STORED, NOT NULL');

-- Column types, nullability and defaults of a sample of columns.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('workbook_templates', 'base_price', 'numeric(10,2) true'),
    ('workbook_templates', 'shipping_estimate', 'numeric(10,2) true 9.99'),
    ('workbook_templates', 'features', 'jsonb true ''[]''::jsonb'),
    ('workbook_templates', 'binding', 'text false'),
    ('workbook_orders', 'status', 'text true ''draft''::text'),
    ('workbook_orders', 'vision_board_ids', 'uuid[] true ''{}''::uuid[]'),
    ('workbook_orders', 'included_habits', 'uuid[] true ''{}''::uuid[]'),
    ('workbook_orders', 'discount_amount', 'numeric(10,2) true 0'),
    ('workbook_orders', 'estimated_delivery', 'date false'),
    ('workbook_orders', 'cancelled_at', 'timestamp with time zone false'),
    ('workbook_sections', 'content', 'jsonb true ''{}''::jsonb'),
    ('workbook_sections', 'status', 'text true ''pending''::text'),
    ('user_knowledge_base', 'dream_locations', 'text[] true ''{}''::text[]'),
    ('user_knowledge_base', 'milestones', 'jsonb true ''[]''::jsonb'),
    ('user_knowledge_base', 'monthly_budget', 'numeric(10,2) false'),
    ('user_knowledge_base', 'last_compiled_at', 'timestamp with time zone false'),
    ('motivational_themes', 'color_scheme', 'jsonb true ''{"primary": "#6366f1", "secondary": "#8b5cf6"}''::jsonb'),
    ('motivational_themes', 'system_prompt_template', 'text true'),
    ('user_identity_profiles', 'theme_id', 'uuid false'),
    ('user_identity_profiles', 'master_prompt_responses', 'jsonb true ''[]''::jsonb'),
    ('user_identity_profiles', 'formality_level', 'text true ''casual''::text'),
    ('user_identity_profiles', 'encouragement_frequency', 'text true ''moderate''::text'),
    ('user_knowledge_sources', 'language', 'text true ''en''::text'),
    ('user_knowledge_sources', 'include_in_context', 'boolean true true'),
    ('user_knowledge_chunks', 'embedding', 'extensions.vector(1536) false'),
    ('user_knowledge_chunks', 'metadata', 'jsonb true ''{}''::jsonb'),
    ('voice_coach_sessions', 'sentiment_score', 'double precision false'),
    ('voice_coach_sessions', 'knowledge_chunks_used', 'uuid[] true ''{}''::uuid[]'),
    ('voice_coach_sessions', 'started_at', 'timestamp with time zone true now()'),
    ('master_prompt_questions', 'theme_id', 'uuid false'),
    ('master_prompt_questions', 'question_type', 'text true ''single_choice''::text'),
    ('master_prompt_questions', 'options', 'jsonb true ''[]''::jsonb')
  ) AS v (tbl, col, expected)
  LOOP
    PERFORM tests.assert_eq(
      (SELECT concat_ws(' ', format_type(a.atttypid, a.atttypmod), a.attnotnull::text, pg_get_expr(d.adbin, d.adrelid))
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = ('public.' || r.tbl)::regclass AND a.attname = r.col),
      r.expected, format('%s.%s type, nullability, default', r.tbl, r.col));
  END LOOP;
END
$$;

-- Triggers: the order state machine and the owner-copying triggers.
SELECT tests.assert_eq(
  (SELECT count(*)::integer FROM pg_trigger
   WHERE tgrelid = 'public.workbook_orders'::regclass AND tgname = 'enforce_order_status'
     AND tgfoid = 'public.enforce_order_status()'::regprocedure AND tgtype & 2 = 2 AND tgtype & 16 = 16
     AND tgattr::text = (SELECT attnum::text FROM pg_attribute WHERE attrelid = 'public.workbook_orders'::regclass AND attname = 'status')),
  1, 'workbook_orders: BEFORE UPDATE OF status trigger enforce_order_status');
SELECT tests.assert_eq(
  (SELECT count(*)::integer FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid
   WHERE tg.tgrelid IN ('public.workbook_sections'::regclass, 'public.user_knowledge_chunks'::regclass)
     AND p.prosecdef AND tg.tgtype & 2 = 2 AND tg.tgtype & 4 = 4 AND tg.tgtype & 16 = 16),
  2, 'workbook_sections and user_knowledge_chunks: BEFORE INSERT OR UPDATE SECURITY DEFINER owner trigger');

-- Functions: security mode, fixed search_path, comments, and EXECUTE exactly for the listed roles.
DO $$
DECLARE
  r record;
  f regprocedure;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('public.compile_user_knowledge_base()', false, '{authenticated}'),
    ('public.compile_user_knowledge_base(uuid)', true, '{service_role}'),
    ('public.get_amie_context()', false, '{authenticated,service_role}'),
    ('public.search_knowledge_chunks(extensions.vector,integer)', false, '{authenticated,service_role}'),
    ('public.hybrid_search_knowledge_chunks(text,extensions.vector,integer)', false, '{authenticated,service_role}'),
    ('internal.owner_from_parent()', true, '{}'),
    ('internal.seed_workbook_templates()', false, '{}'),
    ('internal.seed_motivational_themes()', false, '{}'),
    ('internal.seed_master_prompt_questions()', false, '{}')
  ) AS v (sig, definer, grantees)
  LOOP
    f := r.sig::regprocedure;
    PERFORM tests.assert_eq((SELECT prosecdef FROM pg_proc WHERE oid = f), r.definer, r.sig || ': security mode');
    PERFORM tests.assert((SELECT 'search_path=""' = ANY (proconfig) FROM pg_proc WHERE oid = f),
      r.sig || ': SET search_path = ''''');
    PERFORM tests.assert(coalesce(btrim(obj_description(f, 'pg_proc')), '') <> '', r.sig || ': has a comment');
    PERFORM tests.assert_eq(
      (SELECT coalesce(array_agg(rl.rolname::text ORDER BY rl.rolname), '{}')
       FROM pg_proc p, aclexplode(p.proacl) a JOIN pg_roles rl ON rl.oid = a.grantee
       WHERE p.oid = f AND a.privilege_type = 'EXECUTE' AND rl.rolname IN ('anon', 'authenticated', 'service_role')),
      r.grantees::text[], r.sig || ': EXECUTE granted to exactly the listed API roles');
    PERFORM tests.assert_eq(
      (SELECT count(*)::integer FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
       WHERE p.oid = f AND a.grantee = 0),
      0, r.sig || ': no EXECUTE for PUBLIC');
  END LOOP;
END
$$;

-- The search functions enable pgvector iterative index scans where pgvector has them (0.8+).
SELECT tests.assert_eq(
  (SELECT count(*)::integer FROM pg_proc
   WHERE oid IN ('public.search_knowledge_chunks(extensions.vector,integer)'::regprocedure,
                 'public.hybrid_search_knowledge_chunks(text,extensions.vector,integer)'::regprocedure)
     AND 'hnsw.iterative_scan=relaxed_order' = ANY (proconfig)),
  CASE WHEN (SELECT string_to_array(extversion, '.')::int[] >= ARRAY[0, 8] FROM pg_extension WHERE extname = 'vector')
       THEN 2 ELSE 0 END,
  'search functions SET hnsw.iterative_scan = relaxed_order (pgvector 0.8+)');

-- The search functions' result columns are as declared.
SELECT tests.assert_eq(
  pg_get_function_result('public.search_knowledge_chunks(extensions.vector,integer)'::regprocedure),
  'TABLE(chunk_id uuid, chunk_text text, source_name text, source_type text, similarity double precision)',
  'search_knowledge_chunks result columns');
SELECT tests.assert_eq(
  pg_get_function_result('public.hybrid_search_knowledge_chunks(text,extensions.vector,integer)'::regprocedure),
  'TABLE(chunk_id uuid, chunk_text text, source_name text, source_type text, similarity double precision, text_rank real, score double precision)',
  'hybrid_search_knowledge_chunks result columns');
SELECT tests.assert_eq(
  pg_get_function_arguments('public.hybrid_search_knowledge_chunks(text,extensions.vector,integer)'::regprocedure),
  'p_query_text text, p_query_embedding extensions.vector, p_limit integer DEFAULT 5',
  'hybrid_search_knowledge_chunks arguments');
