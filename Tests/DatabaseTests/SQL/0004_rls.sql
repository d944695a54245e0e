-- 0004 access matrix: for each table of 0004_agent_habits.sql, what another user, anon, the owner
-- and service_role can and cannot do; and the parent-derived owners of agent_messages and
-- habit_completions (docs/schema.md, Conventions).

SELECT set_config('test.a', tests.create_user('agent-a@example.com')::text, true),
       set_config('test.b', tests.create_user('agent-b@example.com')::text, true);

-- Fixtures, made as the schema owner: one row of A's in every table.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
BEGIN
  INSERT INTO public.agent_sessions (id, user_id, session_type) VALUES ('00000000-0000-0000-0004-000000000001', a, 'text');
  INSERT INTO public.agent_messages (id, session_id, role, content)
    VALUES ('00000000-0000-0000-0004-000000000002', '00000000-0000-0000-0004-000000000001', 'user', 'hello');
  INSERT INTO public.user_comm_preferences (id, user_id) VALUES ('00000000-0000-0000-0004-000000000003', a);
  INSERT INTO public.habits (id, user_id, title) VALUES ('00000000-0000-0000-0004-000000000004', a, 'read 10 pages');
  INSERT INTO public.habit_completions (id, habit_id) VALUES ('00000000-0000-0000-0004-000000000005', '00000000-0000-0000-0004-000000000004');
  INSERT INTO public.user_achievements (id, user_id, achievement_type, achievement_key)
    VALUES ('00000000-0000-0000-0004-000000000006', a, 'badge', 'first_vision');
  INSERT INTO public.scheduled_checkins (id, user_id, checkin_type, scheduled_for)
    VALUES ('00000000-0000-0000-0004-000000000007', a, 'daily_habit', now() + interval '1 day');
  INSERT INTO public.agent_actions (id, user_id, action_type) VALUES ('00000000-0000-0000-0004-000000000008', a, 'create_task');
  INSERT INTO public.weekly_reviews (id, user_id, week_start, week_end)
    VALUES ('00000000-0000-0000-0004-000000000009', a, '2024-01-01', '2024-01-07');
  INSERT INTO public.progress_predictions (id, user_id, goal_type) VALUES ('00000000-0000-0000-0004-00000000000a', a, 'savings');
END
$$;

-- Helper: another user, anon and service_role against one of A's rows (p_insert: an INSERT
-- column list and values naming A as owner, %L; NULL for parent-derived tables, tested below).
CREATE FUNCTION pg_temp.check_isolation(p_table text, p_id uuid, p_update text, p_insert text) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  b uuid := current_setting('test.b')::uuid;
  v_select text := format('SELECT id FROM public.%I WHERE id = %L', p_table, p_id);
  v_update text := format('UPDATE public.%I SET %s WHERE id = %L', p_table, p_update, p_id);
  v_delete text := format('DELETE FROM public.%I WHERE id = %L', p_table, p_id);
  v_insert text := format('INSERT INTO public.%I %s', p_table, format(coalesce(p_insert, '(id) VALUES (%L)'), a));
BEGIN
  PERFORM tests.act_as(b);
  PERFORM tests.assert_eq(tests.row_count(v_select), 0::bigint, p_table || ': another user cannot select the row');
  PERFORM tests.assert_eq(tests.affected(v_update), 0::bigint, p_table || ': another user cannot update the row');
  PERFORM tests.assert_eq(tests.affected(v_delete), 0::bigint, p_table || ': another user cannot delete the row');
  IF p_insert IS NOT NULL THEN
    PERFORM tests.assert_raises(v_insert, '42501', p_table || ': another user cannot insert a row owned by A');
  END IF;

  PERFORM tests.act_as_anon();
  PERFORM tests.assert_raises(v_select, '42501', p_table || ': anon cannot select');
  PERFORM tests.assert_raises(v_update, '42501', p_table || ': anon cannot update');
  PERFORM tests.assert_raises(v_delete, '42501', p_table || ': anon cannot delete');
  PERFORM tests.assert_raises(v_insert, '42501', p_table || ': anon cannot insert');

  PERFORM tests.act_as_service();
  PERFORM tests.assert_eq(tests.row_count(v_select), 1::bigint, p_table || ': service_role can select the row');
  PERFORM tests.assert_eq(tests.affected(v_update), 1::bigint, p_table || ': service_role can update the row');

  PERFORM tests.act_as(a);
  PERFORM tests.assert_eq(tests.row_count(v_select), 1::bigint, p_table || ': the owner can select the row');
  PERFORM tests.assert_eq(tests.affected(v_update), 1::bigint, p_table || ': the owner can update the row');
  IF p_insert IS NOT NULL THEN
    PERFORM tests.assert_raises(format('UPDATE public.%I SET user_id = %L WHERE id = %L', p_table, b, p_id), '42501',
                                p_table || ': the owner cannot hand the row to another user');
  ELSE
    -- Parent-derived owner: refused, or the trigger puts the parent's owner back.
    BEGIN
      EXECUTE format('UPDATE public.%I SET user_id = %L WHERE id = %L', p_table, b, p_id);
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;
    END;
  END IF;
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE id = %L AND user_id = %L', p_table, p_id, a)),
                          1::bigint, p_table || ': the row survived the attempts and is still A''s');
END
$$;

-- Isolation of every table.
SELECT pg_temp.check_isolation(t.name, t.id::uuid, t.upd, t.ins)
  FROM (VALUES
    ('agent_sessions', '00000000-0000-0000-0004-000000000001', 'summary = ''s''', '(user_id) VALUES (%L)'),
    ('agent_messages', '00000000-0000-0000-0004-000000000002', 'content = ''c''', NULL),
    ('user_comm_preferences', '00000000-0000-0000-0004-000000000003', 'phone_number = ''+15550100''', '(user_id) VALUES (%L)'),
    ('habits', '00000000-0000-0000-0004-000000000004', 'title = ''read 20 pages''', '(user_id, title) VALUES (%L, ''t'')'),
    ('habit_completions', '00000000-0000-0000-0004-000000000005', 'notes = ''done''', NULL),
    ('user_achievements', '00000000-0000-0000-0004-000000000006', 'value = 2',
     '(user_id, achievement_type, achievement_key) VALUES (%L, ''badge'', ''k'')'),
    ('scheduled_checkins', '00000000-0000-0000-0004-000000000007', 'status = ''sent''', '(user_id, scheduled_for) VALUES (%L, now())'),
    ('weekly_reviews', '00000000-0000-0000-0004-000000000009', 'ai_insights = ''i''',
     '(user_id, week_start, week_end) VALUES (%L, ''2024-02-05'', ''2024-02-11'')'),
    ('progress_predictions', '00000000-0000-0000-0004-00000000000a', 'current_pace = 1.1', '(user_id) VALUES (%L)')
  ) AS t (name, id, upd, ins);

-- Agent actions: readable and deletable by their owner alone, but no user changes one (their
-- status moves only through the server's functions: migration 0063), nor records one other than
-- pending; another user reaches none of them.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  b uuid := current_setting('test.b')::uuid;
  v_row constant text := '00000000-0000-0000-0004-000000000008';
BEGIN
  PERFORM tests.act_as(b);
  PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.agent_actions WHERE id = %L', v_row)), 0::bigint,
                          'agent_actions: another user cannot see the row');
  PERFORM tests.assert_eq(tests.affected(format('UPDATE public.agent_actions SET action_status = %L WHERE id = %L', 'completed', v_row)), 0::bigint,
                          'agent_actions: another user cannot update the row');
  PERFORM tests.assert_eq(tests.affected(format('DELETE FROM public.agent_actions WHERE id = %L', v_row)), 0::bigint,
                          'agent_actions: another user cannot delete the row');
  PERFORM tests.assert_raises(format('INSERT INTO public.agent_actions (user_id, action_type) VALUES (%L, %L)', a, 'create_task'), '42501',
                              'agent_actions: another user cannot insert a row for the owner');
  PERFORM tests.act_as(a);
  PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.agent_actions WHERE id = %L', v_row)), 1::bigint,
                          'agent_actions: the owner sees the row');
  PERFORM tests.assert_raises(format('UPDATE public.agent_actions SET action_status = %L WHERE id = %L', 'completed', v_row), '42501',
                              'agent_actions: the owner cannot change the status');
  PERFORM tests.assert_raises(format('UPDATE public.agent_actions SET input_params = %L WHERE id = %L', '{"title": "y"}', v_row), '42501',
                              'agent_actions: the owner cannot change the arguments');
  PERFORM tests.assert_raises(format('INSERT INTO public.agent_actions (action_type, action_status) VALUES (%L, %L)', 'create_task', 'completed'), '42501',
                              'agent_actions: the owner cannot record a completed action');
  PERFORM tests.assert_raises(format('INSERT INTO public.agent_actions (action_type) VALUES (%L)', 'drop_everything'), '23514',
                              'agent_actions: only the coach''s tools are actions');
  PERFORM tests.act_as_owner();
END
$$;

-- Owner-all tables: the owner inserts (user_id defaults to the caller) and deletes.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  t record;
  v_id uuid;
BEGIN
  PERFORM tests.act_as(a);
  FOR t IN SELECT * FROM (VALUES
    ('agent_sessions', '(session_type) VALUES (''voice'')'),
    ('habits', '(title, frequency, custom_days) VALUES (''stretch'', ''custom'', ''[1, 3]'')'),
    ('user_achievements', '(achievement_type, achievement_key) VALUES (''level'', ''level_2'')'),
    ('scheduled_checkins', '(checkin_type, scheduled_for) VALUES (''weekly_review'', now() + interval ''2 days'')'),
    ('agent_actions', '(action_type, input_params) VALUES (''create_task'', ''{"title": "x"}'')'),
    ('weekly_reviews', '(week_start, week_end) VALUES (''2024-01-08'', ''2024-01-14'')'),
    ('progress_predictions', '(goal_type, target_date) VALUES (''house'', ''2030-01-01'')')) AS x (name, ins)
  LOOP
    EXECUTE format('INSERT INTO public.%I %s RETURNING id', t.name, t.ins) INTO v_id;
    PERFORM tests.assert_eq(tests.row_count(format('SELECT * FROM public.%I WHERE id = %L AND user_id = %L', t.name, v_id, a)),
                            1::bigint, t.name || ': the owner inserts a row owned by them');
    PERFORM tests.assert_eq(tests.affected(format('DELETE FROM public.%I WHERE id = %L', t.name, v_id)), 1::bigint,
                            t.name || ': the owner deletes their row');
  END LOOP;
  -- One preferences row per user.
  PERFORM tests.assert_raises('INSERT INTO public.user_comm_preferences DEFAULT VALUES', '23505',
                              'user_comm_preferences: a second row for the same user is refused');
  PERFORM tests.assert_eq(tests.affected('DELETE FROM public.user_comm_preferences'), 1::bigint,
                          'user_comm_preferences: the owner deletes their preferences');
  PERFORM tests.assert_eq(tests.affected('INSERT INTO public.user_comm_preferences (timezone) VALUES (''Europe/Paris'')'), 1::bigint,
                          'user_comm_preferences: the owner creates their preferences');
  PERFORM tests.act_as_owner();
END
$$;

-- habits: streak counters are server-maintained; task_id must be one of the owner's tasks.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  b uuid := current_setting('test.b')::uuid;
  v_task_a uuid;
  v_task_b uuid;
BEGIN
  INSERT INTO public.action_tasks (user_id, title, type) VALUES (a, 'a''s task', 'FINANCE') RETURNING id INTO v_task_a;
  INSERT INTO public.action_tasks (user_id, title, type) VALUES (b, 'b''s task', 'FINANCE') RETURNING id INTO v_task_b;
  PERFORM tests.act_as(a);
  PERFORM tests.assert_raises(format('UPDATE public.habits SET %s', c), '42501', 'habits: the owner cannot write ' || c)
     FROM unnest(ARRAY['current_streak = 100', 'longest_streak = 100', 'last_completed = now()']) AS c;
  PERFORM tests.assert_raises(format('INSERT INTO public.habits (title, %s) VALUES (''x'', %s)', c.col, c.val), '42501',
                              'habits: the owner cannot insert ' || c.col)
     FROM (VALUES ('current_streak', '5'), ('longest_streak', '5'), ('last_completed', 'now()')) AS c (col, val);
  PERFORM tests.assert_raises(format('INSERT INTO public.habits (title, task_id) VALUES (''x'', %L)', v_task_b), '42501',
                              'habits: task_id cannot be another user''s task (insert)');
  PERFORM tests.assert_raises(format('UPDATE public.habits SET task_id = %L', v_task_b), '42501',
                              'habits: task_id cannot be another user''s task (update)');
  PERFORM tests.assert_eq(tests.affected(format('UPDATE public.habits SET task_id = %L', v_task_a)), 1::bigint,
                          'habits: task_id may be the owner''s own task');
  PERFORM tests.act_as_owner();
  DELETE FROM public.action_tasks WHERE id = v_task_a;
  PERFORM tests.assert_eq((SELECT task_id FROM public.habits WHERE id = '00000000-0000-0000-0004-000000000004'), NULL::uuid,
                          'habits: deleting the task clears habits.task_id');
END
$$;

-- agent_messages: the owner comes from the session; other users' sessions are not found.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  b uuid := current_setting('test.b')::uuid;
  v_session_b uuid;
  v_msg uuid;
BEGIN
  PERFORM tests.act_as(b);
  INSERT INTO public.agent_sessions (session_type) VALUES ('text') RETURNING id INTO v_session_b;
  PERFORM tests.assert_raises(format('INSERT INTO public.agent_messages (session_id, content) VALUES (%L, ''hi'')',
                                     '00000000-0000-0000-0004-000000000001'), 'P0002',
                              'agent_messages: another user''s session is not found');
  PERFORM tests.assert_raises(format('INSERT INTO public.agent_messages (session_id, user_id, content) VALUES (%L, %L, ''hi'')',
                                     '00000000-0000-0000-0004-000000000001', a), 'P0002',
                              'agent_messages: naming the other user as owner does not help');
  PERFORM tests.assert_raises(format('INSERT INTO public.agent_messages (session_id, content) VALUES (%L, ''hi'')', gen_random_uuid()),
                              'P0002', 'agent_messages: an unknown session is not found');
  INSERT INTO public.agent_messages (session_id, user_id, content) VALUES (v_session_b, a, 'mine') RETURNING id INTO v_msg;
  PERFORM tests.assert_eq((SELECT user_id FROM public.agent_messages WHERE id = v_msg), b,
                          'agent_messages: a client-supplied user_id is replaced by the session''s owner');
  PERFORM tests.assert_raises(format('UPDATE public.agent_messages SET session_id = %L WHERE id = %L',
                                     '00000000-0000-0000-0004-000000000001', v_msg), 'P0002',
                              'agent_messages: a message cannot be moved into another user''s session');
  PERFORM tests.act_as_service();
  INSERT INTO public.agent_messages (session_id, user_id, role, content)
    VALUES ('00000000-0000-0000-0004-000000000001', b, 'agent', 'from the server') RETURNING id INTO v_msg;
  PERFORM tests.assert_eq((SELECT user_id FROM public.agent_messages WHERE id = v_msg), a,
                          'agent_messages: service_role''s message belongs to the session''s owner');
  PERFORM tests.assert_raises(format('INSERT INTO public.agent_messages (session_id, content) VALUES (%L, ''x'')', gen_random_uuid()),
                              'P0002', 'agent_messages: service_role cannot attach a message to an unknown session');
  -- A session handed to another user (server only) takes its messages along.
  UPDATE public.agent_sessions SET user_id = b WHERE id = '00000000-0000-0000-0004-000000000001';
  PERFORM tests.assert_eq((SELECT count(*) FROM public.agent_messages
                            WHERE session_id = '00000000-0000-0000-0004-000000000001' AND user_id <> b), 0::bigint,
                          'agent_messages: messages follow their session to its new owner');
  UPDATE public.agent_sessions SET user_id = a WHERE id = '00000000-0000-0000-0004-000000000001';
  PERFORM tests.act_as_owner();
  -- Deleting the session deletes its messages.
  DELETE FROM public.agent_sessions WHERE id = '00000000-0000-0000-0004-000000000001';
  PERFORM tests.assert_eq((SELECT count(*) FROM public.agent_messages WHERE session_id = '00000000-0000-0000-0004-000000000001'),
                          0::bigint, 'agent_messages: deleted with their session');
END
$$;

-- habit_completions: the owner comes from the habit; other users' habits are not found; the
-- owner may only edit notes and mood.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  b uuid := current_setting('test.b')::uuid;
  v_habit_a uuid := '00000000-0000-0000-0004-000000000004';
  v_habit_b uuid;
  v_id uuid;
BEGIN
  PERFORM tests.act_as(b);
  INSERT INTO public.habits (title) VALUES ('b''s habit') RETURNING id INTO v_habit_b;
  PERFORM tests.assert_raises(format('INSERT INTO public.habit_completions (habit_id, completed_on) VALUES (%L, current_date - 1)', v_habit_a),
                              'P0002', 'habit_completions: another user''s habit is not found');
  PERFORM tests.assert_raises(format('INSERT INTO public.habit_completions (habit_id, user_id) VALUES (%L, %L)', v_habit_a, a),
                              'P0002', 'habit_completions: naming the other user as owner does not help');
  PERFORM tests.assert_raises(format('INSERT INTO public.habit_completions (habit_id) VALUES (%L)', gen_random_uuid()), 'P0002',
                              'habit_completions: an unknown habit is not found');
  INSERT INTO public.habit_completions (habit_id, user_id) VALUES (v_habit_b, a) RETURNING id INTO v_id;
  PERFORM tests.assert_eq((SELECT user_id FROM public.habit_completions WHERE id = v_id), b,
                          'habit_completions: a client-supplied user_id is replaced by the habit''s owner');
  PERFORM tests.assert_raises(format('UPDATE public.habit_completions SET %s WHERE id = %L', c, v_id), '42501',
                              'habit_completions: the owner cannot update ' || c)
     FROM unnest(ARRAY[format('habit_id = %L', v_habit_a), 'completed_on = completed_on - 1', 'completed_at = now()',
                       format('user_id = %L', a)]) AS c;
  PERFORM tests.assert_eq(tests.affected(format('UPDATE public.habit_completions SET notes = ''felt good'', mood_rating = 4 WHERE id = %L', v_id)),
                          1::bigint, 'habit_completions: the owner updates notes and mood');
  PERFORM tests.assert_raises(format('UPDATE public.habit_completions SET mood_rating = 6 WHERE id = %L', v_id), '23514',
                              'habit_completions: mood_rating is 1 to 5');
  PERFORM tests.assert_eq(tests.affected(format('DELETE FROM public.habit_completions WHERE id = %L', v_id)), 1::bigint,
                          'habit_completions: the owner deletes a completion');

  PERFORM tests.act_as_service();
  INSERT INTO public.habit_completions (habit_id, user_id, completed_on) VALUES (v_habit_a, b, current_date - 30) RETURNING id INTO v_id;
  PERFORM tests.assert_eq((SELECT user_id FROM public.habit_completions WHERE id = v_id), a,
                          'habit_completions: service_role''s completion belongs to the habit''s owner');
  -- Moving a completion to another habit (server only) takes that habit's owner.
  UPDATE public.habit_completions SET habit_id = v_habit_b WHERE id = v_id;
  PERFORM tests.assert_eq((SELECT user_id FROM public.habit_completions WHERE id = v_id), b,
                          'habit_completions: a moved completion takes the new habit''s owner');
  -- A habit handed to another user (server only) takes its completions along.
  UPDATE public.habits SET user_id = a WHERE id = v_habit_b;
  PERFORM tests.assert_eq((SELECT user_id FROM public.habit_completions WHERE id = v_id), a,
                          'habit_completions: completions follow their habit to its new owner');
  PERFORM tests.act_as_owner();
  DELETE FROM public.habits WHERE id = v_habit_b;
  PERFORM tests.assert_eq((SELECT count(*) FROM public.habit_completions WHERE habit_id = v_habit_b), 0::bigint,
                          'habit_completions: deleted with their habit');
END
$$;

-- Deleting an account removes every row of the user in every table of the slice.
DELETE FROM auth.users WHERE id = current_setting('test.a')::uuid;
SELECT tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE user_id = %L', t, current_setting('test.a'))), 0::bigint,
                       t || ': the user''s rows are deleted with the account')
  FROM unnest(ARRAY['agent_sessions', 'agent_messages', 'user_comm_preferences', 'habits', 'habit_completions', 'user_achievements',
                    'scheduled_checkins', 'agent_actions', 'weekly_reviews', 'progress_predictions']) AS t;
