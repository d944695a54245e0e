-- 0005 workbook_orders state machine (enforce_order_status): every transition between the ten
-- statuses, tried by the order's owner and by service_role. Only the transitions of
-- docs/schema.md (Order state machines) pass; each legal one stamps exactly its lifecycle
-- column; end users may only cancel unpaid orders.

CREATE TEMP TABLE fx (key text PRIMARY KEY, id uuid);
GRANT ALL ON fx TO PUBLIC;
INSERT INTO fx VALUES ('alice', tests.create_user('alice@example.com')), ('mallory', tests.create_user('mallory@example.com'));

-- The workbook transitions of docs/schema.md (Order state machines), written out independently
-- of the trigger's own table.
CREATE TEMP TABLE legal (from_status text, to_status text, end_user boolean);
INSERT INTO legal VALUES
  ('draft', 'generating', false), ('draft', 'cancelled', true),
  ('generating', 'ready', false), ('generating', 'draft', false), ('generating', 'cancelled', true),
  ('ready', 'generating', false), ('ready', 'pending_payment', false), ('ready', 'cancelled', true),
  ('pending_payment', 'paid', false), ('pending_payment', 'ready', false), ('pending_payment', 'cancelled', true),
  ('paid', 'submitted', false), ('paid', 'cancelled', false),
  ('submitted', 'printing', false), ('submitted', 'shipped', false), ('submitted', 'cancelled', false),
  ('printing', 'shipped', false),
  ('shipped', 'delivered', false);
GRANT SELECT ON legal TO PUBLIC;

-- Every ordered pair of distinct statuses, for each kind of caller.
DO $$
DECLARE
  statuses text[] := ARRAY['draft', 'generating', 'ready', 'pending_payment', 'paid', 'submitted', 'printing',
                           'shipped', 'delivered', 'cancelled'];
  stamp_columns text[] := ARRAY['generation_started_at', 'generation_completed_at', 'paid_at', 'submitted_at',
                                'shipped_at', 'delivered_at', 'cancelled_at'];
  alice uuid := (SELECT id FROM fx WHERE key = 'alice');
  f text;
  t text;
  caller text;
  allowed boolean;
  order_id uuid;
  expected_stamps text[];
  actual_stamps text[];
  j jsonb;
  checked integer := 0;
BEGIN
  FOREACH f IN ARRAY statuses LOOP
    FOREACH t IN ARRAY statuses LOOP
      CONTINUE WHEN f = t;
      FOREACH caller IN ARRAY ARRAY['end_user', 'service_role'] LOOP
        PERFORM tests.act_as_owner();
        -- Priced at its template's full price, as paying requires (migration 0056).
        INSERT INTO public.workbook_orders (user_id, status, template_id, total_price)
        SELECT alice, f, t.id, (internal.order_pricing(t.base_price, 1, t.shipping_estimate, 'FREE') ->> 'total')::numeric
          FROM public.workbook_templates t ORDER BY t.sort_order LIMIT 1
        RETURNING id INTO order_id;
        allowed := EXISTS (SELECT 1 FROM legal l WHERE l.from_status = f AND l.to_status = t
                           AND (caller = 'service_role' OR l.end_user));
        IF caller = 'end_user' THEN PERFORM tests.act_as(alice); ELSE PERFORM tests.act_as_service(); END IF;
        IF allowed THEN
          PERFORM tests.assert_eq(
            tests.affected(format('UPDATE public.workbook_orders SET status = %L WHERE id = %L', t, order_id)),
            1::bigint, format('%s may move %s -> %s', caller, f, t));
          PERFORM tests.act_as_owner();
          expected_stamps := ARRAY(
            SELECT c FROM unnest(stamp_columns) c
            WHERE c = CASE t WHEN 'generating' THEN 'generation_started_at' WHEN 'paid' THEN 'paid_at'
                             WHEN 'submitted' THEN 'submitted_at' WHEN 'shipped' THEN 'shipped_at'
                             WHEN 'delivered' THEN 'delivered_at' WHEN 'cancelled' THEN 'cancelled_at' END
               OR (c = 'generation_completed_at' AND f = 'generating' AND t = 'ready'));
          SELECT to_jsonb(o) INTO j FROM public.workbook_orders o WHERE o.id = order_id;
          PERFORM tests.assert_eq(j ->> 'status', t, format('%s -> %s: status changed', f, t));
          actual_stamps := ARRAY(SELECT c FROM unnest(stamp_columns) c WHERE j ->> c IS NOT NULL);
          PERFORM tests.assert_eq(actual_stamps, expected_stamps, format('%s -> %s stamps exactly its lifecycle column', f, t));
          PERFORM tests.assert_eq(
            (SELECT count(*)::integer FROM public.workbook_orders o, unnest(stamp_columns) c
             WHERE o.id = order_id AND (to_jsonb(o) ->> c)::timestamptz = now()),
            cardinality(expected_stamps), format('%s -> %s stamps now()', f, t));
        ELSE
          PERFORM tests.assert_raises(
            format('UPDATE public.workbook_orders SET status = %L WHERE id = %L', t, order_id),
            '23514', format('%s may not move %s -> %s', caller, f, t));
          PERFORM tests.act_as_owner();
          PERFORM tests.assert_eq((SELECT status FROM public.workbook_orders WHERE id = order_id), f,
            format('refused %s -> %s leaves the status', f, t));
        END IF;
        checked := checked + 1;
      END LOOP;
    END LOOP;
  END LOOP;
  PERFORM tests.assert_eq(checked, 180, 'all 90 transitions checked for both callers');
END
$$;

-- Setting the status it already has is always allowed, even on a terminal order and for an end user.
SELECT tests.act_as_owner();
WITH r AS (INSERT INTO public.workbook_orders (user_id, status)
           VALUES ((SELECT id FROM fx WHERE key = 'alice'), 'delivered') RETURNING id)
INSERT INTO fx SELECT 'delivered', id FROM r;
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
SELECT tests.assert_eq(
  tests.affected(format('UPDATE public.workbook_orders SET status = ''delivered'' WHERE id = %L', (SELECT id FROM fx WHERE key = 'delivered'))),
  1::bigint, 'an unchanged status is allowed');
SELECT tests.act_as_owner();
SELECT tests.assert_eq(
  (SELECT delivered_at FROM public.workbook_orders WHERE id = (SELECT id FROM fx WHERE key = 'delivered')),
  NULL::timestamptz, 'an unchanged status stamps nothing');

-- The whole happy path as service_role: every lifecycle stamp ends up set.
WITH r AS (INSERT INTO public.workbook_orders (user_id, template_id, total_price)
           SELECT (SELECT id FROM fx WHERE key = 'alice'), t.id, (internal.order_pricing(t.base_price, 1, t.shipping_estimate, 'FREE') ->> 'total')::numeric
             FROM public.workbook_templates t ORDER BY t.sort_order LIMIT 1 RETURNING id)
INSERT INTO fx SELECT 'journey', id FROM r;
SELECT tests.act_as_service();
DO $$
DECLARE
  s text;
BEGIN
  FOREACH s IN ARRAY ARRAY['generating', 'ready', 'pending_payment', 'paid', 'submitted', 'printing', 'shipped', 'delivered'] LOOP
    UPDATE public.workbook_orders SET status = s WHERE id = (SELECT id FROM fx WHERE key = 'journey');
  END LOOP;
END
$$;
SELECT tests.act_as_owner();
SELECT tests.assert_eq(
  (SELECT ARRAY[generation_started_at, generation_completed_at, paid_at, submitted_at, shipped_at, delivered_at]
   FROM public.workbook_orders WHERE id = (SELECT id FROM fx WHERE key = 'journey')),
  ARRAY[now(), now(), now(), now(), now(), now()], 'the happy path stamps generation, payment, submission, shipping, delivery');
SELECT tests.assert_eq(
  (SELECT cancelled_at FROM public.workbook_orders WHERE id = (SELECT id FROM fx WHERE key = 'journey')),
  NULL::timestamptz, 'a delivered order was never cancelled');

-- An end user cannot cancel someone else's order (invisible: nothing changes).
WITH r AS (INSERT INTO public.workbook_orders (user_id) VALUES ((SELECT id FROM fx WHERE key = 'alice')) RETURNING id)
INSERT INTO fx SELECT 'alice_draft', id FROM r;
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'mallory'));
SELECT tests.assert_eq(
  tests.affected(format('UPDATE public.workbook_orders SET status = ''cancelled'' WHERE id = %L', (SELECT id FROM fx WHERE key = 'alice_draft'))),
  0::bigint, 'another user cannot cancel the order');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT status FROM public.workbook_orders WHERE id = (SELECT id FROM fx WHERE key = 'alice_draft')),
  'draft', 'the order is still a draft');

-- A status outside the list is refused by the CHECK.
SELECT tests.assert_raises(
  format('UPDATE public.workbook_orders SET status = ''lost'' WHERE id = %L', (SELECT id FROM fx WHERE key = 'alice_draft')),
  '23514', 'unknown status refused');
SELECT tests.assert_raises(
  format('INSERT INTO public.workbook_orders (user_id, status) VALUES (%L, ''lost'')', (SELECT id FROM fx WHERE key = 'alice')),
  '23514', 'unknown status refused on insert');

-- Paying requires the template's price at the buyer's tier or the full price (migration 0056):
-- an order priced at a discount its buyer does not have is refused.
SELECT tests.act_as_owner();
WITH r AS (INSERT INTO public.workbook_orders (user_id, status, template_id, total_price)
           SELECT (SELECT id FROM fx WHERE key = 'alice'), 'pending_payment', t.id, 1.00
             FROM public.workbook_templates t ORDER BY t.sort_order LIMIT 1 RETURNING id)
INSERT INTO fx SELECT 'underpriced', id FROM r;
SELECT tests.act_as_service();
SELECT tests.assert_raises(
  format('UPDATE public.workbook_orders SET status = ''paid'' WHERE id = %L', (SELECT id FROM fx WHERE key = 'underpriced')),
  '23514', 'a workbook is not paid below its template''s price');
