-- The print shop behind /functions/v1/print-products and /functions/v1/workbook-service (and
-- RPC): the catalogue, validating a customisation, orders priced by the server from the
-- catalogue (never from amounts a client sends), cancelling unpaid orders, and workbook drafts
-- moved through the legal states of enforce_order_status (0001).
--
-- Pricing (USD): subtotal = base price x quantity; shipping = the product's shipping estimate
-- per order, doubled for express; ELITE members get 30% off the subtotal (discount_applied);
-- tax is added by the payment provider, 0 here; total = subtotal - discount + shipping + tax.

CREATE FUNCTION internal.elite_discount_rate() RETURNS numeric
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$ SELECT 0.30::numeric $$;
REVOKE EXECUTE ON FUNCTION internal.elite_discount_rate() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.elite_discount_rate() TO authenticated, service_role;
COMMENT ON FUNCTION internal.elite_discount_rate() IS 'Share of the subtotal ELITE members save on print products, posters and workbooks.';

-- The price of an order line from catalogue values and the buyer's tier.
CREATE FUNCTION internal.order_pricing(p_base_price numeric, p_quantity integer, p_shipping_estimate numeric,
                                       p_tier text, p_express boolean DEFAULT false)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$
  SELECT jsonb_build_object(
    'unit_price', p_base_price, 'quantity', p_quantity, 'subtotal', x.subtotal,
    'discount', x.discount, 'discount_applied', x.discount > 0,
    'discount_rate', CASE WHEN x.discount > 0 THEN internal.elite_discount_rate() ELSE 0 END,
    'shipping', x.shipping, 'tax', 0, 'total', x.subtotal - x.discount + x.shipping, 'currency', 'USD')
  FROM (SELECT round(p_base_price * p_quantity, 2) AS subtotal,
               CASE WHEN p_tier = 'ELITE' THEN round(p_base_price * p_quantity * internal.elite_discount_rate(), 2) ELSE 0 END AS discount,
               round(coalesce(p_shipping_estimate, 0) * CASE WHEN p_express THEN 2 ELSE 1 END, 2) AS shipping) x
$$;
REVOKE EXECUTE ON FUNCTION internal.order_pricing(numeric, integer, numeric, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.order_pricing(numeric, integer, numeric, text, boolean) TO authenticated, service_role;
COMMENT ON FUNCTION internal.order_pricing(numeric, integer, numeric, text, boolean) IS 'Order pricing from catalogue values: subtotal, ELITE discount, shipping (doubled for express), total.';

-- The caller's subscription tier (FREE without a profile).
CREATE FUNCTION internal.caller_tier() RETURNS text
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT coalesce((SELECT p.subscription_tier FROM public.profiles p WHERE p.id = auth.uid()), 'FREE')
$$;
REVOKE EXECUTE ON FUNCTION internal.caller_tier() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.caller_tier() TO authenticated, service_role;
COMMENT ON FUNCTION internal.caller_tier() IS 'The calling user''s subscription tier; FREE when they have no profile.';

-- The distinct ids of a JSON list of UUID strings (empty for null); raises 22023 naming p_what
-- for anything else.
CREATE FUNCTION internal.uuid_array(p_ids jsonb, p_what text) RETURNS uuid[]
LANGUAGE plpgsql IMMUTABLE
SET search_path = ''
AS $$
DECLARE
  v_ids uuid[];
BEGIN
  IF p_ids IS NULL OR p_ids = 'null'::jsonb THEN
    RETURN '{}';
  END IF;
  SELECT coalesce(array_agg(DISTINCT x::uuid), '{}') INTO v_ids FROM jsonb_array_elements_text(p_ids) AS x;
  RETURN v_ids;
EXCEPTION WHEN invalid_text_representation OR invalid_parameter_value THEN
  RAISE EXCEPTION '% is a list of ids (UUIDs)', p_what USING ERRCODE = 'invalid_parameter_value';
END
$$;
REVOKE EXECUTE ON FUNCTION internal.uuid_array(jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.uuid_array(jsonb, text) TO authenticated, service_role;
COMMENT ON FUNCTION internal.uuid_array(jsonb, text) IS 'The distinct UUIDs of a JSON list; raises 22023 for anything else.';

-- Refuses vision boards and habits that are not the user's own (live boards, any habit).
CREATE FUNCTION internal.require_own_content(p_user uuid, p_board_ids uuid[], p_habit_ids uuid[]) RETURNS void
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_missing uuid;
BEGIN
  SELECT b.id INTO v_missing FROM unnest(coalesce(p_board_ids, '{}')) AS b (id)
   WHERE NOT EXISTS (SELECT 1 FROM public.vision_boards v WHERE v.id = b.id AND v.user_id = p_user AND v.deleted_at IS NULL)
   LIMIT 1;
  IF v_missing IS NOT NULL THEN
    RAISE EXCEPTION 'vision board % is not one of yours', v_missing USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT h.id INTO v_missing FROM unnest(coalesce(p_habit_ids, '{}')) AS h (id)
   WHERE NOT EXISTS (SELECT 1 FROM public.habits x WHERE x.id = h.id AND x.user_id = p_user)
   LIMIT 1;
  IF v_missing IS NOT NULL THEN
    RAISE EXCEPTION 'habit % is not one of yours', v_missing USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.require_own_content(uuid, uuid[], uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.require_own_content(uuid, uuid[], uuid[]) TO authenticated;
COMMENT ON FUNCTION internal.require_own_content(uuid, uuid[], uuid[]) IS 'Raises 22023 unless every board (live) and habit named belongs to the user.';

-- A delivery address {name, line1, line2?, city, state?, postalCode, country} with string members.
CREATE FUNCTION internal.require_shipping_address(p_address jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = ''
AS $$
DECLARE
  v_key text;
BEGIN
  IF p_address IS NULL OR jsonb_typeof(p_address) <> 'object' THEN
    RAISE EXCEPTION 'a shipping address {name, line1, line2?, city, state?, postalCode, country} is required'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOREACH v_key IN ARRAY ARRAY['name', 'line1', 'city', 'postalCode', 'country'] LOOP
    IF jsonb_typeof(p_address -> v_key) IS DISTINCT FROM 'string' OR btrim(p_address ->> v_key) = '' THEN
      RAISE EXCEPTION 'the shipping address needs %', v_key USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
  FOREACH v_key IN ARRAY ARRAY['line2', 'state'] LOOP
    IF p_address ? v_key AND jsonb_typeof(p_address -> v_key) NOT IN ('string', 'null') THEN
      RAISE EXCEPTION 'the shipping address''s % must be text', v_key USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
  RETURN p_address;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.require_shipping_address(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.require_shipping_address(jsonb) TO authenticated, service_role;
COMMENT ON FUNCTION internal.require_shipping_address(jsonb) IS 'Returns a valid shipping address; raises 22023 naming what is missing.';

---------------------------------------------------------------------------------------------------
-- print-products
---------------------------------------------------------------------------------------------------

CREATE FUNCTION public.list_print_products() RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce(jsonb_agg(to_jsonb(p) ORDER BY p.sort_order, p.name), '[]'::jsonb)
    FROM public.print_products p WHERE p.is_active
$$;
REVOKE EXECUTE ON FUNCTION public.list_print_products() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_print_products() TO anon, authenticated, service_role;
COMMENT ON FUNCTION public.list_print_products() IS 'The active print products in catalogue order.';

-- Checks an order of a catalogue product for the caller and prices it: the product is active
-- (and ELITE-only products need an ELITE member), the customization fills exactly the product's
-- personalization fields (and a listed color), the content items are the caller's own and at
-- least min_content_items when the product needs content.
CREATE FUNCTION public.quote_print_order(p_product_id uuid, p_quantity integer DEFAULT 1,
                                         p_customization jsonb DEFAULT '{}', p_content jsonb DEFAULT '{}',
                                         p_shipping_method text DEFAULT 'standard')
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := internal.require_user();
  v_product public.print_products;
  v_tier text := internal.caller_tier();
  v_fields text[];
  v_key text;
  v_boards uuid[];
  v_habits uuid[];
BEGIN
  SELECT * INTO v_product FROM public.print_products p WHERE p.id = p_product_id AND p.is_active;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no print product has id %', p_product_id USING ERRCODE = 'no_data_found';
  END IF;
  IF v_product.elite_exclusive AND v_tier <> 'ELITE' THEN
    RAISE EXCEPTION '% is for ELITE members only', v_product.name USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF coalesce(p_quantity, 0) NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION 'quantity must be between 1 and 100' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF coalesce(p_shipping_method, 'standard') NOT IN ('standard', 'express') THEN
    RAISE EXCEPTION 'shipping_method is standard or express' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_typeof(coalesce(p_customization, '{}')) <> 'object' OR jsonb_typeof(coalesce(p_content, '{}')) <> 'object' THEN
    RAISE EXCEPTION 'customization and content are JSON objects' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  SELECT coalesce(array_agg(f), '{}') INTO v_fields FROM jsonb_array_elements_text(v_product.personalization_fields) AS f;
  FOR v_key IN SELECT jsonb_object_keys(coalesce(p_customization, '{}')) LOOP
    IF NOT (v_key = ANY (v_fields)) AND NOT (v_key = 'color' AND jsonb_array_length(v_product.color_options) > 0) THEN
      RAISE EXCEPTION '% has no personalization field "%" (its fields: %)', v_product.name, v_key,
        coalesce(nullif(array_to_string(v_fields, ', '), ''), 'none') USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
  FOREACH v_key IN ARRAY v_fields LOOP
    IF jsonb_typeof(p_customization -> v_key) IS DISTINCT FROM 'string' OR btrim(p_customization ->> v_key) = ''
       OR char_length(p_customization ->> v_key) > 100 THEN
      RAISE EXCEPTION '% needs "%": text of 1 to 100 characters', v_product.name, v_key USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
  IF jsonb_array_length(v_product.color_options) > 0
     AND NOT coalesce(v_product.color_options ? (p_customization ->> 'color'), false) THEN
    RAISE EXCEPTION '% needs a color, one of %', v_product.name, v_product.color_options USING ERRCODE = 'invalid_parameter_value';
  END IF;

  v_boards := internal.uuid_array(p_content -> 'vision_board_ids', 'content.vision_board_ids');
  v_habits := internal.uuid_array(p_content -> 'habit_ids', 'content.habit_ids');
  PERFORM internal.require_own_content(v_uid, v_boards, v_habits);
  IF v_product.requires_content AND cardinality(v_boards) + cardinality(v_habits) < v_product.min_content_items THEN
    RAISE EXCEPTION '% needs at least % content items (vision boards or habits); % given',
      v_product.name, v_product.min_content_items, cardinality(v_boards) + cardinality(v_habits)
      USING ERRCODE = 'check_violation';
  END IF;

  RETURN jsonb_build_object(
    'product', jsonb_build_object('id', v_product.id, 'name', v_product.name, 'product_type', v_product.product_type,
                                  'sku', v_product.prodigi_sku, 'size', v_product.size),
    'customization', coalesce(p_customization, '{}'),
    'content', jsonb_build_object('vision_board_ids', to_jsonb(v_boards), 'habit_ids', to_jsonb(v_habits),
                                  'items', cardinality(v_boards) + cardinality(v_habits)),
    'shipping_method', coalesce(p_shipping_method, 'standard'),
    'pricing', internal.order_pricing(v_product.base_price, p_quantity, v_product.shipping_estimate, v_tier,
                                      p_shipping_method = 'express'));
END
$$;
REVOKE EXECUTE ON FUNCTION public.quote_print_order(uuid, integer, jsonb, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.quote_print_order(uuid, integer, jsonb, jsonb, text) TO authenticated;
COMMENT ON FUNCTION public.quote_print_order(uuid, integer, jsonb, jsonb, text) IS 'Validates a customised catalogue order for the caller (fields, ELITE-only, content requirements) and prices it from the catalogue.';

-- A catalogue order placed by the caller at the server's price, with a snapshot of its content.
CREATE FUNCTION public.place_print_order(p_product_id uuid, p_quantity integer, p_customization jsonb, p_content jsonb,
                                         p_shipping_address jsonb, p_shipping_method text DEFAULT 'standard')
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_quote jsonb := public.quote_print_order(p_product_id, p_quantity, p_customization, p_content, p_shipping_method);
  v_order public.print_orders;
BEGIN
  INSERT INTO public.print_orders (product_id, quantity, customization, content_snapshot, shipping_address,
                                   shipping_method, subtotal, shipping, tax, discount, total, currency)
  VALUES (p_product_id, p_quantity, v_quote -> 'customization',
          jsonb_build_object(
            'vision_boards', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', v.id, 'prompt', v.prompt, 'image_url', v.image_url)), '[]')
                                FROM public.vision_boards v
                               WHERE v.id IN (SELECT x::uuid FROM jsonb_array_elements_text(v_quote #> '{content,vision_board_ids}') AS x)),
            'habits', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', h.id, 'title', h.title, 'current_streak', h.current_streak)), '[]')
                         FROM public.habits h
                        WHERE h.id IN (SELECT x::uuid FROM jsonb_array_elements_text(v_quote #> '{content,habit_ids}') AS x))),
          internal.require_shipping_address(p_shipping_address), v_quote ->> 'shipping_method',
          (v_quote #>> '{pricing,subtotal}')::numeric, (v_quote #>> '{pricing,shipping}')::numeric,
          (v_quote #>> '{pricing,tax}')::numeric, (v_quote #>> '{pricing,discount}')::numeric,
          (v_quote #>> '{pricing,total}')::numeric, 'USD')
  RETURNING * INTO v_order;
  RETURN to_jsonb(v_order) || jsonb_build_object('kind', 'print', 'discount_applied', v_order.discount > 0);
END
$$;
REVOKE EXECUTE ON FUNCTION public.place_print_order(uuid, integer, jsonb, jsonb, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.place_print_order(uuid, integer, jsonb, jsonb, jsonb, text) TO authenticated;
COMMENT ON FUNCTION public.place_print_order(uuid, integer, jsonb, jsonb, jsonb, text) IS 'Places a validated catalogue order for the caller, priced by the server from the catalogue (ELITE discount applied), status pending.';

-- A poster of one of the caller's boards, in a poster size of the catalogue (by SKU), at the
-- server's price.
CREATE FUNCTION public.place_poster_order(p_vision_board_id uuid, p_sku text, p_finish text DEFAULT 'matte',
                                          p_quantity integer DEFAULT 1, p_shipping_address jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := internal.require_user();
  v_product public.print_products;
  v_pricing jsonb;
  v_order public.poster_orders;
BEGIN
  SELECT * INTO v_product FROM public.print_products p
   WHERE p.prodigi_sku = p_sku AND p.product_type = 'poster' AND p.is_active;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no poster size has SKU %', p_sku USING ERRCODE = 'no_data_found';
  END IF;
  IF coalesce(p_finish, 'matte') NOT IN ('matte', 'gloss') THEN
    RAISE EXCEPTION 'finish is matte or gloss' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF coalesce(p_quantity, 0) NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION 'quantity must be between 1 and 100' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM internal.require_own_content(v_uid, ARRAY[p_vision_board_id], NULL);
  v_pricing := internal.order_pricing(v_product.base_price, p_quantity, v_product.shipping_estimate, internal.caller_tier());
  INSERT INTO public.poster_orders (vision_board_id, total_price, discount_applied, shipping_address, print_config)
  VALUES (p_vision_board_id, (v_pricing ->> 'total')::numeric, (v_pricing ->> 'discount_applied')::boolean,
          internal.require_shipping_address(p_shipping_address),
          jsonb_build_object('sku', v_product.prodigi_sku, 'size', v_product.size, 'finish', coalesce(p_finish, 'matte'),
                             'quantity', p_quantity))
  RETURNING * INTO v_order;
  RETURN to_jsonb(v_order) || jsonb_build_object('kind', 'poster', 'pricing', v_pricing);
END
$$;
REVOKE EXECUTE ON FUNCTION public.place_poster_order(uuid, text, text, integer, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.place_poster_order(uuid, text, text, integer, jsonb) TO authenticated;
COMMENT ON FUNCTION public.place_poster_order(uuid, text, text, integer, jsonb) IS 'Orders a poster of one of the caller''s boards in a catalogue poster size, priced by the server (ELITE discount applied).';

-- The caller's print and poster orders, newest first, each marked with its kind.
CREATE FUNCTION public.list_my_orders() RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce(jsonb_agg(o.item ORDER BY o.created_at DESC), '[]'::jsonb)
    FROM (SELECT p.created_at, to_jsonb(p) || jsonb_build_object('kind', 'print', 'discount_applied', p.discount > 0) AS item
            FROM public.print_orders p WHERE p.user_id = internal.require_user()
          UNION ALL
          SELECT p.created_at, to_jsonb(p) || jsonb_build_object('kind', 'poster')
            FROM public.poster_orders p WHERE p.user_id = internal.require_user()) o
$$;
REVOKE EXECUTE ON FUNCTION public.list_my_orders() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_my_orders() TO authenticated;
COMMENT ON FUNCTION public.list_my_orders() IS 'The caller''s print and poster orders, newest first, each with kind print or poster.';

CREATE FUNCTION public.get_my_order(p_order_id uuid) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce(
    (SELECT to_jsonb(p) || jsonb_build_object('kind', 'print', 'discount_applied', p.discount > 0)
       FROM public.print_orders p WHERE p.id = p_order_id AND p.user_id = internal.require_user()),
    (SELECT to_jsonb(p) || jsonb_build_object('kind', 'poster')
       FROM public.poster_orders p WHERE p.id = p_order_id AND p.user_id = internal.require_user()))
$$;
REVOKE EXECUTE ON FUNCTION public.get_my_order(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_my_order(uuid) TO authenticated;
COMMENT ON FUNCTION public.get_my_order(uuid) IS 'One of the caller''s print or poster orders; NULL when there is none with this id.';

-- Cancels one of the caller's print, poster or workbook orders while it is unpaid.
CREATE FUNCTION public.cancel_my_order(p_order_id uuid) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_kind text;
  v_status text;
  v_unpaid text[];
BEGIN
  PERFORM internal.require_user();
  SELECT x.kind, x.status INTO v_kind, v_status FROM (
    SELECT 'print' AS kind, p.status FROM public.print_orders p WHERE p.id = p_order_id
    UNION ALL SELECT 'poster', p.status FROM public.poster_orders p WHERE p.id = p_order_id
    UNION ALL SELECT 'workbook', w.status FROM public.workbook_orders w WHERE w.id = p_order_id) x;
  IF v_kind IS NULL THEN
    RAISE EXCEPTION 'no order of yours has id %', p_order_id USING ERRCODE = 'no_data_found';
  END IF;
  v_unpaid := CASE v_kind WHEN 'workbook' THEN ARRAY['draft', 'generating', 'ready', 'pending_payment'] ELSE ARRAY['pending'] END;
  IF NOT (v_status = ANY (v_unpaid)) THEN
    RAISE EXCEPTION 'only unpaid orders can be cancelled; this one is %', v_status USING ERRCODE = 'check_violation';
  END IF;
  CASE v_kind
    WHEN 'print' THEN UPDATE public.print_orders SET status = 'cancelled' WHERE id = p_order_id;
    WHEN 'poster' THEN UPDATE public.poster_orders SET status = 'cancelled' WHERE id = p_order_id;
    ELSE UPDATE public.workbook_orders SET status = 'cancelled' WHERE id = p_order_id;
  END CASE;
  RETURN jsonb_build_object('id', p_order_id, 'kind', v_kind, 'status', 'cancelled');
END
$$;
REVOKE EXECUTE ON FUNCTION public.cancel_my_order(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.cancel_my_order(uuid) TO authenticated;
COMMENT ON FUNCTION public.cancel_my_order(uuid) IS 'Cancels one of the caller''s print, poster or workbook orders while it is unpaid.';

-- The server moves an order (print, poster or workbook) to a new status: payment webhooks,
-- fulfilment and generation jobs. enforce_order_status (0001) allows only the legal transitions.
CREATE FUNCTION public.set_order_status(p_order_id uuid, p_status text) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_result jsonb;
BEGIN
  UPDATE public.print_orders o SET status = p_status WHERE o.id = p_order_id
  RETURNING jsonb_build_object('id', o.id, 'kind', 'print', 'status', o.status) INTO v_result;
  IF v_result IS NULL THEN
    UPDATE public.poster_orders o SET status = p_status WHERE o.id = p_order_id
    RETURNING jsonb_build_object('id', o.id, 'kind', 'poster', 'status', o.status) INTO v_result;
  END IF;
  IF v_result IS NULL THEN
    UPDATE public.workbook_orders o SET status = p_status WHERE o.id = p_order_id
    RETURNING jsonb_build_object('id', o.id, 'kind', 'workbook', 'status', o.status) INTO v_result;
  END IF;
  IF v_result IS NULL THEN
    RAISE EXCEPTION 'no order has id %', p_order_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN v_result;
END
$$;
REVOKE EXECUTE ON FUNCTION public.set_order_status(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.set_order_status(uuid, text) TO service_role;
COMMENT ON FUNCTION public.set_order_status(uuid, text) IS 'Server only: moves a print, poster or workbook order to a new status along its legal transitions.';

---------------------------------------------------------------------------------------------------
-- workbook-service
---------------------------------------------------------------------------------------------------

-- A workbook order as the workbook functions answer it, with its template's name.
CREATE FUNCTION internal.workbook_json(p_order public.workbook_orders) RETURNS jsonb
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT to_jsonb(p_order) || jsonb_build_object(
    'template', (SELECT jsonb_build_object('id', t.id, 'name', t.name, 'sku', t.sku, 'base_price', t.base_price)
                   FROM public.workbook_templates t WHERE t.id = p_order.template_id))
$$;
REVOKE EXECUTE ON FUNCTION internal.workbook_json(public.workbook_orders) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.workbook_json(public.workbook_orders) TO authenticated, service_role;
COMMENT ON FUNCTION internal.workbook_json(public.workbook_orders) IS 'A workbook order with its template''s id, name, SKU and base price.';

-- The caller's workbook order, locked, whatever its state; raises 404 when it is not theirs.
CREATE FUNCTION internal.own_workbook_order(p_order_id uuid) RETURNS public.workbook_orders
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_order public.workbook_orders;
BEGIN
  SELECT * INTO v_order FROM public.workbook_orders w
   WHERE w.id = p_order_id AND w.user_id = internal.require_user() FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no workbook order of yours has id %', p_order_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN v_order;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.own_workbook_order(uuid) FROM PUBLIC;
COMMENT ON FUNCTION internal.own_workbook_order(uuid) IS 'The caller''s workbook order, locked; raises no_data_found when there is none of theirs with this id.';

CREATE FUNCTION public.list_workbook_templates() RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.sort_order, t.name), '[]'::jsonb)
    FROM public.workbook_templates t WHERE t.is_active
$$;
REVOKE EXECUTE ON FUNCTION public.list_workbook_templates() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_workbook_templates() TO anon, authenticated, service_role;
COMMENT ON FUNCTION public.list_workbook_templates() IS 'The active workbook templates in catalogue order.';

-- A new draft of the caller from an active template and {title?, subtitle?, dedication_text?,
-- cover_style?, include_weekly_journal?, include_habit_tracker?}.
CREATE FUNCTION public.create_workbook_draft(p_template_id uuid, p_details jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_order public.workbook_orders;
BEGIN
  PERFORM internal.require_user();
  IF NOT EXISTS (SELECT 1 FROM public.workbook_templates t WHERE t.id = p_template_id AND t.is_active) THEN
    RAISE EXCEPTION 'no workbook template has id %', p_template_id USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO public.workbook_orders (template_id, title, subtitle, dedication_text, cover_style,
                                      include_weekly_journal, include_habit_tracker)
  VALUES (p_template_id, p_details ->> 'title', p_details ->> 'subtitle', p_details ->> 'dedication_text',
          coalesce(p_details ->> 'cover_style', 'classic'),
          coalesce((p_details ->> 'include_weekly_journal')::boolean, true),
          coalesce((p_details ->> 'include_habit_tracker')::boolean, true))
  RETURNING * INTO v_order;
  RETURN internal.workbook_json(v_order);
END
$$;
REVOKE EXECUTE ON FUNCTION public.create_workbook_draft(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.create_workbook_draft(uuid, jsonb) TO authenticated;
COMMENT ON FUNCTION public.create_workbook_draft(uuid, jsonb) IS 'Creates a workbook draft of the caller from an active template.';

-- Changes a draft of the caller: the members present in p_patch (template_id, title, subtitle,
-- dedication_text, cover_style, include_weekly_journal, include_habit_tracker, shipping_address,
-- vision_board_ids and included_habits (or habit_ids) — the caller's own). A change drops the price until the
-- draft is priced again. End users hold no UPDATE privilege on these columns: owner rights,
-- with the ownership and state checked here.
CREATE FUNCTION public.update_workbook_draft(p_order_id uuid, p_patch jsonb) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_order public.workbook_orders := internal.own_workbook_order(p_order_id);
  v_boards uuid[];
  v_habits uuid[];
BEGIN
  IF v_order.status <> 'draft' THEN
    RAISE EXCEPTION 'only drafts can be changed; this workbook is %', v_order.status USING ERRCODE = 'check_violation';
  END IF;
  IF p_patch ? 'template_id' AND NOT EXISTS (
       SELECT 1 FROM public.workbook_templates t WHERE t.id = (p_patch ->> 'template_id')::uuid AND t.is_active) THEN
    RAISE EXCEPTION 'no workbook template has id %', p_patch ->> 'template_id' USING ERRCODE = 'no_data_found';
  END IF;
  IF p_patch ? 'vision_board_ids' THEN
    v_boards := internal.uuid_array(p_patch -> 'vision_board_ids', 'vision_board_ids');
  END IF;
  IF p_patch ? 'included_habits' OR p_patch ? 'habit_ids' THEN
    v_habits := internal.uuid_array(coalesce(p_patch -> 'included_habits', p_patch -> 'habit_ids'), 'habit_ids');
  END IF;
  PERFORM internal.require_own_content(v_order.user_id, v_boards, v_habits);
  UPDATE public.workbook_orders w SET
    template_id = CASE WHEN p_patch ? 'template_id' THEN (p_patch ->> 'template_id')::uuid ELSE w.template_id END,
    title = CASE WHEN p_patch ? 'title' THEN p_patch ->> 'title' ELSE w.title END,
    subtitle = CASE WHEN p_patch ? 'subtitle' THEN p_patch ->> 'subtitle' ELSE w.subtitle END,
    dedication_text = CASE WHEN p_patch ? 'dedication_text' THEN p_patch ->> 'dedication_text' ELSE w.dedication_text END,
    cover_style = CASE WHEN p_patch ? 'cover_style' THEN coalesce(p_patch ->> 'cover_style', 'classic') ELSE w.cover_style END,
    include_weekly_journal = CASE WHEN p_patch ? 'include_weekly_journal'
                                  THEN coalesce((p_patch ->> 'include_weekly_journal')::boolean, true) ELSE w.include_weekly_journal END,
    include_habit_tracker = CASE WHEN p_patch ? 'include_habit_tracker'
                                 THEN coalesce((p_patch ->> 'include_habit_tracker')::boolean, true) ELSE w.include_habit_tracker END,
    shipping_address = CASE WHEN p_patch ? 'shipping_address'
                            THEN internal.require_shipping_address(p_patch -> 'shipping_address') ELSE w.shipping_address END,
    vision_board_ids = coalesce(v_boards, w.vision_board_ids),
    included_habits = coalesce(v_habits, w.included_habits),
    subtotal = NULL, discount_amount = 0, shipping_cost = NULL, total_price = NULL, discount_applied = false
  WHERE w.id = v_order.id
  RETURNING * INTO v_order;
  RETURN internal.workbook_json(v_order);
END
$$;
REVOKE EXECUTE ON FUNCTION public.update_workbook_draft(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.update_workbook_draft(uuid, jsonb) TO authenticated;
COMMENT ON FUNCTION public.update_workbook_draft(uuid, jsonb) IS 'Changes the details, content (the caller''s own boards and habits) or shipping address of one of the caller''s workbook drafts.';

-- Prices one of the caller's unpaid workbooks from its template (ELITE discount applied) and
-- stores the price on it.
CREATE FUNCTION public.price_workbook_order(p_order_id uuid) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_order public.workbook_orders := internal.own_workbook_order(p_order_id);
  v_template public.workbook_templates;
  v_pricing jsonb;
BEGIN
  IF v_order.status NOT IN ('draft', 'generating', 'ready', 'pending_payment') THEN
    RAISE EXCEPTION 'this workbook is % and can no longer be priced', v_order.status USING ERRCODE = 'check_violation';
  END IF;
  SELECT * INTO v_template FROM public.workbook_templates t WHERE t.id = v_order.template_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'choose a template before pricing the workbook' USING ERRCODE = 'check_violation';
  END IF;
  v_pricing := internal.order_pricing(v_template.base_price, 1, v_template.shipping_estimate, internal.caller_tier());
  UPDATE public.workbook_orders w
     SET subtotal = (v_pricing ->> 'subtotal')::numeric, discount_amount = (v_pricing ->> 'discount')::numeric,
         shipping_cost = (v_pricing ->> 'shipping')::numeric, total_price = (v_pricing ->> 'total')::numeric,
         discount_applied = (v_pricing ->> 'discount_applied')::boolean
   WHERE w.id = v_order.id;
  RETURN v_pricing || jsonb_build_object('order_id', v_order.id);
END
$$;
REVOKE EXECUTE ON FUNCTION public.price_workbook_order(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.price_workbook_order(uuid) TO authenticated;
COMMENT ON FUNCTION public.price_workbook_order(uuid) IS 'Prices one of the caller''s unpaid workbooks from its template (ELITE discount applied) and stores the price.';

-- The caller's steps through the workbook's lifecycle: submit (draft -> generating, once it has
-- a title, at least one vision board and a shipping address; priced on the way) and checkout
-- (ready -> pending_payment, re-priced). These transitions belong to the server in the state
-- machine, so they run with owner rights after the checks here; generation (-> ready) and
-- payment (-> paid and on) are the server's.
CREATE FUNCTION public.advance_workbook_order(p_order_id uuid, p_step text) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_order public.workbook_orders := internal.own_workbook_order(p_order_id);
BEGIN
  CASE p_step
    WHEN 'submit' THEN
      IF v_order.status <> 'draft' THEN
        RAISE EXCEPTION 'only a draft can be submitted; this workbook is %', v_order.status USING ERRCODE = 'check_violation';
      END IF;
      IF nullif(btrim(v_order.title), '') IS NULL OR cardinality(v_order.vision_board_ids) = 0 OR v_order.shipping_address IS NULL THEN
        RAISE EXCEPTION 'a workbook needs a title, at least one vision board and a shipping address before it is submitted'
          USING ERRCODE = 'check_violation';
      END IF;
      PERFORM public.price_workbook_order(v_order.id);
      UPDATE public.workbook_orders SET status = 'generating' WHERE id = v_order.id;
    WHEN 'checkout' THEN
      IF v_order.status <> 'ready' THEN
        RAISE EXCEPTION 'a workbook goes to checkout once it is ready; this one is %', v_order.status USING ERRCODE = 'check_violation';
      END IF;
      PERFORM public.price_workbook_order(v_order.id);
      UPDATE public.workbook_orders SET status = 'pending_payment' WHERE id = v_order.id;
    ELSE
      RAISE EXCEPTION 'unknown step % (expected submit or checkout)', p_step USING ERRCODE = 'invalid_parameter_value';
  END CASE;
  SELECT * INTO v_order FROM public.workbook_orders w WHERE w.id = v_order.id;
  RETURN internal.workbook_json(v_order);
END
$$;
REVOKE EXECUTE ON FUNCTION public.advance_workbook_order(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.advance_workbook_order(uuid, text) TO authenticated;
COMMENT ON FUNCTION public.advance_workbook_order(uuid, text) IS 'The caller''s workbook steps: submit (draft -> generating, needs title, boards and address) and checkout (ready -> pending_payment), each re-pricing it.';

CREATE FUNCTION public.list_my_workbooks() RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce(jsonb_agg(internal.workbook_json(w) ORDER BY w.created_at DESC), '[]'::jsonb)
    FROM public.workbook_orders w WHERE w.user_id = internal.require_user()
$$;
REVOKE EXECUTE ON FUNCTION public.list_my_workbooks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_my_workbooks() TO authenticated;
COMMENT ON FUNCTION public.list_my_workbooks() IS 'The caller''s workbook orders, newest first.';
