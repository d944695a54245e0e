-- 0003 credits: the signup bonus, decrement_user_credits, adjust_user_credits, the journal of
-- direct changes, and the ledger invariant sum(delta) = latest balance_after = profiles.credits.

SELECT set_config('test.a', tests.create_user('credits-a@example.com')::text, true),
       set_config('test.b', tests.create_user('credits-b@example.com')::text, true);

-- Helper: the ledger invariant for one user.
CREATE FUNCTION pg_temp.assert_ledger(p_user uuid, p_context text) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  v_credits integer := (SELECT credits FROM public.profiles WHERE id = p_user);
BEGIN
  PERFORM tests.assert_eq((SELECT sum(delta)::integer FROM public.credit_ledger WHERE user_id = p_user), v_credits,
                          p_context || ': sum(delta) = credits');
  PERFORM tests.assert_eq((SELECT balance_after FROM public.credit_ledger WHERE user_id = p_user ORDER BY created_at DESC LIMIT 1),
                          v_credits, p_context || ': latest balance_after = credits');
END
$$;

-- Signup: profile with 3 credits on FREE, journaled once as signup_bonus.
SELECT tests.assert_eq((SELECT row(credits, subscription_tier, subscription_status, onboarding_completed)::text
                          FROM public.profiles WHERE id = current_setting('test.a')::uuid),
                       '(3,FREE,inactive,f)', 'a new user gets a FREE profile with 3 credits');
SELECT tests.assert_eq((SELECT array_agg(row(delta, balance_after, reason, reference)::text)
                          FROM public.credit_ledger WHERE user_id = current_setting('test.a')::uuid),
                       ARRAY['(3,3,signup_bonus,)'], 'the signup bonus is journaled once');
SELECT pg_temp.assert_ledger(current_setting('test.a')::uuid, 'after signup');

-- handle_new_user writes nothing when the profile already exists (run it a second time).
CREATE TRIGGER zz_handle_new_user_again AFTER INSERT ON auth.users
  FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
SELECT set_config('test.c', tests.create_user('credits-c@example.com')::text, true);
DROP TRIGGER zz_handle_new_user_again ON auth.users;
SELECT tests.assert_eq((SELECT count(*) FROM public.credit_ledger WHERE user_id = current_setting('test.c')::uuid), 1::bigint,
                       'a second handle_new_user for the same user writes no second ledger row');
SELECT tests.assert_eq((SELECT credits FROM public.profiles WHERE id = current_setting('test.c')::uuid), 3,
                       'a second handle_new_user leaves the balance at 3');

-- decrement_user_credits: three generations, then refused at zero; each one journaled.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  i integer;
BEGIN
  PERFORM tests.act_as(a);
  FOR i IN REVERSE 2..0 LOOP
    PERFORM tests.assert_eq(public.decrement_user_credits(), true, 'decrement allowed with credits left');
    PERFORM tests.assert_eq((SELECT credits FROM public.profiles), i, 'decrement takes exactly one credit');
    PERFORM tests.assert_eq((SELECT row(delta, balance_after, reason)::text FROM public.credit_ledger ORDER BY created_at DESC LIMIT 1),
                            format('(-1,%s,generation)', i), 'each decrement is journaled as generation');
  END LOOP;
  PERFORM tests.assert_eq(public.decrement_user_credits(), false, 'decrement refused at zero credits');
  PERFORM tests.assert_eq(public.decrement_user_credits(), false, 'decrement stays refused at zero credits');
  PERFORM tests.assert_eq((SELECT credits FROM public.profiles), 0, 'the balance never goes below zero');
  PERFORM tests.assert_eq((SELECT count(*) FROM public.credit_ledger), 4::bigint, 'a refused decrement writes no ledger row');
  PERFORM tests.act_as_owner();
  PERFORM pg_temp.assert_ledger(a, 'after decrements');
END
$$;

-- decrement_user_credits: who may call it, and callers without a user or a profile.
DO $$
DECLARE
  b uuid := current_setting('test.b')::uuid;
BEGIN
  PERFORM tests.act_as_anon();
  PERFORM tests.assert_raises('SELECT public.decrement_user_credits()', '42501', 'anon cannot call decrement_user_credits');
  PERFORM tests.act_as_service();
  PERFORM tests.assert_eq(public.decrement_user_credits(), false, 'decrement without a user in the request returns false');
  PERFORM tests.act_as(b);
  PERFORM tests.assert_eq(public.decrement_user_credits(), true, 'B can decrement their own credits');
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq((SELECT credits FROM public.profiles WHERE id = current_setting('test.a')::uuid), 0,
                          'B''s decrement did not touch A''s balance');
  DELETE FROM public.profiles WHERE id = b;
  PERFORM tests.act_as(b);
  PERFORM tests.assert_eq(public.decrement_user_credits(), false, 'decrement without a profile returns false');
  PERFORM tests.act_as_owner();
END
$$;

-- Non-FREE tiers are unlimited: allowed at zero credits, nothing changes, nothing is journaled.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['PRO', 'ELITE'] LOOP
    UPDATE public.profiles SET subscription_tier = t WHERE id = a;
    PERFORM tests.act_as(a);
    PERFORM tests.assert_eq(public.decrement_user_credits(), true, t || ': generation allowed with 0 credits');
    PERFORM tests.assert_eq((SELECT credits FROM public.profiles), 0, t || ': credits unchanged');
    PERFORM tests.assert_eq((SELECT count(*) FROM public.credit_ledger), 4::bigint, t || ': no ledger row');
    PERFORM tests.act_as_owner();
  END LOOP;
  -- ... and with credits: a PRO user's balance is not consumed either.
  PERFORM tests.act_as_service();
  PERFORM public.adjust_user_credits(a, 2, 'admin_adjustment');
  PERFORM tests.act_as(a);
  PERFORM tests.assert_eq(public.decrement_user_credits(), true, 'ELITE: generation allowed');
  PERFORM tests.assert_eq((SELECT credits FROM public.profiles), 2, 'ELITE: credits are not consumed');
  PERFORM tests.act_as_owner();
  UPDATE public.profiles SET subscription_tier = 'FREE' WHERE id = a;
  PERFORM pg_temp.assert_ledger(a, 'after unlimited generations');
END
$$;

-- adjust_user_credits: server only; purchases, refunds, replays, and the refusals.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
BEGIN
  PERFORM tests.act_as(a);
  PERFORM tests.assert_raises(format('SELECT public.adjust_user_credits(%L, 100, ''purchase'')', a), '42501',
                              'an end user cannot call adjust_user_credits');
  PERFORM tests.act_as_anon();
  PERFORM tests.assert_raises(format('SELECT public.adjust_user_credits(%L, 100, ''purchase'')', a), '42501',
                              'anon cannot call adjust_user_credits');

  PERFORM tests.act_as_service();
  PERFORM tests.assert_eq(public.adjust_user_credits(a, 10, 'purchase', 'pi_1'), 12, 'a purchase adds credits and returns the balance');
  PERFORM tests.assert_eq(public.adjust_user_credits(a, 10, 'purchase', 'pi_1'), 12, 'a replayed purchase (same reference) changes nothing');
  PERFORM tests.assert_eq(public.adjust_user_credits(a, -4, 'refund', 'pi_1'), 8, 'a refund naming the same payment is applied');
  PERFORM tests.assert_eq(public.adjust_user_credits(a, 1, 'admin_adjustment'), 9, 'an adjustment without reference is applied');
  PERFORM tests.assert_eq(public.adjust_user_credits(a, 1, 'admin_adjustment'), 10, 'adjustments without reference are never deduplicated');
  PERFORM tests.assert_raises(format('SELECT public.adjust_user_credits(%L, 0, ''purchase'')', a), '23514', 'a zero adjustment is refused');
  PERFORM tests.assert_raises(format('SELECT public.adjust_user_credits(%L, NULL, ''purchase'')', a), '23514', 'a NULL adjustment is refused');
  PERFORM tests.assert_raises(format('SELECT public.adjust_user_credits(%L, -11, ''refund'')', a), '23514',
                              'an adjustment below zero is refused');
  PERFORM tests.assert_raises(format('SELECT public.adjust_user_credits(%L, 1, '' '')', a), '23514', 'an adjustment needs a reason');
  PERFORM tests.assert_raises(format('SELECT public.adjust_user_credits(%L, 1, ''purchase'')', gen_random_uuid()), 'P0002',
                              'an adjustment for an unknown user is refused');
  PERFORM tests.assert_eq(public.adjust_user_credits(a, -10, 'refund'), 0, 'an adjustment down to exactly zero is allowed');
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq((SELECT count(*) FROM public.credit_ledger WHERE user_id = a AND reference = 'pi_1'), 2::bigint,
                          'the purchase and its refund are journaled once each');
  PERFORM tests.assert_eq((SELECT row(delta, balance_after, reason, reference)::text FROM public.credit_ledger
                            WHERE user_id = a AND reason = 'purchase'), '(10,12,purchase,pi_1)', 'the purchase row');
  PERFORM pg_temp.assert_ledger(a, 'after adjustments');
END
$$;

-- Direct changes by a privileged caller are journaled too (reason from visionary.credit_reason).
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
BEGIN
  UPDATE public.profiles SET credits = 50 WHERE id = a;
  PERFORM tests.assert_eq((SELECT row(delta, balance_after, reason)::text FROM public.credit_ledger
                            WHERE user_id = a ORDER BY created_at DESC LIMIT 1), '(50,50,direct_change)',
                          'a direct change is journaled as direct_change');
  PERFORM set_config('visionary.credit_reason', 'support_goodwill', true);
  PERFORM set_config('visionary.credit_reference', 'ticket-7', true);
  UPDATE public.profiles SET credits = credits + 5 WHERE id = a;
  PERFORM tests.assert_eq((SELECT row(delta, balance_after, reason, reference)::text FROM public.credit_ledger
                            WHERE user_id = a ORDER BY created_at DESC LIMIT 1), '(5,55,support_goodwill,ticket-7)',
                          'a direct change takes the reason and reference the caller set');
  -- The credit functions put the caller's setting back.
  PERFORM tests.act_as(a);
  PERFORM public.decrement_user_credits();
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq(current_setting('visionary.credit_reason'), 'support_goodwill',
                          'decrement_user_credits restores visionary.credit_reason');
  PERFORM tests.assert_eq((SELECT reason FROM public.credit_ledger WHERE user_id = a ORDER BY created_at DESC LIMIT 1), 'generation',
                          'the decrement itself is journaled as generation');
  PERFORM set_config('visionary.credit_reason', '', true);
  PERFORM set_config('visionary.credit_reference', '', true);
  UPDATE public.profiles SET credits = credits WHERE id = a;
  PERFORM tests.assert_eq((SELECT count(*) FROM public.credit_ledger WHERE user_id = a AND delta = 0), 0::bigint,
                          'an update that leaves the balance unchanged is not journaled');
  PERFORM tests.assert_raises(format('UPDATE public.profiles SET credits = -1 WHERE id = %L', a), '23514',
                              'credits can never be negative');
  PERFORM pg_temp.assert_ledger(a, 'after direct changes');

  -- A profile deleted and re-created by the server keeps the journal consistent.
  PERFORM tests.act_as_service();
  DELETE FROM public.profiles WHERE id = a;
  INSERT INTO public.profiles (id, credits) VALUES (a, 3);
  PERFORM tests.act_as_owner();
  PERFORM pg_temp.assert_ledger(a, 'after re-creating the profile');
END
$$;

-- End users cannot write their balance or subscription (F2), whatever the statement.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
BEGIN
  PERFORM tests.act_as(a);
  PERFORM tests.assert_raises(format('UPDATE public.profiles SET %s WHERE id = %L', c, a), '42501', 'end user cannot write ' || c)
     FROM unnest(ARRAY['credits = 1000', 'credits = credits + 1', 'subscription_tier = ''PRO''',
                       'subscription_status = ''active''', 'stripe_customer_id = ''cus_1''']) AS c;
  PERFORM tests.assert_raises(format('INSERT INTO public.profiles (id, credits) VALUES (%L, 1000) ON CONFLICT (id) DO UPDATE SET credits = 1000', a),
                              '42501', 'end user cannot upsert their profile');
  PERFORM tests.act_as_owner();
END
$$;

-- Every user's journal is consistent; deleting an account removes its profile and journal.
SELECT pg_temp.assert_ledger(p.id, 'final check for ' || p.id) FROM public.profiles p;
DELETE FROM auth.users WHERE id = current_setting('test.a')::uuid;
SELECT tests.assert_eq((SELECT count(*) FROM public.credit_ledger WHERE user_id = current_setting('test.a')::uuid)
                       + (SELECT count(*) FROM public.profiles WHERE id = current_setting('test.a')::uuid), 0::bigint,
                       'deleting the user removes the profile and the journal');
