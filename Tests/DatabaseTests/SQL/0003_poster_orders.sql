-- 0003 poster orders: the status machine of docs/schema.md, Order state machines (trigger
-- enforce_order_status).
-- Every illegal transition is refused, every legal one stamps its timestamp, and an end user
-- may only cancel a pending order.

SELECT set_config('test.a', tests.create_user('poster-a@example.com')::text, true);

CREATE TEMP TABLE legal (from_status text, to_status text, end_user boolean);
INSERT INTO legal VALUES
  ('pending', 'paid', false), ('pending', 'cancelled', true),
  ('paid', 'submitted', false), ('paid', 'cancelled', false),
  ('submitted', 'shipped', false), ('submitted', 'cancelled', false),
  ('shipped', 'delivered', false);
GRANT SELECT ON legal TO PUBLIC;

-- Helper: a new order of A's in the given status (made as the schema owner), at the catalogue
-- price of one 18x24 poster (24.99 + 6.99 shipping), since paying checks the price (0031).
CREATE FUNCTION pg_temp.order_in(p_status text) RETURNS uuid
LANGUAGE sql
AS $$
  INSERT INTO public.poster_orders (user_id, status, total_price, print_config)
  VALUES (current_setting('test.a')::uuid, p_status, 31.98, '{"sku": "GLOBAL-FAP-18x24", "quantity": 1}')
  RETURNING id
$$;

-- Privileged caller: every legal transition works and stamps <status>_at; nothing else is stamped.
DO $$
DECLARE
  t record;
  v_id uuid;
  v_stamps text;
BEGIN
  FOR t IN SELECT * FROM legal LOOP
    v_id := pg_temp.order_in(t.from_status);
    PERFORM tests.act_as_service();
    PERFORM tests.assert_eq(tests.affected(format('UPDATE public.poster_orders SET status = %L WHERE id = %L', t.to_status, v_id)),
                            1::bigint, format('service_role: %s -> %s is allowed', t.from_status, t.to_status));
    PERFORM tests.act_as_owner();
    SELECT concat_ws(',', CASE WHEN paid_at = now() THEN 'paid' END, CASE WHEN submitted_at = now() THEN 'submitted' END,
                          CASE WHEN shipped_at = now() THEN 'shipped' END, CASE WHEN delivered_at = now() THEN 'delivered' END,
                          CASE WHEN cancelled_at = now() THEN 'cancelled' END)
      INTO v_stamps FROM public.poster_orders WHERE id = v_id;
    PERFORM tests.assert_eq(v_stamps, t.to_status, format('%s -> %s stamps %s_at only', t.from_status, t.to_status, t.to_status));
  END LOOP;
END
$$;

-- Privileged caller: every other change of status is refused (terminal states included).
DO $$
DECLARE
  f text;
  t text;
  v_id uuid;
BEGIN
  FOREACH f IN ARRAY ARRAY['pending', 'paid', 'submitted', 'shipped', 'delivered', 'cancelled'] LOOP
    v_id := pg_temp.order_in(f);
    FOREACH t IN ARRAY ARRAY['pending', 'paid', 'submitted', 'shipped', 'delivered', 'cancelled'] LOOP
      CONTINUE WHEN t = f OR EXISTS (SELECT 1 FROM legal WHERE from_status = f AND to_status = t);
      PERFORM tests.act_as_service();
      PERFORM tests.assert_raises(format('UPDATE public.poster_orders SET status = %L WHERE id = %L', t, v_id), '23514',
                                  format('service_role: %s -> %s is refused', f, t));
      PERFORM tests.act_as_owner();
    END LOOP;
    -- An unchanged status is always allowed.
    PERFORM tests.act_as_service();
    PERFORM tests.assert_eq(tests.affected(format('UPDATE public.poster_orders SET status = %L, vendor_order_id = ''v-1'' WHERE id = %L', f, v_id)),
                            1::bigint, format('service_role: an update keeping status %s is allowed', f));
    PERFORM tests.act_as_owner();
  END LOOP;
  PERFORM tests.assert_raises(format('UPDATE public.poster_orders SET status = ''lost'' WHERE id = %L', v_id), '23514',
                              'an unknown status is refused');
END
$$;

-- End user: only pending -> cancelled, on their own order; everything else refused.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  f text;
  t text;
  v_id uuid;
BEGIN
  FOREACH f IN ARRAY ARRAY['pending', 'paid', 'submitted', 'shipped', 'delivered', 'cancelled'] LOOP
    v_id := pg_temp.order_in(f);
    PERFORM tests.act_as(a);
    FOREACH t IN ARRAY ARRAY['pending', 'paid', 'submitted', 'shipped', 'delivered', 'cancelled'] LOOP
      CONTINUE WHEN t = f OR (f = 'pending' AND t = 'cancelled');
      PERFORM tests.assert_raises(format('UPDATE public.poster_orders SET status = %L WHERE id = %L', t, v_id), '23514',
                                  format('end user: %s -> %s is refused', f, t));
    END LOOP;
    PERFORM tests.act_as_owner();
  END LOOP;

  -- The one thing an end user may do: cancel their pending order, stamped.
  PERFORM tests.act_as(a);
  INSERT INTO public.poster_orders (total_price) VALUES (19.90) RETURNING id INTO v_id;
  PERFORM tests.assert_eq(tests.affected(format('UPDATE public.poster_orders SET status = ''cancelled'' WHERE id = %L', v_id)),
                          1::bigint, 'end user: pending -> cancelled is allowed');
  PERFORM tests.assert_eq((SELECT cancelled_at FROM public.poster_orders WHERE id = v_id), now(), 'the cancellation is stamped');
  PERFORM tests.assert_raises(format('UPDATE public.poster_orders SET status = ''pending'' WHERE id = %L', v_id), '23514',
                              'end user: a cancelled order stays cancelled');
  PERFORM tests.assert_raises(format('UPDATE public.poster_orders SET cancelled_at = NULL WHERE id = %L', v_id), '42501',
                              'end user: the stamps are not writable');
  PERFORM tests.act_as_owner();
END
$$;
