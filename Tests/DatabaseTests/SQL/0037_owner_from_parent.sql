-- 0037 one trigger function, internal.owner_from_parent(), for the four tables whose rows belong
-- to their parent row's owner: agent_messages (agent_sessions), habit_completions (habits),
-- workbook_sections (workbook_orders), user_knowledge_chunks (user_knowledge_sources). The same
-- checks run on each table, from the owner's side and from the attacker's: the owner is always
-- the parent's, whatever the client sends; a parent the caller may not use is refused with the
-- table's own code and message ('not found': hidden as not found; 'not yours': refused).

-- The old copies are gone; each table's trigger calls the generic function with its arguments.
SELECT tests.assert(to_regprocedure(f) IS NULL, f || ' was dropped')
FROM unnest(ARRAY['internal.agent_message_owner()', 'internal.habit_completion_owner()',
                  'internal.workbook_sections_set_owner()', 'internal.user_knowledge_chunks_set_owner()']) AS f;
SELECT tests.assert_eq(
  (SELECT count(*)::integer FROM pg_trigger t
   WHERE t.tgrelid = g.rel::regclass AND t.tgname = g.name AND NOT t.tgisinternal
     AND t.tgfoid = 'internal.owner_from_parent()'::regprocedure
     AND t.tgtype & 2 = 2 AND t.tgtype & 1 = 1 AND t.tgtype & 4 = 4 AND t.tgtype & 16 = 16  -- BEFORE ROW INSERT, UPDATE
     AND pg_get_triggerdef(t.oid) LIKE '%EXECUTE FUNCTION internal.owner_from_parent(' || g.args || ')'),
  1, format('%s: trigger %s calls internal.owner_from_parent(%s)', g.rel, g.name, g.args))
FROM (VALUES
  ('public.agent_messages', 'derive_owner', '''public.agent_sessions'', ''id'', ''session_id'', ''user_id'', ''agent session'', ''not found'''),
  ('public.habit_completions', 'derive_owner', '''public.habits'', ''id'', ''habit_id'', ''user_id'', ''habit'', ''not found'''),
  ('public.workbook_sections', 'set_owner', '''public.workbook_orders'', ''id'', ''workbook_order_id'', ''user_id'', ''workbook order'', ''not yours'''),
  ('public.user_knowledge_chunks', 'set_owner', '''public.user_knowledge_sources'', ''id'', ''source_id'', ''user_id'', ''knowledge source'', ''not yours''')
) AS g (rel, name, args);
SELECT tests.assert_eq(
  (SELECT count(*)::integer FROM pg_trigger WHERE tgfoid = 'internal.owner_from_parent()'::regprocedure),
  4, 'internal.owner_from_parent() drives exactly the four tables');
-- habit_completions: the owner first, then the owner's local day, then the end-user day rules
-- (row triggers of one kind fire in the order of their names).
SELECT tests.assert_eq(
  (SELECT array_agg(tgname::text ORDER BY tgname::text COLLATE "C") FROM pg_trigger
   WHERE tgrelid = 'public.habit_completions'::regclass AND NOT tgisinternal
     AND tgtype & 2 = 2 AND tgtype & 1 = 1 AND tgtype & 4 = 4),
  ARRAY['derive_owner', 'derive_owner_local_day', 'enforce_day_rules'],
  'habit_completions: BEFORE INSERT row triggers in their firing order');
-- A definer with a fixed search_path that no client role may call directly.
SELECT tests.assert((SELECT prosecdef FROM pg_proc WHERE oid = f::regprocedure), f || ' is SECURITY DEFINER'),
       tests.assert((SELECT 'search_path=""' = ANY (proconfig) FROM pg_proc WHERE oid = f::regprocedure), f || ' has an empty search_path'),
       tests.assert(coalesce(btrim(obj_description(f::regprocedure, 'pg_proc')), '') <> '', f || ' has a comment')
FROM unnest(ARRAY['internal.owner_from_parent()', 'internal.habit_completion_local_day()']) AS f;
SELECT tests.assert(NOT has_function_privilege(r, f::regprocedure, 'EXECUTE'), format('%s cannot execute %s', r, f))
FROM unnest(ARRAY['anon', 'authenticated', 'service_role', 'public']) AS r
CROSS JOIN unnest(ARRAY['internal.owner_from_parent()', 'internal.habit_completion_local_day()']) AS f;

CREATE TEMP TABLE fx (key text PRIMARY KEY, id uuid);
GRANT ALL ON fx TO PUBLIC;
INSERT INTO fx VALUES ('alice', tests.create_user('alice@example.com')), ('mallory', tests.create_user('mallory@example.com'));

DO $$
DECLARE
  alice uuid := (SELECT id FROM fx WHERE key = 'alice');
  mallory uuid := (SELECT id FROM fx WHERE key = 'mallory');
  r record;
  alice_parent uuid;
  alice_parent2 uuid;
  mallory_parent uuid;
  child uuid;
  mallory_child uuid;
  unknown uuid;
  row_owner uuid;
  alice_rows bigint;
  state text;
  message text;
  owner_of text;
BEGIN
  -- ins_child: %1$L the parent, %2$s a number distinct per row of a parent (a completion's days
  -- back, a section's order, a chunk's index), %3$s extra columns, %4$s their values.
  -- move_state: the refusal when the attacker moves a row of theirs under alice's parent
  -- (end users may not update habit_completions.habit_id at all).
  FOR r IN SELECT * FROM (VALUES
    ('agent_messages', 'session_id', 'agent_sessions', 'agent session', 'not found', 'P0002',
     'INSERT INTO public.agent_sessions (user_id, session_type) VALUES (%L, ''text'') RETURNING id',
     'INSERT INTO public.agent_messages (session_id, content%3$s) VALUES (%1$L, ''message %2$s''%4$s) RETURNING id'),
    ('habit_completions', 'habit_id', 'habits', 'habit', 'not found', '42501',
     'INSERT INTO public.habits (user_id, title) VALUES (%L, ''walk'') RETURNING id',
     'INSERT INTO public.habit_completions (habit_id, completed_at%3$s) VALUES (%1$L, now() - interval ''1 day'' * %2$s%4$s) RETURNING id'),
    ('workbook_sections', 'workbook_order_id', 'workbook_orders', 'workbook order', 'not yours', '42501',
     'INSERT INTO public.workbook_orders (user_id) VALUES (%L) RETURNING id',
     'INSERT INTO public.workbook_sections (workbook_order_id, section_type, section_order%3$s) VALUES (%1$L, ''notes'', %2$s%4$s) RETURNING id'),
    ('user_knowledge_chunks', 'source_id', 'user_knowledge_sources', 'knowledge source', 'not yours', '42501',
     'INSERT INTO public.user_knowledge_sources (user_id, source_type, source_name) VALUES (%L, ''notes'', ''n'') RETURNING id',
     'INSERT INTO public.user_knowledge_chunks (source_id, chunk_text, chunk_index%3$s) VALUES (%1$L, ''some text'', %2$s%4$s) RETURNING id')
  ) AS v (tbl, fk, parent, noun, refusal, move_state, ins_parent, ins_child)
  LOOP
    owner_of := format('SELECT user_id FROM public.%I WHERE id = $1', r.tbl);
    PERFORM tests.act_as_owner();
    EXECUTE format(r.ins_parent, alice) INTO alice_parent;
    EXECUTE format(r.ins_parent, alice) INTO alice_parent2;
    EXECUTE format(r.ins_parent, mallory) INTO mallory_parent;

    -- The owner: user_id comes from the parent, and a client-supplied one is replaced.
    PERFORM tests.act_as(alice);
    EXECUTE format(r.ins_child, alice_parent, 0, '', '') INTO child;
    PERFORM tests.act_as_owner();
    EXECUTE owner_of INTO row_owner USING child;
    PERFORM tests.assert_eq(row_owner, alice, r.tbl || ': user_id copied from the parent');
    PERFORM tests.act_as(alice);
    EXECUTE format(r.ins_child, alice_parent, 1, ', user_id', format(', %L', mallory)) INTO child;
    PERFORM tests.act_as_owner();
    EXECUTE owner_of INTO row_owner USING child;
    PERFORM tests.assert_eq(row_owner, alice, r.tbl || ': a client-supplied user_id is replaced by the parent''s owner');
    alice_rows := tests.row_count(format('SELECT 1 FROM public.%I WHERE user_id = %L', r.tbl, alice));

    -- The attacker writes under alice's parent: refused, with the table's code and message.
    PERFORM tests.act_as(mallory);
    PERFORM tests.assert_raises(format(r.ins_child, alice_parent, 2, '', ''),
      CASE r.refusal WHEN 'not found' THEN 'P0002' ELSE '42501' END,
      r.tbl || ': the attacker cannot write under another user''s parent');
    PERFORM tests.assert_raises(format(r.ins_child, alice_parent, 2, ', user_id', format(', %L', alice)),
      CASE r.refusal WHEN 'not found' THEN 'P0002' ELSE '42501' END,
      r.tbl || ': nor by naming its owner as user_id');
    BEGIN
      EXECUTE format(r.ins_child, alice_parent, 2, '', '');
      state := NULL;
      message := NULL;
    EXCEPTION WHEN OTHERS THEN
      state := SQLSTATE;
      message := SQLERRM;
    END;
    PERFORM tests.assert_eq(message,
      format(CASE r.refusal WHEN 'not found' THEN '%s %s not found' ELSE '%s %s is not yours' END, r.noun, alice_parent),
      r.tbl || ': the refusal''s message names the parent as before');

    -- The attacker names alice as owner under their own parent: the row is still theirs.
    EXECUTE format(r.ins_child, mallory_parent, 3, ', user_id', format(', %L', alice)) INTO mallory_child;
    PERFORM tests.act_as_owner();
    EXECUTE owner_of INTO row_owner USING mallory_child;
    PERFORM tests.assert_eq(row_owner, mallory, r.tbl || ': the attacker cannot plant a row in another user''s name');

    -- The attacker moves a row of theirs under alice's parent: refused.
    PERFORM tests.act_as(mallory);
    PERFORM tests.assert_raises(format('UPDATE public.%I SET %I = %L WHERE id = %L', r.tbl, r.fk, alice_parent, mallory_child),
      r.move_state, r.tbl || ': the attacker cannot move a row under another user''s parent');
    -- The attacker hands a row of theirs to alice: the owner stays the parent's (or, where end
    -- users may not update user_id, the update is refused).
    BEGIN
      EXECUTE format('UPDATE public.%I SET user_id = %L WHERE id = %L', r.tbl, alice, mallory_child);
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;
    END;
    PERFORM tests.act_as_owner();
    EXECUTE owner_of INTO row_owner USING mallory_child;
    PERFORM tests.assert_eq(row_owner, mallory, r.tbl || ': updating user_id keeps the parent''s owner');
    PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE user_id = %L', r.tbl, alice)), alice_rows,
      r.tbl || ': nothing the attacker did reached alice''s rows');

    -- The owner moves a row to another parent of theirs (end users may not move completions).
    IF r.tbl <> 'habit_completions' THEN
      PERFORM tests.act_as(alice);
      PERFORM tests.assert_eq(tests.affected(format('UPDATE public.%I SET %I = %L WHERE id = %L', r.tbl, r.fk, alice_parent2, child)),
        1::bigint, r.tbl || ': the owner re-parents a row within their own data');
    END IF;

    -- An unknown parent is refused for an end user and for service_role, with its message.
    unknown := gen_random_uuid();
    PERFORM tests.act_as(alice);
    BEGIN
      EXECUTE format(r.ins_child, unknown, 4, '', '');
      state := NULL;
      message := NULL;
    EXCEPTION WHEN OTHERS THEN
      state := SQLSTATE;
      message := SQLERRM;
    END;
    PERFORM tests.assert_eq(state, 'P0002', r.tbl || ': an unknown parent is refused');
    PERFORM tests.assert_eq(message,
      format(CASE r.refusal WHEN 'not found' THEN '%s %s not found' ELSE '%s %s does not exist' END, r.noun, unknown),
      r.tbl || ': the unknown parent''s message');
    PERFORM tests.act_as_service();
    PERFORM tests.assert_raises(format(r.ins_child, gen_random_uuid(), 4, '', ''), 'P0002',
      r.tbl || ': an unknown parent is refused for service_role too');
    -- A NULL parent: not found ('not found'), or the NOT NULL constraint ('not yours').
    PERFORM tests.assert_raises(format(r.ins_child, NULL, 4, ', user_id', format(', %L', alice)),
      CASE r.refusal WHEN 'not found' THEN 'P0002' ELSE '23502' END, r.tbl || ': a NULL parent is refused');

    -- service_role writes under any parent; the owner is still the parent's, and follows a move.
    EXECUTE format(r.ins_child, alice_parent, 5, ', user_id', format(', %L', mallory)) INTO child;
    PERFORM tests.act_as_owner();
    EXECUTE owner_of INTO row_owner USING child;
    PERFORM tests.assert_eq(row_owner, alice, r.tbl || ': service_role''s row also gets the parent''s owner');
    PERFORM tests.act_as_service();
    EXECUTE format('UPDATE public.%I SET %I = %L WHERE id = %L', r.tbl, r.fk, mallory_parent, child);
    PERFORM tests.act_as_owner();
    EXECUTE owner_of INTO row_owner USING child;
    PERFORM tests.assert_eq(row_owner, mallory, r.tbl || ': re-parenting by service_role moves the owner with the parent');
  END LOOP;
END
$$;

-- habit_completions: completed_on is the local day of the habit's owner, who is known before the
-- day is derived: not the local day of a user_id the client sent.
DO $$
DECLARE
  alice uuid := (SELECT id FROM fx WHERE key = 'alice');
  mallory uuid := (SELECT id FROM fx WHERE key = 'mallory');
  v_habit uuid;
  v_id uuid;
BEGIN
  PERFORM tests.act_as_owner();
  INSERT INTO public.user_comm_preferences (user_id, timezone) VALUES (alice, 'Pacific/Kiritimati'), (mallory, 'Pacific/Pago_Pago');
  INSERT INTO public.habits (user_id, title) VALUES (alice, 'read') RETURNING id INTO v_habit;
  PERFORM tests.act_as_service();
  INSERT INTO public.habit_completions (habit_id, user_id, completed_at)
    VALUES (v_habit, mallory, '2024-06-01 12:00:00+00') RETURNING id INTO v_id;
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq((SELECT completed_on FROM public.habit_completions WHERE id = v_id), date '2024-06-02',
    'habit_completions: completed_on is the day in the habit owner''s time zone (UTC+14)');
  PERFORM tests.act_as_service();
  UPDATE public.habit_completions SET completed_at = '2024-06-03 10:00:00+00' WHERE id = v_id;
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq((SELECT completed_on FROM public.habit_completions WHERE id = v_id), date '2024-06-04',
    'habit_completions: moving completed_at alone moves completed_on with it');
  PERFORM tests.act_as_service();
  UPDATE public.habit_completions SET completed_at = '2024-06-05 10:00:00+00', completed_on = '2024-06-01' WHERE id = v_id;
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq((SELECT completed_on FROM public.habit_completions WHERE id = v_id), date '2024-06-01',
    'habit_completions: a completed_on given with completed_at is kept');
END
$$;

-- The function is generic: any child table can use it, and a trigger with wrong arguments is
-- refused when it fires.
CREATE TEMP TABLE habit_notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), habit uuid, user_id uuid, body text);
GRANT ALL ON habit_notes TO PUBLIC;
CREATE TRIGGER set_owner BEFORE INSERT OR UPDATE OF habit, user_id ON habit_notes
  FOR EACH ROW EXECUTE FUNCTION internal.owner_from_parent('public.habits', 'id', 'habit', 'user_id', 'habit', 'not yours');
DO $$
DECLARE
  alice uuid := (SELECT id FROM fx WHERE key = 'alice');
  mallory uuid := (SELECT id FROM fx WHERE key = 'mallory');
  v_habit uuid;
  message text;
BEGIN
  PERFORM tests.act_as_owner();
  INSERT INTO public.habits (user_id, title) VALUES (alice, 'stretch') RETURNING id INTO v_habit;
  INSERT INTO habit_notes (habit, user_id, body) VALUES (v_habit, mallory, 'x');
  PERFORM tests.assert_eq((SELECT user_id FROM habit_notes), alice, 'another child table gets the owner from its parent');
  PERFORM tests.act_as(mallory);
  BEGIN
    INSERT INTO habit_notes (habit, body) VALUES (v_habit, 'y');
    message := NULL;
  EXCEPTION WHEN insufficient_privilege THEN
    message := SQLERRM;
  END;
  PERFORM tests.assert_eq(message, format('habit %s is not yours', v_habit), 'another child table refuses another user''s parent');
  PERFORM tests.act_as_owner();
END
$$;
CREATE TEMP TABLE bad_notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), habit uuid, user_id uuid);
CREATE TRIGGER set_owner BEFORE INSERT ON bad_notes
  FOR EACH ROW EXECUTE FUNCTION internal.owner_from_parent('public.habits', 'id', 'habit', 'user_id', 'habit', 'maybe');
SELECT tests.assert_raises('INSERT INTO bad_notes (habit) VALUES (NULL)', '22023', 'an unknown refusal mode is refused');
CREATE TEMP TABLE short_notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), habit uuid, user_id uuid);
CREATE TRIGGER set_owner BEFORE INSERT ON short_notes
  FOR EACH ROW EXECUTE FUNCTION internal.owner_from_parent('public.habits', 'id', 'habit', 'user_id');
SELECT tests.assert_raises('INSERT INTO short_notes (habit) VALUES (NULL)', '22023', 'too few arguments are refused');
