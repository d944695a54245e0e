-- Workbook and AMIE identity (spec §4, §5): printable workbook catalogue, orders and generated
-- sections; the compiled per-user knowledge base; coaching themes, identity profiles, the
-- personal knowledge sources with their retrieval chunks (vector + full text), voice coaching
-- sessions and the onboarding questions; their seeds and functions.
--
-- The knowledge-base compile functions read vision_boards and habits (0003/0004). They are
-- plpgsql, whose bodies are resolved when first run, so this file does not depend on those
-- tables existing when it is applied.

---------------------------------------------------------------------------------------------------
-- workbook_templates (§4.1): catalogue, public read of active rows, server-managed.
---------------------------------------------------------------------------------------------------
CREATE TABLE public.workbook_templates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text,
  sku text NOT NULL CONSTRAINT workbook_templates_sku_key UNIQUE,
  page_count integer NOT NULL,
  size text NOT NULL,
  binding text CONSTRAINT workbook_templates_binding_check CHECK (binding IN ('softcover', 'hardcover')),
  base_price numeric(10,2) NOT NULL,
  shipping_estimate numeric(10,2) NOT NULL DEFAULT 9.99,
  preview_image_url text,
  features jsonb NOT NULL DEFAULT '[]',
  is_active boolean NOT NULL DEFAULT true,
  sort_order integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.workbook_templates
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.workbook_templates IS 'Catalogue of printable vision workbooks (fulfilled by Prodigi).';
COMMENT ON COLUMN public.workbook_templates.id IS 'Primary key.';
COMMENT ON COLUMN public.workbook_templates.name IS 'Product name shown in the shop.';
COMMENT ON COLUMN public.workbook_templates.description IS 'Marketing text.';
COMMENT ON COLUMN public.workbook_templates.sku IS 'Prodigi SKU; unique natural key of the catalogue.';
COMMENT ON COLUMN public.workbook_templates.page_count IS 'Number of printed pages.';
COMMENT ON COLUMN public.workbook_templates.size IS 'Human-readable trim size.';
COMMENT ON COLUMN public.workbook_templates.binding IS 'softcover or hardcover.';
COMMENT ON COLUMN public.workbook_templates.base_price IS 'Price in USD before shipping and discounts.';
COMMENT ON COLUMN public.workbook_templates.shipping_estimate IS 'Estimated shipping cost in USD.';
COMMENT ON COLUMN public.workbook_templates.preview_image_url IS 'URL of a preview image of the product.';
COMMENT ON COLUMN public.workbook_templates.features IS 'JSON array of feature labels shown in the shop.';
COMMENT ON COLUMN public.workbook_templates.is_active IS 'False = retired: hidden from clients (templates are retired, never deleted).';
COMMENT ON COLUMN public.workbook_templates.sort_order IS 'Display position in the shop (ascending).';
COMMENT ON COLUMN public.workbook_templates.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.workbook_templates.updated_at IS 'Moment of the last update (maintained by trigger).';

ALTER TABLE public.workbook_templates ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.workbook_templates FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.workbook_templates TO anon, authenticated;
GRANT ALL ON public.workbook_templates TO service_role;
CREATE POLICY workbook_templates_select_active ON public.workbook_templates
  FOR SELECT TO anon, authenticated USING (is_active);

---------------------------------------------------------------------------------------------------
-- workbook_orders (§4.2): a user's personalised workbook order, draft through delivery.
---------------------------------------------------------------------------------------------------
CREATE TABLE public.workbook_orders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  template_id uuid REFERENCES public.workbook_templates (id),
  status text NOT NULL DEFAULT 'draft' CONSTRAINT workbook_orders_status_check CHECK (status IN (
    'draft', 'generating', 'ready', 'pending_payment', 'paid', 'submitted', 'printing', 'shipped',
    'delivered', 'cancelled')),
  vision_board_ids uuid[] NOT NULL DEFAULT '{}',
  action_plan_id uuid,
  financial_snapshot jsonb NOT NULL DEFAULT '{}',
  included_habits uuid[] NOT NULL DEFAULT '{}',
  cover_pdf_url text,
  interior_pdf_url text,
  merged_pdf_url text,
  preview_images jsonb NOT NULL DEFAULT '[]',
  title text,
  subtitle text,
  dedication_text text,
  cover_style text NOT NULL DEFAULT 'classic',
  include_weekly_journal boolean NOT NULL DEFAULT true,
  include_habit_tracker boolean NOT NULL DEFAULT true,
  shipping_address jsonb,
  subtotal numeric(10,2),
  discount_amount numeric(10,2) NOT NULL DEFAULT 0,
  shipping_cost numeric(10,2),
  total_price numeric(10,2),
  discount_code text,
  discount_applied boolean NOT NULL DEFAULT false,
  prodigi_order_id text,
  prodigi_status text,
  tracking_number text,
  tracking_url text,
  estimated_delivery date,
  generation_started_at timestamptz,
  generation_completed_at timestamptz,
  paid_at timestamptz,
  submitted_at timestamptz,
  shipped_at timestamptz,
  delivered_at timestamptz,
  cancelled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workbook_orders_user_id_created_at_idx ON public.workbook_orders (user_id, created_at DESC);
CREATE INDEX workbook_orders_status_idx ON public.workbook_orders (status);
CREATE INDEX workbook_orders_template_id_idx ON public.workbook_orders (template_id);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.workbook_orders
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER enforce_order_status BEFORE UPDATE OF status ON public.workbook_orders
  FOR EACH ROW EXECUTE FUNCTION public.enforce_order_status();

COMMENT ON TABLE public.workbook_orders IS 'A user''s order for one personalised printed workbook, from draft through delivery.';
COMMENT ON COLUMN public.workbook_orders.id IS 'Primary key.';
COMMENT ON COLUMN public.workbook_orders.user_id IS 'Owner; defaults to the caller.';
COMMENT ON COLUMN public.workbook_orders.template_id IS 'Workbook template ordered (templates are retired via is_active, never deleted).';
COMMENT ON COLUMN public.workbook_orders.status IS 'Lifecycle state; transitions enforced by trigger enforce_order_status. Unpaid: draft, generating, ready, pending_payment; terminal: delivered, cancelled.';
COMMENT ON COLUMN public.workbook_orders.vision_board_ids IS 'Vision boards to include (ids; no foreign key on an array).';
COMMENT ON COLUMN public.workbook_orders.action_plan_id IS 'Action-plan reference (no foreign key: no plan table exists).';
COMMENT ON COLUMN public.workbook_orders.financial_snapshot IS 'Financial data as it was when the workbook was composed.';
COMMENT ON COLUMN public.workbook_orders.included_habits IS 'Habit ids to include.';
COMMENT ON COLUMN public.workbook_orders.cover_pdf_url IS 'Generated cover PDF.';
COMMENT ON COLUMN public.workbook_orders.interior_pdf_url IS 'Generated interior PDF.';
COMMENT ON COLUMN public.workbook_orders.merged_pdf_url IS 'Generated print-ready PDF (cover and interior).';
COMMENT ON COLUMN public.workbook_orders.preview_images IS 'JSON array of preview image URLs.';
COMMENT ON COLUMN public.workbook_orders.title IS 'Title printed on the cover.';
COMMENT ON COLUMN public.workbook_orders.subtitle IS 'Subtitle printed on the cover.';
COMMENT ON COLUMN public.workbook_orders.dedication_text IS 'Dedication page text.';
COMMENT ON COLUMN public.workbook_orders.cover_style IS 'Cover design style.';
COMMENT ON COLUMN public.workbook_orders.include_weekly_journal IS 'Whether the weekly journal section is printed.';
COMMENT ON COLUMN public.workbook_orders.include_habit_tracker IS 'Whether the habit tracker section is printed.';
COMMENT ON COLUMN public.workbook_orders.shipping_address IS 'Delivery address {name, line1, line2?, city, state, postalCode, country}.';
COMMENT ON COLUMN public.workbook_orders.subtotal IS 'Price before discount and shipping (USD), set by the server.';
COMMENT ON COLUMN public.workbook_orders.discount_amount IS 'Discount granted (USD), set by the server.';
COMMENT ON COLUMN public.workbook_orders.shipping_cost IS 'Shipping charged (USD), set by the server.';
COMMENT ON COLUMN public.workbook_orders.total_price IS 'Amount charged (USD), set by the server.';
COMMENT ON COLUMN public.workbook_orders.discount_code IS 'Discount code entered by the user; validated by the server.';
COMMENT ON COLUMN public.workbook_orders.discount_applied IS 'Whether the server applied a discount.';
COMMENT ON COLUMN public.workbook_orders.prodigi_order_id IS 'Prodigi''s order id once submitted.';
COMMENT ON COLUMN public.workbook_orders.prodigi_status IS 'Prodigi''s status text.';
COMMENT ON COLUMN public.workbook_orders.tracking_number IS 'Carrier tracking number.';
COMMENT ON COLUMN public.workbook_orders.tracking_url IS 'Carrier tracking page.';
COMMENT ON COLUMN public.workbook_orders.estimated_delivery IS 'Estimated delivery day.';
COMMENT ON COLUMN public.workbook_orders.generation_started_at IS 'Stamped on entering generating.';
COMMENT ON COLUMN public.workbook_orders.generation_completed_at IS 'Stamped on generating -> ready.';
COMMENT ON COLUMN public.workbook_orders.paid_at IS 'Stamped on entering paid.';
COMMENT ON COLUMN public.workbook_orders.submitted_at IS 'Stamped on entering submitted.';
COMMENT ON COLUMN public.workbook_orders.shipped_at IS 'Stamped on entering shipped.';
COMMENT ON COLUMN public.workbook_orders.delivered_at IS 'Stamped on entering delivered.';
COMMENT ON COLUMN public.workbook_orders.cancelled_at IS 'Stamped on entering cancelled.';
COMMENT ON COLUMN public.workbook_orders.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.workbook_orders.updated_at IS 'Moment of the last update (maintained by trigger).';

-- End users create orders (pricing, assets, vendor fields and lifecycle stamps are the server's)
-- and may only change status (the trigger allows them unpaid -> cancelled); no DELETE.
ALTER TABLE public.workbook_orders ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.workbook_orders FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.workbook_orders TO authenticated;
GRANT INSERT (id, user_id, template_id, vision_board_ids, action_plan_id, financial_snapshot,
  included_habits, title, subtitle, dedication_text, cover_style, include_weekly_journal,
  include_habit_tracker, shipping_address, discount_code) ON public.workbook_orders TO authenticated;
GRANT UPDATE (status) ON public.workbook_orders TO authenticated;
GRANT ALL ON public.workbook_orders TO service_role;
CREATE POLICY workbook_orders_select_own ON public.workbook_orders
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
-- A new order names an active template (or none); the template policy hides retired ones.
CREATE POLICY workbook_orders_insert_own ON public.workbook_orders
  FOR INSERT TO authenticated
  WITH CHECK (user_id = (select auth.uid())
    AND (template_id IS NULL
      OR EXISTS (SELECT 1 FROM public.workbook_templates t WHERE t.id = template_id AND t.is_active)));
CREATE POLICY workbook_orders_update_own ON public.workbook_orders
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- workbook_sections (§4.3): generated sections of one order; owner copied from the order.
---------------------------------------------------------------------------------------------------
CREATE TABLE public.workbook_sections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workbook_order_id uuid NOT NULL REFERENCES public.workbook_orders (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  section_type text NOT NULL CONSTRAINT workbook_sections_section_type_check CHECK (section_type IN (
    'cover', 'title_page', 'dedication', 'coach_letter', 'vision_gallery', 'financial_snapshot',
    'action_plan', 'habit_tracker', 'weekly_journal', 'appendix', 'notes', 'back_cover')),
  section_order integer NOT NULL,
  page_start integer,
  page_end integer,
  title text,
  content jsonb NOT NULL DEFAULT '{}',
  html_template text,
  pdf_url text,
  status text NOT NULL DEFAULT 'pending'
    CONSTRAINT workbook_sections_status_check CHECK (status IN ('pending', 'generating', 'complete', 'error')),
  error_message text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workbook_sections_order_id_section_order_idx ON public.workbook_sections (workbook_order_id, section_order);
CREATE INDEX workbook_sections_user_id_idx ON public.workbook_sections (user_id);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.workbook_sections
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.workbook_sections IS 'Generated sections (page ranges) of one workbook order.';
COMMENT ON COLUMN public.workbook_sections.id IS 'Primary key.';
COMMENT ON COLUMN public.workbook_sections.workbook_order_id IS 'Order the section belongs to.';
COMMENT ON COLUMN public.workbook_sections.user_id IS 'Owner; always copied from the order by trigger (client-supplied values are ignored).';
COMMENT ON COLUMN public.workbook_sections.section_type IS 'Kind of section (cover, title_page, dedication, ...).';
COMMENT ON COLUMN public.workbook_sections.section_order IS 'Position of the section in the book.';
COMMENT ON COLUMN public.workbook_sections.page_start IS 'First page of the section.';
COMMENT ON COLUMN public.workbook_sections.page_end IS 'Last page of the section.';
COMMENT ON COLUMN public.workbook_sections.title IS 'Section title.';
COMMENT ON COLUMN public.workbook_sections.content IS 'Structured content the section is rendered from.';
COMMENT ON COLUMN public.workbook_sections.html_template IS 'HTML template used to render the section.';
COMMENT ON COLUMN public.workbook_sections.pdf_url IS 'Rendered PDF of the section.';
COMMENT ON COLUMN public.workbook_sections.status IS 'Generation state: pending, generating, complete or error.';
COMMENT ON COLUMN public.workbook_sections.error_message IS 'Why generation failed (status error).';
COMMENT ON COLUMN public.workbook_sections.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.workbook_sections.updated_at IS 'Moment of the last update (maintained by trigger).';

-- Trigger: user_id := the order's owner. Raises when the order does not exist, or when an end
-- user names another user's order. SECURITY DEFINER (it must read any order); the end-user test
-- therefore reads the request's role setting, which a definer function does not change.
CREATE FUNCTION internal.workbook_sections_set_owner() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  owner uuid;
BEGIN
  IF NEW.workbook_order_id IS NULL THEN
    RETURN NEW;  -- refused by the NOT NULL constraint
  END IF;
  SELECT o.user_id INTO owner FROM public.workbook_orders o WHERE o.id = NEW.workbook_order_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'workbook order % does not exist', NEW.workbook_order_id
      USING ERRCODE = 'no_data_found';
  END IF;
  IF current_setting('role', true) IN ('anon', 'authenticated') AND owner IS DISTINCT FROM auth.uid() THEN
    RAISE EXCEPTION 'workbook order % is not yours', NEW.workbook_order_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  NEW.user_id := owner;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.workbook_sections_set_owner() FROM PUBLIC;
COMMENT ON FUNCTION internal.workbook_sections_set_owner() IS 'Trigger: copies user_id from the workbook order; refuses a missing order or another user''s.';
CREATE TRIGGER set_owner BEFORE INSERT OR UPDATE OF workbook_order_id, user_id ON public.workbook_sections
  FOR EACH ROW EXECUTE FUNCTION internal.workbook_sections_set_owner();

ALTER TABLE public.workbook_sections ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.workbook_sections FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.workbook_sections TO authenticated;
GRANT ALL ON public.workbook_sections TO service_role;
CREATE POLICY workbook_sections_select_own ON public.workbook_sections
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY workbook_sections_insert_own ON public.workbook_sections
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY workbook_sections_update_own ON public.workbook_sections
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY workbook_sections_delete_own ON public.workbook_sections
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- user_knowledge_base (§4.4): one compiled digest per user.
---------------------------------------------------------------------------------------------------
CREATE TABLE public.user_knowledge_base (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE
    CONSTRAINT user_knowledge_base_user_id_key UNIQUE,
  names text,
  retirement_year integer,
  dream_locations text[] NOT NULL DEFAULT '{}',
  financial_summary jsonb NOT NULL DEFAULT '{}',
  plaid_accounts_summary jsonb NOT NULL DEFAULT '{}',
  monthly_budget numeric(10,2),
  retirement_goal numeric(10,2),
  vision_statements text[] NOT NULL DEFAULT '{}',
  top_priorities text[] NOT NULL DEFAULT '{}',
  vision_board_count integer NOT NULL DEFAULT 0,
  goals_summary jsonb NOT NULL DEFAULT '{}',
  milestones jsonb NOT NULL DEFAULT '[]',
  active_tasks_count integer NOT NULL DEFAULT 0,
  completed_tasks_count integer NOT NULL DEFAULT 0,
  habits_summary jsonb NOT NULL DEFAULT '{}',
  active_habits_count integer NOT NULL DEFAULT 0,
  total_streak_days integer NOT NULL DEFAULT 0,
  conversation_insights text,
  recommended_focus_areas text[] NOT NULL DEFAULT '{}',
  agent_notes text,
  sentiment_trend text,
  data_sources jsonb NOT NULL DEFAULT '[]',
  last_plaid_sync timestamptz,
  last_compiled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.user_knowledge_base
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.user_knowledge_base IS 'One compiled digest per user of profile, financial, vision, goal and habit data, used as AI and workbook context.';
COMMENT ON COLUMN public.user_knowledge_base.id IS 'Primary key.';
COMMENT ON COLUMN public.user_knowledge_base.user_id IS 'Owner (one row per user); defaults to the caller.';
COMMENT ON COLUMN public.user_knowledge_base.names IS 'Name(s) of the user or couple.';
COMMENT ON COLUMN public.user_knowledge_base.retirement_year IS 'Target retirement year.';
COMMENT ON COLUMN public.user_knowledge_base.dream_locations IS 'Places the user dreams of living or visiting.';
COMMENT ON COLUMN public.user_knowledge_base.financial_summary IS 'Digest of the user''s financial documents.';
COMMENT ON COLUMN public.user_knowledge_base.plaid_accounts_summary IS 'Digest of linked bank accounts.';
COMMENT ON COLUMN public.user_knowledge_base.monthly_budget IS 'Monthly budget (USD).';
COMMENT ON COLUMN public.user_knowledge_base.retirement_goal IS 'Retirement savings goal (USD).';
COMMENT ON COLUMN public.user_knowledge_base.vision_statements IS 'The user''s vision statements.';
COMMENT ON COLUMN public.user_knowledge_base.top_priorities IS 'The user''s top priorities.';
COMMENT ON COLUMN public.user_knowledge_base.vision_board_count IS 'Number of live vision boards at the last compile.';
COMMENT ON COLUMN public.user_knowledge_base.goals_summary IS 'Digest of the user''s goals.';
COMMENT ON COLUMN public.user_knowledge_base.milestones IS 'Milestones [{year, title, tasks[]}].';
COMMENT ON COLUMN public.user_knowledge_base.active_tasks_count IS 'Number of open action tasks.';
COMMENT ON COLUMN public.user_knowledge_base.completed_tasks_count IS 'Number of completed action tasks.';
COMMENT ON COLUMN public.user_knowledge_base.habits_summary IS 'Digest of the user''s habits.';
COMMENT ON COLUMN public.user_knowledge_base.active_habits_count IS 'Number of active habits at the last compile.';
COMMENT ON COLUMN public.user_knowledge_base.total_streak_days IS 'Sum of current habit streaks, in days.';
COMMENT ON COLUMN public.user_knowledge_base.conversation_insights IS 'Insights drawn from coaching conversations.';
COMMENT ON COLUMN public.user_knowledge_base.recommended_focus_areas IS 'Areas the coach recommends focusing on.';
COMMENT ON COLUMN public.user_knowledge_base.agent_notes IS 'Free-form notes of the AI agent.';
COMMENT ON COLUMN public.user_knowledge_base.sentiment_trend IS 'Recent sentiment trend of the user.';
COMMENT ON COLUMN public.user_knowledge_base.data_sources IS 'Provenance list of the data compiled.';
COMMENT ON COLUMN public.user_knowledge_base.last_plaid_sync IS 'Moment bank data was last synchronised.';
COMMENT ON COLUMN public.user_knowledge_base.last_compiled_at IS 'Moment of the last compile_user_knowledge_base run.';
COMMENT ON COLUMN public.user_knowledge_base.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.user_knowledge_base.updated_at IS 'Moment of the last update (maintained by trigger).';

ALTER TABLE public.user_knowledge_base ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.user_knowledge_base FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.user_knowledge_base TO authenticated;
GRANT ALL ON public.user_knowledge_base TO service_role;
CREATE POLICY user_knowledge_base_select_own ON public.user_knowledge_base
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY user_knowledge_base_insert_own ON public.user_knowledge_base
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY user_knowledge_base_update_own ON public.user_knowledge_base
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY user_knowledge_base_delete_own ON public.user_knowledge_base
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

-- compile_user_knowledge_base(): refreshes the caller's counters. Invoker rights: it can only
-- read the caller's own boards and habits and write the caller's own row.
CREATE FUNCTION public.compile_user_knowledge_base() RETURNS void
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  me uuid := auth.uid();
BEGIN
  IF me IS NULL THEN
    RAISE EXCEPTION 'compiling the knowledge base requires a signed-in user'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO public.user_knowledge_base (user_id, vision_board_count, active_habits_count, last_compiled_at)
  VALUES (
    me,
    (SELECT count(*) FROM public.vision_boards b WHERE b.user_id = me AND b.deleted_at IS NULL),
    (SELECT count(*) FROM public.habits h WHERE h.user_id = me AND h.is_active),
    now())
  ON CONFLICT (user_id) DO UPDATE
    SET vision_board_count = EXCLUDED.vision_board_count,
        active_habits_count = EXCLUDED.active_habits_count,
        last_compiled_at = EXCLUDED.last_compiled_at;
END
$$;
REVOKE EXECUTE ON FUNCTION public.compile_user_knowledge_base() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.compile_user_knowledge_base() TO authenticated;
COMMENT ON FUNCTION public.compile_user_knowledge_base() IS 'Upserts the caller''s knowledge-base row: live vision boards, active habits, last_compiled_at.';

-- compile_user_knowledge_base(p_user_id): the same for any user, for server jobs.
CREATE FUNCTION public.compile_user_knowledge_base(p_user_id uuid) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM auth.users u WHERE u.id = p_user_id) THEN
    RAISE EXCEPTION 'user % does not exist', p_user_id USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO public.user_knowledge_base (user_id, vision_board_count, active_habits_count, last_compiled_at)
  VALUES (
    p_user_id,
    (SELECT count(*) FROM public.vision_boards b WHERE b.user_id = p_user_id AND b.deleted_at IS NULL),
    (SELECT count(*) FROM public.habits h WHERE h.user_id = p_user_id AND h.is_active),
    now())
  ON CONFLICT (user_id) DO UPDATE
    SET vision_board_count = EXCLUDED.vision_board_count,
        active_habits_count = EXCLUDED.active_habits_count,
        last_compiled_at = EXCLUDED.last_compiled_at;
END
$$;
REVOKE EXECUTE ON FUNCTION public.compile_user_knowledge_base(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.compile_user_knowledge_base(uuid) TO service_role;
COMMENT ON FUNCTION public.compile_user_knowledge_base(uuid) IS 'Server jobs: upserts the given user''s knowledge-base row (live vision boards, active habits, last_compiled_at).';

---------------------------------------------------------------------------------------------------
-- motivational_themes (§5.1): catalogue of coaching personas, public read, server-managed.
---------------------------------------------------------------------------------------------------
CREATE TABLE public.motivational_themes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CONSTRAINT motivational_themes_name_key UNIQUE,
  display_name text NOT NULL,
  description text,
  icon text,
  color_scheme jsonb NOT NULL DEFAULT '{"primary": "#6366f1", "secondary": "#8b5cf6"}',
  system_prompt_template text NOT NULL,
  motivation_style text CONSTRAINT motivational_themes_motivation_style_check
    CHECK (motivation_style IN ('encouraging', 'challenging', 'analytical', 'spiritual')),
  vocabulary_examples jsonb NOT NULL DEFAULT '[]',
  content_sources jsonb NOT NULL DEFAULT '[]',
  include_scripture boolean NOT NULL DEFAULT false,
  include_metrics boolean NOT NULL DEFAULT false,
  include_wellness boolean NOT NULL DEFAULT false,
  include_legacy boolean NOT NULL DEFAULT false,
  is_active boolean NOT NULL DEFAULT true,
  sort_order integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX motivational_themes_is_active_sort_order_idx ON public.motivational_themes (is_active, sort_order);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.motivational_themes
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.motivational_themes IS 'Catalogue of coaching personas that shape the AI coach''s tone and content.';
COMMENT ON COLUMN public.motivational_themes.id IS 'Primary key.';
COMMENT ON COLUMN public.motivational_themes.name IS 'Unique machine name; natural key of the catalogue.';
COMMENT ON COLUMN public.motivational_themes.display_name IS 'Name shown to users.';
COMMENT ON COLUMN public.motivational_themes.description IS 'Description shown to users.';
COMMENT ON COLUMN public.motivational_themes.icon IS 'Emoji or icon id.';
COMMENT ON COLUMN public.motivational_themes.color_scheme IS 'UI colours {primary, secondary}.';
COMMENT ON COLUMN public.motivational_themes.system_prompt_template IS 'Persona instructions for the model.';
COMMENT ON COLUMN public.motivational_themes.motivation_style IS 'encouraging, challenging, analytical or spiritual.';
COMMENT ON COLUMN public.motivational_themes.vocabulary_examples IS 'Example words and phrases of the persona.';
COMMENT ON COLUMN public.motivational_themes.content_sources IS 'Content sources the persona draws on.';
COMMENT ON COLUMN public.motivational_themes.include_scripture IS 'Coaching includes scripture references.';
COMMENT ON COLUMN public.motivational_themes.include_metrics IS 'Coaching includes metrics and numbers.';
COMMENT ON COLUMN public.motivational_themes.include_wellness IS 'Coaching includes wellness topics.';
COMMENT ON COLUMN public.motivational_themes.include_legacy IS 'Coaching includes legacy topics.';
COMMENT ON COLUMN public.motivational_themes.is_active IS 'Whether the theme is offered to users.';
COMMENT ON COLUMN public.motivational_themes.sort_order IS 'Display position (ascending).';
COMMENT ON COLUMN public.motivational_themes.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.motivational_themes.updated_at IS 'Moment of the last update (maintained by trigger).';

ALTER TABLE public.motivational_themes ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.motivational_themes FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.motivational_themes TO anon, authenticated;
GRANT ALL ON public.motivational_themes TO service_role;
CREATE POLICY motivational_themes_select_all ON public.motivational_themes
  FOR SELECT TO anon, authenticated USING (true);

---------------------------------------------------------------------------------------------------
-- user_identity_profiles (§5.2): the user's theme, master prompt and identity attributes.
---------------------------------------------------------------------------------------------------
CREATE TABLE public.user_identity_profiles (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE
    CONSTRAINT user_identity_profiles_user_id_key UNIQUE,
  theme_id uuid REFERENCES public.motivational_themes (id),
  theme_customizations jsonb NOT NULL DEFAULT '{}',
  master_prompt text,
  master_prompt_responses jsonb NOT NULL DEFAULT '[]',
  core_values text[] NOT NULL DEFAULT '{}',
  life_roles text[] NOT NULL DEFAULT '{}',
  communication_style text CONSTRAINT user_identity_profiles_communication_style_check
    CHECK (communication_style IN ('direct', 'supportive', 'analytical', 'storytelling')),
  motivation_drivers text[] NOT NULL DEFAULT '{}',
  preferred_ai_voice text NOT NULL DEFAULT 'default',
  formality_level text NOT NULL DEFAULT 'casual' CONSTRAINT user_identity_profiles_formality_level_check
    CHECK (formality_level IN ('formal', 'casual', 'professional')),
  encouragement_frequency text NOT NULL DEFAULT 'moderate'
    CONSTRAINT user_identity_profiles_encouragement_frequency_check
    CHECK (encouragement_frequency IN ('high', 'moderate', 'minimal')),
  identity_summary text,
  coaching_focus_areas text[] NOT NULL DEFAULT '{}',
  onboarding_step integer NOT NULL DEFAULT 0,
  onboarding_completed boolean NOT NULL DEFAULT false,
  last_identity_update timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_identity_profiles_theme_id_idx ON public.user_identity_profiles (theme_id);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.user_identity_profiles
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.user_identity_profiles IS 'The user''s chosen theme, master prompt and identity attributes.';
COMMENT ON COLUMN public.user_identity_profiles.id IS 'Primary key.';
COMMENT ON COLUMN public.user_identity_profiles.user_id IS 'Owner (one row per user); defaults to the caller.';
COMMENT ON COLUMN public.user_identity_profiles.theme_id IS 'Chosen coaching theme; NULL until chosen.';
COMMENT ON COLUMN public.user_identity_profiles.theme_customizations IS 'User adjustments to the theme.';
COMMENT ON COLUMN public.user_identity_profiles.master_prompt IS 'Compiled custom instructions for the coach.';
COMMENT ON COLUMN public.user_identity_profiles.master_prompt_responses IS 'Onboarding answers [{question_id, question_text, answer}]; answer is a string or a list of strings.';
COMMENT ON COLUMN public.user_identity_profiles.core_values IS 'The user''s core values.';
COMMENT ON COLUMN public.user_identity_profiles.life_roles IS 'The user''s life roles (parent, founder, ...).';
COMMENT ON COLUMN public.user_identity_profiles.communication_style IS 'direct, supportive, analytical or storytelling.';
COMMENT ON COLUMN public.user_identity_profiles.motivation_drivers IS 'What motivates the user.';
COMMENT ON COLUMN public.user_identity_profiles.preferred_ai_voice IS 'Voice the coach speaks with.';
COMMENT ON COLUMN public.user_identity_profiles.formality_level IS 'formal, casual or professional.';
COMMENT ON COLUMN public.user_identity_profiles.encouragement_frequency IS 'high, moderate or minimal.';
COMMENT ON COLUMN public.user_identity_profiles.identity_summary IS 'AI-generated summary of the user''s identity.';
COMMENT ON COLUMN public.user_identity_profiles.coaching_focus_areas IS 'AI-generated coaching focus areas.';
COMMENT ON COLUMN public.user_identity_profiles.onboarding_step IS 'Current step of identity onboarding.';
COMMENT ON COLUMN public.user_identity_profiles.onboarding_completed IS 'Whether identity onboarding is finished.';
COMMENT ON COLUMN public.user_identity_profiles.last_identity_update IS 'Moment the identity attributes last changed.';
COMMENT ON COLUMN public.user_identity_profiles.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.user_identity_profiles.updated_at IS 'Moment of the last update (maintained by trigger).';

ALTER TABLE public.user_identity_profiles ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.user_identity_profiles FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.user_identity_profiles TO authenticated;
GRANT ALL ON public.user_identity_profiles TO service_role;
CREATE POLICY user_identity_profiles_select_own ON public.user_identity_profiles
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY user_identity_profiles_insert_own ON public.user_identity_profiles
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY user_identity_profiles_update_own ON public.user_identity_profiles
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY user_identity_profiles_delete_own ON public.user_identity_profiles
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

-- get_amie_context(): the caller's theme, identity and preferences for the AI coach.
CREATE FUNCTION public.get_amie_context() RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT jsonb_build_object(
    'theme', CASE WHEN t.id IS NOT NULL THEN jsonb_build_object(
      'name', t.name,
      'system_prompt', t.system_prompt_template,
      'style', t.motivation_style,
      'include_scripture', t.include_scripture,
      'include_metrics', t.include_metrics,
      'include_wellness', t.include_wellness,
      'include_legacy', t.include_legacy) END,
    'identity', jsonb_build_object(
      'master_prompt', p.master_prompt,
      'core_values', to_jsonb(p.core_values),
      'life_roles', to_jsonb(p.life_roles),
      'communication_style', p.communication_style,
      'motivation_drivers', to_jsonb(p.motivation_drivers),
      'identity_summary', p.identity_summary,
      'coaching_focus_areas', to_jsonb(p.coaching_focus_areas)),
    'preferences', jsonb_build_object(
      'formality_level', p.formality_level,
      'encouragement_frequency', p.encouragement_frequency,
      'preferred_ai_voice', p.preferred_ai_voice))
  FROM public.user_identity_profiles p
  LEFT JOIN public.motivational_themes t ON t.id = p.theme_id
  WHERE p.user_id = (SELECT auth.uid())
$$;
REVOKE EXECUTE ON FUNCTION public.get_amie_context() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_amie_context() TO authenticated, service_role;
COMMENT ON FUNCTION public.get_amie_context() IS 'The caller''s coaching context {theme, identity, preferences}; NULL when the caller has no identity profile.';

---------------------------------------------------------------------------------------------------
-- user_knowledge_sources (§5.3): material the user supplies for the personal knowledge base.
---------------------------------------------------------------------------------------------------
CREATE TABLE public.user_knowledge_sources (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  source_type text NOT NULL CONSTRAINT user_knowledge_sources_source_type_check CHECK (source_type IN (
    'resume', 'document', 'url', 'manual_entry', 'conversation', 'vision_board', 'financial_doc', 'notes')),
  source_name text NOT NULL,
  source_url text,
  raw_content text,
  processed_content text,
  content_summary text,
  file_type text,
  file_size integer,
  word_count integer,
  language text NOT NULL DEFAULT 'en',
  status text NOT NULL DEFAULT 'pending' CONSTRAINT user_knowledge_sources_status_check
    CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  error_message text,
  processed_at timestamptz,
  is_active boolean NOT NULL DEFAULT true,
  include_in_context boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_knowledge_sources_user_id_idx ON public.user_knowledge_sources (user_id);
CREATE INDEX user_knowledge_sources_source_type_idx ON public.user_knowledge_sources (source_type);
CREATE INDEX user_knowledge_sources_status_idx ON public.user_knowledge_sources (status);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.user_knowledge_sources
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.user_knowledge_sources IS 'Material the user supplies for the personal knowledge base (documents, URLs, notes, etc.).';
COMMENT ON COLUMN public.user_knowledge_sources.id IS 'Primary key.';
COMMENT ON COLUMN public.user_knowledge_sources.user_id IS 'Owner; defaults to the caller.';
COMMENT ON COLUMN public.user_knowledge_sources.source_type IS 'Kind of material (resume, document, url, manual_entry, ...).';
COMMENT ON COLUMN public.user_knowledge_sources.source_name IS 'Display name of the source.';
COMMENT ON COLUMN public.user_knowledge_sources.source_url IS 'Where the material came from or is stored.';
COMMENT ON COLUMN public.user_knowledge_sources.raw_content IS 'Text as supplied or extracted.';
COMMENT ON COLUMN public.user_knowledge_sources.processed_content IS 'Cleaned text used for chunking.';
COMMENT ON COLUMN public.user_knowledge_sources.content_summary IS 'AI summary of the material.';
COMMENT ON COLUMN public.user_knowledge_sources.file_type IS 'File type of an uploaded file (e.g. pdf).';
COMMENT ON COLUMN public.user_knowledge_sources.file_size IS 'Size of an uploaded file in bytes.';
COMMENT ON COLUMN public.user_knowledge_sources.word_count IS 'Number of words of the processed text.';
COMMENT ON COLUMN public.user_knowledge_sources.language IS 'Language code of the material.';
COMMENT ON COLUMN public.user_knowledge_sources.status IS 'Processing state: pending, processing, completed or failed.';
COMMENT ON COLUMN public.user_knowledge_sources.error_message IS 'Why processing failed.';
COMMENT ON COLUMN public.user_knowledge_sources.processed_at IS 'Moment processing finished.';
COMMENT ON COLUMN public.user_knowledge_sources.is_active IS 'False = archived; its chunks are not searched.';
COMMENT ON COLUMN public.user_knowledge_sources.include_in_context IS 'Eligible for retrieval by the search functions.';
COMMENT ON COLUMN public.user_knowledge_sources.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.user_knowledge_sources.updated_at IS 'Moment of the last update (maintained by trigger).';

ALTER TABLE public.user_knowledge_sources ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.user_knowledge_sources FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.user_knowledge_sources TO authenticated;
GRANT ALL ON public.user_knowledge_sources TO service_role;
CREATE POLICY user_knowledge_sources_select_own ON public.user_knowledge_sources
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY user_knowledge_sources_insert_own ON public.user_knowledge_sources
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY user_knowledge_sources_update_own ON public.user_knowledge_sources
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY user_knowledge_sources_delete_own ON public.user_knowledge_sources
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- user_knowledge_chunks (§5.4): retrieval chunks with embedding and full-text vector.
---------------------------------------------------------------------------------------------------
CREATE TABLE public.user_knowledge_chunks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  source_id uuid NOT NULL REFERENCES public.user_knowledge_sources (id) ON DELETE CASCADE,
  chunk_text text NOT NULL,
  chunk_index integer NOT NULL,
  embedding extensions.vector(1536),
  chunk_tsv tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('english'::regconfig, chunk_text)) STORED,
  token_count integer,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT user_knowledge_chunks_source_id_chunk_index_key UNIQUE (source_id, chunk_index)
);
CREATE INDEX user_knowledge_chunks_user_id_idx ON public.user_knowledge_chunks (user_id);
CREATE INDEX user_knowledge_chunks_embedding_idx ON public.user_knowledge_chunks
  USING hnsw (embedding extensions.vector_cosine_ops);
CREATE INDEX user_knowledge_chunks_chunk_tsv_idx ON public.user_knowledge_chunks USING gin (chunk_tsv);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.user_knowledge_chunks
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.user_knowledge_chunks IS 'Retrieval chunks of a knowledge source with embedding and full-text vector.';
COMMENT ON COLUMN public.user_knowledge_chunks.id IS 'Primary key.';
COMMENT ON COLUMN public.user_knowledge_chunks.user_id IS 'Owner; always copied from the source by trigger (client-supplied values are ignored).';
COMMENT ON COLUMN public.user_knowledge_chunks.source_id IS 'Knowledge source the chunk was cut from.';
COMMENT ON COLUMN public.user_knowledge_chunks.chunk_text IS 'Text of the chunk.';
COMMENT ON COLUMN public.user_knowledge_chunks.chunk_index IS 'Position of the chunk within its source (unique per source).';
COMMENT ON COLUMN public.user_knowledge_chunks.embedding IS '1536-dimension embedding of chunk_text (HNSW cosine index); NULL until embedded.';
COMMENT ON COLUMN public.user_knowledge_chunks.chunk_tsv IS 'English full-text vector of chunk_text (generated; GIN index).';
COMMENT ON COLUMN public.user_knowledge_chunks.token_count IS 'Number of model tokens of chunk_text.';
COMMENT ON COLUMN public.user_knowledge_chunks.metadata IS 'Free-form chunk metadata (page, heading, ...).';
COMMENT ON COLUMN public.user_knowledge_chunks.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.user_knowledge_chunks.updated_at IS 'Moment of the last update (maintained by trigger).';

-- Trigger: user_id := the source's owner (see workbook_sections_set_owner).
CREATE FUNCTION internal.user_knowledge_chunks_set_owner() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  owner uuid;
BEGIN
  IF NEW.source_id IS NULL THEN
    RETURN NEW;  -- refused by the NOT NULL constraint
  END IF;
  SELECT s.user_id INTO owner FROM public.user_knowledge_sources s WHERE s.id = NEW.source_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'knowledge source % does not exist', NEW.source_id
      USING ERRCODE = 'no_data_found';
  END IF;
  IF current_setting('role', true) IN ('anon', 'authenticated') AND owner IS DISTINCT FROM auth.uid() THEN
    RAISE EXCEPTION 'knowledge source % is not yours', NEW.source_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  NEW.user_id := owner;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.user_knowledge_chunks_set_owner() FROM PUBLIC;
COMMENT ON FUNCTION internal.user_knowledge_chunks_set_owner() IS 'Trigger: copies user_id from the knowledge source; refuses a missing source or another user''s.';
CREATE TRIGGER set_owner BEFORE INSERT OR UPDATE OF source_id, user_id ON public.user_knowledge_chunks
  FOR EACH ROW EXECUTE FUNCTION internal.user_knowledge_chunks_set_owner();

ALTER TABLE public.user_knowledge_chunks ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.user_knowledge_chunks FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.user_knowledge_chunks TO authenticated;
GRANT ALL ON public.user_knowledge_chunks TO service_role;
CREATE POLICY user_knowledge_chunks_select_own ON public.user_knowledge_chunks
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY user_knowledge_chunks_insert_own ON public.user_knowledge_chunks
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY user_knowledge_chunks_update_own ON public.user_knowledge_chunks
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY user_knowledge_chunks_delete_own ON public.user_knowledge_chunks
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

-- search_knowledge_chunks: the caller's nearest chunks by cosine distance. Invoker rights plus
-- an explicit owner predicate; the candidate list is re-sorted because relaxed iterative index
-- scans may return it slightly out of order.
CREATE FUNCTION public.search_knowledge_chunks(p_query_embedding extensions.vector, p_limit integer DEFAULT 5)
RETURNS TABLE (chunk_id uuid, chunk_text text, source_name text, source_type text, similarity double precision)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  WITH nearest AS MATERIALIZED (
    SELECT c.id, c.chunk_text, s.source_name, s.source_type,
           c.embedding OPERATOR(extensions.<=>) p_query_embedding AS distance
    FROM public.user_knowledge_chunks c
    JOIN public.user_knowledge_sources s ON s.id = c.source_id
    WHERE c.user_id = (SELECT auth.uid())
      AND s.user_id = (SELECT auth.uid())
      AND s.is_active AND s.include_in_context
      AND c.embedding IS NOT NULL
      AND p_query_embedding IS NOT NULL
    ORDER BY distance
    LIMIT greatest(coalesce(p_limit, 5), 0)
  )
  SELECT n.id, n.chunk_text, n.source_name, n.source_type, 1 - n.distance
  FROM nearest n
  ORDER BY n.distance, n.id
$$;
REVOKE EXECUTE ON FUNCTION public.search_knowledge_chunks(extensions.vector, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.search_knowledge_chunks(extensions.vector, integer) TO authenticated, service_role;
COMMENT ON FUNCTION public.search_knowledge_chunks(extensions.vector, integer) IS 'The caller''s p_limit chunks nearest to the query embedding (cosine), from active sources included in context; similarity = 1 - distance.';

-- hybrid_search_knowledge_chunks: reciprocal rank fusion of a vector candidate list and a
-- full-text candidate list, each of greatest(4 * p_limit, 20) rows; either query may be NULL.
CREATE FUNCTION public.hybrid_search_knowledge_chunks(
  p_query_text text, p_query_embedding extensions.vector, p_limit integer DEFAULT 5)
RETURNS TABLE (chunk_id uuid, chunk_text text, source_name text, source_type text,
               similarity double precision, text_rank real, score double precision)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  WITH params AS (
    SELECT greatest(coalesce(p_limit, 5), 0) AS lim,
           greatest(4::bigint * coalesce(p_limit, 5), 20) AS candidates,
           q.query AS tsq
    FROM (SELECT CASE WHEN p_query_text IS NOT NULL
                 THEN websearch_to_tsquery('english'::regconfig, p_query_text) END AS query) AS q
  ),
  by_vector AS MATERIALIZED (
    SELECT c.id, c.embedding OPERATOR(extensions.<=>) p_query_embedding AS distance
    FROM public.user_knowledge_chunks c
    JOIN public.user_knowledge_sources s ON s.id = c.source_id
    WHERE c.user_id = (SELECT auth.uid())
      AND s.user_id = (SELECT auth.uid())
      AND s.is_active AND s.include_in_context
      AND c.embedding IS NOT NULL
      AND p_query_embedding IS NOT NULL
    ORDER BY distance
    LIMIT (SELECT candidates FROM params)
  ),
  vector_ranked AS (
    SELECT v.id, row_number() OVER (ORDER BY v.distance, v.id) AS rank
    FROM by_vector v
  ),
  by_text AS MATERIALIZED (
    SELECT c.id, ts_rank_cd(c.chunk_tsv, p.tsq) AS text_rank
    FROM public.user_knowledge_chunks c
    JOIN public.user_knowledge_sources s ON s.id = c.source_id
    CROSS JOIN params p
    WHERE c.user_id = (SELECT auth.uid())
      AND s.user_id = (SELECT auth.uid())
      AND s.is_active AND s.include_in_context
      AND numnode(p.tsq) > 0
      AND c.chunk_tsv @@ p.tsq
    ORDER BY text_rank DESC, c.id
    LIMIT (SELECT candidates FROM params)
  ),
  text_ranked AS (
    SELECT t.id, t.text_rank, row_number() OVER (ORDER BY t.text_rank DESC, t.id) AS rank
    FROM by_text t
  ),
  fused AS (
    SELECT coalesce(v.id, t.id) AS id,
           coalesce(1.0 / (60 + v.rank), 0) + coalesce(1.0 / (60 + t.rank), 0) AS score
    FROM vector_ranked v
    FULL JOIN text_ranked t ON t.id = v.id
  )
  SELECT c.id,
         c.chunk_text,
         s.source_name,
         s.source_type,
         1 - (c.embedding OPERATOR(extensions.<=>) p_query_embedding),
         CASE WHEN p.tsq IS NOT NULL AND numnode(p.tsq) > 0 AND c.chunk_tsv @@ p.tsq
              THEN ts_rank_cd(c.chunk_tsv, p.tsq) END,
         f.score::double precision
  FROM fused f
  JOIN public.user_knowledge_chunks c ON c.id = f.id
  JOIN public.user_knowledge_sources s ON s.id = c.source_id
  CROSS JOIN params p
  ORDER BY f.score DESC, c.id
  LIMIT (SELECT lim FROM params)
$$;
REVOKE EXECUTE ON FUNCTION public.hybrid_search_knowledge_chunks(text, extensions.vector, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.hybrid_search_knowledge_chunks(text, extensions.vector, integer) TO authenticated, service_role;
COMMENT ON FUNCTION public.hybrid_search_knowledge_chunks(text, extensions.vector, integer) IS 'The caller''s best p_limit chunks by reciprocal rank fusion (score = sum of 1 / (60 + rank)) of cosine and full-text candidate lists; either query may be NULL.';

-- pgvector 0.8+: let HNSW scans continue past ef_search when the owner filter removes rows, so
-- the result is never starved. Older pgvector has no such setting; the functions still work.
DO $iterative$
BEGIN
  IF (SELECT string_to_array(extversion, '.')::int[] >= ARRAY[0, 8]
      FROM pg_extension WHERE extname = 'vector') THEN
    ALTER FUNCTION public.search_knowledge_chunks(extensions.vector, integer)
      SET hnsw.iterative_scan = 'relaxed_order';
    ALTER FUNCTION public.hybrid_search_knowledge_chunks(text, extensions.vector, integer)
      SET hnsw.iterative_scan = 'relaxed_order';
  END IF;
END
$iterative$;

---------------------------------------------------------------------------------------------------
-- voice_coach_sessions (§5.5): voice coaching interactions with transcript and analysis.
---------------------------------------------------------------------------------------------------
CREATE TABLE public.voice_coach_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  session_type text NOT NULL CONSTRAINT voice_coach_sessions_session_type_check CHECK (session_type IN (
    'on_demand', 'habit_trigger', 'weekly_review', 'milestone_celebration', 'pace_warning', 'check_in',
    'morning_intention')),
  trigger_context jsonb NOT NULL DEFAULT '{}',
  device_type text CONSTRAINT voice_coach_sessions_device_type_check
    CHECK (device_type IN ('apple_watch', 'iphone', 'android', 'web', 'phone_call')),
  channel text NOT NULL DEFAULT 'voice' CONSTRAINT voice_coach_sessions_channel_check
    CHECK (channel IN ('voice', 'text_fallback')),
  duration_seconds integer,
  transcript text,
  audio_url text,
  sentiment_score double precision CONSTRAINT voice_coach_sessions_sentiment_score_check
    CHECK (sentiment_score BETWEEN -1 AND 1),
  key_topics text[] NOT NULL DEFAULT '{}',
  action_items_generated jsonb NOT NULL DEFAULT '[]',
  coaching_notes text,
  theme_used text,
  knowledge_chunks_used uuid[] NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'active' CONSTRAINT voice_coach_sessions_status_check
    CHECK (status IN ('active', 'completed', 'interrupted', 'failed')),
  ended_reason text,
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX voice_coach_sessions_user_id_idx ON public.voice_coach_sessions (user_id);
CREATE INDEX voice_coach_sessions_session_type_idx ON public.voice_coach_sessions (session_type);
CREATE INDEX voice_coach_sessions_status_idx ON public.voice_coach_sessions (status);
CREATE INDEX voice_coach_sessions_started_at_idx ON public.voice_coach_sessions (started_at DESC);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.voice_coach_sessions
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.voice_coach_sessions IS 'Voice coaching interactions on any device, with transcript and analysis.';
COMMENT ON COLUMN public.voice_coach_sessions.id IS 'Primary key.';
COMMENT ON COLUMN public.voice_coach_sessions.user_id IS 'Owner; defaults to the caller.';
COMMENT ON COLUMN public.voice_coach_sessions.session_type IS 'What started the session (on_demand, habit_trigger, weekly_review, ...).';
COMMENT ON COLUMN public.voice_coach_sessions.trigger_context IS 'Context of the trigger (habit, milestone, ...).';
COMMENT ON COLUMN public.voice_coach_sessions.device_type IS 'Device used: apple_watch, iphone, android, web or phone_call.';
COMMENT ON COLUMN public.voice_coach_sessions.channel IS 'voice, or text_fallback when voice was unavailable.';
COMMENT ON COLUMN public.voice_coach_sessions.duration_seconds IS 'Length of the session in seconds.';
COMMENT ON COLUMN public.voice_coach_sessions.transcript IS 'Transcript of the conversation.';
COMMENT ON COLUMN public.voice_coach_sessions.audio_url IS 'Recording of the session.';
COMMENT ON COLUMN public.voice_coach_sessions.sentiment_score IS 'Sentiment of the user, from -1 (negative) to 1 (positive).';
COMMENT ON COLUMN public.voice_coach_sessions.key_topics IS 'Main topics discussed.';
COMMENT ON COLUMN public.voice_coach_sessions.action_items_generated IS 'Action items [{type, description, completed?}].';
COMMENT ON COLUMN public.voice_coach_sessions.coaching_notes IS 'Notes of the coach on the session.';
COMMENT ON COLUMN public.voice_coach_sessions.theme_used IS 'Name of the coaching theme at the time.';
COMMENT ON COLUMN public.voice_coach_sessions.knowledge_chunks_used IS 'Ids of the knowledge chunks used as context.';
COMMENT ON COLUMN public.voice_coach_sessions.status IS 'active, completed, interrupted or failed.';
COMMENT ON COLUMN public.voice_coach_sessions.ended_reason IS 'Why the session ended.';
COMMENT ON COLUMN public.voice_coach_sessions.started_at IS 'Moment the session started.';
COMMENT ON COLUMN public.voice_coach_sessions.ended_at IS 'Moment the session ended.';
COMMENT ON COLUMN public.voice_coach_sessions.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.voice_coach_sessions.updated_at IS 'Moment of the last update (maintained by trigger).';

ALTER TABLE public.voice_coach_sessions ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.voice_coach_sessions FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.voice_coach_sessions TO authenticated;
GRANT ALL ON public.voice_coach_sessions TO service_role;
CREATE POLICY voice_coach_sessions_select_own ON public.voice_coach_sessions
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY voice_coach_sessions_insert_own ON public.voice_coach_sessions
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY voice_coach_sessions_update_own ON public.voice_coach_sessions
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY voice_coach_sessions_delete_own ON public.voice_coach_sessions
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- master_prompt_questions (§5.6): onboarding questions per theme, public read, server-managed.
---------------------------------------------------------------------------------------------------
CREATE TABLE public.master_prompt_questions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  theme_id uuid REFERENCES public.motivational_themes (id) ON DELETE CASCADE,
  question_text text NOT NULL,
  question_type text NOT NULL DEFAULT 'single_choice' CONSTRAINT master_prompt_questions_question_type_check
    CHECK (question_type IN ('single_choice', 'multiple_choice', 'text', 'scale')),
  options jsonb NOT NULL DEFAULT '[]',
  prompt_contribution text,
  sort_order integer NOT NULL DEFAULT 0,
  is_required boolean NOT NULL DEFAULT true,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT master_prompt_questions_theme_id_sort_order_key UNIQUE (theme_id, sort_order)
);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.master_prompt_questions
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.master_prompt_questions IS 'Onboarding questions per theme whose answers build the user''s master prompt.';
COMMENT ON COLUMN public.master_prompt_questions.id IS 'Primary key.';
COMMENT ON COLUMN public.master_prompt_questions.theme_id IS 'Theme the question belongs to.';
COMMENT ON COLUMN public.master_prompt_questions.question_text IS 'Question shown to the user.';
COMMENT ON COLUMN public.master_prompt_questions.question_type IS 'single_choice, multiple_choice, text or scale.';
COMMENT ON COLUMN public.master_prompt_questions.options IS 'JSON array of option strings (empty for text questions).';
COMMENT ON COLUMN public.master_prompt_questions.prompt_contribution IS 'Template for the master prompt; {answer} is replaced by the answer.';
COMMENT ON COLUMN public.master_prompt_questions.sort_order IS 'Position within the theme''s questions; unique per theme (natural key).';
COMMENT ON COLUMN public.master_prompt_questions.is_required IS 'Whether an answer is required.';
COMMENT ON COLUMN public.master_prompt_questions.is_active IS 'Whether the question is asked.';
COMMENT ON COLUMN public.master_prompt_questions.created_at IS 'Row creation moment.';
COMMENT ON COLUMN public.master_prompt_questions.updated_at IS 'Moment of the last update (maintained by trigger).';

ALTER TABLE public.master_prompt_questions ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.master_prompt_questions FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.master_prompt_questions TO anon, authenticated;
GRANT ALL ON public.master_prompt_questions TO service_role;
CREATE POLICY master_prompt_questions_select_all ON public.master_prompt_questions
  FOR SELECT TO anon, authenticated USING (true);

---------------------------------------------------------------------------------------------------
-- Seeds. Each catalogue seed is a function (schema internal, owner only) so that re-running it
-- can be tested; each inserts only rows whose natural key is missing and returns how many.
---------------------------------------------------------------------------------------------------
CREATE FUNCTION internal.seed_workbook_templates() RETURNS integer
LANGUAGE sql
SET search_path = ''
AS $$
  WITH inserted AS (
    INSERT INTO public.workbook_templates
      (sort_order, name, sku, page_count, size, binding, base_price, shipping_estimate, description, features)
    VALUES
      (1, 'Vision Journal - Softcover', 'GLOBAL-NTB-A5-SC-100', 100, 'A5 (5.8" x 8.3")', 'softcover', 29.99, 9.99,
       'A full-color softcover journal that pairs your vision boards with a 12-month habit tracker and weekly reflection pages.',
       '["Full color interior", "12-month habit tracker", "Weekly reflection pages", "Custom cover"]'),
      (2, 'Vision Planner - Hardcover', 'GLOBAL-NTB-A5-HC-100', 100, 'A5 (5.8" x 8.3")', 'hardcover', 44.99, 9.99,
       'A durable lay-flat hardcover planner with a 52-week journal that carries your vision through the whole year.',
       '["Hardcover protection", "Lay-flat binding", "Full color interior", "52-week journal", "Custom cover"]'),
      (3, 'Executive Vision Book', 'GLOBAL-NTB-A4-HC-120', 120, 'A4 (8.3" x 11.7")', 'hardcover', 64.99, 9.99,
       'A large-format hardcover book with your expanded action plan, a full financial section and QR code links back into the app.',
       '["Large format", "Expanded action plan", "Full financial section", "QR code deep links", "Ribbon bookmark"]'),
      (4, 'Legacy Edition', 'GLOBAL-NTB-LTR-HC-150', 150, 'Letter (8.5" x 11")', 'hardcover', 79.99, 9.99,
       'Our premium 150-page hardcover edition of your complete vision, presented in a gift box with a certificate of authenticity.',
       '["Premium materials", "150 pages", "Complete content", "Gift box packaging", "Certificate of authenticity"]')
    ON CONFLICT (sku) DO NOTHING
    RETURNING 1
  )
  SELECT count(*)::integer FROM inserted
$$;
REVOKE EXECUTE ON FUNCTION internal.seed_workbook_templates() FROM PUBLIC;
COMMENT ON FUNCTION internal.seed_workbook_templates() IS 'Seeds the 4 workbook templates (idempotent on sku); returns the number of rows inserted.';

CREATE FUNCTION internal.seed_motivational_themes() RETURNS integer
LANGUAGE sql
SET search_path = ''
AS $$
  WITH inserted AS (
    INSERT INTO public.motivational_themes
      (sort_order, name, display_name, icon, motivation_style,
       include_scripture, include_metrics, include_wellness, include_legacy, description, system_prompt_template)
    VALUES
      (1, 'christian', 'Faith & Purpose', '✝️', 'spiritual', true, false, false, true,
       'Faith-based coaching that connects your goals to God''s purpose for your life, with Bible references, stewardship and prayer.',
       'You are a faith-based life coach for a Christian. Ground your encouragement in Scripture and cite Bible references (book chapter:verse) where they genuinely fit. '
       'Frame money, time and talents as stewardship of what God has entrusted, invite the user to bring decisions to prayer, and connect each goal to their calling and purpose. '
       'Be warm and hopeful, never preachy, and respect the user''s own tradition.'),
      (2, 'business_executive', 'Executive Performance', '💼', 'challenging', false, true, false, false,
       'Direct performance coaching for leaders: ROI thinking, OKRs and SMART goals, the 80/20 rule and opportunity cost.',
       'You are a direct, high-performance executive coach. Be concise and candid, challenge vague goals and push for measurable outcomes. '
       'Frame decisions in terms of ROI and opportunity cost, structure goals as OKRs or SMART goals, and apply the 80/20 rule so effort goes to the few actions that matter most. '
       'Use numbers and metrics wherever possible and hold the user accountable to commitments and deadlines.'),
      (3, 'health_fitness', 'Health & Vitality', '💪', 'encouraging', false, false, true, false,
       'Holistic wellness coaching in the language of training and recovery, covering sleep, nutrition, movement and energy.',
       'You are a holistic health and wellness coach. Speak the language of training and recovery: consistency over intensity, progressive overload, rest and recovery days. '
       'Connect every goal to energy, sleep, nutrition, movement and stress, celebrate small wins and build sustainable habits. '
       'Be upbeat and encouraging, never give medical diagnoses, and suggest a professional when health concerns come up.'),
      (4, 'retirement', 'Legacy & Wisdom', '🌅', 'analytical', false, true, false, true,
       'Life-transition coaching for retirement planning, estate and legacy, generational wealth and time with family.',
       'You are a thoughtful life-transition coach for people approaching or living in retirement. Be calm, analytical and respectful of experience. '
       'Help the user plan retirement income and timelines, think through estate planning and the legacy they want to leave, build generational wealth, and make room for family and meaningful experiences. '
       'Use clear numbers and milestones, and frame goals around security, wisdom and the people they love.'),
      (5, 'custom', 'Custom Theme', '⚙️', 'encouraging', false, false, false, false,
       'A flexible coach that adapts to the material you upload and the preferences you state.',
       'You are a personal coach whose style adapts to this user. Follow the user''s master prompt and stated preferences for tone, formality and check-in frequency, '
       'and draw on the material from their personal knowledge base when it is relevant. When a preference is missing, be encouraging, clear and practical.')
    ON CONFLICT (name) DO NOTHING
    RETURNING 1
  )
  SELECT count(*)::integer FROM inserted
$$;
REVOKE EXECUTE ON FUNCTION internal.seed_motivational_themes() FROM PUBLIC;
COMMENT ON FUNCTION internal.seed_motivational_themes() IS 'Seeds the 5 motivational themes (idempotent on name); returns the number of rows inserted.';

-- Questions 1-5 are shared by every theme except custom; 6-7 are theme-specific.
CREATE FUNCTION internal.seed_master_prompt_questions() RETURNS integer
LANGUAGE sql
SET search_path = ''
AS $$
  WITH common (sort_order, question_text, question_type, options, prompt_contribution) AS (
    VALUES
      (1, 'What is your primary motivation for using Visionary AI?', 'single_choice',
       '["Achieve financial goals", "Build better habits", "Plan retirement", "Personal growth", "Family planning"]'::jsonb,
       'Primary motivation: {answer}'),
      (2, 'How do you prefer to receive feedback?', 'single_choice',
       '["Direct and challenging", "Supportive and encouraging", "Data-driven and analytical", "Story-based and inspirational"]',
       'Feedback style: {answer}'),
      (3, 'What is your biggest obstacle to achieving your goals?', 'single_choice',
       '["Lack of time", "Lack of motivation", "Unclear direction", "Financial constraints", "Accountability"]',
       'Primary obstacle: {answer}'),
      (4, 'How often do you want check-ins from your AI coach?', 'single_choice',
       '["Daily", "Every few days", "Weekly", "Only when I ask"]',
       'Check-in frequency: {answer}'),
      (5, 'What does success look like for you in 5 years?', 'text', '[]',
       'Five-year vision: {answer}')
  ),
  specific (theme, sort_order, question_text, question_type, options, prompt_contribution) AS (
    VALUES
      ('christian', 6, 'How important is faith in your goal-setting process?', 'scale',
       '["1", "2", "3", "4", "5"]'::jsonb, 'Faith importance (1-5): {answer}'),
      ('christian', 7, 'Would you like scripture references included in coaching?', 'single_choice',
       '["Yes, frequently", "Yes, occasionally", "No"]', 'Scripture preference: {answer}'),
      ('business_executive', 6, 'What is your current professional level?', 'single_choice',
       '["Individual Contributor", "Manager", "Director", "VP/Executive", "Founder/CEO"]', 'Professional level: {answer}'),
      ('business_executive', 7, 'What business frameworks do you use?', 'multiple_choice',
       '["OKRs", "SMART Goals", "Agile/Scrum", "Six Sigma", "None/Other"]', 'Preferred frameworks: {answer}'),
      ('health_fitness', 6, 'What is your primary health focus?', 'single_choice',
       '["Weight management", "Strength building", "Endurance/Cardio", "Mental wellness", "Overall vitality"]', 'Health focus: {answer}'),
      ('health_fitness', 7, 'How would you rate your current energy levels?', 'scale',
       '["1", "2", "3", "4", "5"]', 'Current energy (1-5): {answer}'),
      ('retirement', 6, 'How many years until your target retirement?', 'single_choice',
       '["Already retired", "0-5 years", "5-10 years", "10-20 years", "20+ years"]', 'Retirement timeline: {answer}'),
      ('retirement', 7, 'What legacy matters most to you?', 'single_choice',
       '["Financial security for family", "Wisdom and values passed on", "Charitable impact", "Business/career achievements", "Experiences and memories"]',
       'Legacy priority: {answer}')
  ),
  questions AS (
    SELECT t.name AS theme, c.sort_order, c.question_text, c.question_type, c.options, c.prompt_contribution
    FROM common c
    CROSS JOIN (VALUES ('christian'), ('business_executive'), ('health_fitness'), ('retirement')) AS t (name)
    UNION ALL
    SELECT * FROM specific
  ),
  inserted AS (
    INSERT INTO public.master_prompt_questions
      (theme_id, sort_order, question_text, question_type, options, prompt_contribution, is_required, is_active)
    SELECT th.id, q.sort_order, q.question_text, q.question_type, q.options, q.prompt_contribution, true, true
    FROM questions q
    JOIN public.motivational_themes th ON th.name = q.theme
    ON CONFLICT (theme_id, sort_order) DO NOTHING
    RETURNING 1
  )
  SELECT count(*)::integer FROM inserted
$$;
REVOKE EXECUTE ON FUNCTION internal.seed_master_prompt_questions() FROM PUBLIC;
COMMENT ON FUNCTION internal.seed_master_prompt_questions() IS 'Seeds the 28 master prompt questions (idempotent on theme and sort order); returns the number of rows inserted.';

DO $seed$
BEGIN
  PERFORM internal.seed_workbook_templates();
  PERFORM internal.seed_motivational_themes();
  PERFORM internal.seed_master_prompt_questions();
END
$seed$;
