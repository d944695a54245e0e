-- 0049: a client cannot verify its own phone number and loses the verification with a new
-- number; due phone check-ins go only to a verified number (skipped otherwise, with the
-- reason), each claimed once; the provider's answer is recorded; no API role reaches the jobs.
SELECT tests.act_as_owner();
SELECT set_config('t.ann', tests.create_user('ann@phone.test')::text, true);
SELECT set_config('t.bob', tests.create_user('bob@phone.test')::text, true);
SELECT set_config('t.cat', tests.create_user('cat@phone.test')::text, true);

SELECT tests.act_as(current_setting('t.ann')::uuid);
SELECT tests.assert_raises($$INSERT INTO public.user_comm_preferences (phone_number, phone_verified) VALUES ('+15550000001', true)$$,
  '42501', 'a client cannot insert a verified number');
INSERT INTO public.user_comm_preferences (phone_number) VALUES ('+15550000001');
SELECT tests.assert_raises($$UPDATE public.user_comm_preferences SET phone_verified = true$$, '42501', 'nor verify it afterwards');
SELECT tests.assert_raises($$UPDATE public.user_comm_preferences SET phone_number = '+15559999999', phone_verified = true$$,
  '42501', 'nor with a new number');

SELECT tests.act_as_owner();
UPDATE public.user_comm_preferences SET phone_verified = true, call_enabled = false WHERE user_id = current_setting('t.ann')::uuid;
SELECT tests.assert_eq((SELECT phone_verified FROM public.user_comm_preferences WHERE user_id = current_setting('t.ann')::uuid), true,
  'the server verifies');
SELECT tests.act_as(current_setting('t.ann')::uuid);
UPDATE public.user_comm_preferences SET timezone = 'Europe/Berlin';
SELECT tests.assert_eq((SELECT phone_verified FROM public.user_comm_preferences), true, 'other changes keep the verification');
UPDATE public.user_comm_preferences SET phone_number = '+15559999999';
SELECT tests.assert_eq((SELECT phone_verified FROM public.user_comm_preferences), false, 'a new number is unverified');

SELECT tests.act_as_owner();
UPDATE public.user_comm_preferences SET phone_verified = true WHERE user_id = current_setting('t.ann')::uuid;
INSERT INTO public.user_comm_preferences (user_id, phone_number, phone_verified) VALUES (current_setting('t.bob')::uuid, '+15550000002', false);
INSERT INTO public.scheduled_checkins (id, user_id, checkin_type, scheduled_for, channel, content, status) VALUES
  ('00000000-0000-4000-d000-000000000001', current_setting('t.ann')::uuid, 'daily_habit', '2026-12-01 08:00+00', 'sms', '{"text":"Walk?"}', 'pending'),
  ('00000000-0000-4000-d000-000000000002', current_setting('t.ann')::uuid, 'daily_habit', '2026-12-01 08:00+00', 'call', '{}', 'pending'),
  ('00000000-0000-4000-d000-000000000003', current_setting('t.bob')::uuid, 'daily_habit', '2026-12-01 08:00+00', 'sms', '{}', 'pending'),
  ('00000000-0000-4000-d000-000000000004', current_setting('t.cat')::uuid, 'daily_habit', '2026-12-01 08:00+00', 'voice', '{}', 'pending'),
  ('00000000-0000-4000-d000-000000000005', current_setting('t.ann')::uuid, 'daily_habit', '2026-12-01 09:00+00', 'sms', '{}', 'pending'),
  ('00000000-0000-4000-d000-000000000006', current_setting('t.ann')::uuid, 'daily_habit', '2026-12-01 08:00+00', 'email', '{}', 'pending');

SELECT tests.assert_eq(internal.claim_phone_checkins('2026-12-01 08:30+00'),
  '[{"id": "00000000-0000-4000-d000-000000000001", "channel": "sms", "content": {"text": "Walk?"}, "checkin_type": "daily_habit", "phone_number": "+15559999999"}]'::jsonb,
  'only Ann''s due sms, to her verified number');
SELECT tests.assert_eq((SELECT jsonb_object_agg(right(id::text, 1), status || coalesce(' ' || (response->>'skipped_reason'), ''))
                        FROM public.scheduled_checkins WHERE id::text LIKE '00000000-0000-4000-d000-%'),
  jsonb_build_object('1', 'sent', '2', 'skipped the user has not allowed calls', '3', 'skipped the user''s phone number is not verified',
                     '4', 'skipped the user has no phone number', '5', 'pending', '6', 'pending'), 'each check-in''s state');
SELECT tests.assert_eq(internal.claim_phone_checkins('2026-12-01 08:30+00'), '[]'::jsonb, 'nothing is claimed twice');
SELECT internal.record_phone_checkin('00000000-0000-4000-d000-000000000001', 'SM123', NULL, '2026-12-01 08:30+00');
SELECT tests.assert_eq((SELECT response->>'provider_id' FROM public.scheduled_checkins WHERE id = '00000000-0000-4000-d000-000000000001'), 'SM123', 'the provider id');
SELECT internal.claim_phone_checkins('2026-12-01 09:00+00');
SELECT internal.record_phone_checkin('00000000-0000-4000-d000-000000000005', NULL, 'the number is unreachable', '2026-12-01 09:00+00');
SELECT tests.assert_eq((SELECT status || ' ' || (response->>'error') FROM public.scheduled_checkins WHERE id = '00000000-0000-4000-d000-000000000005'),
  'failed the number is unreachable', 'a refusal fails the check-in');

SELECT tests.act_as_service();
SELECT tests.assert_raises($$SELECT internal.claim_phone_checkins(now())$$, '42501', 'service_role cannot claim phone check-ins');
SELECT tests.act_as(current_setting('t.bob')::uuid);
SELECT tests.assert_raises($$SELECT internal.record_phone_checkin(gen_random_uuid(), 'x', NULL, now())$$, '42501', 'nor can a user record one');
