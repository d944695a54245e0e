-- The app spends a generation credit by reading profiles.credits and writing back one less
-- (`update({credits: credits - 1})`). That write is accepted as one spend, and only that: a
-- user's own UPDATE of credits must set exactly one less than the balance in the row at the
-- moment of the update, while it is above zero, and change nothing else. Two updates computed
-- from the same stale read cannot both pass: the second waits for the first's row lock, then
-- sees the new balance, and its value is no longer one less. Every other change of credits by a
-- user stays refused; tier and Stripe columns stay without a user grant. decrement_user_credits
-- remains the recommended way (one round trip, unlimited tiers answered without a spend).

GRANT UPDATE (credits) ON public.profiles TO authenticated;

CREATE FUNCTION internal.guard_client_credit_spend() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  -- Server code (the credit functions, service_role, migrations) is not a client spend.
  IF current_user <> 'authenticated' THEN
    RETURN NEW;
  END IF;
  IF OLD.credits > 0 AND NEW.credits = OLD.credits - 1
     AND (NEW.id, NEW.onboarding_completed, NEW.financial_target, NEW.primary_vision_id)
         IS NOT DISTINCT FROM (OLD.id, OLD.onboarding_completed, OLD.financial_target, OLD.primary_vision_id) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'credits can only be spent one at a time'
    USING ERRCODE = 'insufficient_privilege',
          DETAIL = format('The balance is %s; a spend sets it to %s and changes nothing else.', OLD.credits, OLD.credits - 1),
          HINT = 'Read the balance again, or call decrement_user_credits.';
END
$$;
REVOKE EXECUTE ON FUNCTION internal.guard_client_credit_spend() FROM PUBLIC;
COMMENT ON FUNCTION internal.guard_client_credit_spend() IS 'Trigger: a user''s own UPDATE of profiles.credits passes only as one spend (exactly one less than the row''s balance, above zero, nothing else changed); raises 42501 otherwise. Server roles pass.';
-- BEFORE triggers run in name order: this one sees the row before set_updated_at stamps it.
CREATE TRIGGER guard_client_credit_spend BEFORE UPDATE OF credits ON public.profiles
  FOR EACH ROW EXECUTE FUNCTION internal.guard_client_credit_spend();

-- The journal names a spend the guard let through `client_spend`: a change of credits in a
-- signed-in user's request that no credit function named (they all set visionary.credit_reason).
CREATE OR REPLACE FUNCTION internal.journal_credit_change() RETURNS trigger
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
      coalesce(nullif(current_setting('visionary.credit_reason', true), ''),
               CASE WHEN auth.role() = 'authenticated' THEN 'client_spend' ELSE 'direct_change' END),
      nullif(current_setting('visionary.credit_reference', true), ''),
      clock_timestamp()
    );
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION internal.journal_credit_change() IS 'Trigger: writes the credit_ledger row for every change of profiles.credits (reason from visionary.credit_reason; else client_spend in a signed-in user''s request, direct_change otherwise).';

COMMENT ON COLUMN public.profiles.credits IS 'Generation credits left (never negative); changed by the credit functions, or by the user''s own one-credit spend (exactly one less, nothing else), every change journaled in credit_ledger.';
COMMENT ON COLUMN public.credit_ledger.reason IS 'Why the balance changed: signup_bonus, generation, client_spend (the user''s own one-credit UPDATE), direct_change, or the reason given to adjust_user_credits (purchase, refund, admin_adjustment, ...).';
