-- 0003 access matrix: for each table of 0003_core.sql, what another user, anon, the owner and
-- service_role can and cannot do (docs/schema.md, Conventions, and each table's grants and
-- policies).

-- Users: A owns the fixtures, B attacks them.
SELECT set_config('test.a', tests.create_user('rls-a@example.com')::text, true),
       set_config('test.b', tests.create_user('rls-b@example.com')::text, true);

-- Fixtures, made as the schema owner: one row of A's in every table.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
BEGIN
  INSERT INTO public.vision_boards (id, user_id, prompt, image_url)
    VALUES ('00000000-0000-0000-0003-000000000001', a, 'a beach house', 'https://img/1');
  INSERT INTO public.reference_images (id, user_id, image_url)
    VALUES ('00000000-0000-0000-0003-000000000002', a, 'https://img/2');
  INSERT INTO public.documents (id, user_id, name, url, type)
    VALUES ('00000000-0000-0000-0003-000000000003', a, 'budget', '', 'MANUAL');
  INSERT INTO public.action_tasks (id, user_id, title, type)
    VALUES ('00000000-0000-0000-0003-000000000004', a, 'open savings account', 'FINANCE');
  INSERT INTO public.poster_orders (id, user_id, vision_board_id, total_price)
    VALUES ('00000000-0000-0000-0003-000000000005', a, '00000000-0000-0000-0003-000000000001', 29.90);
  INSERT INTO public.plaid_items (id, user_id, access_token_encrypted, token_key_version, institution_id)
    VALUES ('00000000-0000-0000-0003-000000000006', a, decode(repeat('ab', 40), 'hex'), 1, 'ins_1');
END
$$;

-- Helper: another user, anon and service_role against one of A's rows.
--   p_update: a SET clause; p_update_granted / p_delete_granted: whether authenticated holds the
--   privilege at all (then B must affect 0 rows, else be refused with 42501);
--   p_insert: an INSERT column list and values naming A as owner (%L), refused for B with 42501.
CREATE FUNCTION pg_temp.check_isolation(p_table text, p_id uuid, p_update text, p_update_granted boolean,
                                        p_delete_granted boolean, p_insert text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  b uuid := current_setting('test.b')::uuid;
  v_select text := format('SELECT id FROM public.%I WHERE id = %L', p_table, p_id);
  v_update text := format('UPDATE public.%I SET %s WHERE id = %L', p_table, p_update, p_id);
  v_delete text := format('DELETE FROM public.%I WHERE id = %L', p_table, p_id);
  v_insert text := format('INSERT INTO public.%I %s', p_table, format(p_insert, a));
BEGIN
  -- Another user sees nothing, changes nothing, cannot create rows in A's name.
  PERFORM tests.act_as(b);
  PERFORM tests.assert_eq(tests.row_count(v_select), 0::bigint, p_table || ': another user cannot select the row');
  IF p_update_granted THEN
    PERFORM tests.assert_eq(tests.affected(v_update), 0::bigint, p_table || ': another user cannot update the row');
  ELSE
    PERFORM tests.assert_raises(v_update, '42501', p_table || ': another user has no UPDATE privilege');
  END IF;
  IF p_delete_granted THEN
    PERFORM tests.assert_eq(tests.affected(v_delete), 0::bigint, p_table || ': another user cannot delete the row');
  ELSE
    PERFORM tests.assert_raises(v_delete, '42501', p_table || ': another user has no DELETE privilege');
  END IF;
  PERFORM tests.assert_raises(v_insert, '42501', p_table || ': another user cannot insert a row owned by A');

  -- anon holds nothing.
  PERFORM tests.act_as_anon();
  PERFORM tests.assert_raises(v_select, '42501', p_table || ': anon cannot select');
  PERFORM tests.assert_raises(v_update, '42501', p_table || ': anon cannot update');
  PERFORM tests.assert_raises(v_delete, '42501', p_table || ': anon cannot delete');
  PERFORM tests.assert_raises(v_insert, '42501', p_table || ': anon cannot insert');

  -- service_role bypasses RLS.
  PERFORM tests.act_as_service();
  PERFORM tests.assert_eq(tests.row_count(v_select), 1::bigint, p_table || ': service_role can select the row');
  PERFORM tests.assert_eq(tests.affected(v_update), 1::bigint, p_table || ': service_role can update the row');

  -- The row is untouched by the attempts above and still A's.
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE id = %L AND user_id = %L', p_table, p_id, a)),
                          1::bigint, p_table || ': the row survived the attacks');
END
$$;

-- Isolation of every table with a row per user.
SELECT pg_temp.check_isolation(t.name, t.id::uuid, t.upd, t.upd_granted, t.del_granted, t.ins)
  FROM (VALUES
    ('vision_boards', '00000000-0000-0000-0003-000000000001', 'is_favorite = true', true, true,
     '(user_id, prompt, image_url) VALUES (%L, ''p'', ''u'')'),
    ('reference_images', '00000000-0000-0000-0003-000000000002', 'tags = ''{x}''', true, true,
     '(user_id, image_url) VALUES (%L, ''u'')'),
    ('documents', '00000000-0000-0000-0003-000000000003', 'name = ''renamed''', true, true,
     '(user_id, name, url, type) VALUES (%L, ''n'', '''', ''MANUAL'')'),
    ('action_tasks', '00000000-0000-0000-0003-000000000004', 'is_completed = true', true, true,
     '(user_id, title, type) VALUES (%L, ''t'', ''ADMIN'')'),
    ('poster_orders', '00000000-0000-0000-0003-000000000005', 'status = ''cancelled''', true, false,
     '(user_id, total_price) VALUES (%L, 1)'),
    ('plaid_items', '00000000-0000-0000-0003-000000000006', 'status = ''LOGIN_REQUIRED''', false, true,
     '(user_id, access_token_encrypted, token_key_version) VALUES (%L, decode(repeat(''ab'', 40), ''hex''), 1)')
  ) AS t (name, id, upd, upd_granted, del_granted, ins);

-- profiles: B cannot see or change A's profile; anon nothing; nobody inserts or deletes as a client.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  b uuid := current_setting('test.b')::uuid;
BEGIN
  PERFORM tests.act_as(b);
  PERFORM tests.assert_eq(tests.row_count(format('SELECT id FROM public.profiles WHERE id = %L', a)), 0::bigint,
                          'profiles: another user cannot select the profile');
  PERFORM tests.assert_eq(tests.row_count('SELECT id FROM public.profiles'), 1::bigint, 'profiles: a user sees only their own profile');
  PERFORM tests.assert_eq(tests.affected(format('UPDATE public.profiles SET financial_target = 1 WHERE id = %L', a)), 0::bigint,
                          'profiles: another user cannot update the profile');
  PERFORM tests.assert_raises(format('DELETE FROM public.profiles WHERE id = %L', a), '42501', 'profiles: no DELETE for end users');
  PERFORM tests.assert_raises(format('INSERT INTO public.profiles (id) VALUES (%L)', gen_random_uuid()), '42501',
                              'profiles: no INSERT for end users');
  PERFORM tests.act_as_anon();
  PERFORM tests.assert_raises('SELECT id FROM public.profiles', '42501', 'profiles: anon cannot select');
  PERFORM tests.assert_raises(format('UPDATE public.profiles SET financial_target = 1 WHERE id = %L', a), '42501',
                              'profiles: anon cannot update');

  -- The owner: own row readable, the three user columns writable, nothing else.
  PERFORM tests.act_as(a);
  PERFORM tests.assert_eq(tests.row_count('SELECT * FROM public.profiles'), 1::bigint, 'profiles: the owner sees the profile');
  PERFORM tests.assert_eq(tests.affected(format(
    'UPDATE public.profiles SET onboarding_completed = true, financial_target = 250000, primary_vision_id = %L WHERE id = %L',
    '00000000-0000-0000-0003-000000000001', a)), 1::bigint, 'profiles: the owner updates onboarding, target and primary vision');
  PERFORM tests.assert_raises(format('UPDATE public.profiles SET %s WHERE id = %L', c.set_clause, a), '42501',
                              'profiles: the owner cannot write ' || c.set_clause)
     FROM (VALUES ('credits = 1000'), ('subscription_tier = ''ELITE'''), ('subscription_status = ''active'''),
                  ('stripe_customer_id = ''cus_x'''), ('id = gen_random_uuid()'), ('created_at = now()')) AS c (set_clause);
  PERFORM tests.assert_raises(format('DELETE FROM public.profiles WHERE id = %L', a), '42501', 'profiles: the owner cannot delete');

  -- Same-owner check: primary_vision_id must be one of the owner's live boards.
  PERFORM tests.act_as_owner();
  INSERT INTO public.vision_boards (id, user_id, prompt, image_url)
    VALUES ('00000000-0000-0000-0003-0000000000b1', b, 'b''s board', 'https://img/b');
  PERFORM tests.act_as(a);
  PERFORM tests.assert_raises(format('UPDATE public.profiles SET primary_vision_id = %L WHERE id = %L',
                                     '00000000-0000-0000-0003-0000000000b1', a), '42501',
                              'profiles: primary_vision_id cannot point at another user''s board');

  -- service_role: everything but credits.
  PERFORM tests.act_as_service();
  PERFORM tests.assert_eq(tests.affected(format(
    'UPDATE public.profiles SET subscription_tier = ''PRO'', subscription_status = ''active'', stripe_customer_id = ''cus_a'' WHERE id = %L', a)),
    1::bigint, 'profiles: service_role updates subscription fields');
  PERFORM tests.assert_raises(format('UPDATE public.profiles SET credits = 99 WHERE id = %L', a), '42501',
                              'profiles: service_role cannot set credits directly');
  PERFORM tests.act_as_owner();
END
$$;

-- credit_ledger: own rows readable; nobody writes, not even service_role.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  b uuid := current_setting('test.b')::uuid;
  r text;
BEGIN
  PERFORM tests.act_as(b);
  PERFORM tests.assert_eq(tests.row_count(format('SELECT id FROM public.credit_ledger WHERE user_id = %L', a)), 0::bigint,
                          'credit_ledger: another user cannot see A''s journal');
  PERFORM tests.act_as_anon();
  PERFORM tests.assert_raises('SELECT id FROM public.credit_ledger', '42501', 'credit_ledger: anon cannot select');
  PERFORM tests.act_as(a);
  PERFORM tests.assert_eq(tests.row_count('SELECT * FROM public.credit_ledger'), 1::bigint, 'credit_ledger: the owner sees the signup row');
  FOREACH r IN ARRAY ARRAY['a', 'service'] LOOP
    IF r = 'a' THEN PERFORM tests.act_as(a); ELSE PERFORM tests.act_as_service(); END IF;
    PERFORM tests.assert_raises(format('INSERT INTO public.credit_ledger (user_id, delta, balance_after, reason) VALUES (%L, 100, 103, ''gift'')', a),
                                '42501', r || ': cannot insert into credit_ledger');
    PERFORM tests.assert_raises(format('UPDATE public.credit_ledger SET delta = 100 WHERE user_id = %L', a), '42501',
                                r || ': cannot update credit_ledger');
    PERFORM tests.assert_raises(format('DELETE FROM public.credit_ledger WHERE user_id = %L', a), '42501',
                                r || ': cannot delete from credit_ledger');
    PERFORM tests.assert_raises('TRUNCATE public.credit_ledger', '42501', r || ': cannot truncate credit_ledger');
  END LOOP;
  PERFORM tests.act_as_service();
  PERFORM tests.assert_eq(tests.row_count(format('SELECT id FROM public.credit_ledger WHERE user_id = %L', a)), 1::bigint,
                          'credit_ledger: service_role can read');
  PERFORM tests.act_as_owner();
END
$$;

-- Owner-all tables: the owner inserts (user_id defaults to the caller), reads and updates.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  t record;
  v_id uuid;
BEGIN
  PERFORM tests.act_as(a);
  FOR t IN SELECT * FROM (VALUES
    ('vision_boards', '(prompt, image_url) VALUES (''p'', ''u'')', 'prompt = ''q'''),
    ('reference_images', '(image_url) VALUES (''u'')', 'tags = ''{a,b}'''),
    ('documents', '(name, url, type) VALUES (''n'', '''', ''UPLOAD'')', 'structured_data = ''{"x": 1}'''),
    ('action_tasks', '(title, type) VALUES (''t'', ''LIFESTYLE'')', 'is_completed = true')) AS x (name, ins, upd)
  LOOP
    EXECUTE format('INSERT INTO public.%I %s RETURNING id', t.name, t.ins) INTO v_id;
    PERFORM tests.assert_eq(tests.row_count(format('SELECT * FROM public.%I WHERE id = %L AND user_id = %L', t.name, v_id, a)),
                            1::bigint, t.name || ': the owner inserts and reads back a row owned by them');
    PERFORM tests.assert_eq(tests.affected(format('UPDATE public.%I SET %s WHERE id = %L', t.name, t.upd, v_id)), 1::bigint,
                            t.name || ': the owner updates their row');
    PERFORM tests.assert_raises(format('UPDATE public.%I SET user_id = %L WHERE id = %L', t.name, current_setting('test.b'), v_id),
                                '42501', t.name || ': the owner cannot give the row to another user');
  END LOOP;
  -- action_tasks deletes for real; the soft-delete tables are covered in 0003_soft_delete.sql.
  PERFORM tests.assert_eq(tests.affected('DELETE FROM public.action_tasks WHERE id = ''00000000-0000-0000-0003-000000000004'''),
                          1::bigint, 'action_tasks: the owner deletes their task');
  PERFORM tests.act_as_owner();
END
$$;

-- poster_orders: the owner creates pending orders from the client columns only, may only cancel.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  v_id uuid;
BEGIN
  PERFORM tests.act_as(a);
  INSERT INTO public.poster_orders (vision_board_id, total_price, shipping_address, print_config)
  VALUES ('00000000-0000-0000-0003-000000000001', 39.00, '{"name": "A", "line1": "1 Main St"}', '{"size": "A2"}')
  RETURNING id INTO v_id;
  PERFORM tests.assert_eq((SELECT status FROM public.poster_orders WHERE id = v_id), 'pending', 'poster_orders: a new order is pending');
  PERFORM tests.assert_raises(format('INSERT INTO public.poster_orders (total_price, %s) VALUES (1, %s)', c.col, c.val), '42501',
                              'poster_orders: the owner cannot set ' || c.col || ' on insert')
     FROM (VALUES ('status', '''paid'''), ('vendor_order_id', '''v1'''), ('paid_at', 'now()'), ('submitted_at', 'now()'),
                  ('shipped_at', 'now()'), ('delivered_at', 'now()'), ('cancelled_at', 'now()')) AS c (col, val);
  PERFORM tests.assert_raises(format('UPDATE public.poster_orders SET %s WHERE id = %L', c.set_clause, v_id), '42501',
                              'poster_orders: the owner cannot update ' || c.set_clause)
     FROM (VALUES ('total_price = 0'), ('vendor_order_id = ''v'''), ('paid_at = now()'), ('shipping_address = ''{}''')) AS c (set_clause);
  PERFORM tests.assert_raises(format('DELETE FROM public.poster_orders WHERE id = %L', v_id), '42501',
                              'poster_orders: the owner cannot delete an order');
  PERFORM tests.assert_raises(
    'INSERT INTO public.poster_orders (vision_board_id, total_price) VALUES (''00000000-0000-0000-0003-0000000000b1'', 1)',
    '42501', 'poster_orders: vision_board_id must be one of the owner''s boards');
  PERFORM tests.assert_eq(tests.affected(format('UPDATE public.poster_orders SET status = ''cancelled'' WHERE id = %L', v_id)),
                          1::bigint, 'poster_orders: the owner cancels a pending order');
  PERFORM tests.act_as_owner();
END
$$;

-- plaid_items: the owner reads the safe columns only, unlinks, never writes tokens.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
BEGIN
  PERFORM tests.act_as(a);
  PERFORM tests.assert_eq(tests.row_count('SELECT id, user_id, institution_id, status, created_at, updated_at FROM public.plaid_items'),
                          1::bigint, 'plaid_items: the owner reads the link''s safe columns');
  PERFORM tests.assert_raises('SELECT access_token_encrypted FROM public.plaid_items', '42501',
                              'plaid_items: the owner cannot read the encrypted token');
  PERFORM tests.assert_raises('SELECT * FROM public.plaid_items', '42501', 'plaid_items: SELECT * is refused (hidden column)');
  PERFORM tests.assert_raises('SELECT token_key_version FROM public.plaid_items', '42501',
                              'plaid_items: the owner cannot read the key version');
  PERFORM tests.assert_raises(
    'INSERT INTO public.plaid_items (access_token_encrypted, token_key_version) VALUES (decode(repeat(''ab'', 40), ''hex''), 1)',
    '42501', 'plaid_items: the owner cannot insert a link');
  PERFORM tests.assert_raises('UPDATE public.plaid_items SET status = ''X''', '42501', 'plaid_items: the owner cannot update a link');
  PERFORM tests.assert_eq(tests.affected('DELETE FROM public.plaid_items WHERE id = ''00000000-0000-0000-0003-000000000006'''),
                          1::bigint, 'plaid_items: the owner unlinks');
  PERFORM tests.act_as_service();
  PERFORM tests.assert_raises(format(
    'INSERT INTO public.plaid_items (user_id, access_token_encrypted, token_key_version) VALUES (%L, decode(repeat(''ab'', 28), ''hex''), 1)', a),
    '23514', 'plaid_items: a ciphertext of 28 bytes or fewer is refused');
  INSERT INTO public.plaid_items (user_id, access_token_encrypted, token_key_version)
    VALUES (a, decode(repeat('ab', 29), 'hex'), 2);
  PERFORM tests.assert_eq(tests.row_count('SELECT access_token_encrypted FROM public.plaid_items'), 1::bigint,
                          'plaid_items: service_role stores and reads the ciphertext');
  PERFORM tests.act_as_owner();
END
$$;
