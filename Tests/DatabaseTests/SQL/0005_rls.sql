-- 0005 RLS matrix: for every table of the slice, what the owner, another user, anon and
-- service_role can and cannot do. Owner tables are checked by one loop over a fixture list;
-- the catalogue tables by a second loop.

-- Fixtures: alice owns one row in every owner table (created through the API role, as a client
-- would); mallory is the attacker.
CREATE TEMP TABLE fx (key text PRIMARY KEY, id uuid);
GRANT ALL ON fx TO PUBLIC;
INSERT INTO fx VALUES ('alice', tests.create_user('alice@example.com')), ('mallory', tests.create_user('mallory@example.com'));

SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
WITH r AS (INSERT INTO public.workbook_orders (title) VALUES ('My year') RETURNING id)
INSERT INTO fx SELECT 'workbook_orders', id FROM r;
WITH r AS (INSERT INTO public.workbook_sections (workbook_order_id, section_type, section_order)
  VALUES ((SELECT id FROM fx WHERE key = 'workbook_orders'), 'cover', 1) RETURNING id)
INSERT INTO fx SELECT 'workbook_sections', id FROM r;
WITH r AS (INSERT INTO public.user_knowledge_base (names) VALUES ('Alice') RETURNING id)
INSERT INTO fx SELECT 'user_knowledge_base', id FROM r;
WITH r AS (INSERT INTO public.user_identity_profiles (master_prompt) VALUES ('Be brief') RETURNING id)
INSERT INTO fx SELECT 'user_identity_profiles', id FROM r;
WITH r AS (INSERT INTO public.user_knowledge_sources (source_type, source_name) VALUES ('notes', 'Journal') RETURNING id)
INSERT INTO fx SELECT 'user_knowledge_sources', id FROM r;
WITH r AS (INSERT INTO public.user_knowledge_chunks (source_id, chunk_text, chunk_index)
  VALUES ((SELECT id FROM fx WHERE key = 'user_knowledge_sources'), 'Run a marathon in spring', 0) RETURNING id)
INSERT INTO fx SELECT 'user_knowledge_chunks', id FROM r;
WITH r AS (INSERT INTO public.voice_coach_sessions (session_type) VALUES ('on_demand') RETURNING id)
INSERT INTO fx SELECT 'voice_coach_sessions', id FROM r;
SELECT tests.act_as_owner();

-- Every fixture row belongs to alice (defaults and owner-copying triggers).
SELECT tests.assert_eq(
  (SELECT count(*) FROM fx f
   WHERE f.key NOT IN ('alice', 'mallory')
     AND tests.row_count(format('SELECT 1 FROM public.%I WHERE id = %L AND user_id = %L',
                                f.key, f.id, (SELECT id FROM fx WHERE key = 'alice'))) = 1),
  7::bigint, 'the seven fixture rows are owned by alice');

-- Owner tables: the matrix.
DO $$
DECLARE
  alice uuid := (SELECT id FROM fx WHERE key = 'alice');
  mallory uuid := (SELECT id FROM fx WHERE key = 'mallory');
  r record;
  row_id uuid;
  sel text;
  upd text;
  del text;
  ins_as_alice text;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    -- table, harmless update, insert naming alice as owner (%1$L = alice, %2$L = alice's parent row), deletable by owner
    -- children before parents: deleting a parent row would cascade to the child fixture
    ('workbook_sections', 'title = ''x''',
     'INSERT INTO public.workbook_sections (workbook_order_id, user_id, section_type, section_order) VALUES (%2$L, %1$L, ''notes'', 9)', true),
    ('user_knowledge_chunks', 'chunk_text = ''x''',
     'INSERT INTO public.user_knowledge_chunks (source_id, user_id, chunk_text, chunk_index) VALUES (%2$L, %1$L, ''x'', 9)', true),
    ('user_knowledge_base', 'names = ''x''',
     'INSERT INTO public.user_knowledge_base (user_id, names) VALUES (%1$L, ''x'')', true),
    ('user_identity_profiles', 'master_prompt = ''x''',
     'INSERT INTO public.user_identity_profiles (user_id) VALUES (%1$L)', true),
    ('voice_coach_sessions', 'transcript = ''x''',
     'INSERT INTO public.voice_coach_sessions (user_id, session_type) VALUES (%1$L, ''check_in'')', true),
    ('user_knowledge_sources', 'source_name = ''x''',
     'INSERT INTO public.user_knowledge_sources (user_id, source_type, source_name) VALUES (%1$L, ''notes'', ''x'')', true),
    ('workbook_orders', 'status = ''cancelled''',
     'INSERT INTO public.workbook_orders (user_id, title) VALUES (%1$L, ''x'')', false)
  ) AS v (tbl, set_clause, ins, owner_deletes)
  LOOP
    row_id := (SELECT id FROM fx WHERE key = r.tbl);
    sel := format('SELECT 1 FROM public.%I WHERE id = %L', r.tbl, row_id);
    upd := format('UPDATE public.%I SET %s WHERE id = %L', r.tbl, r.set_clause, row_id);
    del := format('DELETE FROM public.%I WHERE id = %L', r.tbl, row_id);
    ins_as_alice := format(r.ins, alice,
      CASE r.tbl WHEN 'workbook_sections' THEN (SELECT id FROM fx WHERE key = 'workbook_orders')
                 WHEN 'user_knowledge_chunks' THEN (SELECT id FROM fx WHERE key = 'user_knowledge_sources') END);

    -- another user: sees nothing, changes nothing, cannot write rows as alice
    PERFORM tests.act_as(mallory);
    PERFORM tests.assert_eq(tests.row_count(sel), 0::bigint, r.tbl || ': another user cannot select the row');
    PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I', r.tbl)), 0::bigint,
      r.tbl || ': another user sees no rows at all');
    PERFORM tests.assert_eq(tests.affected(upd), 0::bigint, r.tbl || ': another user cannot update the row');
    IF r.owner_deletes THEN
      PERFORM tests.assert_eq(tests.affected(del), 0::bigint, r.tbl || ': another user cannot delete the row');
    ELSE
      PERFORM tests.assert_raises(del, '42501', r.tbl || ': another user holds no DELETE');
    END IF;
    PERFORM tests.assert_raises(ins_as_alice, '42501', r.tbl || ': another user cannot insert a row as alice');

    -- anon: no privilege at all
    PERFORM tests.act_as_anon();
    PERFORM tests.assert_raises(sel, '42501', r.tbl || ': anon cannot select');
    PERFORM tests.assert_raises(upd, '42501', r.tbl || ': anon cannot update');
    PERFORM tests.assert_raises(del, '42501', r.tbl || ': anon cannot delete');
    PERFORM tests.assert_raises(ins_as_alice, '42501', r.tbl || ': anon cannot insert');

    -- owner: sees and updates the row; cannot give it away
    PERFORM tests.act_as(alice);
    PERFORM tests.assert_eq(tests.row_count(sel), 1::bigint, r.tbl || ': owner selects the row');
    PERFORM tests.assert_eq(tests.affected(upd), 1::bigint, r.tbl || ': owner updates the row');
    IF r.tbl NOT IN ('workbook_sections', 'user_knowledge_chunks') THEN
      PERFORM tests.assert_raises(format('UPDATE public.%I SET user_id = %L WHERE id = %L', r.tbl, mallory, row_id),
        '42501', r.tbl || ': owner cannot hand the row to another user');
    END IF;

    -- service_role: sees and updates any user's rows
    PERFORM tests.act_as_service();
    PERFORM tests.assert_eq(tests.row_count(sel), 1::bigint, r.tbl || ': service_role selects the row');
    PERFORM tests.assert_eq(tests.affected(upd), 1::bigint, r.tbl || ': service_role updates the row');

    -- owner deletes (where allowed), else service_role does
    IF r.owner_deletes THEN
      PERFORM tests.act_as(alice);
      PERFORM tests.assert_eq(tests.affected(del), 1::bigint, r.tbl || ': owner deletes the row');
    ELSE
      PERFORM tests.act_as(alice);
      PERFORM tests.assert_raises(del, '42501', r.tbl || ': owner holds no DELETE');
      PERFORM tests.act_as_service();
      PERFORM tests.assert_eq(tests.affected(del), 1::bigint, r.tbl || ': service_role deletes the row');
    END IF;

    -- service_role inserts rows for any user (after the delete: some tables hold one row per user)
    PERFORM tests.act_as_service();
    PERFORM tests.assert_eq(tests.affected(ins_as_alice), 1::bigint, r.tbl || ': service_role inserts a row for alice');
    PERFORM tests.act_as_owner();
  END LOOP;
END
$$;

-- Owner inserts: user_id defaults to the caller; inserting one's own rows works everywhere.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'mallory'));
WITH r AS (INSERT INTO public.voice_coach_sessions (session_type) VALUES ('check_in') RETURNING id)
INSERT INTO fx SELECT 'mallory_session', id FROM r;
SELECT tests.assert_eq(
  (SELECT user_id FROM public.voice_coach_sessions WHERE id = (SELECT id FROM fx WHERE key = 'mallory_session')),
  (SELECT id FROM fx WHERE key = 'mallory'), 'user_id defaults to the caller');
SELECT tests.assert_raises('INSERT INTO public.voice_coach_sessions (user_id, session_type) VALUES (NULL, ''check_in'')',
  NULL, 'an explicit NULL owner is refused');
SELECT tests.act_as_owner();

-- workbook_orders: the owner's column privileges (server-managed columns refused with 42501).
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
WITH r AS (INSERT INTO public.workbook_orders (template_id, vision_board_ids, included_habits, title, subtitle,
    dedication_text, cover_style, include_weekly_journal, include_habit_tracker, shipping_address, discount_code,
    financial_snapshot, action_plan_id)
  VALUES ((SELECT id FROM public.workbook_templates WHERE sku = 'GLOBAL-NTB-A5-SC-100'), '{}', '{}', 'T', 'S', 'D',
    'modern', false, false, '{"city": "Lyon"}', 'WELCOME', '{}', gen_random_uuid())
  RETURNING id)
INSERT INTO fx SELECT 'order2', id FROM r;
SELECT tests.assert_eq((SELECT status FROM public.workbook_orders WHERE id = (SELECT id FROM fx WHERE key = 'order2')),
  'draft', 'a new order starts as draft');
DO $$
DECLARE
  col text;
  order_id uuid := (SELECT id FROM fx WHERE key = 'order2');
BEGIN
  FOREACH col IN ARRAY ARRAY['status', 'subtotal', 'total_price', 'discount_amount', 'shipping_cost',
    'discount_applied', 'prodigi_order_id', 'cover_pdf_url', 'paid_at', 'cancelled_at', 'generation_started_at']
  LOOP
    PERFORM tests.assert_raises(
      format('INSERT INTO public.workbook_orders (%I) SELECT %I FROM public.workbook_orders WHERE id = %L', col, col, order_id),
      '42501', 'owner cannot insert server-managed column ' || col);
  END LOOP;
  FOREACH col IN ARRAY ARRAY['title', 'total_price', 'paid_at', 'template_id', 'shipping_address', 'prodigi_status']
  LOOP
    PERFORM tests.assert_raises(
      format('UPDATE public.workbook_orders SET %I = %I WHERE id = %L', col, col, order_id),
      '42501', 'owner cannot update column ' || col);
  END LOOP;
END
$$;
-- An order must name an active template (retired ones are invisible to clients).
SELECT tests.act_as_owner();
WITH r AS (UPDATE public.workbook_templates SET is_active = false WHERE sku = 'GLOBAL-NTB-LTR-HC-150' RETURNING id)
INSERT INTO fx SELECT 'retired_template', id FROM r;
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
SELECT tests.assert_raises(
  format('INSERT INTO public.workbook_orders (template_id) VALUES (%L)', (SELECT id FROM fx WHERE key = 'retired_template')),
  '42501', 'an order cannot name a retired template');
SELECT tests.act_as_owner();

-- Catalogue tables: readable by anon and authenticated, not writable by either; service_role writes.
DO $$
DECLARE
  r record;
  alice uuid := (SELECT id FROM fx WHERE key = 'alice');
  who text;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('workbook_templates', 3,
     'INSERT INTO public.workbook_templates (name, sku, page_count, size, base_price) VALUES (''X'', ''X-SKU'', 10, ''A6'', 1)',
     'UPDATE public.workbook_templates SET base_price = 0 WHERE sku = ''GLOBAL-NTB-A5-SC-100''',
     'DELETE FROM public.workbook_templates WHERE sku = ''X-SKU'''),
    ('motivational_themes', 5,
     'INSERT INTO public.motivational_themes (name, display_name, system_prompt_template) VALUES (''x'', ''X'', ''x'')',
     'UPDATE public.motivational_themes SET system_prompt_template = ''obey me'' WHERE name = ''christian''',
     'DELETE FROM public.motivational_themes WHERE name = ''x'''),
    ('master_prompt_questions', 28,
     'INSERT INTO public.master_prompt_questions (theme_id, question_text, sort_order) SELECT id, ''x'', 99 FROM public.motivational_themes WHERE name = ''custom''',
     'UPDATE public.master_prompt_questions SET question_text = ''x'' WHERE sort_order = 1',
     'DELETE FROM public.master_prompt_questions WHERE sort_order = 99')
  ) AS v (tbl, visible, ins, upd, del)
  LOOP
    FOREACH who IN ARRAY ARRAY['anon', 'authenticated'] LOOP
      IF who = 'anon' THEN PERFORM tests.act_as_anon(); ELSE PERFORM tests.act_as(alice); END IF;
      PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I', r.tbl)), r.visible::bigint,
        format('%s: %s reads the visible catalogue', r.tbl, who));
      PERFORM tests.assert_raises(r.ins, '42501', format('%s: %s cannot insert', r.tbl, who));
      PERFORM tests.assert_raises(r.upd, '42501', format('%s: %s cannot update', r.tbl, who));
      PERFORM tests.assert_raises(r.del, '42501', format('%s: %s cannot delete', r.tbl, who));
      PERFORM tests.assert_raises(format('TRUNCATE public.%I CASCADE', r.tbl), '42501', format('%s: %s cannot truncate', r.tbl, who));
    END LOOP;
    PERFORM tests.act_as_service();
    PERFORM tests.assert_eq(tests.affected(r.ins), 1::bigint, r.tbl || ': service_role inserts');
    PERFORM tests.assert(tests.affected(r.upd) > 0, r.tbl || ': service_role updates');
    PERFORM tests.assert_eq(tests.affected(r.del), 1::bigint, r.tbl || ': service_role deletes');
    PERFORM tests.act_as_owner();
  END LOOP;
END
$$;

-- workbook_templates: the retired template stays visible to service_role only.
SELECT tests.act_as_service();
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM public.workbook_templates'), 4::bigint,
  'service_role sees retired templates too');
SELECT tests.act_as_owner();

-- Deleting an account removes its rows in every owner table (ON DELETE CASCADE).
DELETE FROM auth.users WHERE id = (SELECT id FROM fx WHERE key = 'alice');
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['workbook_orders', 'workbook_sections', 'user_knowledge_base', 'user_identity_profiles',
    'user_knowledge_sources', 'user_knowledge_chunks', 'voice_coach_sessions']
  LOOP
    PERFORM tests.assert_eq(
      tests.row_count(format('SELECT 1 FROM public.%I WHERE user_id = %L', t, (SELECT id FROM fx WHERE key = 'alice'))),
      0::bigint, t || ': rows removed with the account');
  END LOOP;
END
$$;
