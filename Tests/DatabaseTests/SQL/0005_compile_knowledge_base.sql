-- 0005 compile_user_knowledge_base(): upserts the caller's knowledge-base row with the number of
-- live vision boards and active habits; the uuid overload does the same for server jobs.
-- Needs vision_boards and habits (0003, 0004).

CREATE TEMP TABLE fx (key text PRIMARY KEY, id uuid);
GRANT ALL ON fx TO PUBLIC;
INSERT INTO fx VALUES ('alice', tests.create_user('alice@example.com')), ('mallory', tests.create_user('mallory@example.com'));

-- Fixtures: alice has 3 boards (1 soft-deleted) and 3 habits (1 archived); mallory 2 boards, 1 habit.
INSERT INTO public.vision_boards (user_id, prompt, image_url, deleted_at)
SELECT (SELECT id FROM fx WHERE key = u), 'A calm house by the sea', 'https://example.com/' || u || g, d
FROM (VALUES ('alice', 1, NULL::timestamptz), ('alice', 2, NULL), ('alice', 3, now() - interval '1 day'),
             ('mallory', 1, NULL), ('mallory', 2, NULL)) AS v (u, g, d);
INSERT INTO public.habits (user_id, title, is_active)
SELECT (SELECT id FROM fx WHERE key = u), 'Habit ' || g, a
FROM (VALUES ('alice', 1, true), ('alice', 2, true), ('alice', 3, false), ('mallory', 1, true)) AS v (u, g, a);

-- alice already has a row written by the application: compiling keeps its other fields.
INSERT INTO public.user_knowledge_base (user_id, names, agent_notes, vision_board_count, last_compiled_at)
VALUES ((SELECT id FROM fx WHERE key = 'alice'), 'Alice & Sam', 'Prefers mornings', 99, now() - interval '7 days');

SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
SELECT public.compile_user_knowledge_base();
SELECT public.compile_user_knowledge_base();
SELECT tests.act_as_owner();
SELECT tests.assert_eq(
  (SELECT ARRAY[vision_board_count, active_habits_count] FROM public.user_knowledge_base
   WHERE user_id = (SELECT id FROM fx WHERE key = 'alice')),
  ARRAY[2, 2], 'caller''s live boards and active habits counted');
SELECT tests.assert_eq(
  (SELECT last_compiled_at FROM public.user_knowledge_base WHERE user_id = (SELECT id FROM fx WHERE key = 'alice')),
  now(), 'last_compiled_at stamped');
SELECT tests.assert_eq(
  (SELECT names || ' / ' || agent_notes FROM public.user_knowledge_base WHERE user_id = (SELECT id FROM fx WHERE key = 'alice')),
  'Alice & Sam / Prefers mornings', 'fields written by the application are kept');
SELECT tests.assert_eq(
  (SELECT count(*) FROM public.user_knowledge_base WHERE user_id = (SELECT id FROM fx WHERE key = 'alice')),
  1::bigint, 'compiling twice keeps one row');
SELECT tests.assert_eq(
  (SELECT count(*) FROM public.user_knowledge_base WHERE user_id = (SELECT id FROM fx WHERE key = 'mallory')),
  0::bigint, 'another user''s row is not created');

-- A first compile creates the row; a soft-deleted board drops out of the count on recompile.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'mallory'));
SELECT public.compile_user_knowledge_base();
SELECT tests.act_as_owner();
SELECT tests.assert_eq(
  (SELECT ARRAY[vision_board_count, active_habits_count] FROM public.user_knowledge_base
   WHERE user_id = (SELECT id FROM fx WHERE key = 'mallory')),
  ARRAY[2, 1], 'first compile inserts the caller''s row');
UPDATE public.vision_boards SET deleted_at = now() WHERE user_id = (SELECT id FROM fx WHERE key = 'mallory')
  AND image_url LIKE '%mallory1';
UPDATE public.habits SET is_active = false WHERE user_id = (SELECT id FROM fx WHERE key = 'mallory');
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'mallory'));
SELECT public.compile_user_knowledge_base();
SELECT tests.act_as_owner();
SELECT tests.assert_eq(
  (SELECT ARRAY[vision_board_count, active_habits_count] FROM public.user_knowledge_base
   WHERE user_id = (SELECT id FROM fx WHERE key = 'mallory')),
  ARRAY[1, 0], 'recompile reflects deleted boards and archived habits');

-- Who may call which overload.
SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT public.compile_user_knowledge_base()', '42501', 'anon may not compile');
SELECT tests.act_as_service();
SELECT tests.assert_raises('SELECT public.compile_user_knowledge_base()', '42501',
  'the no-argument form is for end users only');
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
SELECT tests.assert_raises(format('SELECT public.compile_user_knowledge_base(%L::uuid)', (SELECT id FROM fx WHERE key = 'mallory')),
  '42501', 'an end user may not compile another user''s knowledge base');
SELECT tests.act_as_owner();

-- A caller without a user id gets a clear refusal.
SELECT set_config('request.jwt.claims', '{"role": "authenticated"}', true);
SELECT set_config('role', 'authenticated', true);
SELECT tests.assert_raises('SELECT public.compile_user_knowledge_base()', '42501', 'no user id: refused');
SELECT tests.act_as_owner();

-- service_role compiles any user's row by id; an unknown user is reported.
UPDATE public.user_knowledge_base SET last_compiled_at = NULL, vision_board_count = 0
WHERE user_id = (SELECT id FROM fx WHERE key = 'alice');
SELECT tests.act_as_service();
SELECT public.compile_user_knowledge_base((SELECT id FROM fx WHERE key = 'alice'));
SELECT tests.assert_raises(format('SELECT public.compile_user_knowledge_base(%L::uuid)', gen_random_uuid()), 'P0002',
  'unknown user reported');
SELECT tests.act_as_owner();
SELECT tests.assert_eq(
  (SELECT ARRAY[vision_board_count, active_habits_count] FROM public.user_knowledge_base
   WHERE user_id = (SELECT id FROM fx WHERE key = 'alice')),
  ARRAY[2, 2], 'service_role compile counts the given user''s rows');
SELECT tests.assert_eq(
  (SELECT last_compiled_at FROM public.user_knowledge_base WHERE user_id = (SELECT id FROM fx WHERE key = 'alice')),
  now(), 'service_role compile stamps last_compiled_at');
