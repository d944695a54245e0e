-- 0005 parent-derived owners: workbook_sections.user_id comes from its workbook order and
-- user_knowledge_chunks.user_id from its knowledge source, whatever the client sends; a missing
-- parent or another user's parent is refused. The same checks run for both tables.

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
  owner_of text;
  row_owner uuid;
  err text;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('workbook_sections', 'workbook_order_id', 'workbook_orders',
     'INSERT INTO public.workbook_orders (user_id) VALUES (%L) RETURNING id',
     'INSERT INTO public.workbook_sections (workbook_order_id, section_type, section_order%3$s) VALUES (%1$L, ''notes'', %2$s%4$s) RETURNING id'),
    ('user_knowledge_chunks', 'source_id', 'user_knowledge_sources',
     'INSERT INTO public.user_knowledge_sources (user_id, source_type, source_name) VALUES (%L, ''notes'', ''n'') RETURNING id',
     'INSERT INTO public.user_knowledge_chunks (source_id, chunk_text, chunk_index%3$s) VALUES (%1$L, ''some text'', %2$s%4$s) RETURNING id')
  ) AS v (tbl, fk, parent, ins_parent, ins_child)
  LOOP
    owner_of := format('SELECT user_id FROM public.%I WHERE id = $1', r.tbl);
    PERFORM tests.act_as_owner();
    EXECUTE format(r.ins_parent, alice) INTO alice_parent;
    EXECUTE format(r.ins_parent, alice) INTO alice_parent2;
    EXECUTE format(r.ins_parent, mallory) INTO mallory_parent;

    -- the owner inserts without user_id: it is copied from the parent
    PERFORM tests.act_as(alice);
    EXECUTE format(r.ins_child, alice_parent, 1, '', '') INTO child;
    PERFORM tests.act_as_owner();
    EXECUTE owner_of INTO row_owner USING child;
    PERFORM tests.assert_eq(row_owner, alice, r.tbl || ': user_id copied from the parent on insert');

    -- a client-supplied user_id is ignored
    PERFORM tests.act_as(alice);
    EXECUTE format(r.ins_child, alice_parent, 2, ', user_id', format(', %L', mallory)) INTO child;
    PERFORM tests.act_as_owner();
    PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE id = %L AND user_id = %L', r.tbl, child, alice)),
      1::bigint, r.tbl || ': client-supplied user_id replaced by the parent''s owner');

    -- an UPDATE of user_id cannot detach the row from its parent's owner
    PERFORM tests.act_as(alice);
    EXECUTE format('UPDATE public.%I SET user_id = %L WHERE id = %L', r.tbl, mallory, child);
    PERFORM tests.act_as_owner();
    PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE id = %L AND user_id = %L', r.tbl, child, alice)),
      1::bigint, r.tbl || ': updating user_id keeps the parent''s owner');

    -- the owner may move the row to another parent of theirs
    PERFORM tests.act_as(alice);
    PERFORM tests.assert_eq(tests.affected(format('UPDATE public.%I SET %I = %L WHERE id = %L', r.tbl, r.fk, alice_parent2, child)),
      1::bigint, r.tbl || ': owner re-parents a row within their own data');

    -- another user's parent is refused, on insert and on re-parenting
    PERFORM tests.act_as(mallory);
    PERFORM tests.assert_raises(format(r.ins_child, alice_parent, 3, '', ''), '42501',
      r.tbl || ': inserting under another user''s parent is refused');
    PERFORM tests.assert_raises(format(r.ins_child, alice_parent, 3, ', user_id', format(', %L', mallory)), '42501',
      r.tbl || ': inserting under another user''s parent with one''s own user_id is refused');
    -- (the trigger refuses it before row-level security would: its message names the parent)
    BEGIN
      EXECUTE format(r.ins_child, alice_parent, 3, '', '');
      err := NULL;
    EXCEPTION WHEN insufficient_privilege THEN
      err := SQLERRM;
    END;
    PERFORM tests.assert(err LIKE '%' || alice_parent || ' is not yours',
      r.tbl || ': the owner trigger explains the refusal (got: ' || coalesce(err, 'no error') || ')');
    EXECUTE format(r.ins_child, mallory_parent, 1, '', '') INTO mallory_child;
    PERFORM tests.assert_raises(format('UPDATE public.%I SET %I = %L WHERE id = %L', r.tbl, r.fk, alice_parent, mallory_child),
      '42501', r.tbl || ': moving one''s row under another user''s parent is refused');

    -- a missing parent is refused (end user and service_role); a NULL parent by NOT NULL
    PERFORM tests.act_as(alice);
    PERFORM tests.assert_raises(format(r.ins_child, gen_random_uuid(), 4, '', ''), 'P0002',
      r.tbl || ': unknown parent refused for an end user');
    PERFORM tests.act_as_service();
    PERFORM tests.assert_raises(format(r.ins_child, gen_random_uuid(), 4, '', ''), 'P0002',
      r.tbl || ': unknown parent refused for service_role');
    PERFORM tests.assert_raises(format(r.ins_child, NULL, 4, ', user_id', format(', %L', alice)), '23502',
      r.tbl || ': NULL parent refused');

    -- service_role writes under any parent; the owner is still the parent's
    EXECUTE format(r.ins_child, alice_parent, 5, ', user_id', format(', %L', mallory)) INTO child;
    PERFORM tests.act_as_owner();
    PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE id = %L AND user_id = %L', r.tbl, child, alice)),
      1::bigint, r.tbl || ': service_role''s insert also gets the parent''s owner');
    PERFORM tests.act_as_service();
    EXECUTE format('UPDATE public.%I SET %I = %L WHERE id = %L', r.tbl, r.fk, mallory_parent, child);
    PERFORM tests.act_as_owner();
    PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE id = %L AND user_id = %L', r.tbl, child, mallory)),
      1::bigint, r.tbl || ': re-parenting by service_role moves the owner with the parent');

    -- deleting the parent deletes its rows
    EXECUTE format('DELETE FROM public.%I WHERE id = %L', r.parent, alice_parent2);
    PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE %I = %L', r.tbl, r.fk, alice_parent2)),
      0::bigint, r.tbl || ': rows deleted with their parent');
  END LOOP;
END
$$;
