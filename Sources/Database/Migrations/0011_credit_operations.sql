-- Credits behind /functions/v1/credits (and RPC): the caller's balance with their ledger. Spending
-- (decrement_user_credits) and the server's idempotent adjustments (adjust_user_credits) are in
-- 0003.

CREATE FUNCTION public.get_credits(p_limit integer DEFAULT 50, p_before timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT jsonb_build_object(
    'credits', p.credits,
    'subscription_tier', p.subscription_tier,
    'subscription_status', p.subscription_status,
    'unlimited', p.subscription_tier <> 'FREE',
    'ledger', coalesce((
      SELECT jsonb_agg(jsonb_build_object(
               'id', l.id, 'delta', l.delta, 'balance_after', l.balance_after, 'reason', l.reason,
               'reference', l.reference, 'created_at', l.created_at) ORDER BY l.created_at DESC, l.id DESC)
        FROM (SELECT * FROM public.credit_ledger l
               WHERE l.user_id = p.id AND (p_before IS NULL OR l.created_at < p_before)
               ORDER BY l.created_at DESC, l.id DESC
               LIMIT greatest(least(coalesce(p_limit, 50), 500), 1)) l), '[]'::jsonb))
  FROM public.profiles p
  WHERE p.id = internal.require_user()
$$;
REVOKE EXECUTE ON FUNCTION public.get_credits(integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_credits(integer, timestamptz) TO authenticated;
COMMENT ON FUNCTION public.get_credits(integer, timestamptz) IS 'The caller''s credit balance and tier with their ledger, newest first (at most p_limit rows, up to 500; older than p_before when given).';
