-- What the AI features cost: each user's quota of model calls, and image generation paid in
-- credits. Both are the server's bookkeeping: users read neither table and call none of these
-- functions; the server calls them for the user a verified token names.

-- Requests are a token bucket per user (refilled continuously at the tier's rate a minute, so no
-- minute boundary lets a burst through twice); tokens are counted per UTC day.
CREATE TABLE internal.ai_usage (
  user_id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  bucket double precision NOT NULL,
  bucket_at timestamptz NOT NULL,
  day date NOT NULL,
  day_tokens bigint NOT NULL DEFAULT 0 CHECK (day_tokens >= 0),
  total_requests bigint NOT NULL DEFAULT 0,
  total_tokens bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE internal.ai_usage IS 'Each user''s use of the AI models: a token bucket of requests and the tokens of the current UTC day (server only).';
COMMENT ON COLUMN internal.ai_usage.bucket IS 'Requests the user may make now (refills at the tier''s requests a minute, up to that number).';
COMMENT ON COLUMN internal.ai_usage.bucket_at IS 'When bucket was last computed.';
COMMENT ON COLUMN internal.ai_usage.day IS 'The UTC day day_tokens counts.';
COMMENT ON COLUMN internal.ai_usage.day_tokens IS 'Tokens (in and out) the models used for the user on day.';
CREATE TRIGGER set_updated_at BEFORE UPDATE ON internal.ai_usage FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- Takes one request from p_user's quota: 0 when allowed, else the seconds until it would be.
-- The limits come from the server's settings (free tier, every other tier).
CREATE FUNCTION internal.take_ai_request(
  p_user uuid, p_free_per_minute integer, p_free_tokens_per_day integer,
  p_paid_per_minute integer, p_paid_tokens_per_day integer
) RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_free boolean;
  v_rate integer;
  v_tokens integer;
  v_usage internal.ai_usage;
  v_now constant timestamptz := clock_timestamp();
  v_today constant date := (v_now AT TIME ZONE 'UTC')::date;
  v_bucket double precision;
BEGIN
  SELECT coalesce(p.subscription_tier, 'FREE') = 'FREE' INTO v_free FROM public.profiles p WHERE p.id = p_user;
  v_free := coalesce(v_free, true);
  v_rate := greatest(1, CASE WHEN v_free THEN p_free_per_minute ELSE p_paid_per_minute END);
  v_tokens := greatest(1, CASE WHEN v_free THEN p_free_tokens_per_day ELSE p_paid_tokens_per_day END);
  INSERT INTO internal.ai_usage (user_id, bucket, bucket_at, day) VALUES (p_user, v_rate, v_now, v_today)
  ON CONFLICT (user_id) DO NOTHING;
  SELECT * INTO v_usage FROM internal.ai_usage WHERE user_id = p_user FOR UPDATE;
  IF v_usage.day <> v_today THEN
    v_usage.day := v_today;
    v_usage.day_tokens := 0;
  END IF;
  IF v_usage.day_tokens >= v_tokens THEN
    UPDATE internal.ai_usage SET day = v_usage.day, day_tokens = v_usage.day_tokens WHERE user_id = p_user;
    RETURN greatest(1, ceil(extract(epoch FROM ((v_today + 1)::timestamp AT TIME ZONE 'UTC') - v_now)))::integer;
  END IF;
  v_bucket := least(v_rate::double precision,
                    v_usage.bucket + greatest(0, extract(epoch FROM v_now - v_usage.bucket_at)) * v_rate / 60.0);
  IF v_bucket < 1 THEN
    UPDATE internal.ai_usage SET bucket = v_bucket, bucket_at = v_now, day = v_usage.day, day_tokens = v_usage.day_tokens
     WHERE user_id = p_user;
    RETURN greatest(1, ceil((1 - v_bucket) * 60.0 / v_rate))::integer;
  END IF;
  UPDATE internal.ai_usage
     SET bucket = v_bucket - 1, bucket_at = v_now, day = v_usage.day, day_tokens = v_usage.day_tokens,
         total_requests = total_requests + 1
   WHERE user_id = p_user;
  RETURN 0;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.take_ai_request(uuid, integer, integer, integer, integer) FROM PUBLIC;
COMMENT ON FUNCTION internal.take_ai_request(uuid, integer, integer, integer, integer) IS 'Server only: takes one model request from the user''s quota (token bucket a minute, tokens a UTC day, limits by tier); 0 when allowed, else seconds to wait.';

-- Adds the tokens a model call used to the user's day.
CREATE FUNCTION internal.record_ai_tokens(p_user uuid, p_tokens integer) RETURNS void
LANGUAGE sql
SET search_path = ''
AS $$
  UPDATE internal.ai_usage
     SET day_tokens = CASE WHEN day = (clock_timestamp() AT TIME ZONE 'UTC')::date THEN day_tokens ELSE 0 END + greatest(p_tokens, 0),
         day = (clock_timestamp() AT TIME ZONE 'UTC')::date,
         total_tokens = total_tokens + greatest(p_tokens, 0)
   WHERE user_id = p_user
$$;
REVOKE EXECUTE ON FUNCTION internal.record_ai_tokens(uuid, integer) FROM PUBLIC;
COMMENT ON FUNCTION internal.record_ai_tokens(uuid, integer) IS 'Server only: counts tokens a model call used against the user''s day.';

-- One image generation's payment. A FREE user's image costs one credit, paid either by the
-- app's own one-credit spend just before (a client_spend ledger row of the last 10 minutes not
-- yet claimed by another generation) or by a charge the server makes. A failed generation is
-- refunded once. A ledger row pays for one generation only.
CREATE TABLE internal.generation_charges (
  request_id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  paid_by text NOT NULL CHECK (paid_by IN ('client_spend', 'charge', 'unlimited')),
  ledger_id uuid UNIQUE,
  settled_at timestamptz,
  refunded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((paid_by = 'unlimited') = (ledger_id IS NULL))
);
CREATE INDEX generation_charges_user_id_idx ON internal.generation_charges (user_id);
CREATE INDEX generation_charges_unsettled_idx ON internal.generation_charges (created_at) WHERE settled_at IS NULL AND refunded_at IS NULL;
COMMENT ON TABLE internal.generation_charges IS 'How each image generation was paid (the app''s own spend, a server charge, or an unlimited tier) and whether it was refunded (server only).';
CREATE TRIGGER set_updated_at BEFORE UPDATE ON internal.generation_charges FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- Pays for generation p_request of p_user: 'unlimited', 'client_spend' (a recent spend of the
-- app's claimed), 'charge' (one credit taken, ledger reason generation) or 'no_credits'.
-- Idempotent per request: a repeated request answers how it was paid.
CREATE FUNCTION internal.charge_generation(p_user uuid, p_request uuid) RETURNS text
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_profile public.profiles;
  v_paid text;
  v_ledger uuid;
BEGIN
  -- The balance's row lock orders every generation (and spend) of the user.
  SELECT * INTO v_profile FROM public.profiles WHERE id = p_user FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no profile for user %', p_user USING ERRCODE = 'no_data_found';
  END IF;
  SELECT paid_by INTO v_paid FROM internal.generation_charges WHERE request_id = p_request;
  IF FOUND THEN
    RETURN v_paid;
  END IF;
  IF v_profile.subscription_tier <> 'FREE' THEN
    INSERT INTO internal.generation_charges (request_id, user_id, paid_by) VALUES (p_request, p_user, 'unlimited');
    RETURN 'unlimited';
  END IF;
  SELECT l.id INTO v_ledger
    FROM public.credit_ledger l
   WHERE l.user_id = p_user AND l.reason = 'client_spend' AND l.delta = -1
     AND l.created_at > clock_timestamp() - interval '10 minutes'
     AND NOT EXISTS (SELECT 1 FROM internal.generation_charges g WHERE g.ledger_id = l.id)
   ORDER BY l.created_at
   LIMIT 1;
  IF FOUND THEN
    INSERT INTO internal.generation_charges (request_id, user_id, paid_by, ledger_id) VALUES (p_request, p_user, 'client_spend', v_ledger);
    RETURN 'client_spend';
  END IF;
  IF v_profile.credits < 1 THEN
    RETURN 'no_credits';
  END IF;
  PERFORM public.adjust_user_credits(p_user, -1, 'generation', p_request::text);
  SELECT l.id INTO v_ledger FROM public.credit_ledger l
   WHERE l.user_id = p_user AND l.reason = 'generation' AND l.reference = p_request::text;
  INSERT INTO internal.generation_charges (request_id, user_id, paid_by, ledger_id) VALUES (p_request, p_user, 'charge', v_ledger);
  RETURN 'charge';
END
$$;
REVOKE EXECUTE ON FUNCTION internal.charge_generation(uuid, uuid) FROM PUBLIC;
COMMENT ON FUNCTION internal.charge_generation(uuid, uuid) IS 'Server only: pays for one image generation (unlimited tier, a recent unclaimed client_spend, or a one-credit charge); no_credits when none is left; idempotent per request.';

-- Gives back the credit of a failed generation (either way it was paid), once: true when a
-- credit was returned (ledger reason generation_refund, reference the request).
CREATE FUNCTION internal.refund_generation(p_request uuid) RETURNS boolean
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_charge internal.generation_charges;
BEGIN
  SELECT * INTO v_charge FROM internal.generation_charges WHERE request_id = p_request FOR UPDATE;
  IF NOT FOUND OR v_charge.refunded_at IS NOT NULL OR v_charge.settled_at IS NOT NULL THEN
    RETURN false;
  END IF;
  UPDATE internal.generation_charges SET refunded_at = clock_timestamp() WHERE request_id = p_request;
  IF v_charge.paid_by = 'unlimited' THEN
    RETURN false;
  END IF;
  PERFORM public.adjust_user_credits(v_charge.user_id, 1, 'generation_refund', p_request::text);
  RETURN true;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.refund_generation(uuid) FROM PUBLIC;
COMMENT ON FUNCTION internal.refund_generation(uuid) IS 'Server only: returns the credit of a failed generation once (ledger reason generation_refund); false when nothing was charged or it was refunded already.';

-- The generation delivered its picture: its payment stands.
CREATE FUNCTION internal.settle_generation(p_request uuid) RETURNS void
LANGUAGE sql
SET search_path = ''
AS $$
  UPDATE internal.generation_charges SET settled_at = clock_timestamp() WHERE request_id = p_request AND refunded_at IS NULL
$$;
REVOKE EXECUTE ON FUNCTION internal.settle_generation(uuid) FROM PUBLIC;
COMMENT ON FUNCTION internal.settle_generation(uuid) IS 'Server only: marks a generation delivered, so that its payment stands.';

-- Generations paid for before p_before that neither delivered nor were refunded (the server
-- stopped mid-way, or its refund failed) are refunded; the background job
-- generations.refund-stale calls this hourly. How many were refunded.
CREATE FUNCTION internal.refund_stale_generations(p_before timestamptz) RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_request uuid;
  v_count integer := 0;
BEGIN
  FOR v_request IN
    SELECT request_id FROM internal.generation_charges
     WHERE settled_at IS NULL AND refunded_at IS NULL AND created_at < p_before
     ORDER BY created_at
     LIMIT 10000
  LOOP
    -- One refund that fails (a profile gone) must not hold back the others.
    BEGIN
      IF internal.refund_generation(v_request) THEN
        v_count := v_count + 1;
      END IF;
    EXCEPTION WHEN others THEN
      RAISE WARNING 'generation % could not be refunded: %', v_request, SQLERRM;
    END;
  END LOOP;
  RETURN v_count;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.refund_stale_generations(timestamptz) FROM PUBLIC;
COMMENT ON FUNCTION internal.refund_stale_generations(timestamptz) IS 'Background job generations.refund-stale: refunds generations paid for before p_before that never delivered nor were refunded; how many.';

COMMENT ON COLUMN public.credit_ledger.reason IS 'Why the balance changed: signup_bonus, generation (an image the server charged for), generation_refund (a failed one given back), client_spend (the user''s own one-credit UPDATE), direct_change, or the reason given to adjust_user_credits (purchase, refund, admin_adjustment, ...).';
