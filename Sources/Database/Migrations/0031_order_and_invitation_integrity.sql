-- Integrity of orders, leaderboards and invitations against their own users:
--
-- * Print and poster orders carry the catalogue's price whoever writes them. An end user may
--   still insert an order straight through REST with amounts in it (the original app inserts
--   poster_orders with its own total_price), but the amounts are replaced by the server's price
--   from the catalogue (0006) with the buyer's ELITE discount, exactly as quote_print_order and
--   place_poster_order (0014) compute it. Moving an order to paid re-prices it and refuses
--   (23514) when the stored amounts are not the catalogue price.
-- * Workbook orders list only the caller's own vision boards and habits.
-- * Any member could force a leaderboard recomputation by asking for a zero maximum age; the age
--   is now fixed (5 minutes) and only owners and admins force a refresh.
-- * An inviter could withdraw and re-invite forever, each time queueing a mail: invitations
--   created per inviter are capped at 50 in any 24 hours, withdrawn ones included (PT429).

---------------------------------------------------------------------------------------------------
-- Order prices from the catalogue
---------------------------------------------------------------------------------------------------

-- The price of a catalogue print order for a buyer of the given tier, as quote_print_order
-- prices it (express doubles shipping); NULL when the product does not exist.
CREATE FUNCTION internal.print_order_pricing(p_product_id uuid, p_quantity integer, p_shipping_method text, p_tier text)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT internal.order_pricing(p.base_price, p_quantity, p.shipping_estimate, p_tier, p_shipping_method = 'express')
    FROM public.print_products p WHERE p.id = p_product_id
$$;
REVOKE EXECUTE ON FUNCTION internal.print_order_pricing(uuid, integer, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.print_order_pricing(uuid, integer, text, text) TO authenticated, service_role;
COMMENT ON FUNCTION internal.print_order_pricing(uuid, integer, text, text) IS 'Catalogue price of a print order (product, quantity, shipping method) for a buyer tier; NULL for an unknown product.';

-- The price of a poster order for a buyer of the given tier, as place_poster_order prices it:
-- the poster product of print_config.sku (active ones only when p_active_only) times
-- print_config.quantity (1 when absent). NULL when the SKU is no poster of the catalogue; a
-- quantity that is not a whole number from 1 to 100 raises.
CREATE FUNCTION internal.poster_order_pricing(p_print_config jsonb, p_tier text, p_active_only boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = ''
AS $$
DECLARE
  v_product public.print_products;
  v_raw jsonb := CASE WHEN jsonb_typeof(p_print_config) = 'object' THEN p_print_config -> 'quantity' END;
  v_quantity integer := 1;
BEGIN
  IF jsonb_typeof(p_print_config) IS DISTINCT FROM 'object' THEN
    RETURN NULL;
  END IF;
  SELECT * INTO v_product FROM public.print_products p
   WHERE p.prodigi_sku = p_print_config ->> 'sku' AND p.product_type = 'poster' AND (p.is_active OR NOT p_active_only);
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF v_raw IS NOT NULL AND v_raw <> 'null'::jsonb THEN
    IF jsonb_typeof(v_raw) NOT IN ('number', 'string') OR (v_raw #>> '{}') !~ '^\s*[0-9]{1,9}\s*$' THEN
      RAISE EXCEPTION 'print_config.quantity is a whole number from 1 to 100' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_quantity := btrim(v_raw #>> '{}')::integer;
  END IF;
  IF v_quantity NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION 'quantity must be between 1 and 100' USING ERRCODE = 'check_violation';
  END IF;
  RETURN internal.order_pricing(v_product.base_price, v_quantity, v_product.shipping_estimate, p_tier);
END
$$;
REVOKE EXECUTE ON FUNCTION internal.poster_order_pricing(jsonb, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.poster_order_pricing(jsonb, text, boolean) TO authenticated, service_role;
COMMENT ON FUNCTION internal.poster_order_pricing(jsonb, text, boolean) IS 'Catalogue price of a poster order from its print_config (sku, quantity) for a buyer tier; NULL when the SKU is no catalogue poster.';

-- The subscription tier of an order's buyer (FREE without a profile). The caller needs to see
-- the profile: end users see their own, privileged callers every one.
CREATE FUNCTION internal.buyer_tier(p_user uuid) RETURNS text
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce((SELECT p.subscription_tier FROM public.profiles p WHERE p.id = p_user), 'FREE')
$$;
REVOKE EXECUTE ON FUNCTION internal.buyer_tier(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.buyer_tier(uuid) TO authenticated, service_role;
COMMENT ON FUNCTION internal.buyer_tier(uuid) IS 'The subscription tier of an order''s buyer; FREE when they have no profile.';

-- Trigger (BEFORE INSERT OR UPDATE) on print_orders. For end users, every amount (subtotal,
-- shipping, tax, discount, total, currency) is the catalogue's, whatever the client sent; the
-- product must be on sale (ELITE-only products to ELITE members), at most 100 copies, shipped
-- standard or express, as quote_print_order requires. On the way to paid (any caller) the stored
-- amounts must be the catalogue price for the buyer: at their current tier or the full price
-- (never less), tax on top. SECURITY INVOKER, so that the privileged-caller test sees the real
-- caller.
CREATE FUNCTION internal.print_order_price() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_product public.print_products;
  v_tier text;
  v_pricing jsonb;
  v_full jsonb;
BEGIN
  IF NOT internal.is_privileged_caller()
     AND (TG_OP = 'INSERT'
          OR (NEW.product_id, NEW.quantity, NEW.shipping_method, NEW.subtotal, NEW.shipping, NEW.tax, NEW.discount, NEW.total, NEW.currency)
             IS DISTINCT FROM
             (OLD.product_id, OLD.quantity, OLD.shipping_method, OLD.subtotal, OLD.shipping, OLD.tax, OLD.discount, OLD.total, OLD.currency)) THEN
    SELECT * INTO v_product FROM public.print_products p WHERE p.id = NEW.product_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no print product has id %', NEW.product_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NOT v_product.is_active THEN
      RAISE EXCEPTION '% is no longer sold', v_product.name USING ERRCODE = 'check_violation';
    END IF;
    v_tier := internal.caller_tier();
    IF v_product.elite_exclusive AND v_tier <> 'ELITE' THEN
      RAISE EXCEPTION '% is for ELITE members only', v_product.name USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.quantity NOT BETWEEN 1 AND 100 THEN
      RAISE EXCEPTION 'quantity must be between 1 and 100' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.shipping_method NOT IN ('standard', 'express') THEN
      RAISE EXCEPTION 'shipping_method is standard or express' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_pricing := internal.print_order_pricing(NEW.product_id, NEW.quantity, NEW.shipping_method, v_tier);
    NEW.subtotal := (v_pricing ->> 'subtotal')::numeric;
    NEW.shipping := (v_pricing ->> 'shipping')::numeric;
    NEW.tax := (v_pricing ->> 'tax')::numeric;
    NEW.discount := (v_pricing ->> 'discount')::numeric;
    NEW.total := (v_pricing ->> 'total')::numeric;
    NEW.currency := v_pricing ->> 'currency';
  END IF;

  IF TG_OP = 'UPDATE' AND NEW.status = 'paid' AND OLD.status IS DISTINCT FROM 'paid' THEN
    v_pricing := internal.print_order_pricing(NEW.product_id, NEW.quantity, NEW.shipping_method, internal.buyer_tier(NEW.user_id));
    v_full := internal.print_order_pricing(NEW.product_id, NEW.quantity, NEW.shipping_method, 'FREE');
    IF NEW.currency IS DISTINCT FROM 'USD' OR NEW.tax < 0 OR NOT EXISTS (
         SELECT 1 FROM (VALUES (v_pricing), (v_full)) AS x (p)
          WHERE (x.p ->> 'subtotal')::numeric = NEW.subtotal AND (x.p ->> 'discount')::numeric = NEW.discount
            AND (x.p ->> 'shipping')::numeric = NEW.shipping AND (x.p ->> 'total')::numeric + NEW.tax = NEW.total) THEN
      RAISE EXCEPTION 'print order % cannot be paid: its amounts (subtotal %, discount %, shipping %, tax %, total % %) are not the catalogue price (subtotal %, discount %, shipping %, total % USD before tax)',
        NEW.id, NEW.subtotal, NEW.discount, NEW.shipping, NEW.tax, NEW.total, NEW.currency,
        (v_pricing ->> 'subtotal')::numeric(10,2), (v_pricing ->> 'discount')::numeric(10,2),
        (v_pricing ->> 'shipping')::numeric(10,2), (v_pricing ->> 'total')::numeric(10,2)
        USING ERRCODE = 'check_violation',
              HINT = 'The catalogue or the buyer''s tier changed since the order was placed, or its amounts were not the server''s; cancel it and order again.';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.print_order_price() FROM PUBLIC;
COMMENT ON FUNCTION internal.print_order_price() IS 'Trigger: print order amounts are the catalogue''s for end users; paying requires the catalogue price.';

CREATE TRIGGER price_from_catalogue BEFORE INSERT OR UPDATE ON public.print_orders
  FOR EACH ROW EXECUTE FUNCTION internal.print_order_price();

-- Trigger (BEFORE INSERT OR UPDATE) on poster_orders. For end users, total_price and
-- discount_applied are the catalogue's for the poster SKU and quantity of print_config, whatever
-- the client sent; an order whose print_config names no poster of the catalogue is kept without
-- a price (total_price NULL) and can never be paid. On the way to paid (any caller) total_price
-- must be the catalogue price for the buyer: at their current tier or the full price.
-- SECURITY INVOKER, so that the privileged-caller test sees the real caller.
CREATE FUNCTION internal.poster_order_price() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_pricing jsonb;
  v_full jsonb;
BEGIN
  IF NOT internal.is_privileged_caller()
     AND (TG_OP = 'INSERT'
          OR (NEW.print_config, NEW.total_price, NEW.discount_applied) IS DISTINCT FROM (OLD.print_config, OLD.total_price, OLD.discount_applied)) THEN
    v_pricing := internal.poster_order_pricing(NEW.print_config, internal.caller_tier(), true);
    NEW.total_price := (v_pricing ->> 'total')::numeric;
    NEW.discount_applied := coalesce((v_pricing ->> 'discount_applied')::boolean, false);
  END IF;

  IF TG_OP = 'UPDATE' AND NEW.status = 'paid' AND OLD.status IS DISTINCT FROM 'paid' THEN
    v_pricing := internal.poster_order_pricing(NEW.print_config, internal.buyer_tier(NEW.user_id), false);
    IF v_pricing IS NULL THEN
      RAISE EXCEPTION 'poster order % cannot be paid: its print_config names no poster of the catalogue (sku %)',
        NEW.id, coalesce(NEW.print_config ->> 'sku', 'missing') USING ERRCODE = 'check_violation';
    END IF;
    v_full := internal.poster_order_pricing(NEW.print_config, 'FREE', false);
    IF NEW.total_price IS NULL OR NEW.total_price NOT IN ((v_pricing ->> 'total')::numeric, (v_full ->> 'total')::numeric) THEN
      RAISE EXCEPTION 'poster order % cannot be paid: its total % is not the catalogue price % USD',
        NEW.id, coalesce(NEW.total_price::text, 'missing'), (v_pricing ->> 'total')::numeric(10,2)
        USING ERRCODE = 'check_violation',
              HINT = 'The catalogue or the buyer''s tier changed since the order was placed, or its amount was not the server''s; cancel it and order again.';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.poster_order_price() FROM PUBLIC;
COMMENT ON FUNCTION internal.poster_order_price() IS 'Trigger: poster order total is the catalogue''s for end users; paying requires the catalogue price.';

CREATE TRIGGER price_from_catalogue BEFORE INSERT OR UPDATE ON public.poster_orders
  FOR EACH ROW EXECUTE FUNCTION internal.poster_order_price();

COMMENT ON COLUMN public.poster_orders.total_price IS 'Order total (USD) from the catalogue for the SKU and quantity of print_config (whatever a client sends); NULL when print_config names no catalogue poster. Checked again on payment.';
COMMENT ON COLUMN public.poster_orders.discount_applied IS 'Whether the ELITE discount is part of total_price (set by the server).';
COMMENT ON COLUMN public.print_orders.total IS 'Amount charged: subtotal - discount + shipping + tax, from the catalogue (whatever a client sends); checked again on payment.';

---------------------------------------------------------------------------------------------------
-- Workbook content
---------------------------------------------------------------------------------------------------

-- Trigger (BEFORE INSERT OR UPDATE OF the content lists) on workbook_orders: an end user's order
-- lists only their own live vision boards and their own habits (22023 otherwise), as
-- update_workbook_draft requires. Lists that do not change are not checked again, so an order
-- whose board was deleted later can still be cancelled. SECURITY INVOKER, so that the
-- privileged-caller test sees the real caller.
CREATE FUNCTION internal.workbook_order_content() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NOT internal.is_privileged_caller()
     AND (TG_OP = 'INSERT'
          OR (NEW.vision_board_ids, NEW.included_habits) IS DISTINCT FROM (OLD.vision_board_ids, OLD.included_habits)) THEN
    PERFORM internal.require_own_content(auth.uid(), NEW.vision_board_ids, NEW.included_habits);
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.workbook_order_content() FROM PUBLIC;
COMMENT ON FUNCTION internal.workbook_order_content() IS 'Trigger: an end user''s workbook order lists only their own live vision boards and habits.';

CREATE TRIGGER require_own_content BEFORE INSERT OR UPDATE OF vision_board_ids, included_habits ON public.workbook_orders
  FOR EACH ROW EXECUTE FUNCTION internal.workbook_order_content();

---------------------------------------------------------------------------------------------------
-- Team leaderboard: the cache's age is the server's
---------------------------------------------------------------------------------------------------

DROP FUNCTION public.get_team_leaderboard(uuid, text, boolean, integer);

-- The team's leaderboard for the current day, ISO week or month (UTC), for its active members
-- only: the cached snapshot of team_leaderboards when it is younger than 5 minutes, else
-- computed afresh by calculate_team_leaderboard (server-only, hence owner rights here);
-- p_refresh (owner or admin) forces a new computation. Entries carry display names.
CREATE FUNCTION public.get_team_leaderboard(p_team_id uuid, p_period_type text DEFAULT 'weekly',
                                            p_refresh boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := internal.require_user();
  v_today date := (now() AT TIME ZONE 'UTC')::date;
  v_start date;
  v_board public.team_leaderboards;
BEGIN
  IF NOT public.is_team_member(p_team_id) THEN
    RAISE EXCEPTION 'no team of yours has id %', p_team_id USING ERRCODE = 'no_data_found';
  END IF;
  v_start := CASE p_period_type
    WHEN 'daily' THEN v_today
    WHEN 'weekly' THEN date_trunc('week', v_today::timestamp)::date
    WHEN 'monthly' THEN date_trunc('month', v_today::timestamp)::date
  END;
  IF v_start IS NULL THEN
    RAISE EXCEPTION 'unknown period % (expected daily, weekly or monthly)', p_period_type
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_refresh AND public.team_role(p_team_id) NOT IN ('owner', 'admin') THEN
    RAISE EXCEPTION 'only the team''s owner or admins may force a refresh' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO v_board FROM public.team_leaderboards b
   WHERE b.team_id = p_team_id AND b.period_type = p_period_type AND b.period_start = v_start;
  IF NOT FOUND OR p_refresh OR v_board.generated_at < now() - interval '300 seconds' THEN
    PERFORM public.calculate_team_leaderboard(p_team_id, p_period_type);
    SELECT * INTO v_board FROM public.team_leaderboards b
     WHERE b.team_id = p_team_id AND b.period_type = p_period_type AND b.period_start = v_start;
  END IF;
  RETURN jsonb_build_object(
    'team_id', p_team_id, 'period_type', v_board.period_type, 'period_start', v_board.period_start,
    'period_end', v_board.period_end, 'generated_at', v_board.generated_at,
    'rankings', coalesce((
      SELECT jsonb_agg(r.entry || jsonb_build_object('display_name', internal.display_name(u), 'is_me', u.id = v_uid)
                       ORDER BY r.position)
        FROM jsonb_array_elements(v_board.rankings) WITH ORDINALITY AS r (entry, position)
        JOIN auth.users u ON u.id = (r.entry ->> 'user_id')::uuid), '[]'::jsonb));
END
$$;
REVOKE EXECUTE ON FUNCTION public.get_team_leaderboard(uuid, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_team_leaderboard(uuid, text, boolean) TO authenticated;
COMMENT ON FUNCTION public.get_team_leaderboard(uuid, text, boolean) IS 'A team''s daily, weekly or monthly leaderboard for its active members: the cached snapshot when at most 5 minutes old, else recomputed; owner or admin may force a refresh.';

---------------------------------------------------------------------------------------------------
-- Partner invitations: at most 50 a day per inviter
---------------------------------------------------------------------------------------------------

-- One row per invitation created (its mail queued), kept 24 hours: withdrawing an invitation
-- deletes it but not its row here, so withdrawn invitations still count against the cap.
CREATE TABLE internal.partner_invitation_sends (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  inviter_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  sent_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partner_invitation_sends_inviter_id_sent_at_idx ON internal.partner_invitation_sends (inviter_id, sent_at);
REVOKE ALL ON internal.partner_invitation_sends FROM PUBLIC, anon, authenticated, service_role;
COMMENT ON TABLE internal.partner_invitation_sends IS 'Partner invitations created (and mailed) per inviter in the last 24 hours, withdrawn ones included: the daily cap of create_partner_invitation.';
COMMENT ON COLUMN internal.partner_invitation_sends.id IS 'Primary key.';
COMMENT ON COLUMN internal.partner_invitation_sends.inviter_id IS 'The user who created the invitation.';
COMMENT ON COLUMN internal.partner_invitation_sends.sent_at IS 'When the invitation was created and its mail queued.';

-- Invites someone (by email) to become the caller's accountability partner: an unguessable code
-- (column default of 0006), an expiry 1-30 days ahead, and the invitation mail queued in the
-- outbox. One pending invitation per address, at most 20 pending per inviter, and at most 50
-- created per inviter in any 24 hours, withdrawn ones included (PT429: too many requests).
CREATE OR REPLACE FUNCTION public.create_partner_invitation(p_invitee_email text, p_message text DEFAULT NULL, p_expires_in_days integer DEFAULT 7)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := internal.require_user();
  v_email text := lower(btrim(p_invitee_email));
  v_invitation public.partner_invitations;
BEGIN
  IF v_email IS NULL OR v_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' THEN
    RAISE EXCEPTION '"%" is not an email address', p_invitee_email USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF coalesce(p_expires_in_days, 7) NOT BETWEEN 1 AND 30 THEN
    RAISE EXCEPTION 'an invitation expires 1 to 30 days from now' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_email = lower(btrim(auth.jwt() ->> 'email')) THEN
    RAISE EXCEPTION 'you cannot invite yourself' USING ERRCODE = 'check_violation';
  END IF;
  -- Serialises the caller's own invitations, so the checks below hold.
  PERFORM pg_advisory_xact_lock(hashtextextended('partner_invitations:' || v_uid::text, 0));
  IF EXISTS (SELECT 1 FROM public.partner_invitations i
              WHERE i.inviter_id = v_uid AND i.invitee_email = v_email AND i.status = 'pending' AND i.expires_at > now()) THEN
    RAISE EXCEPTION 'you already have a pending invitation to %', v_email USING ERRCODE = 'unique_violation';
  END IF;
  IF (SELECT count(*) FROM public.partner_invitations i
       WHERE i.inviter_id = v_uid AND i.status = 'pending' AND i.expires_at > now()) >= 20 THEN
    RAISE EXCEPTION 'you have 20 pending invitations; withdraw some or wait for answers' USING ERRCODE = 'check_violation';
  END IF;
  DELETE FROM internal.partner_invitation_sends s WHERE s.inviter_id = v_uid AND s.sent_at <= now() - interval '24 hours';
  IF (SELECT count(*) FROM internal.partner_invitation_sends s WHERE s.inviter_id = v_uid) >= 50 THEN
    RAISE EXCEPTION 'you have sent 50 invitations in the last 24 hours; try again tomorrow' USING ERRCODE = 'PT429';
  END IF;
  INSERT INTO internal.partner_invitation_sends (inviter_id) VALUES (v_uid);
  INSERT INTO public.partner_invitations (inviter_id, invitee_email, message, expires_at)
  VALUES (v_uid, v_email, nullif(btrim(p_message), ''), now() + make_interval(days => coalesce(p_expires_in_days, 7)))
  RETURNING * INTO v_invitation;
  INSERT INTO auth.mail_outbox (recipient, template, payload)
  VALUES (v_email, 'partner_invitation', jsonb_build_object(
    'invite_code', v_invitation.invite_code, 'inviter_email', auth.jwt() ->> 'email',
    'message', v_invitation.message, 'expires_at', v_invitation.expires_at));
  RETURN jsonb_build_object(
    'id', v_invitation.id, 'invitee_email', v_invitation.invitee_email, 'invite_code', v_invitation.invite_code,
    'message', v_invitation.message, 'status', v_invitation.status, 'expires_at', v_invitation.expires_at,
    'created_at', v_invitation.created_at);
END
$$;
REVOKE EXECUTE ON FUNCTION public.create_partner_invitation(text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.create_partner_invitation(text, text, integer) TO authenticated;
COMMENT ON FUNCTION public.create_partner_invitation(text, text, integer) IS 'Invites an email address to partner with the caller: returns the invitation with its code and queues the invitation mail; at most 50 invitations per inviter in 24 hours (PT429).';
