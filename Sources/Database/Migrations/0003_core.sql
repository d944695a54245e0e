-- Core: profiles and credits (with the append-only credit ledger), vision boards, reference
-- images and documents (soft delete), the action plan, poster orders and bank links.
-- Spec: schema.md §2 (and §1 conventions, §8 F1, F2, F7, F9, F10).

---------------------------------------------------------------------------------------------------
-- profiles (the primary_vision_id foreign key and the UPDATE policy follow vision_boards below)
---------------------------------------------------------------------------------------------------
CREATE TABLE public.profiles (
  id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  credits integer NOT NULL DEFAULT 3 CONSTRAINT profiles_credits_check CHECK (credits >= 0),
  subscription_tier text NOT NULL DEFAULT 'FREE'
    CONSTRAINT profiles_subscription_tier_check CHECK (subscription_tier IN ('FREE', 'PRO', 'ELITE')),
  subscription_status text NOT NULL DEFAULT 'inactive'
    CONSTRAINT profiles_subscription_status_check CHECK (subscription_status IN ('inactive', 'active', 'cancelled')),
  stripe_customer_id text,
  onboarding_completed boolean NOT NULL DEFAULT false,
  financial_target integer,
  primary_vision_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX profiles_stripe_customer_id_key ON public.profiles (stripe_customer_id)
  WHERE stripe_customer_id IS NOT NULL;
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.profiles
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.profiles IS 'One row per user holding the generation-credit balance, subscription state and onboarding flags.';
COMMENT ON COLUMN public.profiles.id IS 'The user''s id (primary key; references auth.users, deleted with the user).';
COMMENT ON COLUMN public.profiles.credits IS 'Generation credits left (never negative); changed only by the credit functions, every change journaled in credit_ledger.';
COMMENT ON COLUMN public.profiles.subscription_tier IS 'FREE, PRO or ELITE; any tier other than FREE has unlimited generations.';
COMMENT ON COLUMN public.profiles.subscription_status IS 'Subscription state: inactive, active or cancelled.';
COMMENT ON COLUMN public.profiles.stripe_customer_id IS 'Stripe customer reference; unique where set.';
COMMENT ON COLUMN public.profiles.onboarding_completed IS 'Whether the user finished onboarding.';
COMMENT ON COLUMN public.profiles.financial_target IS 'The user''s financial goal in whole currency units.';
COMMENT ON COLUMN public.profiles.primary_vision_id IS 'The user''s primary vision board (one of their own boards); cleared when that board is deleted.';
COMMENT ON COLUMN public.profiles.created_at IS 'Moment the profile was created.';
COMMENT ON COLUMN public.profiles.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.profiles FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT ON public.profiles TO authenticated;
GRANT UPDATE (onboarding_completed, financial_target, primary_vision_id) ON public.profiles TO authenticated;
-- service_role: everything except UPDATE of credits (UPDATE is granted column by column because a
-- column-level REVOKE would not subtract from a table-level grant).
GRANT SELECT, INSERT, DELETE, TRUNCATE, REFERENCES, TRIGGER ON public.profiles TO service_role;
GRANT UPDATE (id, subscription_tier, subscription_status, stripe_customer_id, onboarding_completed,
              financial_target, primary_vision_id, created_at, updated_at)
  ON public.profiles TO service_role;

CREATE POLICY profiles_select_own ON public.profiles
  FOR SELECT TO authenticated
  USING (id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- credit_ledger: append-only journal of every change to profiles.credits
---------------------------------------------------------------------------------------------------
CREATE TABLE public.credit_ledger (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  delta integer NOT NULL CONSTRAINT credit_ledger_delta_check CHECK (delta <> 0),
  balance_after integer NOT NULL CONSTRAINT credit_ledger_balance_after_check CHECK (balance_after >= 0),
  reason text NOT NULL,
  reference text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_ledger_user_id_created_at_idx ON public.credit_ledger (user_id, created_at DESC);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.credit_ledger
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.credit_ledger IS 'Append-only journal of every change to profiles.credits; per user sum(delta) = latest balance_after = profiles.credits.';
COMMENT ON COLUMN public.credit_ledger.id IS 'Primary key.';
COMMENT ON COLUMN public.credit_ledger.user_id IS 'The user whose balance changed (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.credit_ledger.delta IS 'Signed change of the balance (never zero).';
COMMENT ON COLUMN public.credit_ledger.balance_after IS 'profiles.credits right after the change (never negative).';
COMMENT ON COLUMN public.credit_ledger.reason IS 'Why the balance changed: signup_bonus, generation, direct_change, or the reason given to adjust_user_credits (purchase, refund, admin_adjustment, ...).';
COMMENT ON COLUMN public.credit_ledger.reference IS 'Related payment, board or request id, when there is one.';
COMMENT ON COLUMN public.credit_ledger.created_at IS 'Moment the change was made (clock time, so that changes within one transaction stay ordered).';
COMMENT ON COLUMN public.credit_ledger.updated_at IS 'Exists for uniformity only: ledger rows are never updated.';

ALTER TABLE public.credit_ledger ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.credit_ledger FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT ON public.credit_ledger TO authenticated;
-- No role writes the ledger: rows come only from the credit journal trigger below.
GRANT SELECT, REFERENCES, TRIGGER ON public.credit_ledger TO service_role;

CREATE POLICY credit_ledger_select_own ON public.credit_ledger
  FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));

-- Trigger (AFTER INSERT OR UPDATE OF credits on profiles): journals every change of the balance.
-- This is the only writer of credit_ledger; handle_new_user, decrement_user_credits and
-- adjust_user_credits name their change through the transaction-local settings
-- visionary.credit_reason and visionary.credit_reference before changing the balance, and any
-- other (privileged, direct) change is journaled with the reason set by the caller in
-- visionary.credit_reason, else 'direct_change'. On INSERT the delta is taken against the sum of
-- the user's earlier journal, so re-creating a deleted profile keeps sum(delta) = credits.
CREATE FUNCTION internal.journal_credit_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_delta integer;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT NEW.credits - coalesce(sum(l.delta), 0)::integer INTO v_delta
      FROM public.credit_ledger l WHERE l.user_id = NEW.id;
  ELSE
    v_delta := NEW.credits - OLD.credits;
  END IF;
  IF v_delta <> 0 THEN
    INSERT INTO public.credit_ledger (user_id, delta, balance_after, reason, reference, created_at)
    VALUES (
      NEW.id, v_delta, NEW.credits,
      coalesce(nullif(current_setting('visionary.credit_reason', true), ''), 'direct_change'),
      nullif(current_setting('visionary.credit_reference', true), ''),
      clock_timestamp()
    );
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.journal_credit_change() FROM PUBLIC;
COMMENT ON FUNCTION internal.journal_credit_change() IS 'Trigger: writes the credit_ledger row for every change of profiles.credits (reason from visionary.credit_reason, default direct_change).';

CREATE TRIGGER journal_credit_change AFTER INSERT OR UPDATE OF credits ON public.profiles
  FOR EACH ROW EXECUTE FUNCTION internal.journal_credit_change();

-- Sets the transaction-local reason/reference the journal trigger records; returns the previous
-- reason and reference so the caller can put them back afterwards.
CREATE FUNCTION internal.set_credit_reason(p_reason text, p_reference text) RETURNS text[]
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_previous text[] := ARRAY[coalesce(current_setting('visionary.credit_reason', true), ''),
                             coalesce(current_setting('visionary.credit_reference', true), '')];
BEGIN
  PERFORM set_config('visionary.credit_reason', coalesce(p_reason, ''), true);
  PERFORM set_config('visionary.credit_reference', coalesce(p_reference, ''), true);
  RETURN v_previous;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.set_credit_reason(text, text) FROM PUBLIC;
COMMENT ON FUNCTION internal.set_credit_reason(text, text) IS 'Names the next credit change for the journal trigger (transaction-local); returns the previous reason and reference.';

-- Trigger on auth.users: every new user gets a profile with 3 credits, journaled as signup_bonus.
CREATE FUNCTION public.handle_new_user() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_previous text[];
BEGIN
  v_previous := internal.set_credit_reason('signup_bonus', NULL);
  INSERT INTO public.profiles (id, credits, subscription_tier)
  VALUES (NEW.id, 3, 'FREE')
  ON CONFLICT (id) DO NOTHING;
  PERFORM internal.set_credit_reason(v_previous[1], v_previous[2]);
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION public.handle_new_user() FROM PUBLIC;
COMMENT ON FUNCTION public.handle_new_user() IS 'Trigger on auth.users: creates the user''s profile (3 credits, FREE) and its signup_bonus ledger row, unless the profile exists.';

CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
  FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();

-- One generation: takes one credit from a FREE user (never below zero); other tiers are unlimited.
CREATE FUNCTION public.decrement_user_credits() RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := auth.uid();
  v_balance integer;
  v_tier text;
  v_previous text[];
BEGIN
  IF v_uid IS NULL THEN
    RETURN false;
  END IF;
  v_previous := internal.set_credit_reason('generation', NULL);
  -- The single conditional statement: concurrent calls queue on the row lock and re-check
  -- credits > 0 on the latest row version, so the balance never goes negative.
  UPDATE public.profiles
     SET credits = credits - 1
   WHERE id = v_uid AND subscription_tier = 'FREE' AND credits > 0
  RETURNING credits INTO v_balance;
  PERFORM internal.set_credit_reason(v_previous[1], v_previous[2]);
  IF v_balance IS NOT NULL THEN
    RETURN true;
  END IF;
  SELECT p.subscription_tier INTO v_tier FROM public.profiles p WHERE p.id = v_uid;
  RETURN coalesce(v_tier <> 'FREE', false);
END
$$;
REVOKE EXECUTE ON FUNCTION public.decrement_user_credits() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.decrement_user_credits() TO authenticated, service_role;
COMMENT ON FUNCTION public.decrement_user_credits() IS 'Uses one generation credit of the calling user: true when allowed (a FREE user''s credit was taken, or the tier is unlimited), false when out of credits or without a profile.';

-- Purchases, refunds and manual adjustments (server only). Idempotent per (user, reason,
-- reference) when p_reference is not null: a repeated call (e.g. a re-delivered payment webhook)
-- changes nothing and returns the current balance. The reason is part of the key so that a
-- refund may name the payment it refunds without being mistaken for a replay of the purchase.
CREATE FUNCTION public.adjust_user_credits(p_user_id uuid, p_delta integer, p_reason text, p_reference text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_balance integer;
  v_previous text[];
BEGIN
  IF p_delta IS NULL OR p_delta = 0 THEN
    RAISE EXCEPTION 'credit adjustment must be a non-zero number of credits'
      USING ERRCODE = 'check_violation';
  END IF;
  IF nullif(btrim(p_reason), '') IS NULL THEN
    RAISE EXCEPTION 'credit adjustment needs a reason' USING ERRCODE = 'check_violation';
  END IF;
  -- Lock the balance first: concurrent adjustments (and replays) of one user serialize here.
  SELECT p.credits INTO v_balance FROM public.profiles p WHERE p.id = p_user_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no profile for user %', p_user_id USING ERRCODE = 'no_data_found';
  END IF;
  IF p_reference IS NOT NULL AND EXISTS (
    SELECT 1 FROM public.credit_ledger l
     WHERE l.user_id = p_user_id AND l.reason = p_reason AND l.reference = p_reference
  ) THEN
    RETURN v_balance;
  END IF;
  IF v_balance::bigint + p_delta < 0 THEN
    RAISE EXCEPTION 'credit adjustment of % would leave a negative balance (current balance %)', p_delta, v_balance
      USING ERRCODE = 'check_violation';
  END IF;
  v_previous := internal.set_credit_reason(p_reason, p_reference);
  UPDATE public.profiles SET credits = credits + p_delta WHERE id = p_user_id
  RETURNING credits INTO v_balance;
  PERFORM internal.set_credit_reason(v_previous[1], v_previous[2]);
  RETURN v_balance;
END
$$;
REVOKE EXECUTE ON FUNCTION public.adjust_user_credits(uuid, integer, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.adjust_user_credits(uuid, integer, text, text) TO service_role;
COMMENT ON FUNCTION public.adjust_user_credits(uuid, integer, text, text) IS 'Server only: adds p_delta credits (may be negative, never below zero) with a ledger row; returns the new balance; a repeated (user, reason, reference) is a no-op.';

---------------------------------------------------------------------------------------------------
-- Soft delete, shared by vision_boards, reference_images and documents
---------------------------------------------------------------------------------------------------

-- How long a soft-deleted row can be restored (setting visionary.soft_delete_retention).
CREATE FUNCTION internal.soft_delete_retention() RETURNS interval
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce(nullif(current_setting('visionary.soft_delete_retention', true), ''), '30 days')::interval
$$;
REVOKE EXECUTE ON FUNCTION internal.soft_delete_retention() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.soft_delete_retention() TO service_role;
COMMENT ON FUNCTION internal.soft_delete_retention() IS 'Retention window of soft-deleted rows: setting visionary.soft_delete_retention, default 30 days.';

-- Trigger (BEFORE DELETE): an end user's DELETE soft-deletes the row through soft_delete_<kind>()
-- and skips the physical delete; a privileged caller (service_role purge, the account-deletion
-- cascade, the schema owner) deletes for real. SECURITY INVOKER: the caller test needs the caller.
CREATE FUNCTION internal.soft_delete_instead() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF internal.is_privileged_caller() THEN
    RETURN OLD;
  END IF;
  CASE TG_TABLE_NAME
    WHEN 'vision_boards' THEN PERFORM public.soft_delete_vision_board(OLD.id);
    WHEN 'reference_images' THEN PERFORM public.soft_delete_reference_image(OLD.id);
    WHEN 'documents' THEN PERFORM public.soft_delete_document(OLD.id);
  END CASE;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.soft_delete_instead() FROM PUBLIC;
COMMENT ON FUNCTION internal.soft_delete_instead() IS 'Trigger: turns an end user''s DELETE of a board, reference image or document into a soft delete.';

---------------------------------------------------------------------------------------------------
-- vision_boards
---------------------------------------------------------------------------------------------------
CREATE TABLE public.vision_boards (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  prompt text NOT NULL,
  image_url text NOT NULL,
  is_favorite boolean NOT NULL DEFAULT false,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vision_boards_user_id_live_idx ON public.vision_boards (user_id) WHERE deleted_at IS NULL;
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.vision_boards
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.vision_boards IS 'AI-generated vision-board images with the prompt that produced them.';
COMMENT ON COLUMN public.vision_boards.id IS 'Primary key.';
COMMENT ON COLUMN public.vision_boards.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.vision_boards.prompt IS 'The generation prompt.';
COMMENT ON COLUMN public.vision_boards.image_url IS 'URL of the stored image.';
COMMENT ON COLUMN public.vision_boards.is_favorite IS 'Whether the user marked the board as a favourite.';
COMMENT ON COLUMN public.vision_boards.deleted_at IS 'Soft-delete marker: when set the row is invisible to end users and can be restored within the retention window.';
COMMENT ON COLUMN public.vision_boards.created_at IS 'Moment the board was created.';
COMMENT ON COLUMN public.vision_boards.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.vision_boards ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.vision_boards FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.vision_boards TO authenticated;
GRANT ALL ON public.vision_boards TO service_role;

CREATE POLICY vision_boards_select_own ON public.vision_boards
  FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()) AND deleted_at IS NULL);
CREATE POLICY vision_boards_insert_own ON public.vision_boards
  FOR INSERT TO authenticated
  WITH CHECK (user_id = (select auth.uid()) AND deleted_at IS NULL);
CREATE POLICY vision_boards_update_own ON public.vision_boards
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid()) AND deleted_at IS NULL)
  WITH CHECK (user_id = (select auth.uid()) AND deleted_at IS NULL);
CREATE POLICY vision_boards_delete_own ON public.vision_boards
  FOR DELETE TO authenticated
  USING (user_id = (select auth.uid()) AND deleted_at IS NULL);

-- Now that vision_boards exists: profiles.primary_vision_id and the profile UPDATE policy with
-- its same-owner check (the sub-select runs under vision_boards' own policy: own, live boards).
ALTER TABLE public.profiles
  ADD CONSTRAINT profiles_primary_vision_id_fkey FOREIGN KEY (primary_vision_id)
  REFERENCES public.vision_boards (id) ON DELETE SET NULL;

CREATE POLICY profiles_update_own ON public.profiles
  FOR UPDATE TO authenticated
  USING (id = (select auth.uid()))
  WITH CHECK (
    id = (select auth.uid())
    AND (primary_vision_id IS NULL OR EXISTS (
      SELECT 1 FROM public.vision_boards vb
       WHERE vb.id = primary_vision_id AND vb.user_id = (select auth.uid()) AND vb.deleted_at IS NULL))
  );

CREATE FUNCTION public.soft_delete_vision_board(p_id uuid) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := auth.uid();
BEGIN
  UPDATE public.vision_boards SET deleted_at = now()
   WHERE id = p_id AND user_id = v_uid AND deleted_at IS NULL;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE public.profiles SET primary_vision_id = NULL
   WHERE id = v_uid AND primary_vision_id = p_id;
  RETURN true;
END
$$;
REVOKE EXECUTE ON FUNCTION public.soft_delete_vision_board(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.soft_delete_vision_board(uuid) TO authenticated;
COMMENT ON FUNCTION public.soft_delete_vision_board(uuid) IS 'Soft-deletes one of the caller''s live vision boards (and clears it as primary vision); false when there is no such board.';

CREATE FUNCTION public.restore_vision_board(p_id uuid) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  UPDATE public.vision_boards SET deleted_at = NULL
   WHERE id = p_id AND user_id = auth.uid() AND deleted_at IS NOT NULL
     AND deleted_at > now() - internal.soft_delete_retention();
  RETURN FOUND;
END
$$;
REVOKE EXECUTE ON FUNCTION public.restore_vision_board(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.restore_vision_board(uuid) TO authenticated;
COMMENT ON FUNCTION public.restore_vision_board(uuid) IS 'Restores one of the caller''s soft-deleted vision boards if it was deleted within the retention window; false otherwise.';

CREATE TRIGGER soft_delete_instead BEFORE DELETE ON public.vision_boards
  FOR EACH ROW EXECUTE FUNCTION internal.soft_delete_instead();

---------------------------------------------------------------------------------------------------
-- reference_images
---------------------------------------------------------------------------------------------------
CREATE TABLE public.reference_images (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  image_url text NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reference_images_user_id_live_idx ON public.reference_images (user_id) WHERE deleted_at IS NULL;
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.reference_images
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.reference_images IS 'User-uploaded photos used as likeness/style references when generating boards.';
COMMENT ON COLUMN public.reference_images.id IS 'Primary key.';
COMMENT ON COLUMN public.reference_images.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.reference_images.image_url IS 'URL of the stored image.';
COMMENT ON COLUMN public.reference_images.tags IS 'Free-form labels.';
COMMENT ON COLUMN public.reference_images.deleted_at IS 'Soft-delete marker: when set the row is invisible to end users and can be restored within the retention window.';
COMMENT ON COLUMN public.reference_images.created_at IS 'Moment the image was added.';
COMMENT ON COLUMN public.reference_images.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.reference_images ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.reference_images FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.reference_images TO authenticated;
GRANT ALL ON public.reference_images TO service_role;

CREATE POLICY reference_images_select_own ON public.reference_images
  FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()) AND deleted_at IS NULL);
CREATE POLICY reference_images_insert_own ON public.reference_images
  FOR INSERT TO authenticated
  WITH CHECK (user_id = (select auth.uid()) AND deleted_at IS NULL);
CREATE POLICY reference_images_update_own ON public.reference_images
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid()) AND deleted_at IS NULL)
  WITH CHECK (user_id = (select auth.uid()) AND deleted_at IS NULL);
CREATE POLICY reference_images_delete_own ON public.reference_images
  FOR DELETE TO authenticated
  USING (user_id = (select auth.uid()) AND deleted_at IS NULL);

CREATE FUNCTION public.soft_delete_reference_image(p_id uuid) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  UPDATE public.reference_images SET deleted_at = now()
   WHERE id = p_id AND user_id = auth.uid() AND deleted_at IS NULL;
  RETURN FOUND;
END
$$;
REVOKE EXECUTE ON FUNCTION public.soft_delete_reference_image(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.soft_delete_reference_image(uuid) TO authenticated;
COMMENT ON FUNCTION public.soft_delete_reference_image(uuid) IS 'Soft-deletes one of the caller''s live reference images; false when there is no such image.';

CREATE FUNCTION public.restore_reference_image(p_id uuid) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  UPDATE public.reference_images SET deleted_at = NULL
   WHERE id = p_id AND user_id = auth.uid() AND deleted_at IS NOT NULL
     AND deleted_at > now() - internal.soft_delete_retention();
  RETURN FOUND;
END
$$;
REVOKE EXECUTE ON FUNCTION public.restore_reference_image(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.restore_reference_image(uuid) TO authenticated;
COMMENT ON FUNCTION public.restore_reference_image(uuid) IS 'Restores one of the caller''s soft-deleted reference images if it was deleted within the retention window; false otherwise.';

CREATE TRIGGER soft_delete_instead BEFORE DELETE ON public.reference_images
  FOR EACH ROW EXECUTE FUNCTION internal.soft_delete_instead();

---------------------------------------------------------------------------------------------------
-- documents
---------------------------------------------------------------------------------------------------
CREATE TABLE public.documents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  name text NOT NULL,
  url text NOT NULL,
  type text NOT NULL CONSTRAINT documents_type_check CHECK (type IN ('UPLOAD', 'MANUAL', 'AI_INTERVIEW', 'VISION')),
  structured_data jsonb,
  tags text[] NOT NULL DEFAULT '{}',
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_user_id_live_idx ON public.documents (user_id) WHERE deleted_at IS NULL;
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.documents
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.documents IS 'The user''s financial knowledge base entries (uploads, manual entries, AI interviews, vision notes) with parsed data.';
COMMENT ON COLUMN public.documents.id IS 'Primary key.';
COMMENT ON COLUMN public.documents.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.documents.name IS 'Display name.';
COMMENT ON COLUMN public.documents.url IS 'File URL; empty string when the entry has no file.';
COMMENT ON COLUMN public.documents.type IS 'Kind of entry: UPLOAD, MANUAL, AI_INTERVIEW or VISION.';
COMMENT ON COLUMN public.documents.structured_data IS 'Parsed financial data.';
COMMENT ON COLUMN public.documents.tags IS 'Free-form labels.';
COMMENT ON COLUMN public.documents.deleted_at IS 'Soft-delete marker: when set the row is invisible to end users and can be restored within the retention window.';
COMMENT ON COLUMN public.documents.created_at IS 'Moment the entry was created.';
COMMENT ON COLUMN public.documents.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.documents ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.documents FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.documents TO authenticated;
GRANT ALL ON public.documents TO service_role;

CREATE POLICY documents_select_own ON public.documents
  FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()) AND deleted_at IS NULL);
CREATE POLICY documents_insert_own ON public.documents
  FOR INSERT TO authenticated
  WITH CHECK (user_id = (select auth.uid()) AND deleted_at IS NULL);
CREATE POLICY documents_update_own ON public.documents
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid()) AND deleted_at IS NULL)
  WITH CHECK (user_id = (select auth.uid()) AND deleted_at IS NULL);
CREATE POLICY documents_delete_own ON public.documents
  FOR DELETE TO authenticated
  USING (user_id = (select auth.uid()) AND deleted_at IS NULL);

CREATE FUNCTION public.soft_delete_document(p_id uuid) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  UPDATE public.documents SET deleted_at = now()
   WHERE id = p_id AND user_id = auth.uid() AND deleted_at IS NULL;
  RETURN FOUND;
END
$$;
REVOKE EXECUTE ON FUNCTION public.soft_delete_document(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.soft_delete_document(uuid) TO authenticated;
COMMENT ON FUNCTION public.soft_delete_document(uuid) IS 'Soft-deletes one of the caller''s live documents; false when there is no such document.';

CREATE FUNCTION public.restore_document(p_id uuid) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  UPDATE public.documents SET deleted_at = NULL
   WHERE id = p_id AND user_id = auth.uid() AND deleted_at IS NOT NULL
     AND deleted_at > now() - internal.soft_delete_retention();
  RETURN FOUND;
END
$$;
REVOKE EXECUTE ON FUNCTION public.restore_document(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.restore_document(uuid) TO authenticated;
COMMENT ON FUNCTION public.restore_document(uuid) IS 'Restores one of the caller''s soft-deleted documents if it was deleted within the retention window; false otherwise.';

CREATE TRIGGER soft_delete_instead BEFORE DELETE ON public.documents
  FOR EACH ROW EXECUTE FUNCTION internal.soft_delete_instead();

---------------------------------------------------------------------------------------------------
-- action_tasks
---------------------------------------------------------------------------------------------------
CREATE TABLE public.action_tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  title text NOT NULL,
  description text,
  due_date text,
  type text NOT NULL CONSTRAINT action_tasks_type_check CHECK (type IN ('FINANCE', 'LIFESTYLE', 'ADMIN')),
  is_completed boolean NOT NULL DEFAULT false,
  milestone_year integer,
  ai_metadata jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX action_tasks_user_id_created_at_idx ON public.action_tasks (user_id, created_at);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.action_tasks
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.action_tasks IS 'Steps of the AI-generated action plan, grouped by milestone year.';
COMMENT ON COLUMN public.action_tasks.id IS 'Primary key.';
COMMENT ON COLUMN public.action_tasks.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.action_tasks.title IS 'Task title.';
COMMENT ON COLUMN public.action_tasks.description IS 'Task details.';
COMMENT ON COLUMN public.action_tasks.due_date IS 'Due date as produced by the planner (free text, type kept from the original).';
COMMENT ON COLUMN public.action_tasks.type IS 'Task category: FINANCE, LIFESTYLE or ADMIN.';
COMMENT ON COLUMN public.action_tasks.is_completed IS 'Whether the user completed the task.';
COMMENT ON COLUMN public.action_tasks.milestone_year IS 'Milestone year the task belongs to.';
COMMENT ON COLUMN public.action_tasks.ai_metadata IS 'Planner extras: {researchSnippet?, sourceUrl?, suggestedTool?: GMAIL|MAPS|CALENDAR}.';
COMMENT ON COLUMN public.action_tasks.created_at IS 'Moment the task was created.';
COMMENT ON COLUMN public.action_tasks.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.action_tasks ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.action_tasks FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.action_tasks TO authenticated;
GRANT ALL ON public.action_tasks TO service_role;

CREATE POLICY action_tasks_select_own ON public.action_tasks
  FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));
CREATE POLICY action_tasks_insert_own ON public.action_tasks
  FOR INSERT TO authenticated
  WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY action_tasks_update_own ON public.action_tasks
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid()))
  WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY action_tasks_delete_own ON public.action_tasks
  FOR DELETE TO authenticated
  USING (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- poster_orders
---------------------------------------------------------------------------------------------------
CREATE TABLE public.poster_orders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  vision_board_id uuid REFERENCES public.vision_boards (id) ON DELETE SET NULL,
  vendor_order_id text,
  status text NOT NULL DEFAULT 'pending'
    CONSTRAINT poster_orders_status_check CHECK (status IN ('pending', 'paid', 'submitted', 'shipped', 'delivered', 'cancelled')),
  total_price numeric(10,2),
  discount_applied boolean NOT NULL DEFAULT false,
  shipping_address jsonb,
  print_config jsonb,
  paid_at timestamptz,
  submitted_at timestamptz,
  shipped_at timestamptz,
  delivered_at timestamptz,
  cancelled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX poster_orders_user_id_created_at_idx ON public.poster_orders (user_id, created_at DESC);
CREATE INDEX poster_orders_status_idx ON public.poster_orders (status);
CREATE INDEX poster_orders_vision_board_id_idx ON public.poster_orders (vision_board_id);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.poster_orders
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER enforce_order_status BEFORE UPDATE OF status ON public.poster_orders
  FOR EACH ROW EXECUTE FUNCTION public.enforce_order_status();

COMMENT ON TABLE public.poster_orders IS 'Orders for a printed poster of one vision board.';
COMMENT ON COLUMN public.poster_orders.id IS 'Primary key.';
COMMENT ON COLUMN public.poster_orders.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.poster_orders.vision_board_id IS 'The board to print (one of the owner''s boards); cleared if the board is purged.';
COMMENT ON COLUMN public.poster_orders.vendor_order_id IS 'Print vendor''s order id (set by the server).';
COMMENT ON COLUMN public.poster_orders.status IS 'Order state: pending, paid, submitted, shipped, delivered or cancelled; transitions enforced by trigger enforce_order_status.';
COMMENT ON COLUMN public.poster_orders.total_price IS 'Order total as sent by the client; re-validated by the server before payment.';
COMMENT ON COLUMN public.poster_orders.discount_applied IS 'Whether a discount was applied.';
COMMENT ON COLUMN public.poster_orders.shipping_address IS 'Delivery address: {name, line1, line2?, city, state, postalCode, country}.';
COMMENT ON COLUMN public.poster_orders.print_config IS 'Print options: {sku, size, finish: matte|gloss, quantity}.';
COMMENT ON COLUMN public.poster_orders.paid_at IS 'Stamped on entering paid.';
COMMENT ON COLUMN public.poster_orders.submitted_at IS 'Stamped on entering submitted.';
COMMENT ON COLUMN public.poster_orders.shipped_at IS 'Stamped on entering shipped.';
COMMENT ON COLUMN public.poster_orders.delivered_at IS 'Stamped on entering delivered.';
COMMENT ON COLUMN public.poster_orders.cancelled_at IS 'Stamped on entering cancelled.';
COMMENT ON COLUMN public.poster_orders.created_at IS 'Moment the order was placed.';
COMMENT ON COLUMN public.poster_orders.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.poster_orders ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.poster_orders FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.poster_orders TO authenticated;
GRANT INSERT (id, user_id, vision_board_id, total_price, discount_applied, shipping_address,
              print_config, created_at, updated_at)
  ON public.poster_orders TO authenticated;
GRANT UPDATE (status) ON public.poster_orders TO authenticated;
GRANT ALL ON public.poster_orders TO service_role;

CREATE POLICY poster_orders_select_own ON public.poster_orders
  FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));
CREATE POLICY poster_orders_insert_own ON public.poster_orders
  FOR INSERT TO authenticated
  WITH CHECK (
    user_id = (select auth.uid())
    AND status = 'pending'
    AND (vision_board_id IS NULL OR EXISTS (
      SELECT 1 FROM public.vision_boards vb
       WHERE vb.id = vision_board_id AND vb.user_id = (select auth.uid()) AND vb.deleted_at IS NULL))
  );
-- The trigger enforce_order_status lets an end user make only pending -> cancelled.
CREATE POLICY poster_orders_update_own ON public.poster_orders
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid()))
  WITH CHECK (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- plaid_items
---------------------------------------------------------------------------------------------------
CREATE TABLE public.plaid_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  access_token_encrypted bytea NOT NULL
    CONSTRAINT plaid_items_access_token_encrypted_check CHECK (octet_length(access_token_encrypted) > 28),
  token_key_version integer NOT NULL,
  institution_id text,
  status text NOT NULL DEFAULT 'ACTIVE',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plaid_items_user_id_idx ON public.plaid_items (user_id);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.plaid_items
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.plaid_items IS 'Bank connections made through Plaid.';
COMMENT ON COLUMN public.plaid_items.id IS 'Primary key.';
COMMENT ON COLUMN public.plaid_items.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.plaid_items.access_token_encrypted IS 'Plaid access token as AES-256-GCM ciphertext made by the server (12-byte nonce, ciphertext, 16-byte tag); never readable by client roles.';
COMMENT ON COLUMN public.plaid_items.token_key_version IS 'Version of the server-held key that encrypted the token.';
COMMENT ON COLUMN public.plaid_items.institution_id IS 'Plaid institution id.';
COMMENT ON COLUMN public.plaid_items.status IS 'Link status (ACTIVE by default).';
COMMENT ON COLUMN public.plaid_items.created_at IS 'Moment the bank was linked.';
COMMENT ON COLUMN public.plaid_items.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.plaid_items ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.plaid_items FROM PUBLIC, anon, authenticated;
GRANT SELECT (id, user_id, institution_id, status, created_at, updated_at) ON public.plaid_items TO authenticated;
GRANT DELETE ON public.plaid_items TO authenticated;
GRANT ALL ON public.plaid_items TO service_role;

CREATE POLICY plaid_items_select_own ON public.plaid_items
  FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));
CREATE POLICY plaid_items_delete_own ON public.plaid_items
  FOR DELETE TO authenticated
  USING (user_id = (select auth.uid()));
