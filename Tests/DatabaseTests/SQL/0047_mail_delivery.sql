-- 0047: a message written to the outbox enqueues exactly one mail.send job; attempts are
-- recorded, a permanent refusal ends the message's tries, a sent message is not recorded again;
-- no API role reaches any of it.
SELECT tests.act_as_owner();
SELECT set_config('t.dan', tests.create_user('dan@mail.test')::text, true);
INSERT INTO auth.mail_outbox (id, recipient, template, payload) VALUES
  ('00000000-0000-4000-c000-000000000001', 'ann@mail.test', 'recovery', '{"token":"123456"}'),
  ('00000000-0000-4000-c000-000000000002', 'bob@mail.test', 'recovery', '{"token":"654321"}');
INSERT INTO auth.mail_outbox (id, recipient, template, payload, sent_at) VALUES
  ('00000000-0000-4000-c000-000000000003', 'cat@mail.test', 'recovery', '{}', now());
SELECT tests.assert_eq(
  (SELECT array_agg(payload->>'id' ORDER BY payload->>'id') FROM internal.jobs WHERE kind = 'mail.send'
     AND payload->>'id' LIKE '00000000-0000-4000-c000-%'),
  ARRAY['00000000-0000-4000-c000-000000000001', '00000000-0000-4000-c000-000000000002'], 'one job per unsent message');
SELECT tests.assert_eq((SELECT max_attempts || ' ' || idempotency_key FROM internal.jobs WHERE payload->>'id' = '00000000-0000-4000-c000-000000000001'),
  '8 mail:00000000-0000-4000-c000-000000000001', 'eight attempts, keyed by the message');

SELECT tests.assert_eq(internal.record_mail_attempt('00000000-0000-4000-c000-000000000001', '2026-12-01 08:00+00', '451 try later'), true, 'a failed attempt');
SELECT tests.assert_eq((SELECT attempts || ' ' || last_error || ' ' || (failed_at IS NULL) FROM auth.mail_outbox WHERE id = '00000000-0000-4000-c000-000000000001'),
  '1 451 try later true', 'counted, the error kept, still waiting');
SELECT tests.assert_eq(internal.record_mail_attempt('00000000-0000-4000-c000-000000000001', '2026-12-01 08:01+00'), true, 'then sent');
SELECT tests.assert_eq((SELECT attempts || ' ' || coalesce(last_error, '-') || ' ' || sent_at FROM auth.mail_outbox WHERE id = '00000000-0000-4000-c000-000000000001'),
  '2 - 2026-12-01 08:01:00+00', 'sent, the error cleared');
SELECT tests.assert_eq(internal.record_mail_attempt('00000000-0000-4000-c000-000000000001', '2026-12-01 08:02+00'), false, 'a sent message is not recorded again');
SELECT tests.assert_eq(internal.record_mail_attempt('00000000-0000-4000-c000-000000000002', '2026-12-01 08:00+00', '550 no such user', true), true, 'a refusal');
SELECT tests.assert_eq((SELECT failed_at FROM auth.mail_outbox WHERE id = '00000000-0000-4000-c000-000000000002'),
  '2026-12-01 08:00+00'::timestamptz, 'for good');
SELECT tests.assert_eq(internal.record_mail_attempt('00000000-0000-4000-c000-000000000002', '2026-12-01 08:05+00'), false, 'and not tried again');

SELECT tests.act_as_service();
SELECT tests.assert_raises($$SELECT internal.record_mail_attempt(gen_random_uuid(), now())$$, '42501', 'service_role cannot record mail attempts');
SELECT tests.assert_raises($$INSERT INTO auth.mail_outbox (recipient, template) VALUES ('x@y.test', 'recovery')$$, '42501', 'nor write mail');
SELECT tests.act_as(current_setting('t.dan')::uuid);
SELECT tests.assert_raises($$SELECT internal.enqueue_mail_delivery()$$, '42501', 'a user cannot call the trigger function');
