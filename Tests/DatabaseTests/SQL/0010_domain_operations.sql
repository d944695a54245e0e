-- 0010-0016, the domain operations: the pieces the functions build on, checked in SQL — pricing,
-- answers, id lists, shared-goal completion, live streaks, and which roles may call what.

-- Pricing from catalogue values: ELITE saves 30% of the subtotal; express doubles shipping.
SELECT tests.assert_eq(internal.order_pricing(14.99, 2, 4.99, 'FREE') ->> 'total', '34.97', 'FREE: 2 x 14.99 + 4.99');
SELECT tests.assert_eq(internal.order_pricing(14.99, 1, 4.99, 'ELITE') ->> 'discount', '4.50', 'ELITE: 30% of 14.99, rounded');
SELECT tests.assert_eq(internal.order_pricing(14.99, 1, 4.99, 'ELITE') ->> 'total', '15.48', 'ELITE total');
SELECT tests.assert_eq((internal.order_pricing(14.99, 1, 4.99, 'PRO') ->> 'discount_applied')::boolean, false, 'only ELITE gets the discount');
SELECT tests.assert_eq(internal.order_pricing(10, 1, 5, 'FREE', true) ->> 'shipping', '10.00', 'express doubles shipping');

-- Answers against their question.
CREATE VIEW pg_temp.q AS SELECT x FROM public.master_prompt_questions x
 WHERE x.theme_id = (SELECT id FROM public.motivational_themes WHERE name = 'business_executive');
SELECT tests.assert_eq(internal.checked_answer(x, '"Build better habits"'), '"Build better habits"'::jsonb, 'single choice')
  FROM pg_temp.q WHERE (x).sort_order = 1;
SELECT tests.assert_raises(format('SELECT internal.checked_answer(x, %L) FROM pg_temp.q WHERE (x).sort_order = 1', '"Get rich"'), '22023', 'not an option');
SELECT tests.assert_eq(internal.checked_answer(x, '["OKRs", "SMART Goals"]'), '["OKRs", "SMART Goals"]'::jsonb, 'multiple choice')
  FROM pg_temp.q WHERE (x).sort_order = 7;
SELECT tests.assert_raises('SELECT internal.checked_answer(x, ''["OKRs", "OKRs"]'') FROM pg_temp.q WHERE (x).sort_order = 7', '22023', 'repeated option');
SELECT tests.assert_raises('SELECT internal.checked_answer(x, ''[]'') FROM pg_temp.q WHERE (x).sort_order = 7', '22023', 'no option');
SELECT tests.assert_eq(internal.checked_answer(x, '"  a vineyard "'), '"a vineyard"'::jsonb, 'text is trimmed')
  FROM pg_temp.q WHERE (x).sort_order = 5;

-- Id lists.
SELECT tests.assert_eq(cardinality(internal.uuid_array('["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000001"]', 'ids')), 1, 'distinct ids');
SELECT tests.assert_eq(internal.uuid_array(NULL, 'ids'), '{}'::uuid[], 'null is empty');
SELECT tests.assert_raises('SELECT internal.uuid_array(''["x"]'', ''ids'')', '22023', 'not a uuid');
SELECT tests.assert_raises('SELECT internal.uuid_array(''{"a": 1}'', ''ids'')', '22023', 'not a list');

-- Two partners; a shared goal completes at its target and reopens below it.
CREATE TEMP TABLE p AS SELECT tests.create_user('ann@domain.test') AS ann, tests.create_user('ben@domain.test') AS ben;
UPDATE auth.users SET email_confirmed_at = now() WHERE id IN (SELECT ann FROM p UNION ALL SELECT ben FROM p);
DO $$
DECLARE
  v_ann uuid := (SELECT ann FROM p);
  v_ben uuid := (SELECT ben FROM p);
  v_code text;
  v_goal uuid;
BEGIN
  PERFORM tests.act_as(v_ann);
  v_code := public.create_partner_invitation('ben@domain.test') ->> 'invite_code';
  PERFORM tests.act_as(v_ben);
  PERFORM public.accept_partner_invitation(v_code);
  v_goal := public.create_shared_goal('{"title": "Run 10 km", "target_value": 10}') ->> 'id';
  PERFORM tests.assert_eq(public.update_shared_goal(v_goal, '{"increment": 10}') ->> 'status', 'completed', 'reaching the target completes');
  PERFORM tests.assert_eq(public.update_shared_goal(v_goal, '{"current_value": 3}') ->> 'status', 'active', 'dropping below reopens');
  PERFORM tests.assert_eq(public.update_shared_goal(v_goal, '{"status": "cancelled", "current_value": 20}') ->> 'status', 'cancelled',
                          'cancelled stays cancelled');
  PERFORM tests.assert_raises(format('SELECT public.update_shared_goal(%L, %L)', v_goal, '{"status": "completed"}'), '22023',
                              'completion is not set by hand');
  PERFORM tests.act_as_owner();
END
$$;
SELECT tests.assert_eq((SELECT count(*) FROM auth.mail_outbox WHERE recipient = 'ben@domain.test' AND template = 'partner_invitation'), 1::bigint,
                       'the invitation mail is queued');

-- A lapsed streak reads as 0 before the daily job resets it.
INSERT INTO public.habits (id, user_id, title) VALUES ('00000000-0000-4000-8000-0000000000aa', (SELECT ann FROM p), 'walk');
INSERT INTO public.habit_completions (habit_id, completed_on)
SELECT '00000000-0000-4000-8000-0000000000aa', (now() AT TIME ZONE 'UTC')::date - d FROM generate_series(3, 5) AS d;
SELECT tests.assert_eq((SELECT current_streak FROM public.habits WHERE id = '00000000-0000-4000-8000-0000000000aa'), 0, 'recomputed on insert');
UPDATE public.habits SET current_streak = 3, longest_streak = 3 WHERE id = '00000000-0000-4000-8000-0000000000aa';
SELECT tests.assert_eq((internal.live_habit(h, (now() AT TIME ZONE 'UTC')::date) ->> 'current_streak')::integer, 0, 'live_habit shows the lapse')
  FROM public.habits h WHERE h.id = '00000000-0000-4000-8000-0000000000aa';

-- Who may call what: user functions refuse anon; server functions refuse users.
SELECT tests.assert(NOT has_function_privilege('anon', f, 'EXECUTE'), 'anon cannot call ' || f)
FROM unnest(ARRAY['public.list_habits(boolean)', 'public.complete_habit(uuid, date, text, integer)', 'public.get_credits(integer, timestamptz)',
                  'public.create_partner_invitation(text, text, integer)', 'public.add_team_member(uuid, text, text)',
                  'public.place_print_order(uuid, integer, jsonb, jsonb, jsonb, text)', 'public.build_master_prompt(boolean)']) AS f;
SELECT tests.assert(has_function_privilege('anon', f, 'EXECUTE'), 'anon may call ' || f)
FROM unnest(ARRAY['public.list_print_products()', 'public.list_workbook_templates()', 'public.list_themes()']) AS f;
SELECT tests.assert(NOT has_function_privilege('authenticated', f, 'EXECUTE') AND has_function_privilege('service_role', f, 'EXECUTE'),
                    'server only: ' || f)
FROM unnest(ARRAY['public.set_order_status(uuid, text)', 'public.purge_soft_deleted()', 'public.adjust_user_credits(uuid, integer, text, text)']) AS f;
