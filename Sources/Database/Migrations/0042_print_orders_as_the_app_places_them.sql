-- Print orders as the app places them. The app's order screen shows a headline field only for
-- products that list `headline` (none of the catalogue's do) and never asks for the others, and
-- it tells the buyer that their habits "will be included" without sending them. So a product's
-- personalization fields are optional — each one given is still text of 1 to 100 characters,
-- and a field the product does not have is still refused — and an order that names no habits
-- includes the caller's active habits. Content still has to be the caller's own and reach the
-- product's min_content_items; prices still come from the catalogue.

CREATE OR REPLACE FUNCTION public.quote_print_order(p_product_id uuid, p_quantity integer DEFAULT 1,
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
    CONTINUE WHEN NOT coalesce(p_customization, '{}') ? v_key OR jsonb_typeof(p_customization -> v_key) = 'null';
    IF jsonb_typeof(p_customization -> v_key) IS DISTINCT FROM 'string' OR btrim(p_customization ->> v_key) = ''
       OR char_length(p_customization ->> v_key) > 100 THEN
      RAISE EXCEPTION '"%" of % is text of 1 to 100 characters', v_key, v_product.name USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
  IF jsonb_array_length(v_product.color_options) > 0
     AND NOT coalesce(v_product.color_options ? (p_customization ->> 'color'), false) THEN
    RAISE EXCEPTION '% needs a color, one of %', v_product.name, v_product.color_options USING ERRCODE = 'invalid_parameter_value';
  END IF;

  v_boards := internal.uuid_array(p_content -> 'vision_board_ids', 'content.vision_board_ids');
  -- No habits named: the caller's active habits, as the app's order screen promises.
  v_habits := CASE WHEN coalesce(p_content, '{}') ? 'habit_ids'
                   THEN internal.uuid_array(p_content -> 'habit_ids', 'content.habit_ids')
                   ELSE (SELECT coalesce(array_agg(h.id ORDER BY h.created_at, h.id), '{}') FROM public.habits h
                          WHERE h.user_id = v_uid AND h.is_active) END;
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
COMMENT ON FUNCTION public.quote_print_order(uuid, integer, jsonb, jsonb, text) IS 'Validates a customised catalogue order for the caller (personalization fields optional but checked when given, ELITE-only, content requirements; no habit_ids means the caller''s active habits) and prices it from the catalogue.';
