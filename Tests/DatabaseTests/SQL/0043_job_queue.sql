-- 0043: the job queue. Idempotent enqueue; a claim takes due jobs once and leases them; a lease
-- that ran out lets another worker take the job (the stale worker's outcome is dropped); a
-- failure waits for its retry time until the attempts are spent, then the job is a dead letter
-- that an operator may retry or discard; a graceful release does not count the attempt; bad
-- kinds and limits are refused; and no API role reaches any of it.
SELECT tests.act_as_owner();
SELECT set_config('t.a', internal.enqueue_job('mail.send', '{"to":"a"}', '2026-01-01', '2026-01-01', 'key-1')::text, true);
SELECT tests.assert_eq(internal.enqueue_job('mail.send', '{"to":"b"}', '2026-01-01', '2026-01-01', 'key-1')::text,
  current_setting('t.a'), 'the same kind and key enqueue nothing new');
SELECT tests.assert(internal.enqueue_job('mail.check', '{}', '2026-01-01', '2026-01-01', 'key-1')::text <> current_setting('t.a'),
  'the key is per kind');
SELECT set_config('t.b', internal.enqueue_job('mail.send', '{}', '2026-01-02', '2026-01-01', NULL, 2)::text, true);
SELECT tests.assert_eq((SELECT payload->>'to' FROM internal.jobs WHERE id = current_setting('t.a')::uuid), 'a', 'the first payload stays');

-- Due jobs only, of the worker's kinds, each once while leased.
SELECT tests.assert_eq((SELECT array_agg(id::text) FROM internal.claim_jobs('w1', '{mail.send}', '2026-01-01 12:00', 60, 10)),
  ARRAY[current_setting('t.a')], 'w1 takes the one due job of its kind');
SELECT tests.assert_eq((SELECT count(*) FROM internal.claim_jobs('w2', '{mail.send,mail.check}', '2026-01-01 12:00:30', 60, 10)), 1::bigint,
  'w2 takes only the other kind: the leased job is not taken again');
SELECT tests.assert_eq((SELECT count(*) FROM internal.claim_jobs('w2', '{mail.send}', '2026-01-01 12:02', 60, 0)), 0::bigint, 'a limit of 0 takes none');

-- A lease that ran out: another worker takes the job; the first one's outcome is dropped.
SELECT tests.assert_eq((SELECT attempts FROM internal.claim_jobs('w2', '{mail.send}', '2026-01-01 12:02', 60, 10)), 2,
  'w2 takes the job whose lease ran out, as a second attempt');
SELECT tests.assert_eq(internal.finish_job(current_setting('t.a')::uuid, 'w1', '2026-01-01 12:03'), false, 'w1 lost the lease: its success is dropped');
SELECT tests.assert_eq(internal.fail_job(current_setting('t.a')::uuid, 'w1', 'late', '2026-01-01 13:00', '2026-01-01 12:03'), NULL, 'so is its failure');
SELECT tests.assert_eq(internal.finish_job(current_setting('t.a')::uuid, 'w2', '2026-01-01 12:03'), true, 'w2 finishes it');
SELECT tests.assert_eq((SELECT state || ' ' || finished_at::text FROM internal.jobs WHERE id = current_setting('t.a')::uuid),
  'succeeded 2026-01-01 12:03:00+00', 'succeeded, at the worker''s time');

-- Failures: wait for the retry time, then a dead letter once the attempts are spent.
SELECT tests.assert_eq((SELECT count(*) FROM internal.claim_jobs('w1', '{mail.send}', '2026-01-01 23:59', 60, 10)), 0::bigint, 'not due yet');
SELECT tests.assert_eq((SELECT attempts FROM internal.claim_jobs('w1', '{mail.send}', '2026-01-02', 60, 10)), 1, 'due: first attempt');
SELECT tests.assert_eq(internal.fail_job(current_setting('t.b')::uuid, 'w1', 'smtp down', '2026-01-02 00:10', '2026-01-02 00:01'), 'queued', 'queued again');
SELECT tests.assert_eq((SELECT count(*) FROM internal.claim_jobs('w1', '{mail.send}', '2026-01-02 00:09', 60, 10)), 0::bigint, 'not before its retry time');
SELECT tests.assert_eq((SELECT attempts FROM internal.claim_jobs('w1', '{mail.send}', '2026-01-02 00:10', 60, 10)), 2, 'second attempt');
SELECT tests.assert_eq(internal.fail_job(current_setting('t.b')::uuid, 'w1', repeat('x', 5000), '2026-01-02 00:20', '2026-01-02 00:11'), 'dead', 'spent: dead');
SELECT tests.assert_eq((SELECT length(last_error) FROM internal.jobs WHERE id = current_setting('t.b')::uuid), 2000, 'the error is kept short');
SELECT tests.assert_eq((SELECT count(*) FROM internal.claim_jobs('w1', '{mail.send}', '2027-01-01', 60, 10)), 0::bigint, 'a dead letter is not taken');

-- Operators: retry a dead letter (attempts reset), discard a waiting job; never a running one.
SELECT tests.assert_eq(internal.retry_job(current_setting('t.a')::uuid, '2026-01-03'), false, 'a job that succeeded is not retried');
SELECT tests.assert_eq(internal.retry_job(current_setting('t.b')::uuid, '2026-01-03'), true, 'the dead letter is retried');
SELECT tests.assert_eq((SELECT state || ' ' || attempts FROM internal.jobs WHERE id = current_setting('t.b')::uuid), 'queued 0', 'queued with its attempts reset');
SELECT tests.assert_eq((SELECT attempts FROM internal.claim_jobs('w3', '{mail.send}', '2026-01-03', 60, 10)), 1, 'and runs again');
SELECT tests.assert_eq(internal.discard_job(current_setting('t.b')::uuid), false, 'a running job is not discarded');
SELECT tests.assert_eq(internal.release_job(current_setting('t.b')::uuid, 'w1'), false, 'only its worker releases it');
SELECT tests.assert_eq(internal.release_job(current_setting('t.b')::uuid, 'w3'), true, 'w3 releases it at shutdown');
SELECT tests.assert_eq((SELECT state || ' ' || attempts FROM internal.jobs WHERE id = current_setting('t.b')::uuid), 'queued 0', 'the released attempt does not count');
SELECT tests.assert_eq(internal.discard_job(current_setting('t.b')::uuid), true, 'a waiting job is discarded');

-- A killed worker's last attempt: the job becomes a dead letter when its lease runs out.
SELECT set_config('t.c', internal.enqueue_job('mail.send', '{}', '2026-02-01', '2026-02-01', NULL, 1)::text, true);
SELECT tests.assert_eq((SELECT count(*) FROM internal.claim_jobs('w1', '{mail.send}', '2026-02-01', 60, 10)), 1::bigint, 'taken');
SELECT tests.assert_eq((SELECT count(*) FROM internal.claim_jobs('w2', '{mail.send}', '2026-02-01 00:05', 60, 10)), 0::bigint, 'not taken again');
SELECT tests.assert_eq((SELECT state FROM internal.jobs WHERE id = current_setting('t.c')::uuid), 'dead', 'dead: its lease ran out on its last attempt');

-- Malformed input is refused by the table.
SELECT tests.assert_raises($$SELECT internal.enqueue_job('Mail Send', '{}', now(), now())$$, '23514', 'a malformed kind');
SELECT tests.assert_raises($$SELECT internal.enqueue_job('mail.send', '{}', now(), now(), NULL, 0)$$, '23514', 'no attempts at all');
SELECT tests.assert_raises($$SELECT internal.enqueue_job('mail.send', '{}', now(), now(), '')$$, '23514', 'an empty key');

-- No API role reaches the queue.
SELECT set_config('t.user', tests.create_user('worker@jobs.test')::text, true);
SELECT tests.act_as(current_setting('t.user')::uuid);
SELECT tests.assert_raises($$SELECT internal.enqueue_job('mail.send', '{}', now(), now())$$, '42501', 'a user cannot enqueue');
SELECT tests.assert_raises($$SELECT count(*) FROM internal.jobs$$, '42501', 'a user cannot read the queue');
SELECT tests.act_as_service();
SELECT tests.assert_raises($$SELECT internal.claim_jobs('x', '{mail.send}', now(), 60, 1)$$, '42501', 'service_role cannot claim');
SELECT tests.act_as_anon();
SELECT tests.assert_raises($$SELECT internal.retry_job(gen_random_uuid(), now())$$, '42501', 'anon cannot retry');
