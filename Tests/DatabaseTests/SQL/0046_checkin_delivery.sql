-- 0046: due pending check-ins go out through email (mail outbox) and push (push outbox) and are
-- marked sent; a channel without a provider is skipped with the reason; future, answered and
-- other users' check-ins are left alone; a configured channel is left for its provider; jobs
-- that succeeded long ago are pruned; no API role reaches it.
SELECT tests.act_as_owner();
SELECT set_config('t.ann', tests.create_user('ann@checkins.test')::text, true);
INSERT INTO public.scheduled_checkins (id, user_id, checkin_type, scheduled_for, channel, content, status) VALUES
  ('00000000-0000-4000-b000-000000000001', current_setting('t.ann')::uuid, 'daily_habit', '2026-12-01 08:00+00', 'email', '{"text":"Walk?"}', 'pending'),
  ('00000000-0000-4000-b000-000000000002', current_setting('t.ann')::uuid, 'daily_habit', '2026-12-01 08:00+00', 'push', '{"text":"Stretch?"}', 'pending'),
  ('00000000-0000-4000-b000-000000000003', current_setting('t.ann')::uuid, 'milestone_reminder', '2026-12-01 08:00+00', 'sms', '{}', 'pending'),
  ('00000000-0000-4000-b000-000000000004', current_setting('t.ann')::uuid, 'daily_habit', '2026-12-01 09:00+00', 'push', '{}', 'pending'),
  ('00000000-0000-4000-b000-000000000005', current_setting('t.ann')::uuid, 'daily_habit', '2026-12-01 07:00+00', 'push', '{}', 'completed'),
  ('00000000-0000-4000-b000-000000000006', current_setting('t.ann')::uuid, 'daily_habit', '2026-12-01 07:00+00', 'voice', '{}', 'pending');

SELECT tests.assert_eq(internal.deliver_due_checkins('2026-12-01 08:30+00', '{voice}'), '{"sent": 2, "skipped": 1}'::jsonb,
  'email and push sent, sms skipped, voice left for its provider');
SELECT tests.assert_eq((SELECT jsonb_object_agg(right(id::text, 1), status) FROM public.scheduled_checkins WHERE user_id = current_setting('t.ann')::uuid),
  '{"1": "sent", "2": "sent", "3": "skipped", "4": "pending", "5": "completed", "6": "pending"}'::jsonb, 'each check-in''s state');
SELECT tests.assert_eq((SELECT response->>'skipped_reason' FROM public.scheduled_checkins WHERE id = '00000000-0000-4000-b000-000000000003'),
  'no sms provider is configured', 'the reason is kept');
SELECT tests.assert_eq((SELECT recipient || ' ' || template || ' ' || (payload->'content'->>'text') FROM auth.mail_outbox WHERE template = 'checkin'),
  'ann@checkins.test checkin Walk?', 'the email is in the mail outbox, to her address');
SELECT tests.assert_eq((SELECT count(*) FROM internal.push_outbox WHERE checkin_id = '00000000-0000-4000-b000-000000000002' AND content->>'text' = 'Stretch?'),
  1::bigint, 'the push is in the push outbox');
SELECT tests.assert_eq(internal.deliver_due_checkins('2026-12-01 08:30+00'), '{"sent": 0, "skipped": 1}'::jsonb,
  'a second run sends nothing twice; voice without its provider is skipped now');
SELECT tests.assert_eq(internal.deliver_due_checkins('2026-12-01 09:00+00', '{}', 0), '{"sent": 0, "skipped": 0}'::jsonb, 'a limit of 0 does nothing');
SELECT tests.assert_eq(internal.deliver_due_checkins('2026-12-01 09:00+00'), '{"sent": 1, "skipped": 0}'::jsonb, 'the 09:00 push when due');

-- Pruning succeeded jobs.
SELECT internal.enqueue_job('old', '{}', '2026-01-01', '2026-01-01');
SELECT internal.enqueue_job('new', '{}', '2026-01-01', '2026-01-01');
SELECT count(*) FROM internal.claim_jobs('w', '{old,new}', '2026-01-01', 60, 10);
SELECT internal.finish_job(id, 'w', CASE kind WHEN 'old' THEN '2026-01-01'::timestamptz ELSE '2026-01-20'::timestamptz END) FROM internal.jobs WHERE kind IN ('old', 'new');
SELECT tests.assert_eq(internal.prune_jobs('2026-01-10'), 1, 'the old success is pruned');
SELECT tests.assert_eq((SELECT array_agg(kind) FROM internal.jobs WHERE kind IN ('old', 'new')), ARRAY['new'], 'the recent one stays');

SELECT tests.act_as(current_setting('t.ann')::uuid);
SELECT tests.assert_raises($$SELECT internal.deliver_due_checkins(now())$$, '42501', 'a user cannot deliver check-ins');
SELECT tests.assert_raises($$SELECT count(*) FROM internal.push_outbox$$, '42501', 'nor read the push outbox');
SELECT tests.act_as_service();
SELECT tests.assert_raises($$SELECT internal.prune_jobs(now())$$, '42501', 'service_role cannot prune jobs');
