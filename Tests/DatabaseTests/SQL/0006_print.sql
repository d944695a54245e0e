-- 0006 print shop: print_products (public catalogue, server-managed) and print_orders (owner rows,
-- column privileges, and the enforce_order_status state machine: every illegal transition is
-- refused, every legal one stamps its timestamp).

CREATE FUNCTION tests.c_id(p_name text) RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('t.' || p_name, true), '')::uuid $$;
GRANT EXECUTE ON FUNCTION tests.c_id(text) TO PUBLIC;

SELECT set_config('t.alice', tests.create_user('alice@example.com')::text, true);
SELECT set_config('t.mallory', tests.create_user('mallory@example.com')::text, true);
SELECT set_config('t.pad', (SELECT id FROM public.print_products WHERE prodigi_sku = 'GLOBAL-PAD-A5-50')::text, true);

---------------------------------------------------------------------------------------------------
-- print_products: readable by everyone, writable by the server only
---------------------------------------------------------------------------------------------------
SELECT tests.act_as_anon();
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.print_products'), 10::bigint, 'anon reads the whole catalogue');
SELECT tests.act_as(tests.c_id('alice'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.print_products'), 10::bigint, 'a user reads the whole catalogue');
DO $do$
DECLARE
  who text;
BEGIN
  FOREACH who IN ARRAY ARRAY['anon', 'alice'] LOOP
    IF who = 'anon' THEN PERFORM tests.act_as_anon(); ELSE PERFORM tests.act_as(tests.c_id('alice')); END IF;
    PERFORM tests.assert_raises($$INSERT INTO public.print_products (name, product_type, prodigi_sku, size, base_price)
                                  VALUES ('Free poster', 'poster', 'HACK-1', 'A1', 0)$$, '42501', who || ' cannot add products');
    PERFORM tests.assert_raises('UPDATE public.print_products SET base_price = 0.01', '42501', who || ' cannot change prices');
    PERFORM tests.assert_raises('DELETE FROM public.print_products', '42501', who || ' cannot delete products');
    PERFORM tests.assert_raises('TRUNCATE public.print_products CASCADE', '42501', who || ' cannot truncate the catalogue');
  END LOOP;
END
$do$;
SELECT tests.act_as_service();
SELECT tests.assert_eq(tests.affected($$UPDATE public.print_products SET base_price = 15.99 WHERE prodigi_sku = 'GLOBAL-PAD-A5-50'$$),
                       1::bigint, 'service_role manages the catalogue');
SELECT tests.assert_raises($$INSERT INTO public.print_products (name, product_type, prodigi_sku, size, base_price)
                             VALUES ('Mug', 'mug', 'MUG-1', '11oz', 9)$$, '23514', 'product_type CHECK');
SELECT tests.assert_raises($$INSERT INTO public.print_products (name, product_type, size, base_price)
                             VALUES ('No SKU', 'pad', 'A5', 9)$$, '23502', 'prodigi_sku is required');

---------------------------------------------------------------------------------------------------
-- print_orders: the owner creates orders with the granted columns only
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('alice'));
WITH o AS (
  INSERT INTO public.print_orders (product_id, quantity, customization, shipping_address, subtotal, shipping, total)
  VALUES (tests.c_id('pad'), 2, '{"title": "2026"}',
          '{"name": "Alice", "line1": "1 Main St", "city": "Springfield", "state": "IL", "postalCode": "62701", "country": "US"}',
          29.98, 4.99, 34.97)
  RETURNING id, user_id, status, tax, discount, currency, shipping_method
)
SELECT set_config('t.order', (SELECT id FROM o WHERE user_id = tests.c_id('alice') AND status = 'pending'
                                                AND tax = 0 AND discount = 0 AND currency = 'USD'
                                                AND shipping_method = 'standard')::text, true);
SELECT tests.assert(tests.c_id('order') IS NOT NULL, 'owner creates an order; user_id, status and amounts defaulted');

DO $do$
DECLARE
  col text;
  val text;
BEGIN
  FOR col, val IN SELECT * FROM (VALUES
    ('status', '''paid'''), ('prodigi_order_id', '''PRD-1'''), ('tracking_number', '''1Z'''), ('tracking_url', '''https://t'''),
    ('carrier', '''UPS'''), ('estimated_delivery', 'current_date'), ('stripe_payment_intent_id', '''pi_1'''),
    ('stripe_charge_id', '''ch_1'''), ('paid_at', 'now()'), ('submitted_at', 'now()'), ('shipped_at', 'now()'),
    ('delivered_at', 'now()'), ('cancelled_at', 'now()'), ('created_at', 'now()')) AS v (c, v)
  LOOP
    PERFORM tests.assert_raises(
      format($i$INSERT INTO public.print_orders (product_id, shipping_address, subtotal, shipping, total, %I)
                VALUES (%L, '{}', 1, 1, 2, %s)$i$, col, tests.c_id('pad'), val),
      '42501', 'owner cannot set ' || col || ' on insert');
  END LOOP;
  FOREACH col IN ARRAY ARRAY['user_id', 'product_id', 'quantity', 'total', 'subtotal', 'discount', 'shipping_address',
                             'customization', 'currency', 'prodigi_order_id', 'paid_at', 'tracking_number'] LOOP
    PERFORM tests.assert_raises(format('UPDATE public.print_orders SET %I = %I', col, col), '42501',
                                'owner cannot update ' || col);
  END LOOP;
END
$do$;
SELECT tests.assert_raises(format($$INSERT INTO public.print_orders (user_id, product_id, shipping_address, subtotal, shipping, total)
                                   VALUES (%L, %L, '{}', 1, 1, 2)$$, tests.c_id('mallory'), tests.c_id('pad')),
                           '42501', 'cannot create an order for another user');
SELECT tests.assert_raises(format($$INSERT INTO public.print_orders (product_id, quantity, shipping_address, subtotal, shipping, total)
                                   VALUES (%L, 0, '{}', 1, 1, 2)$$, tests.c_id('pad')),
                           '23514', 'quantity must be at least 1');
SELECT tests.assert_raises($$INSERT INTO public.print_orders (product_id, shipping_address, subtotal, shipping, total)
                             VALUES (gen_random_uuid(), '{}', 1, 1, 2)$$,
                           '23503', 'the product must exist');
SELECT tests.assert_raises(format($$INSERT INTO public.print_orders (product_id, subtotal, shipping, total)
                                   VALUES (%L, 1, 1, 2)$$, tests.c_id('pad')),
                           '23502', 'a shipping address is required');
SELECT tests.assert_raises(format('DELETE FROM public.print_orders WHERE id = %L', tests.c_id('order')), '42501',
                           'orders cannot be deleted by their owner');

-- Another user and anon.
SELECT tests.act_as(tests.c_id('mallory'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.print_orders'), 0::bigint, 'another user sees no order');
SELECT tests.assert_eq(tests.affected($$UPDATE public.print_orders SET status = 'cancelled'$$), 0::bigint,
                       'another user cannot cancel the order');
SELECT tests.assert_raises('DELETE FROM public.print_orders', '42501', 'another user cannot delete orders');
SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT * FROM public.print_orders', '42501', 'anon cannot select orders');
SELECT tests.assert_raises(format($$INSERT INTO public.print_orders (user_id, product_id, shipping_address, subtotal, shipping, total)
                                   VALUES (%L, %L, '{}', 1, 1, 2)$$, tests.c_id('alice'), tests.c_id('pad')),
                           '42501', 'anon cannot insert orders');
SELECT tests.assert_raises($$UPDATE public.print_orders SET status = 'cancelled'$$, '42501', 'anon cannot update orders');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT status FROM public.print_orders WHERE id = tests.c_id('order')), 'pending',
                       'the order survived the attacks unchanged');

-- The owner cancels their unpaid order; the stamp is set.
SELECT tests.act_as(tests.c_id('alice'));
SELECT tests.assert_eq(tests.affected(format($$UPDATE public.print_orders SET status = 'cancelled' WHERE id = %L$$, tests.c_id('order'))),
                       1::bigint, 'the owner cancels a pending order');
SELECT tests.assert_eq((SELECT cancelled_at FROM public.print_orders WHERE id = tests.c_id('order')), now(),
                       'cancelled_at stamped');
SELECT tests.assert_raises(format($$UPDATE public.print_orders SET status = 'pending' WHERE id = %L$$, tests.c_id('order')),
                           '23514', 'a cancelled order stays cancelled');

---------------------------------------------------------------------------------------------------
-- State machine: every (from, to) pair, for the server and for the end user who owns the order
---------------------------------------------------------------------------------------------------
DO $do$
DECLARE
  statuses text[] := ARRAY['pending', 'paid', 'processing', 'submitted', 'production', 'shipped', 'delivered', 'cancelled', 'failed'];
  -- Transitions a privileged caller may make (docs/schema.md, Order state machines); an end user
  -- only pending -> cancelled.
  legal text[] := ARRAY['pending>paid', 'pending>cancelled',
                        'paid>processing', 'paid>submitted', 'paid>failed', 'paid>cancelled',
                        'processing>submitted', 'processing>failed', 'processing>cancelled',
                        'submitted>production', 'submitted>shipped', 'submitted>failed', 'submitted>cancelled',
                        'production>shipped', 'production>failed',
                        'shipped>delivered',
                        'failed>processing', 'failed>cancelled'];
  stamp_of jsonb := '{"paid": "paid_at", "submitted": "submitted_at", "shipped": "shipped_at",
                      "delivered": "delivered_at", "cancelled": "cancelled_at"}';
  f text;
  t text;
  caller text;
  order_id uuid;
  stamps jsonb;
  n_legal integer := 0;
  n_refused integer := 0;
BEGIN
  FOREACH caller IN ARRAY ARRAY['service', 'user'] LOOP
    FOREACH f IN ARRAY statuses LOOP
      FOREACH t IN ARRAY statuses LOOP
        PERFORM tests.act_as_owner();
        -- At the catalogue price, since paying checks it (0031).
        INSERT INTO public.print_orders (user_id, product_id, status, shipping_address, subtotal, shipping, total)
        SELECT tests.c_id('alice'), p.id, f, '{}', p.base_price, p.shipping_estimate, p.base_price + p.shipping_estimate
          FROM public.print_products p WHERE p.id = tests.c_id('pad')
        RETURNING id INTO order_id;
        IF caller = 'service' THEN PERFORM tests.act_as_service(); ELSE PERFORM tests.act_as(tests.c_id('alice')); END IF;
        IF f = t OR (caller = 'service' AND (f || '>' || t) = ANY (legal)) OR (caller = 'user' AND f = 'pending' AND t = 'cancelled') THEN
          PERFORM tests.assert_eq(tests.affected(format('UPDATE public.print_orders SET status = %L WHERE id = %L', t, order_id)),
                                  1::bigint, format('%s may move an order %s -> %s', caller, f, t));
          PERFORM tests.act_as_owner();
          SELECT jsonb_build_object('paid_at', paid_at, 'submitted_at', submitted_at, 'shipped_at', shipped_at,
                                    'delivered_at', delivered_at, 'cancelled_at', cancelled_at)
          INTO stamps FROM public.print_orders WHERE id = order_id;
          PERFORM tests.assert_eq(jsonb_strip_nulls(stamps),
                                  CASE WHEN f <> t AND stamp_of ? t THEN jsonb_build_object(stamp_of ->> t, now()) ELSE '{}'::jsonb END,
                                  format('%s -> %s stamps exactly its own timestamp', f, t));
          IF f <> t THEN n_legal := n_legal + 1; END IF;
        ELSE
          PERFORM tests.assert_raises(format('UPDATE public.print_orders SET status = %L WHERE id = %L', t, order_id),
                                      '23514', format('%s may not move an order %s -> %s', caller, f, t));
          n_refused := n_refused + 1;
        END IF;
      END LOOP;
    END LOOP;
  END LOOP;
  PERFORM tests.assert_eq(n_legal, 19, 'legal transitions exercised: 18 for the server, 1 for the user');
  PERFORM tests.assert_eq(n_refused, 2 * 72 - 19, 'every other change of status refused');
END
$do$;

-- The trigger is attached (docs/schema.md, Order state machines).
SELECT tests.act_as_owner();
SELECT tests.assert(EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'public.print_orders'::regclass
                            AND tgname = 'enforce_order_status'
                            AND tgfoid = 'public.enforce_order_status()'::regprocedure),
                    'enforce_order_status trigger on print_orders');

---------------------------------------------------------------------------------------------------
-- Referential behaviour
---------------------------------------------------------------------------------------------------
SELECT tests.act_as_service();
SELECT tests.assert_raises(format('DELETE FROM public.print_products WHERE id = %L', tests.c_id('pad')), '23503',
                           'a product with orders cannot be deleted');
SELECT tests.act_as_owner();
DELETE FROM auth.users WHERE id = tests.c_id('alice');
SELECT tests.assert_eq((SELECT count(*) FROM public.print_orders), 0::bigint, 'orders are deleted with the account');
