-- 0039: a user's own UPDATE of profiles.credits passes only as one spend — exactly one less than
-- the row's balance, above zero, nothing else changed — journaled as client_spend. Every other
-- credit write by a user (more, fewer, zero, negative, someone else's row, with another column,
-- tier and Stripe columns) is refused; anon changes nothing; server code is not limited.
SELECT set_config('t.alice', tests.create_user('alice@credits-spend.test')::text, true);
SELECT set_config('t.bob', tests.create_user('bob@credits-spend.test')::text, true);
CREATE FUNCTION tests.uid(p_name text) RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT current_setting('t.' || p_name)::uuid $$;
GRANT EXECUTE ON FUNCTION tests.uid(text) TO PUBLIC;
CREATE FUNCTION tests.balance(p_user uuid) RETURNS integer LANGUAGE sql STABLE SECURITY DEFINER AS $$ SELECT credits FROM public.profiles WHERE id = p_user $$;
GRANT EXECUTE ON FUNCTION tests.balance(uuid) TO PUBLIC;

SELECT tests.act_as(tests.uid('alice'));
-- The app's spend: read 3, write 2.
SELECT tests.assert_eq(tests.affected(format('UPDATE public.profiles SET credits = 2 WHERE id = %L', tests.uid('alice'))), 1::bigint, 'one less than the balance is one spend');
SELECT tests.assert_eq(tests.balance(tests.uid('alice')), 2, 'the balance is 2');
-- The same stale write again: no longer one less.
SELECT tests.assert_raises(format('UPDATE public.profiles SET credits = 2 WHERE id = %L', tests.uid('alice')), '42501', 'a write computed from a stale read is refused');
SELECT tests.assert_raises(format('UPDATE public.profiles SET credits = 3 WHERE id = %L', tests.uid('alice')), '42501', 'adding credits is refused');
SELECT tests.assert_raises(format('UPDATE public.profiles SET credits = 0 WHERE id = %L', tests.uid('alice')), '42501', 'spending two at once is refused');
SELECT tests.assert_raises(format('UPDATE public.profiles SET credits = 9999 WHERE id = %L', tests.uid('alice')), '42501', 'the app''s self-upgrade credits are refused');
SELECT tests.assert_raises(format('UPDATE public.profiles SET credits = credits - 1, financial_target = 5 WHERE id = %L', tests.uid('alice')), '42501', 'a spend that changes another column is refused');
SELECT tests.assert_raises(format('UPDATE public.profiles SET subscription_tier = ''ELITE'', credits = 9999 WHERE id = %L', tests.uid('alice')), '42501', 'the tier stays without a user grant');
SELECT tests.assert_raises(format('UPDATE public.profiles SET stripe_customer_id = ''cus_x'' WHERE id = %L', tests.uid('alice')), '42501', 'Stripe columns stay without a user grant');
SELECT tests.assert_eq(tests.affected(format('UPDATE public.profiles SET credits = 2 WHERE id = %L', tests.uid('bob'))), 0::bigint, 'another user''s row is not even seen');
SELECT tests.assert_eq(tests.balance(tests.uid('bob')), 3, 'bob keeps 3');
SELECT tests.assert_eq(tests.affected(format('UPDATE public.profiles SET credits = credits - 1 WHERE id = %L', tests.uid('alice'))), 1::bigint, 'credits - 1 is a spend too');
SELECT tests.assert_eq(tests.affected(format('UPDATE public.profiles SET credits = credits - 1 WHERE id = %L', tests.uid('alice'))), 1::bigint, 'down to zero');
SELECT tests.assert_raises(format('UPDATE public.profiles SET credits = -1 WHERE id = %L', tests.uid('alice')), '42501', 'nothing is spent at zero');
SELECT tests.assert_eq(tests.balance(tests.uid('alice')), 0, 'the balance stops at zero');
-- Other columns the user may change still change without a credit write.
SELECT tests.assert_eq(tests.affected(format('UPDATE public.profiles SET onboarding_completed = true WHERE id = %L', tests.uid('alice'))), 1::bigint, 'an update without credits is untouched by the rule');

SELECT tests.act_as_anon();
SELECT tests.assert_raises(format('UPDATE public.profiles SET credits = 2 WHERE id = %L', tests.uid('bob')), '42501', 'anon writes no credits');

-- The journal: three client spends, then the balance the ledger sums to.
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT array_agg(reason || ':' || delta || ':' || balance_after ORDER BY created_at, id) FROM public.credit_ledger WHERE user_id = tests.uid('alice')),
                       ARRAY['signup_bonus:3:3', 'client_spend:-1:2', 'client_spend:-1:1', 'client_spend:-1:0'], 'each spend is journaled as client_spend');
-- Server code is not held to the rule, and names its own reasons.
SELECT tests.act_as_service();
SELECT public.adjust_user_credits(tests.uid('alice'), 10, 'purchase', 'order-1');
SELECT tests.act_as(tests.uid('alice'));
SELECT tests.assert(public.decrement_user_credits(), 'decrement_user_credits still spends');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT reason FROM public.credit_ledger WHERE user_id = tests.uid('alice') ORDER BY created_at DESC, id DESC LIMIT 1), 'generation', 'the function''s spend is a generation');
SELECT tests.assert_eq(tests.balance(tests.uid('alice')), 9, 'balance after purchase and generation');
