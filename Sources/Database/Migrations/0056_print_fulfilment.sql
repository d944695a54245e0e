-- Print fulfilment: from a paid order to the printer.
--
-- An order that becomes paid, whichever way (the Stripe webhook, an operator), queues one
-- `print.fulfil` job in the same transaction, so a payment is never recorded without the work
-- that follows it. The job renders a workbook's PDF, submits the order to Prodigi and records
-- Prodigi's order id; its progress is on the order (`fulfilment_state`, `fulfilment_error`),
-- written only by the server.
--
-- A workbook is generated (its sections composed from the owner's boards, habits, tasks and
-- knowledge base) by `public.generate_workbook`; the PDF the printer receives is rendered from
-- those sections into the private `workbooks` bucket under a name of the server's choosing, which
-- the owner may read but not change.

ALTER TABLE public.poster_orders
  ADD COLUMN fulfilment_state text CHECK (fulfilment_state IN ('queued', 'rendering', 'submitting', 'submitted', 'failed')),
  ADD COLUMN fulfilment_error text;
ALTER TABLE public.print_orders
  ADD COLUMN fulfilment_state text CHECK (fulfilment_state IN ('queued', 'rendering', 'submitting', 'submitted', 'failed')),
  ADD COLUMN fulfilment_error text;
ALTER TABLE public.workbook_orders
  ADD COLUMN fulfilment_state text CHECK (fulfilment_state IN ('queued', 'rendering', 'submitting', 'submitted', 'failed')),
  ADD COLUMN fulfilment_error text;
COMMENT ON COLUMN public.poster_orders.fulfilment_state IS 'Where the paid order is on its way to the printer: queued, submitting, submitted or failed (set by the server).';
COMMENT ON COLUMN public.poster_orders.fulfilment_error IS 'Why the last fulfilment attempt failed (set by the server).';
COMMENT ON COLUMN public.print_orders.fulfilment_state IS 'Where the paid order is on its way to the printer: queued, submitting, submitted or failed (set by the server).';
COMMENT ON COLUMN public.print_orders.fulfilment_error IS 'Why the last fulfilment attempt failed (set by the server).';
COMMENT ON COLUMN public.workbook_orders.fulfilment_state IS 'Where the paid workbook is on its way to the printer: queued, rendering (its PDF), submitting, submitted or failed (set by the server).';
COMMENT ON COLUMN public.workbook_orders.fulfilment_error IS 'Why the last fulfilment attempt failed (set by the server).';
COMMENT ON COLUMN public.workbook_orders.merged_pdf_url IS 'The rendered print-ready PDF: its Storage path, /storage/v1/object/authenticated/workbooks/<user>/<order>/<name>.pdf, readable by the owner (set by the server).';

-- Entering paid queues the order's fulfilment (once per order: the job's idempotency key).
CREATE FUNCTION internal.queue_fulfilment() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  IF NEW.status = 'paid' AND OLD.status IS DISTINCT FROM 'paid' THEN
    NEW.fulfilment_state := 'queued';
    NEW.fulfilment_error := NULL;
    PERFORM internal.enqueue_job('print.fulfil', jsonb_build_object('order_table', TG_TABLE_NAME, 'order_id', NEW.id),
                                 now(), now(), 'print.fulfil:' || NEW.id::text, 8);
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.queue_fulfilment() FROM PUBLIC;
COMMENT ON FUNCTION internal.queue_fulfilment() IS 'Trigger: an order entering paid gets fulfilment_state queued and one print.fulfil job.';
CREATE TRIGGER queue_fulfilment BEFORE UPDATE OF status ON public.poster_orders
  FOR EACH ROW EXECUTE FUNCTION internal.queue_fulfilment();
CREATE TRIGGER queue_fulfilment BEFORE UPDATE OF status ON public.print_orders
  FOR EACH ROW EXECUTE FUNCTION internal.queue_fulfilment();
CREATE TRIGGER queue_fulfilment BEFORE UPDATE OF status ON public.workbook_orders
  FOR EACH ROW EXECUTE FUNCTION internal.queue_fulfilment();

-- The owner reads the PDFs the server rendered for them (written without an owner, under their
-- id's folder), and cannot change them.
CREATE POLICY objects_select_rendered_workbooks ON storage.objects FOR SELECT TO authenticated
  USING (bucket_id = 'workbooks' AND owner IS NULL AND split_part(name, '/', 1) = (SELECT auth.uid())::text);

-- The sections of a workbook, composed from what its owner has: cover, title page, dedication,
-- a letter from the coach, the boards it includes with reflection prompts, a financial snapshot
-- when the knowledge base has one, twelve monthly planners with the tasks due each month, the
-- habit tracker, the weekly journal, notes and the back cover. Replaces earlier sections.
CREATE FUNCTION internal.compose_workbook_sections(p_order public.workbook_orders, p_today date) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_kb public.user_knowledge_base;
  v_name text;
  v_sections jsonb := '[]';
  v_boards jsonb;
  v_habits jsonb;
  v_months jsonb;
  v_count integer;
BEGIN
  SELECT * INTO v_kb FROM public.user_knowledge_base k WHERE k.user_id = p_order.user_id;
  v_name := coalesce(nullif(btrim(v_kb.names), ''), 'Visionary');

  SELECT coalesce(jsonb_agg(jsonb_build_object('id', v.id, 'imageUrl', v.image_url, 'prompt', v.prompt, 'createdAt', v.created_at,
           'reflectionPrompts', jsonb_build_array('Why does this vision matter to you?', 'How will life feel when you achieve this?',
                                                  'What must be true financially for this to happen?'))
           ORDER BY b.position), '[]')
    INTO v_boards
    FROM unnest(p_order.vision_board_ids) WITH ORDINALITY AS b (id, position)
    JOIN public.vision_boards v ON v.id = b.id AND v.user_id = p_order.user_id AND v.deleted_at IS NULL;

  SELECT coalesce(jsonb_agg(jsonb_build_object('id', h.id, 'title', h.title, 'description', h.description,
           'frequency', h.frequency, 'currentStreak', h.current_streak) ORDER BY h.created_at), '[]')
    INTO v_habits
    FROM public.habits h
   WHERE h.user_id = p_order.user_id
     AND (h.id = ANY (p_order.included_habits) OR (cardinality(p_order.included_habits) = 0 AND h.is_active));

  -- Twelve months from this one; a task belongs to the month its due date (text, YYYY-MM-…) names.
  SELECT jsonb_agg(jsonb_build_object(
           'month', to_char(m.first, 'YYYY-MM'), 'label', to_char(m.first, 'FMMonth YYYY'),
           'tasks', coalesce((SELECT jsonb_agg(jsonb_build_object('title', t.title, 'dueDate', left(t.due_date, 10), 'done', t.is_completed)
                                               ORDER BY t.due_date, t.title)
                                FROM public.action_tasks t
                               WHERE t.user_id = p_order.user_id AND left(t.due_date, 7) = to_char(m.first, 'YYYY-MM')), '[]'))
         ORDER BY m.first)
    INTO v_months
    FROM generate_series(date_trunc('month', p_today::timestamp), date_trunc('month', p_today::timestamp) + interval '11 months',
                         interval '1 month') AS m (first);

  v_sections := v_sections
    || jsonb_build_object('type', 'cover', 'title', coalesce(p_order.title, 'My Vision Workbook'),
         'content', jsonb_build_object('title', coalesce(p_order.title, 'My Vision Workbook'), 'subtitle', p_order.subtitle,
                                       'style', p_order.cover_style, 'userName', v_name))
    || jsonb_build_object('type', 'title_page', 'title', 'Title Page',
         'content', jsonb_build_object('title', coalesce(p_order.title, 'My Vision Workbook'), 'subtitle', p_order.subtitle,
                                       'createdDate', to_char(p_today, 'FMMonth FMDD, YYYY'), 'userName', v_name));
  IF nullif(btrim(p_order.dedication_text), '') IS NOT NULL THEN
    v_sections := v_sections || jsonb_build_object('type', 'dedication', 'title', 'Dedication',
                                                   'content', jsonb_build_object('text', p_order.dedication_text));
  END IF;
  v_sections := v_sections || jsonb_build_object('type', 'coach_letter', 'title', 'A Letter from Your Vision Coach',
    'content', jsonb_build_object(
      'userName', v_name,
      'letter', format('Dear %s,%sThis workbook holds the life you are building: the visions you chose, the habits that carry them, and a '
                       'plan for the year ahead. Return to it every week. Mark each small win; it is how big changes are made.%s'
                       'Write honestly in the journal, keep your habits in sight, and let every page bring you one step closer.%s'
                       'With belief in you,%sAMIE, your vision coach', v_name, E'\n\n', E'\n\n', E'\n\n', E'\n'),
      'topPriorities', to_jsonb(coalesce(v_kb.top_priorities, '{}')),
      'dreamLocations', to_jsonb(coalesce(v_kb.dream_locations, '{}'))));
  IF jsonb_array_length(v_boards) > 0 THEN
    v_sections := v_sections || jsonb_build_object('type', 'vision_gallery', 'title', 'Your Vision Gallery',
                                                   'content', jsonb_build_object('visionBoards', v_boards));
  END IF;
  IF v_kb.financial_summary IS NOT NULL AND v_kb.financial_summary <> '{}'::jsonb THEN
    v_sections := v_sections || jsonb_build_object('type', 'financial_snapshot', 'title', 'Your Financial Snapshot',
      'content', jsonb_build_object('summary', v_kb.financial_summary, 'retirementGoal', v_kb.retirement_goal,
                                    'monthlyBudget', v_kb.monthly_budget));
  END IF;
  v_sections := v_sections || jsonb_build_object('type', 'action_plan', 'title', 'Your Year, Month by Month',
                                                 'content', jsonb_build_object('months', v_months));
  IF p_order.include_habit_tracker AND jsonb_array_length(v_habits) > 0 THEN
    v_sections := v_sections || jsonb_build_object('type', 'habit_tracker', 'title', '12-Month Habit Tracker',
      'content', jsonb_build_object('habits', v_habits, 'months', (SELECT jsonb_agg(x -> 'label') FROM jsonb_array_elements(v_months) x)));
  END IF;
  IF p_order.include_weekly_journal THEN
    v_sections := v_sections || jsonb_build_object('type', 'weekly_journal', 'title', '52-Week Reflection Journal',
      'content', jsonb_build_object('weeksCount', 52, 'prompts', jsonb_build_array(
        'Wins this week:', 'Challenges faced:', 'Lessons learned:', 'Next week focus:', 'Message from future self:')));
  END IF;
  v_sections := v_sections
    || jsonb_build_object('type', 'notes', 'title', 'Notes & Ideas', 'content', jsonb_build_object('pagesCount', 10))
    || jsonb_build_object('type', 'back_cover', 'title', 'Back Cover', 'content', jsonb_build_object('tagline', 'Powered by Visionary AI'));

  DELETE FROM public.workbook_sections s WHERE s.workbook_order_id = p_order.id;
  INSERT INTO public.workbook_sections (workbook_order_id, user_id, section_type, section_order, title, content, status)
  SELECT p_order.id, p_order.user_id, e.item ->> 'type', (e.position - 1)::integer, e.item ->> 'title', e.item -> 'content', 'complete'
    FROM jsonb_array_elements(v_sections) WITH ORDINALITY AS e (item, position);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.compose_workbook_sections(public.workbook_orders, date) FROM PUBLIC;
COMMENT ON FUNCTION internal.compose_workbook_sections(public.workbook_orders, date) IS 'Replaces a workbook''s sections with ones composed from its owner''s boards, habits, tasks and knowledge base; answers how many.';

-- generate-workbook-pdf's generate: a draft is submitted (it needs a title, a board and an
-- address, and is priced), its sections composed, and it is ready for checkout. A workbook that
-- is generating or ready is composed again (its boards or habits may have changed).
CREATE FUNCTION public.generate_workbook(p_order_id uuid) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_order public.workbook_orders := internal.own_workbook_order(p_order_id);
  v_count integer;
BEGIN
  IF v_order.status = 'draft' THEN
    PERFORM public.advance_workbook_order(v_order.id, 'submit');
  ELSIF v_order.status = 'ready' THEN
    UPDATE public.workbook_orders SET status = 'generating' WHERE id = v_order.id;
  ELSIF v_order.status <> 'generating' THEN
    RAISE EXCEPTION 'only a draft or a workbook not yet in checkout can be generated; this one is %', v_order.status
      USING ERRCODE = 'check_violation';
  END IF;
  SELECT * INTO v_order FROM public.workbook_orders w WHERE w.id = v_order.id;
  v_count := internal.compose_workbook_sections(v_order, current_date);
  UPDATE public.workbook_orders SET status = 'ready' WHERE id = v_order.id;
  RETURN jsonb_build_object('success', true, 'order_id', v_order.id, 'sections_generated', v_count, 'status', 'ready');
END
$$;
REVOKE EXECUTE ON FUNCTION public.generate_workbook(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.generate_workbook(uuid) TO authenticated;
COMMENT ON FUNCTION public.generate_workbook(uuid) IS 'Composes one of the caller''s workbooks (a draft is submitted first) and makes it ready for checkout.';

-- Checkout as the server runs it for the owner: an unpaid workbook priced again from its template
-- at the owner's tier (a discount that no longer holds is not kept), and a ready one moved to
-- pending_payment. Answers the price in cents.
CREATE FUNCTION internal.workbook_checkout_price(p_order_id uuid, p_user uuid) RETURNS bigint
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_order public.workbook_orders;
  v_template public.workbook_templates;
  v_tier text;
  v_pricing jsonb;
BEGIN
  SELECT * INTO v_order FROM public.workbook_orders w WHERE w.id = p_order_id AND w.user_id = p_user FOR UPDATE;
  IF NOT FOUND OR v_order.status NOT IN ('ready', 'pending_payment') THEN
    RETURN NULL;
  END IF;
  SELECT * INTO v_template FROM public.workbook_templates t WHERE t.id = v_order.template_id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT p.subscription_tier INTO v_tier FROM public.profiles p WHERE p.id = p_user;
  v_pricing := internal.order_pricing(v_template.base_price, 1, v_template.shipping_estimate, coalesce(v_tier, 'FREE'));
  IF coalesce((v_pricing ->> 'total')::numeric, 0) <= 0 THEN
    RETURN NULL;
  END IF;
  UPDATE public.workbook_orders w
     SET subtotal = (v_pricing ->> 'subtotal')::numeric, discount_amount = (v_pricing ->> 'discount')::numeric,
         shipping_cost = (v_pricing ->> 'shipping')::numeric, total_price = (v_pricing ->> 'total')::numeric,
         discount_applied = (v_pricing ->> 'discount_applied')::boolean,
         status = CASE WHEN w.status = 'ready' THEN 'pending_payment' ELSE w.status END
   WHERE w.id = v_order.id;
  RETURN round((v_pricing ->> 'total')::numeric * 100)::bigint;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.workbook_checkout_price(uuid, uuid) FROM PUBLIC;
COMMENT ON FUNCTION internal.workbook_checkout_price(uuid, uuid) IS 'Prices a user''s unpaid workbook again for checkout (ready -> pending_payment); its total in cents, or NULL when it is not payable.';

-- A failure no retry mends (the printer refused the order, its artwork cannot be had): the job
-- becomes a dead letter at once, for an operator to retry (`visionary jobs retry`) once mended.
-- Returns 'dead', or NULL when p_worker no longer held its lease.
CREATE FUNCTION internal.give_up_job(p_id uuid, p_worker text, p_error text, p_now timestamptz) RETURNS text
LANGUAGE sql
SET search_path = ''
AS $$
  UPDATE internal.jobs
  SET state = 'dead', finished_at = p_now, last_error = left(coalesce(p_error, 'failed'), 2000), leased_by = NULL, leased_until = NULL
  WHERE id = p_id AND state = 'running' AND leased_by = p_worker
  RETURNING state;
$$;
REVOKE EXECUTE ON FUNCTION internal.give_up_job(uuid, text, text, timestamptz) FROM PUBLIC;
COMMENT ON FUNCTION internal.give_up_job(uuid, text, text, timestamptz) IS 'A job''s failure no retry mends: it becomes a dead letter at once.';

-- Paying a workbook requires its template's price: at the buyer's tier now, or the full price.
-- A checkout started with a discount the buyer has since lost, or before the template's price
-- rose, is refused (23514), and the webhook refunds the payment.
CREATE FUNCTION internal.workbook_order_paid_price() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_template public.workbook_templates;
  v_pricing jsonb;
  v_full jsonb;
BEGIN
  IF NEW.status = 'paid' AND OLD.status IS DISTINCT FROM 'paid' THEN
    SELECT * INTO v_template FROM public.workbook_templates t WHERE t.id = NEW.template_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'workbook order % cannot be paid: it has no template', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    v_pricing := internal.order_pricing(v_template.base_price, 1, v_template.shipping_estimate, internal.buyer_tier(NEW.user_id));
    v_full := internal.order_pricing(v_template.base_price, 1, v_template.shipping_estimate, 'FREE');
    IF NEW.total_price IS NULL OR NEW.total_price NOT IN ((v_pricing ->> 'total')::numeric, (v_full ->> 'total')::numeric) THEN
      RAISE EXCEPTION 'workbook order % cannot be paid: its total % is not the template''s price % USD',
        NEW.id, coalesce(NEW.total_price::text, 'missing'), (v_pricing ->> 'total')::numeric(10,2)
        USING ERRCODE = 'check_violation',
              HINT = 'The template or the buyer''s tier changed since checkout began; check out again.';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.workbook_order_paid_price() FROM PUBLIC;
COMMENT ON FUNCTION internal.workbook_order_paid_price() IS 'Trigger: a workbook becomes paid only at its template''s price (buyer''s tier or full).';
CREATE TRIGGER paid_at_template_price BEFORE UPDATE OF status ON public.workbook_orders
  FOR EACH ROW EXECUTE FUNCTION internal.workbook_order_paid_price();

-- What is printed is what was paid for: once a workbook goes to checkout its sections are the
-- server's alone (an end user may write them only while it is a draft, generating or ready).
-- SECURITY INVOKER: an end user sees their own orders, which are the only ones whose sections
-- they can reach (owner_from_parent refuses the others).
CREATE FUNCTION internal.workbook_sections_open() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_status text;
BEGIN
  IF current_setting('role', true) IN ('anon', 'authenticated') THEN
    SELECT w.status INTO v_status FROM public.workbook_orders w
     WHERE w.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.workbook_order_id ELSE NEW.workbook_order_id END;
    IF v_status IS NOT NULL AND v_status NOT IN ('draft', 'generating', 'ready') THEN
      RAISE EXCEPTION 'the sections of a workbook that is % can no longer be changed', v_status USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.workbook_order_id IS DISTINCT FROM OLD.workbook_order_id THEN
      SELECT w.status INTO v_status FROM public.workbook_orders w WHERE w.id = OLD.workbook_order_id;
      IF v_status IS NOT NULL AND v_status NOT IN ('draft', 'generating', 'ready') THEN
        RAISE EXCEPTION 'the sections of a workbook that is % can no longer be changed', v_status USING ERRCODE = 'check_violation';
      END IF;
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.workbook_sections_open() FROM PUBLIC;
COMMENT ON FUNCTION internal.workbook_sections_open() IS 'Trigger: end users change a workbook''s sections only while it is a draft, generating or ready.';
CREATE TRIGGER sections_fixed_at_checkout BEFORE INSERT OR UPDATE OR DELETE ON public.workbook_sections
  FOR EACH ROW EXECUTE FUNCTION internal.workbook_sections_open();
