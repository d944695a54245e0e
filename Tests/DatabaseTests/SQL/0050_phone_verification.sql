-- 0050: a number is verified only by the hash of the code texted to it, within 5 tries and 10
-- minutes; asking for codes is limited per user and per number; texts and calls on request go
-- only to the user's own verified number, within hourly allowances; no API role reaches any of it.
SELECT tests.act_as_owner();
SELECT set_config('t.ann', tests.create_user('ann@verify.test')::text, true);
SELECT set_config('t.bob', tests.create_user('bob@verify.test')::text, true);

SELECT tests.assert_eq(internal.e164(' +1 (555) 000-1234 '), '+15550001234', 'separators are dropped');
SELECT tests.assert_eq(internal.e164('5550001234'), NULL::text, 'a number without country code is not E.164');
SELECT tests.assert_eq(internal.e164('+0123456789'), NULL::text, 'nor one starting with 0');

SELECT tests.assert_raises($$SELECT internal.begin_phone_verification(current_setting('t.ann')::uuid, NULL, sha256('x'))$$,
  'P0001', 'no number to verify');
SELECT tests.assert_raises($$SELECT internal.begin_phone_verification(current_setting('t.ann')::uuid, '12345', sha256('x'))$$,
  '22023', 'a malformed number');
SELECT tests.assert_eq(internal.begin_phone_verification(current_setting('t.ann')::uuid, '+1 555 000 1111', sha256('123456'))->>'phone_number',
  '+15550001111', 'a code for the number is kept');
SELECT tests.assert_raises($$SELECT internal.begin_phone_verification(current_setting('t.ann')::uuid, NULL, sha256('x'))$$,
  'P0001', 'the pending number is not yet the user''s number');
SELECT tests.assert_raises($$SELECT internal.begin_phone_verification(current_setting('t.ann')::uuid, '+15550001111', sha256('x'))$$,
  'PT429', 'a second code within the minute is refused');

SELECT tests.assert_eq(internal.confirm_phone_verification(current_setting('t.bob')::uuid, sha256('123456')),
  '{"outcome": "none"}'::jsonb, 'Ann''s code does not verify Bob');
SELECT tests.assert_eq(internal.confirm_phone_verification(current_setting('t.ann')::uuid, sha256('000000')),
  '{"outcome": "wrong", "attempts_left": 4}'::jsonb, 'a wrong code spends a try');
SELECT tests.assert_eq(internal.confirm_phone_verification(current_setting('t.ann')::uuid, sha256('123456'))->>'outcome',
  'verified', 'the right code verifies');
SELECT tests.assert_eq((SELECT phone_number || ' ' || phone_verified FROM public.user_comm_preferences WHERE user_id = current_setting('t.ann')::uuid),
  '+15550001111 true', 'the number is Ann''s verified number');
SELECT tests.assert_eq(internal.confirm_phone_verification(current_setting('t.ann')::uuid, sha256('123456')),
  '{"outcome": "none"}'::jsonb, 'a code works once');
SELECT tests.assert_eq(internal.begin_phone_verification(current_setting('t.ann')::uuid, NULL, sha256('x'))->>'already_verified',
  'true', 'a verified number needs no code');

-- Five wrong tries void the code; an expired code is void.
SELECT internal.begin_phone_verification(current_setting('t.bob')::uuid, '+15550002222', sha256('222222'));
SELECT internal.confirm_phone_verification(current_setting('t.bob')::uuid, sha256('000000')) FROM generate_series(1, 4);
SELECT tests.assert_eq(internal.confirm_phone_verification(current_setting('t.bob')::uuid, sha256('000001')),
  '{"outcome": "exhausted"}'::jsonb, 'the fifth wrong try voids the code');
SELECT tests.assert_eq(internal.confirm_phone_verification(current_setting('t.bob')::uuid, sha256('222222')),
  '{"outcome": "none"}'::jsonb, 'and the right code no longer works');
SELECT tests.assert_raises($$SELECT internal.begin_phone_verification(current_setting('t.bob')::uuid, '+15550002222', sha256('x'))$$,
  'PT429', 'a voided code does not restart the minute');
UPDATE internal.phone_verifications SET code_hash = sha256('333333'), attempts = 0, used_at = NULL,
  sent_at = now() - interval '11 minutes', expires_at = now() - interval '1 minute'
WHERE user_id = current_setting('t.bob')::uuid;
SELECT tests.assert_eq(internal.confirm_phone_verification(current_setting('t.bob')::uuid, sha256('333333')),
  '{"outcome": "expired"}'::jsonb, 'an expired code is void');

-- Per-number allowance: five codes an hour to one number, whoever asks.
SELECT internal.begin_phone_verification(tests.create_user('n' || i || '@verify.test'), '+15550003333', sha256('x'))
FROM generate_series(1, 5) i;
SELECT tests.assert_raises($$SELECT internal.begin_phone_verification(tests.create_user('n6@verify.test'), '+15550003333', sha256('x'))$$,
  'PT429', 'a sixth code to the same number within the hour');

-- Texts and calls on request: only to a verified number, calls only when allowed, within allowances.
SELECT tests.assert_raises($$SELECT internal.phone_recipient(current_setting('t.bob')::uuid, 'sms')$$, 'P0001', 'Bob has no number');
SELECT tests.assert_eq(internal.phone_recipient(current_setting('t.ann')::uuid, 'sms'), '+15550001111', 'Ann''s verified number');
SELECT tests.assert_raises($$SELECT internal.phone_recipient(current_setting('t.ann')::uuid, 'call')$$, 'P0001', 'calls are not allowed');
UPDATE public.user_comm_preferences SET call_enabled = true WHERE user_id = current_setting('t.ann')::uuid;
SELECT internal.phone_recipient(current_setting('t.ann')::uuid, 'call') FROM generate_series(1, 3);
SELECT tests.assert_raises($$SELECT internal.phone_recipient(current_setting('t.ann')::uuid, 'call')$$, 'PT429', 'a fourth call within the hour');
SELECT internal.phone_recipient(current_setting('t.ann')::uuid, 'sms') FROM generate_series(2, 10);
SELECT tests.assert_raises($$SELECT internal.phone_recipient(current_setting('t.ann')::uuid, 'sms')$$, 'PT429', 'an eleventh text within the hour');
SELECT internal.record_phone_message(current_setting('t.ann')::uuid, 'sms', '{"message":"hi"}', 'SM1', 'queued');
SELECT tests.assert_eq((SELECT status || ' ' || channel || ' ' || (response->>'provider_id') FROM public.scheduled_checkins
                        WHERE user_id = current_setting('t.ann')::uuid), 'sent sms SM1', 'a sent text is kept as a sent check-in');

SELECT tests.act_as(current_setting('t.ann')::uuid);
SELECT tests.assert_raises($$SELECT internal.confirm_phone_verification(current_setting('t.ann')::uuid, sha256('x'))$$, '42501',
  'a user cannot confirm by hash');
SELECT tests.assert_raises($$SELECT internal.begin_phone_verification(current_setting('t.ann')::uuid, '+15550009999', sha256('x'))$$, '42501',
  'nor plant a code');
SELECT tests.assert_raises($$SELECT * FROM internal.phone_verifications$$, '42501', 'nor read pending codes');
SELECT tests.act_as_service();
SELECT tests.assert_raises($$SELECT internal.phone_recipient(current_setting('t.ann')::uuid, 'sms')$$, '42501', 'service_role works through the server');
