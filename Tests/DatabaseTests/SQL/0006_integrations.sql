-- 0006 integrations: slack_installations and teams_installations — ciphertext-only tokens that
-- client roles can never read, and the owner-only RLS matrix.

CREATE FUNCTION tests.c_id(p_name text) RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('t.' || p_name, true), '')::uuid $$;
GRANT EXECUTE ON FUNCTION tests.c_id(text) TO PUBLIC;

SELECT set_config('t.alice', tests.create_user('alice@example.com')::text, true);
SELECT set_config('t.mallory', tests.create_user('mallory@example.com')::text, true);

-- Fixtures, stored by the server after OAuth (service_role): 12-byte nonce + ciphertext + 16-byte tag.
SELECT tests.act_as_service();
WITH s AS (
  INSERT INTO public.slack_installations (user_id, team_id, team_name, bot_user_id, access_token_encrypted, token_key_version)
  VALUES (tests.c_id('alice'), 'T001', 'Acme', 'U0BOT', decode(repeat('ab', 45), 'hex'), 1) RETURNING id
)
SELECT set_config('t.slack', (SELECT id FROM s)::text, true);
WITH s AS (
  INSERT INTO public.teams_installations (user_id, tenant_id, service_url, access_token_encrypted,
                                          refresh_token_encrypted, token_key_version)
  VALUES (tests.c_id('alice'), 'tenant-1', 'https://smba.trafficmanager.net/emea/',
          decode(repeat('cd', 45), 'hex'), decode(repeat('ef', 45), 'hex'), 1) RETURNING id
)
SELECT set_config('t.msteams', (SELECT id FROM s)::text, true);

-- Defaults.
SELECT tests.assert((SELECT is_active AND installed_at = now() AND disconnected_at IS NULL
                            AND settings = '{"morning_reminder": true, "evening_summary": true, "goal_reminders": false, "reminder_time": "08:00"}'::jsonb
                     FROM public.slack_installations WHERE id = tests.c_id('slack')),
                    'slack defaults: active, installed now, default reminder settings');
SELECT tests.assert((SELECT is_active AND settings ->> 'reminder_time' = '08:00'
                     FROM public.teams_installations WHERE id = tests.c_id('msteams')),
                    'teams defaults: active, default reminder settings');

-- Ciphertext rules hold for every writer, the server included.
SELECT tests.assert_raises(format($$INSERT INTO public.slack_installations (user_id, team_id, team_name, bot_user_id,
                                   access_token_encrypted, token_key_version)
                                   VALUES (%L, 'T002', 'X', 'B', decode(repeat('00', 28), 'hex'), 1)$$, tests.c_id('alice')),
                           '23514', 'slack: a 28-byte token cannot be AES-GCM ciphertext');
SELECT tests.assert_raises(format($$INSERT INTO public.slack_installations (user_id, team_id, team_name, bot_user_id,
                                   token_key_version) VALUES (%L, 'T002', 'X', 'B', 1)$$, tests.c_id('alice')),
                           '23502', 'slack: the token is required');
SELECT tests.assert_raises(format($$INSERT INTO public.slack_installations (user_id, team_id, team_name, bot_user_id,
                                   access_token_encrypted) VALUES (%L, 'T002', 'X', 'B', decode(repeat('00', 40), 'hex'))$$,
                                  tests.c_id('alice')),
                           '23502', 'slack: the key version is required');
SELECT tests.assert_raises(format($$INSERT INTO public.slack_installations (user_id, team_id, team_name, bot_user_id,
                                   access_token_encrypted, token_key_version)
                                   VALUES (%L, 'T001', 'X', 'B', decode(repeat('00', 40), 'hex'), 1)$$, tests.c_id('alice')),
                           '23505', 'slack: one installation per user and workspace');
SELECT tests.assert_raises(format($$INSERT INTO public.teams_installations (user_id, tenant_id, service_url,
                                   refresh_token_encrypted, token_key_version)
                                   VALUES (%L, 'tenant-2', 'https://x', decode(repeat('00', 20), 'hex'), 1)$$, tests.c_id('alice')),
                           '23514', 'teams: a short refresh token cannot be ciphertext');
SELECT tests.assert_raises(format($$INSERT INTO public.teams_installations (user_id, tenant_id, service_url,
                                   access_token_encrypted, token_key_version)
                                   VALUES (%L, 'tenant-2', 'https://x', decode(repeat('00', 28), 'hex'), 1)$$, tests.c_id('alice')),
                           '23514', 'teams: a short access token cannot be ciphertext');
SELECT tests.assert_raises(format($$INSERT INTO public.teams_installations (user_id, tenant_id, service_url,
                                   access_token_encrypted) VALUES (%L, 'tenant-2', 'https://x', decode(repeat('00', 40), 'hex'))$$,
                                  tests.c_id('alice')),
                           '23514', 'teams: an access token needs token_key_version');
SELECT tests.assert_raises(format($$INSERT INTO public.teams_installations (user_id, tenant_id, service_url,
                                   refresh_token_encrypted) VALUES (%L, 'tenant-2', 'https://x', decode(repeat('00', 40), 'hex'))$$,
                                  tests.c_id('alice')),
                           '23514', 'teams: a refresh token needs token_key_version');
SELECT tests.assert_eq(tests.affected(format($$INSERT INTO public.teams_installations (user_id, tenant_id, service_url)
                                               VALUES (%L, 'tenant-2', 'https://x')$$, tests.c_id('alice'))),
                       1::bigint, 'teams: an installation without tokens needs no key version');
SELECT tests.assert_raises(format($$UPDATE public.teams_installations SET token_key_version = NULL WHERE id = %L$$,
                                  tests.c_id('msteams')),
                           '23514', 'teams: the key version cannot be dropped while tokens exist');
SELECT tests.assert_raises(format($$INSERT INTO public.teams_installations (user_id, tenant_id, service_url)
                                   VALUES (%L, 'tenant-1', 'https://x')$$, tests.c_id('alice')),
                           '23505', 'teams: one installation per user and tenant');
SELECT tests.assert_eq(
  (SELECT octet_length(access_token_encrypted) FROM public.slack_installations WHERE id = tests.c_id('slack')),
  45, 'service_role reads the ciphertext');

-- The owner: reads every column but the ciphertext, updates only settings / is_active /
-- disconnected_at, deletes, never inserts.
SELECT tests.act_as(tests.c_id('alice'));
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('slack_installations', 'slack', 'access_token_encrypted', 'team_id, team_name, bot_user_id, token_key_version, scope, authed_user_id, is_active, settings, installed_at, disconnected_at, user_id, id, created_at, updated_at'),
    ('teams_installations', 'msteams', 'access_token_encrypted', 'tenant_id, tenant_name, service_url, bot_id, conversation_id, token_key_version, token_expires_at, is_active, settings, installed_at, disconnected_at, user_id, id, created_at, updated_at'),
    ('teams_installations', 'msteams', 'refresh_token_encrypted', NULL)) AS v (t, fixture, secret, visible)
  LOOP
    PERFORM tests.assert_raises(format('SELECT %I FROM public.%I', r.secret, r.t), '42501',
                                format('owner cannot select %s.%s', r.t, r.secret));
    PERFORM tests.assert_raises(format('SELECT * FROM public.%I', r.t), '42501',
                                format('SELECT * on %s is refused (it would include the ciphertext)', r.t));
    PERFORM tests.assert_raises(format('SELECT 1 FROM public.%I WHERE %I IS NOT NULL', r.t, r.secret), '42501',
                                format('owner cannot even filter on %s.%s', r.t, r.secret));
    PERFORM tests.assert_raises(format('UPDATE public.%I SET %I = decode(repeat(''00'', 40), ''hex'')', r.t, r.secret), '42501',
                                format('owner cannot overwrite %s.%s', r.t, r.secret));
    PERFORM tests.assert_raises(format('UPDATE public.%I SET token_key_version = 2', r.t), '42501',
                                format('owner cannot change %s.token_key_version', r.t));
    PERFORM tests.assert_raises(format('UPDATE public.%I SET user_id = %L', r.t, tests.c_id('mallory')), '42501',
                                format('owner cannot give %s to another user', r.t));
    PERFORM tests.assert_raises(format('UPDATE public.%I SET installed_at = now() - interval ''1 year''', r.t), '42501',
                                format('owner cannot rewrite %s.installed_at', r.t));
    PERFORM tests.assert_raises(format('INSERT INTO public.%I (user_id) VALUES (auth.uid())', r.t), '42501',
                                format('owner cannot insert into %s', r.t));
    IF r.visible IS NOT NULL THEN
      PERFORM tests.assert_eq(tests.row_count(format('SELECT %s FROM public.%I WHERE id = %L', r.visible, r.t, tests.c_id(r.fixture))), 1::bigint,
                              format('owner selects every other column of %s', r.t));
      PERFORM tests.assert_eq(
        tests.affected(format($u$UPDATE public.%I SET settings = settings || '{"reminder_time": "07:30"}' WHERE id = %L$u$, r.t, tests.c_id(r.fixture))),
        1::bigint, format('owner updates the settings of %s', r.t));
      -- Links are switched on and off by the server (0052): not by their owner.
      PERFORM tests.assert_raises(format('UPDATE public.%I SET is_active = false WHERE id = %L', r.t, tests.c_id(r.fixture)), '42501',
                                  format('owner cannot switch %s off', r.t));
    END IF;
  END LOOP;
END
$$;
SELECT tests.act_as_owner();
SELECT tests.assert((SELECT is_active AND disconnected_at IS NULL AND settings ->> 'reminder_time' = '07:30'
                     FROM public.slack_installations WHERE id = tests.c_id('slack')),
                    'the owner''s update of the slack installation was applied');

-- Another user and anon: nothing visible, nothing changed, nothing deleted.
SELECT tests.act_as(tests.c_id('mallory'));
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['slack_installations', 'teams_installations'] LOOP
    PERFORM tests.assert_eq(tests.row_count(format('SELECT id, user_id FROM public.%I', t)), 0::bigint,
                            'another user sees no row of ' || t);
    PERFORM tests.assert_eq(tests.affected(format('UPDATE public.%I SET settings = ''{}''', t)), 0::bigint,
                            'another user updates no row of ' || t);
    PERFORM tests.assert_eq(tests.affected(format('DELETE FROM public.%I', t)), 0::bigint,
                            'another user deletes no row of ' || t);
  END LOOP;
END
$$;
SELECT tests.act_as_anon();
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['slack_installations', 'teams_installations'] LOOP
    PERFORM tests.assert_raises(format('SELECT id FROM public.%I', t), '42501', 'anon cannot select ' || t);
    PERFORM tests.assert_raises(format('UPDATE public.%I SET is_active = false', t), '42501', 'anon cannot update ' || t);
    PERFORM tests.assert_raises(format('DELETE FROM public.%I', t), '42501', 'anon cannot delete from ' || t);
    PERFORM tests.assert_raises(format('INSERT INTO public.%I (user_id) VALUES (gen_random_uuid())', t), '42501',
                                'anon cannot insert into ' || t);
  END LOOP;
END
$$;
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT count(*) FROM public.slack_installations) + (SELECT count(*) FROM public.teams_installations),
                       3::bigint, 'the attacks left every installation in place');

-- The owner disconnects by deleting.
SELECT tests.act_as(tests.c_id('alice'));
SELECT tests.assert_eq(tests.affected('DELETE FROM public.slack_installations'), 1::bigint, 'owner deletes a slack installation');
SELECT tests.assert_eq(tests.affected('DELETE FROM public.teams_installations'), 2::bigint, 'owner deletes teams installations');

-- Deleting the account deletes its installations.
SELECT tests.act_as_service();
INSERT INTO public.slack_installations (user_id, team_id, team_name, bot_user_id, access_token_encrypted, token_key_version)
VALUES (tests.c_id('mallory'), 'T9', 'M', 'B', decode(repeat('11', 40), 'hex'), 3);
SELECT tests.act_as_owner();
DELETE FROM auth.users WHERE id = tests.c_id('mallory');
SELECT tests.assert_eq((SELECT count(*) FROM public.slack_installations), 0::bigint,
                       'installations are deleted with the account');
