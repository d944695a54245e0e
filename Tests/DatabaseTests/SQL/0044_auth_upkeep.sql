-- 0044: auth.clear_expired deletes expired sessions (with their refresh tokens) and old
-- rate-limit windows, and nothing else; no API role may call it.
SELECT tests.act_as_owner();
SELECT set_config('t.user', tests.create_user('upkeep@auth.test')::text, true);
INSERT INTO auth.sessions (id, user_id, not_after) VALUES
  ('00000000-0000-4000-9000-000000000001', current_setting('t.user')::uuid, now() - interval '1 minute'),
  ('00000000-0000-4000-9000-000000000002', current_setting('t.user')::uuid, now() + interval '1 hour'),
  ('00000000-0000-4000-9000-000000000003', current_setting('t.user')::uuid, NULL);
INSERT INTO auth.refresh_tokens (token_hash, user_id, session_id) VALUES
  ('expired', current_setting('t.user')::uuid, '00000000-0000-4000-9000-000000000001'),
  ('live', current_setting('t.user')::uuid, '00000000-0000-4000-9000-000000000003');
INSERT INTO auth.rate_limits (bucket, window_start, hits) VALUES
  ('old', now() - interval '3 days', 5), ('recent', now() - interval '1 day', 5), ('current', now(), 1);
SELECT tests.assert_eq(auth.clear_expired(), '{"sessions": 1, "rate_limit_windows": 1}'::jsonb, 'one expired session, one old window');
SELECT tests.assert_eq((SELECT array_agg(id::text ORDER BY id) FROM auth.sessions WHERE user_id = current_setting('t.user')::uuid),
  ARRAY['00000000-0000-4000-9000-000000000002', '00000000-0000-4000-9000-000000000003'], 'live sessions stay');
SELECT tests.assert_eq((SELECT array_agg(token_hash) FROM auth.refresh_tokens WHERE user_id = current_setting('t.user')::uuid),
  ARRAY['live'], 'the expired session''s refresh token went with it');
SELECT tests.assert_eq((SELECT array_agg(bucket ORDER BY bucket) FROM auth.rate_limits WHERE bucket IN ('old', 'recent', 'current')),
  ARRAY['current', 'recent'], 'windows of the last two days stay');
SELECT tests.assert_eq(auth.clear_expired(), '{"sessions": 0, "rate_limit_windows": 0}'::jsonb, 'a second run finds nothing');
SELECT tests.act_as_service();
SELECT tests.assert_raises($$SELECT auth.clear_expired()$$, '42501', 'service_role cannot call it');
SELECT tests.act_as(current_setting('t.user')::uuid);
SELECT tests.assert_raises($$SELECT auth.clear_expired()$$, '42501', 'a user cannot call it');
