-- 0031 order and invitation integrity, from the attacker's side: an end user who sends their own
-- prices, pays with stale or forged amounts, lists another user's boards in a workbook, forces
-- leaderboard recomputations, or mails invitations without end. Each block sets up what it needs
-- from the users below and ends as the test's own role.

CREATE TEMP TABLE fx (key text PRIMARY KEY, id uuid);
GRANT ALL ON fx TO PUBLIC;
INSERT INTO fx VALUES
  ('alice', tests.create_user('alice@integrity.test')), ('mallory', tests.create_user('mallory@integrity.test')),
  ('olga', tests.create_user('olga@integrity.test')), ('mike', tests.create_user('mike@integrity.test')),
  ('ivy', tests.create_user('ivy@integrity.test')), ('jon', tests.create_user('jon@integrity.test'));
WITH b AS (
  INSERT INTO public.vision_boards (user_id, prompt, image_url)
  SELECT id, 'a house by the sea', 'https://img/x.png' FROM fx WHERE key IN ('alice', 'mallory')
  RETURNING id, user_id)
INSERT INTO fx SELECT 'board_' || u.key, b.id FROM b JOIN fx u ON u.id = b.user_id;
WITH h AS (
  INSERT INTO public.habits (user_id, title) SELECT id, 'walk' FROM fx WHERE key IN ('alice', 'mallory')
  RETURNING id, user_id)
INSERT INTO fx SELECT 'habit_' || u.key, h.id FROM h JOIN fx u ON u.id = h.user_id;
INSERT INTO fx SELECT 'sku_' || p.prodigi_sku, p.id FROM public.print_products p;

CREATE FUNCTION pg_temp.fx(p_key text) RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT id FROM fx WHERE key = p_key $$;
GRANT EXECUTE ON FUNCTION pg_temp.fx(text) TO PUBLIC;

---------------------------------------------------------------------------------------------------
-- print_orders: whatever amounts an end user sends, the catalogue's are stored
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  alice uuid := pg_temp.fx('alice');
  pad uuid := pg_temp.fx('sku_GLOBAL-PAD-A5-50');            -- 14.99, shipping 4.99
  o public.print_orders;
  v_quote jsonb;
  v_placed jsonb;
BEGIN
  PERFORM tests.act_as(alice);
  INSERT INTO public.print_orders (product_id, quantity, shipping_address, subtotal, shipping, tax, discount, total, currency)
  VALUES (pad, 2, '{"name": "A"}', 0.01, 0, -5, 29.98, 0.01, 'JPY')
  RETURNING * INTO o;
  PERFORM tests.assert_eq((o.subtotal, o.shipping, o.tax, o.discount, o.total, o.currency)::text,
                          '(29.98,4.99,0.00,0.00,34.97,USD)', 'a client''s amounts are replaced by the catalogue price');
  PERFORM tests.assert_eq(o.status, 'pending', 'the order is placed, not refused');

  INSERT INTO public.print_orders (product_id, shipping_address, shipping_method, subtotal, shipping, total)
  VALUES (pad, '{"name": "A"}', 'express', 1, 0, 1)
  RETURNING * INTO o;
  PERFORM tests.assert_eq(o.total, 24.97, 'express doubles shipping: 14.99 + 2 x 4.99');

  -- What quote_print_order refuses is refused here too.
  PERFORM tests.assert_raises(format($i$INSERT INTO public.print_orders (product_id, quantity, shipping_address, subtotal, shipping, total)
                                        VALUES (%L, 101, '{}', 1, 1, 2)$i$, pad), '23514', 'at most 100 copies');
  PERFORM tests.assert_raises(format($i$INSERT INTO public.print_orders (product_id, shipping_address, shipping_method, subtotal, shipping, total)
                                        VALUES (%L, '{}', 'teleport', 0, 0, 0)$i$, pad), '22023', 'shipping is standard or express');
  PERFORM tests.act_as_owner();
  UPDATE public.print_products SET elite_exclusive = true WHERE prodigi_sku = 'GLOBAL-CAN-24x36';
  UPDATE public.print_products SET is_active = false WHERE prodigi_sku = 'GLOBAL-CAN-16x20';
  PERFORM tests.act_as(alice);
  PERFORM tests.assert_raises(format($i$INSERT INTO public.print_orders (product_id, shipping_address, subtotal, shipping, total)
                                        VALUES (%L, '{}', 0, 0, 0)$i$, pg_temp.fx('sku_GLOBAL-CAN-24x36')),
                              '42501', 'an ELITE-only product is not sold to a FREE member');
  PERFORM tests.assert_raises(format($i$INSERT INTO public.print_orders (product_id, shipping_address, subtotal, shipping, total)
                                        VALUES (%L, '{}', 0, 0, 0)$i$, pg_temp.fx('sku_GLOBAL-CAN-16x20')),
                              '23514', 'a retired product is not sold');
  PERFORM tests.assert_raises($i$INSERT INTO public.print_orders (product_id, shipping_address, subtotal, shipping, total)
                                 VALUES (gen_random_uuid(), '{}', 0, 0, 0)$i$, '23503', 'an unknown product is refused');
  PERFORM tests.assert_raises(format('UPDATE public.print_orders SET total = 0.01 WHERE id = %L', o.id), '42501',
                              'amounts are not writable afterwards');

  -- ELITE members get 30% off the subtotal, and the functions of 0014 price exactly as the trigger.
  PERFORM tests.act_as_owner();
  UPDATE public.profiles SET subscription_tier = 'ELITE' WHERE id = alice;
  PERFORM tests.act_as(alice);
  INSERT INTO public.print_orders (product_id, shipping_address, subtotal, shipping, discount, total)
  VALUES (pad, '{"name": "A"}', 14.99, 4.99, 14.99, 4.99)
  RETURNING * INTO o;
  PERFORM tests.assert_eq((o.subtotal, o.discount, o.total)::text, '(14.99,4.50,15.48)', 'ELITE: the discount is the server''s');
  v_quote := public.quote_print_order(pad, 3, '{"title": "My year", "tagline": "Step by step"}',
                                      jsonb_build_object('vision_board_ids', jsonb_build_array(pg_temp.fx('board_alice'))), 'express');
  v_placed := public.place_print_order(pad, 3, '{"title": "My year", "tagline": "Step by step"}',
                                       jsonb_build_object('vision_board_ids', jsonb_build_array(pg_temp.fx('board_alice'))),
                                       '{"name": "Alice", "line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"}',
                                       'express');
  PERFORM tests.assert_eq(jsonb_build_object('subtotal', v_placed -> 'subtotal', 'discount', v_placed -> 'discount',
                                             'shipping', v_placed -> 'shipping', 'total', v_placed -> 'total'),
                          jsonb_build_object('subtotal', v_quote #> '{pricing,subtotal}', 'discount', v_quote #> '{pricing,discount}',
                                             'shipping', v_quote #> '{pricing,shipping}', 'total', v_quote #> '{pricing,total}'),
                          'place_print_order stores what quote_print_order quotes');
  PERFORM tests.act_as_owner();
  UPDATE public.profiles SET subscription_tier = 'FREE' WHERE id = alice;
  UPDATE public.print_products SET elite_exclusive = false, is_active = true WHERE prodigi_sku IN ('GLOBAL-CAN-24x36', 'GLOBAL-CAN-16x20');
END
$$;

-- Another user and anon: no orders in someone else's name, at any price.
DO $$
DECLARE
  alice uuid := pg_temp.fx('alice');
  pad uuid := pg_temp.fx('sku_GLOBAL-PAD-A5-50');
BEGIN
  PERFORM tests.act_as(pg_temp.fx('mallory'));
  PERFORM tests.assert_raises(format($i$INSERT INTO public.print_orders (user_id, product_id, shipping_address, subtotal, shipping, total)
                                        VALUES (%L, %L, '{}', 0.01, 0, 0.01)$i$, alice, pad), '42501', 'mallory cannot order for alice');
  PERFORM tests.assert_raises(format($i$INSERT INTO public.poster_orders (user_id, total_price, print_config)
                                        VALUES (%L, 0.01, '{"sku": "GLOBAL-FAP-18x24"}')$i$, alice), '42501', 'nor a poster');
  PERFORM tests.assert_eq(tests.row_count('SELECT 1 FROM public.print_orders UNION ALL SELECT 1 FROM public.poster_orders'), 0::bigint,
                          'mallory sees no order of alice''s');
  PERFORM tests.act_as_anon();
  PERFORM tests.assert_raises(format($i$INSERT INTO public.print_orders (product_id, shipping_address, subtotal, shipping, total)
                                        VALUES (%L, '{}', 0.01, 0, 0.01)$i$, pad), '42501', 'anon cannot order prints');
  PERFORM tests.assert_raises($i$INSERT INTO public.poster_orders (total_price) VALUES (0.01)$i$, '42501', 'anon cannot order posters');
  PERFORM tests.act_as_owner();
END
$$;

---------------------------------------------------------------------------------------------------
-- poster_orders: the client's total_price is accepted on insert and replaced by the catalogue's
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  alice uuid := pg_temp.fx('alice');
  o public.poster_orders;
  v_placed jsonb;
BEGIN
  PERFORM tests.act_as(alice);
  INSERT INTO public.poster_orders (vision_board_id, total_price, discount_applied, shipping_address, print_config)
  VALUES (pg_temp.fx('board_alice'), 0.01, true, '{"name": "A"}', '{"sku": "GLOBAL-FAP-18x24", "size": "18x24", "finish": "matte", "quantity": 2}')
  RETURNING * INTO o;
  PERFORM tests.assert_eq((o.total_price, o.discount_applied, o.status)::text, '(56.97,f,pending)',
                          'the original client''s insert works; its price is the catalogue''s: 2 x 24.99 + 6.99, no discount for FREE');
  INSERT INTO public.poster_orders (total_price, print_config) VALUES (1, '{"sku": "GLOBAL-FAP-24x36", "quantity": "1"}') RETURNING * INTO o;
  PERFORM tests.assert_eq(o.total_price, 49.98, 'a quantity sent as text counts: 39.99 + 9.99');
  INSERT INTO public.poster_orders (total_price, discount_applied, print_config) VALUES (0.01, true, '{"sku": "FREE-POSTER"}') RETURNING * INTO o;
  PERFORM tests.assert_eq((o.total_price, o.discount_applied)::text, '(,f)', 'no catalogue poster: no price at all, never the client''s');
  INSERT INTO public.poster_orders (total_price) VALUES (0.01) RETURNING * INTO o;
  PERFORM tests.assert_eq(o.total_price, NULL::numeric, 'no print_config: no price');
  PERFORM tests.assert_raises($i$INSERT INTO public.poster_orders (print_config) VALUES ('{"sku": "GLOBAL-FAP-18x24", "quantity": 0}')$i$,
                              '23514', 'a quantity below 1 is refused');
  PERFORM tests.assert_raises($i$INSERT INTO public.poster_orders (print_config) VALUES ('{"sku": "GLOBAL-FAP-18x24", "quantity": 101}')$i$,
                              '23514', 'more than 100 copies are refused');
  PERFORM tests.assert_raises($i$INSERT INTO public.poster_orders (print_config) VALUES ('{"sku": "GLOBAL-FAP-18x24", "quantity": "lots"}')$i$,
                              '22023', 'a quantity is a whole number');
  PERFORM tests.assert_raises($i$INSERT INTO public.poster_orders (print_config) VALUES ('{"sku": "GLOBAL-FAP-18x24", "quantity": -1.5}')$i$,
                              '22023', 'a negative fraction is no quantity');
  PERFORM tests.assert_raises(format('UPDATE public.poster_orders SET total_price = 0.01 WHERE id = %L', o.id), '42501',
                              'total_price is not writable afterwards');

  -- ELITE: the discount is applied by the server, and place_poster_order agrees with the trigger.
  PERFORM tests.act_as_owner();
  UPDATE public.profiles SET subscription_tier = 'ELITE' WHERE id = alice;
  PERFORM tests.act_as(alice);
  INSERT INTO public.poster_orders (total_price, discount_applied, print_config)
  VALUES (100, false, '{"sku": "GLOBAL-FAP-18x24"}') RETURNING * INTO o;
  PERFORM tests.assert_eq((o.total_price, o.discount_applied)::text, '(24.48,t)', 'ELITE: 24.99 - 7.50 + 6.99');
  v_placed := public.place_poster_order(pg_temp.fx('board_alice'), 'GLOBAL-FAP-18x24', 'gloss', 1,
                                        '{"name": "Alice", "line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"}');
  PERFORM tests.assert_eq((v_placed ->> 'total_price')::numeric, (v_placed #>> '{pricing,total}')::numeric,
                          'place_poster_order stores the price it computed');
  PERFORM tests.assert_eq((v_placed ->> 'total_price')::numeric, 24.48, 'place_poster_order: ELITE price');
  PERFORM tests.act_as_owner();
  UPDATE public.profiles SET subscription_tier = 'FREE' WHERE id = alice;
END
$$;

---------------------------------------------------------------------------------------------------
-- Paying: whoever moves an order to paid, its amounts must be the catalogue price
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  alice uuid := pg_temp.fx('alice');
  pad uuid := pg_temp.fx('sku_GLOBAL-PAD-A5-50');
  v_fair uuid;
  v_forged uuid;
  v_taxed uuid;
  v_stale uuid;
  v_poster uuid;
  v_forged_poster uuid;
  v_unpriced_poster uuid;
  v_elite uuid;
  v_full uuid;
BEGIN
  PERFORM tests.act_as(alice);
  INSERT INTO public.print_orders (product_id, shipping_address, subtotal, shipping, total) VALUES (pad, '{}', 0.01, 0, 0.01) RETURNING id INTO v_fair;
  INSERT INTO public.print_orders (product_id, shipping_address, subtotal, shipping, total) VALUES (pad, '{}', 0, 0, 0) RETURNING id INTO v_taxed;
  INSERT INTO public.print_orders (product_id, quantity, shipping_address, subtotal, shipping, total)
  VALUES (pg_temp.fx('sku_GLOBAL-PAD-A4-52'), 1, '{}', 0, 0, 0) RETURNING id INTO v_stale;
  INSERT INTO public.poster_orders (total_price, print_config) VALUES (0.01, '{"sku": "GLOBAL-FAP-18x24"}') RETURNING id INTO v_poster;
  INSERT INTO public.poster_orders (total_price, print_config) VALUES (0.01, '{"sku": "NOT-A-POSTER"}') RETURNING id INTO v_unpriced_poster;
  INSERT INTO public.poster_orders (total_price, print_config) VALUES (0.01, '{"sku": "GLOBAL-FAP-24x36"}') RETURNING id INTO v_full;
  -- Rows whose amounts were never the server's (written before prices were checked, or by a
  -- faulty server path): made here as the schema owner.
  PERFORM tests.act_as_owner();
  INSERT INTO public.print_orders (user_id, product_id, shipping_address, subtotal, shipping, total)
  VALUES (alice, pad, '{}', 0.01, 0, 0.01) RETURNING id INTO v_forged;
  INSERT INTO public.poster_orders (user_id, total_price, print_config)
  VALUES (alice, 0.01, '{"sku": "GLOBAL-FAP-18x24"}') RETURNING id INTO v_forged_poster;

  -- The owner cannot pay for anything themself.
  PERFORM tests.act_as(alice);
  PERFORM tests.assert_raises(format($i$UPDATE public.print_orders SET status = 'paid' WHERE id = %L$i$, v_fair), '23514',
                              'alice cannot mark her order paid');
  PERFORM tests.assert_raises(format($i$UPDATE public.poster_orders SET status = 'paid' WHERE id = %L$i$, v_poster), '23514',
                              'alice cannot mark her poster paid');

  PERFORM tests.act_as_service();
  PERFORM tests.assert_eq(public.set_order_status(v_fair, 'paid') ->> 'status', 'paid', 'an order at the catalogue price is paid');
  PERFORM tests.assert_eq(tests.affected(format($i$UPDATE public.poster_orders SET status = 'paid' WHERE id = %L$i$, v_poster)), 1::bigint,
                          'a poster at the catalogue price is paid');
  PERFORM tests.assert_raises(format($i$SELECT public.set_order_status(%L, 'paid')$i$, v_forged), '23514',
                              'a print order with forged amounts is not paid');
  PERFORM tests.assert_raises(format($i$UPDATE public.print_orders SET status = 'paid' WHERE id = %L$i$, v_forged), '23514',
                              'not by a direct update either');
  PERFORM tests.assert_raises(format($i$UPDATE public.poster_orders SET status = 'paid' WHERE id = %L$i$, v_forged_poster), '23514',
                              'a poster with a forged total is not paid');
  PERFORM tests.assert_raises(format($i$UPDATE public.poster_orders SET status = 'paid' WHERE id = %L$i$, v_unpriced_poster), '23514',
                              'a poster that names no catalogue poster is not paid');
  PERFORM tests.assert_raises(format($i$UPDATE public.print_orders SET status = 'paid', total = total + 1 WHERE id = %L$i$, v_taxed), '23514',
                              'a total that is not subtotal - discount + shipping + tax is not paid');
  PERFORM tests.assert_eq(tests.affected(format($i$UPDATE public.print_orders SET status = 'paid', tax = 1.50, total = total + 1.50 WHERE id = %L$i$, v_taxed)),
                          1::bigint, 'tax added by the payment provider is on top of the catalogue price');

  -- The catalogue changed after the order was placed: the stale price is not paid.
  PERFORM tests.act_as_owner();
  UPDATE public.print_products SET base_price = base_price + 5 WHERE prodigi_sku = 'GLOBAL-PAD-A4-52';
  PERFORM tests.act_as_service();
  PERFORM tests.assert_raises(format($i$SELECT public.set_order_status(%L, 'paid')$i$, v_stale), '23514', 'a stale price is not paid');
  PERFORM tests.act_as(alice);
  PERFORM tests.assert_eq(tests.affected(format($i$UPDATE public.print_orders SET status = 'cancelled' WHERE id = %L$i$, v_stale)), 1::bigint,
                          'the owner can still cancel it');

  -- Tier changes: the full price is always payable; a discount needs a current ELITE member.
  PERFORM tests.act_as_owner();
  UPDATE public.profiles SET subscription_tier = 'ELITE' WHERE id = alice;
  PERFORM tests.act_as(alice);
  INSERT INTO public.poster_orders (print_config) VALUES ('{"sku": "GLOBAL-FAP-24x36"}') RETURNING id INTO v_elite;
  PERFORM tests.act_as_service();
  PERFORM tests.assert_eq(tests.affected(format($i$UPDATE public.poster_orders SET status = 'paid' WHERE id = %L$i$, v_full)), 1::bigint,
                          'an order at the full price is paid after the buyer became ELITE');
  PERFORM tests.act_as_owner();
  UPDATE public.profiles SET subscription_tier = 'FREE' WHERE id = alice;
  PERFORM tests.act_as_service();
  PERFORM tests.assert_raises(format($i$UPDATE public.poster_orders SET status = 'paid' WHERE id = %L$i$, v_elite), '23514',
                              'an ELITE discount is not paid once the buyer is no longer ELITE');
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq((SELECT string_agg(status, ',' ORDER BY id) FROM public.print_orders WHERE id IN (v_forged, v_stale)),
                          (SELECT string_agg(s, ',' ORDER BY i) FROM (VALUES (v_forged, 'pending'), (v_stale, 'cancelled')) AS x (i, s)),
                          'refused payments changed nothing');
END
$$;

---------------------------------------------------------------------------------------------------
-- workbook_orders: only the caller's own boards and habits
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  alice uuid := pg_temp.fx('alice');
  mine uuid;
  v_board uuid;
BEGIN
  PERFORM tests.act_as(alice);
  PERFORM tests.assert_raises(format('INSERT INTO public.workbook_orders (vision_board_ids) VALUES (ARRAY[%L]::uuid[])', pg_temp.fx('board_mallory')),
                              '22023', 'alice cannot list mallory''s board');
  PERFORM tests.assert_raises(format('INSERT INTO public.workbook_orders (vision_board_ids) VALUES (ARRAY[%L, %L]::uuid[])',
                                     pg_temp.fx('board_alice'), pg_temp.fx('board_mallory')),
                              '22023', 'nor hide it among her own');
  PERFORM tests.assert_raises(format('INSERT INTO public.workbook_orders (included_habits) VALUES (ARRAY[%L]::uuid[])', pg_temp.fx('habit_mallory')),
                              '22023', 'alice cannot list mallory''s habit');
  PERFORM tests.assert_raises(format('INSERT INTO public.workbook_orders (vision_board_ids) VALUES (ARRAY[%L]::uuid[])', gen_random_uuid()),
                              '22023', 'nor a board that does not exist');
  INSERT INTO public.workbook_orders (title, vision_board_ids, included_habits)
  VALUES ('My year', ARRAY[pg_temp.fx('board_alice')], ARRAY[pg_temp.fx('habit_alice')])
  RETURNING id INTO mine;
  PERFORM tests.assert(mine IS NOT NULL, 'her own boards and habits are fine');
  PERFORM tests.assert_raises(format('UPDATE public.workbook_orders SET vision_board_ids = ARRAY[%L]::uuid[] WHERE id = %L',
                                     pg_temp.fx('board_mallory'), mine), '42501', 'the lists are not writable afterwards');
  PERFORM tests.assert_raises(format($i$SELECT public.update_workbook_draft(%L, jsonb_build_object('vision_board_ids', jsonb_build_array(%L::text)))$i$,
                                     mine, pg_temp.fx('board_mallory')), '22023', 'nor through update_workbook_draft');

  -- A board deleted later: no new order may list it, the existing one can still be cancelled.
  PERFORM tests.act_as_owner();
  INSERT INTO public.vision_boards (user_id, prompt, image_url) VALUES (alice, 'old', 'https://img/o.png') RETURNING id INTO v_board;
  PERFORM tests.act_as(alice);
  UPDATE public.workbook_orders SET status = 'cancelled' WHERE id = mine;
  INSERT INTO public.workbook_orders (vision_board_ids) VALUES (ARRAY[v_board]) RETURNING id INTO mine;
  DELETE FROM public.vision_boards WHERE id = v_board;
  PERFORM tests.assert_raises(format('INSERT INTO public.workbook_orders (vision_board_ids) VALUES (ARRAY[%L]::uuid[])', v_board),
                              '22023', 'a deleted board cannot be listed');
  PERFORM tests.assert_eq(tests.affected(format($i$UPDATE public.workbook_orders SET status = 'cancelled' WHERE id = %L$i$, mine)), 1::bigint,
                          'an order listing a since-deleted board can still be cancelled');

  -- Mallory tries to pull alice's board into an order, in her own name or in alice's; anon tries at all.
  PERFORM tests.act_as(pg_temp.fx('mallory'));
  PERFORM tests.assert_raises(format('INSERT INTO public.workbook_orders (vision_board_ids) VALUES (ARRAY[%L]::uuid[])', pg_temp.fx('board_alice')),
                              '22023', 'mallory cannot list alice''s board');
  PERFORM tests.assert_raises(format('INSERT INTO public.workbook_orders (user_id, vision_board_ids) VALUES (%L, ARRAY[%L]::uuid[])',
                                     alice, pg_temp.fx('board_alice')), NULL, 'nor order in alice''s name');
  PERFORM tests.act_as_anon();
  PERFORM tests.assert_raises('INSERT INTO public.workbook_orders (title) VALUES (''x'')', '42501', 'anon cannot order workbooks');

  -- The server composes orders as it needs.
  PERFORM tests.act_as_service();
  INSERT INTO public.workbook_orders (user_id, vision_board_ids) VALUES (alice, ARRAY[pg_temp.fx('board_alice')]);
  PERFORM tests.act_as_owner();
END
$$;

---------------------------------------------------------------------------------------------------
-- get_team_leaderboard: the cache's age is fixed; only owners and admins refresh
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  olga uuid := pg_temp.fx('olga');
  mike uuid := pg_temp.fx('mike');
  v_team uuid;
BEGIN
  PERFORM tests.assert(to_regprocedure('public.get_team_leaderboard(uuid, text, boolean, integer)') IS NULL,
                       'the variant taking a maximum age is gone');
  PERFORM tests.assert(has_function_privilege('authenticated', 'public.get_team_leaderboard(uuid, text, boolean)', 'EXECUTE')
                       AND NOT has_function_privilege('anon', 'public.get_team_leaderboard(uuid, text, boolean)', 'EXECUTE'),
                       'signed-in users call it, anon does not');
  PERFORM tests.assert(coalesce(obj_description('public.get_team_leaderboard(uuid, text, boolean)'::regprocedure, 'pg_proc'), '') <> '',
                       'it is documented');

  INSERT INTO public.teams (name, owner_id) VALUES ('Integrity', olga) RETURNING id INTO v_team;
  INSERT INTO public.team_members (team_id, user_id, role) VALUES (v_team, mike, 'member');

  PERFORM tests.act_as(mike);
  PERFORM tests.assert_eq((public.get_team_leaderboard(v_team) ->> 'generated_at')::timestamptz, now(), 'first call computes');
  PERFORM tests.act_as_owner();
  UPDATE public.team_leaderboards SET generated_at = now() - interval '200 seconds' WHERE team_id = v_team;
  PERFORM tests.act_as(mike);
  PERFORM tests.assert_raises(format('SELECT public.get_team_leaderboard(%L, ''weekly'', false, 0)', v_team), '42883',
                              'a member cannot ask for a zero maximum age');
  PERFORM tests.assert_raises(format('SELECT public.get_team_leaderboard(%L, p_max_age_seconds => 0)', v_team), '42883',
                              'not by name either');
  PERFORM tests.assert_eq((public.get_team_leaderboard(v_team, 'weekly') ->> 'generated_at')::timestamptz, now() - interval '200 seconds',
                          'a snapshot under 5 minutes old is served as it is');
  PERFORM tests.assert_raises(format('SELECT public.get_team_leaderboard(%L, ''weekly'', true)', v_team), '42501',
                              'a member cannot force a refresh');
  PERFORM tests.act_as_owner();
  UPDATE public.team_leaderboards SET generated_at = now() - interval '301 seconds' WHERE team_id = v_team;
  PERFORM tests.act_as(mike);
  PERFORM tests.assert_eq((public.get_team_leaderboard(v_team) ->> 'generated_at')::timestamptz, now(), 'an older one is recomputed');
  PERFORM tests.act_as_owner();
  UPDATE public.team_leaderboards SET generated_at = now() - interval '10 seconds' WHERE team_id = v_team;
  PERFORM tests.act_as(olga);
  PERFORM tests.assert_eq((public.get_team_leaderboard(v_team, 'weekly', true) ->> 'generated_at')::timestamptz, now(),
                          'the owner forces a refresh');
  PERFORM tests.act_as(pg_temp.fx('mallory'));
  PERFORM tests.assert_raises(format('SELECT public.get_team_leaderboard(%L)', v_team), 'P0002', 'an outsider sees no leaderboard');
  PERFORM tests.act_as_anon();
  PERFORM tests.assert_raises(format('SELECT public.get_team_leaderboard(%L)', v_team), '42501', 'anon cannot call it');
  PERFORM tests.act_as_owner();
END
$$;

---------------------------------------------------------------------------------------------------
-- create_partner_invitation: at most 50 invitations (and mails) per inviter in 24 hours
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  ivy uuid := pg_temp.fx('ivy');
  i integer;
  v_id uuid;
BEGIN
  -- Invite and withdraw, 50 times: never more than one pending, 50 mails queued.
  PERFORM tests.act_as(ivy);
  FOR i IN 1..50 LOOP
    v_id := public.create_partner_invitation(format('friend%s@elsewhere.test', i)) ->> 'id';
    DELETE FROM public.partner_invitations WHERE id = v_id;
  END LOOP;
  PERFORM tests.assert_raises('SELECT public.create_partner_invitation(''friend51@elsewhere.test'')', 'PT429',
                              'the 51st invitation in 24 hours is refused, withdrawn ones counted');
  PERFORM tests.assert_raises('SELECT public.create_partner_invitation(''friend1@elsewhere.test'')', 'PT429',
                              'also to an address invited before');
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq((SELECT count(*) FROM auth.mail_outbox WHERE template = 'partner_invitation' AND recipient LIKE 'friend%@elsewhere.test'),
                          50::bigint, 'exactly 50 mails were queued');

  -- The cap is per inviter, and its bookkeeping is out of the users' reach.
  PERFORM tests.act_as(pg_temp.fx('jon'));
  PERFORM tests.assert((public.create_partner_invitation('friend51@elsewhere.test') ->> 'id') IS NOT NULL, 'another inviter is not affected');
  PERFORM tests.act_as(ivy);
  PERFORM tests.assert_raises('SELECT count(*) FROM internal.partner_invitation_sends', '42501', 'ivy cannot read the counter');
  PERFORM tests.assert_raises('DELETE FROM internal.partner_invitation_sends', '42501', 'nor reset it');
  PERFORM tests.act_as_service();
  PERFORM tests.assert_raises('DELETE FROM internal.partner_invitation_sends', '42501', 'nor can a service_role request');
  PERFORM tests.act_as_anon();
  PERFORM tests.assert_raises('SELECT public.create_partner_invitation(''friend52@elsewhere.test'')', '42501', 'anon cannot invite');

  -- A day later the window has moved on.
  PERFORM tests.act_as_owner();
  UPDATE internal.partner_invitation_sends SET sent_at = sent_at - interval '24 hours 1 second' WHERE inviter_id = ivy;
  PERFORM tests.act_as(ivy);
  PERFORM tests.assert((public.create_partner_invitation('friend51@elsewhere.test') ->> 'id') IS NOT NULL, 'after 24 hours ivy may invite again');
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq((SELECT count(*) FROM internal.partner_invitation_sends WHERE inviter_id = ivy), 1::bigint,
                          'rows older than 24 hours are dropped on the way');
  DELETE FROM auth.users WHERE id = ivy;
  PERFORM tests.assert_eq((SELECT count(*) FROM internal.partner_invitation_sends WHERE inviter_id = ivy), 0::bigint,
                          'they go with the account');
END
$$;

-- The other limits of create_partner_invitation are unchanged.
DO $$
DECLARE
  jon uuid := pg_temp.fx('jon');
  i integer;
BEGIN
  PERFORM tests.act_as(jon);
  PERFORM tests.assert_raises('SELECT public.create_partner_invitation(''friend51@elsewhere.test'')', '23505',
                              'one pending invitation per address');
  FOR i IN 2..20 LOOP
    PERFORM public.create_partner_invitation(format('pal%s@elsewhere.test', i));
  END LOOP;
  PERFORM tests.assert_raises('SELECT public.create_partner_invitation(''pal21@elsewhere.test'')', '23514', 'at most 20 pending');
  PERFORM tests.assert_raises('SELECT public.create_partner_invitation(''jon@integrity.test'')', '23514', 'nobody invites themself');
  PERFORM tests.act_as_owner();
END
$$;
