-- 0003 soft delete: vision_boards, reference_images, documents. An end user's DELETE soft-deletes,
-- soft_delete_* / restore_* work on the caller's own rows within the retention window, and a
-- privileged DELETE (service_role purge, account deletion) removes rows for real.

SELECT set_config('test.a', tests.create_user('soft-a@example.com')::text, true),
       set_config('test.b', tests.create_user('soft-b@example.com')::text, true);

-- The three tables: how to insert a row for a user, a harmless update, and their functions.
CREATE TEMP TABLE kinds (tbl text, ins text, upd text, soft_fn text, restore_fn text);
INSERT INTO kinds VALUES
  ('vision_boards', '(user_id, prompt, image_url) VALUES (%L, ''p'', ''u'')', 'is_favorite = true',
   'soft_delete_vision_board', 'restore_vision_board'),
  ('reference_images', '(user_id, image_url) VALUES (%L, ''u'')', 'tags = ''{t}''',
   'soft_delete_reference_image', 'restore_reference_image'),
  ('documents', '(user_id, name, url, type) VALUES (%L, ''n'', '''', ''VISION'')', 'name = ''m''',
   'soft_delete_document', 'restore_document');

-- Helpers: a new row of a kind for a user (made as the schema owner); a call of one of the
-- kind's functions as the current role.
CREATE FUNCTION pg_temp.new_row(p_kind text, p_user uuid) RETURNS uuid
LANGUAGE plpgsql
AS $$
DECLARE
  v_id uuid;
BEGIN
  EXECUTE format('INSERT INTO public.%I %s RETURNING id', p_kind, format((SELECT ins FROM kinds WHERE tbl = p_kind), p_user))
    INTO v_id;
  RETURN v_id;
END
$$;
CREATE FUNCTION pg_temp.call(p_fn text, p_id uuid) RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
  v_result boolean;
BEGIN
  EXECUTE format('SELECT public.%I($1)', p_fn) INTO v_result USING p_id;
  RETURN v_result;
END
$$;
GRANT SELECT ON kinds TO PUBLIC;
GRANT EXECUTE ON FUNCTION pg_temp.call(text, uuid) TO PUBLIC;

-- An end user's DELETE hides the row instead of removing it; restore brings it back.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  k record;
  v_id uuid;
BEGIN
  FOR k IN SELECT * FROM kinds LOOP
    v_id := pg_temp.new_row(k.tbl, a);
    PERFORM tests.act_as(a);
    PERFORM tests.assert_eq(tests.affected(format('DELETE FROM public.%I WHERE id = %L', k.tbl, v_id)), 0::bigint,
                            k.tbl || ': an end user''s DELETE reports 0 rows');
    PERFORM tests.assert_eq(tests.row_count(format('SELECT id FROM public.%I WHERE id = %L', k.tbl, v_id)), 0::bigint,
                            k.tbl || ': the soft-deleted row is invisible to its owner');
    PERFORM tests.assert_eq(tests.affected(format('UPDATE public.%I SET %s WHERE id = %L', k.tbl, k.upd, v_id)), 0::bigint,
                            k.tbl || ': the soft-deleted row cannot be updated');
    PERFORM tests.assert_eq(tests.affected(format('DELETE FROM public.%I WHERE id = %L', k.tbl, v_id)), 0::bigint,
                            k.tbl || ': deleting it again does nothing');
    PERFORM tests.act_as_owner();
    PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE id = %L AND deleted_at = now()', k.tbl, v_id)),
                            1::bigint, k.tbl || ': the row still exists, stamped deleted_at = now()');

    PERFORM tests.act_as(a);
    PERFORM tests.assert_eq(pg_temp.call(k.restore_fn, v_id), true, k.tbl || ': restore returns true');
    PERFORM tests.assert_eq(tests.row_count(format('SELECT id FROM public.%I WHERE id = %L AND deleted_at IS NULL', k.tbl, v_id)),
                            1::bigint, k.tbl || ': the restored row is visible again');
    PERFORM tests.assert_eq(pg_temp.call(k.restore_fn, v_id), false, k.tbl || ': restoring a live row returns false');

    -- The RPC form.
    PERFORM tests.assert_eq(pg_temp.call(k.soft_fn, v_id), true, k.tbl || ': soft_delete returns true');
    PERFORM tests.assert_eq(pg_temp.call(k.soft_fn, v_id), false, k.tbl || ': soft_delete of a deleted row returns false');
    PERFORM tests.assert_eq(pg_temp.call(k.soft_fn, gen_random_uuid()), false, k.tbl || ': soft_delete of an unknown id returns false');
    PERFORM tests.assert_eq(tests.row_count(format('SELECT id FROM public.%I WHERE id = %L', k.tbl, v_id)), 0::bigint,
                            k.tbl || ': soft_delete hides the row');
    PERFORM tests.assert_eq(pg_temp.call(k.restore_fn, v_id), true, k.tbl || ': restore after soft_delete');

    -- A user cannot insert or update a row into the deleted state.
    PERFORM tests.assert_raises(format('INSERT INTO public.%I %s', k.tbl,
                                       replace(replace(format(k.ins, a), '(user_id', '(deleted_at, user_id'), 'VALUES (', 'VALUES (now(), ')),
                                '42501', k.tbl || ': cannot insert a deleted row');
    PERFORM tests.assert_raises(format('UPDATE public.%I SET deleted_at = now() WHERE id = %L', k.tbl, v_id), '42501',
                                k.tbl || ': cannot soft-delete by UPDATE (the RPC or DELETE does it)');
    PERFORM tests.act_as_owner();
  END LOOP;
END
$$;

-- Other users: cannot soft-delete, restore or delete A's rows.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  b uuid := current_setting('test.b')::uuid;
  k record;
  v_live uuid;
  v_gone uuid;
BEGIN
  FOR k IN SELECT * FROM kinds LOOP
    v_live := pg_temp.new_row(k.tbl, a);
    v_gone := pg_temp.new_row(k.tbl, a);
    EXECUTE format('UPDATE public.%I SET deleted_at = now() - interval ''1 day'' WHERE id = %L', k.tbl, v_gone);
    PERFORM tests.act_as(b);
    PERFORM tests.assert_eq(pg_temp.call(k.soft_fn, v_live), false, k.tbl || ': another user''s soft_delete returns false');
    PERFORM tests.assert_eq(pg_temp.call(k.restore_fn, v_gone), false, k.tbl || ': another user''s restore returns false');
    PERFORM tests.assert_eq(tests.affected(format('DELETE FROM public.%I WHERE id = %L', k.tbl, v_live)), 0::bigint,
                            k.tbl || ': another user''s DELETE affects nothing');
    PERFORM tests.act_as_anon();
    PERFORM tests.assert_raises(format('SELECT public.%I(%L)', k.soft_fn, v_live), '42501', k.tbl || ': anon cannot call soft_delete');
    PERFORM tests.assert_raises(format('SELECT public.%I(%L)', k.restore_fn, v_gone), '42501', k.tbl || ': anon cannot call restore');
    PERFORM tests.act_as_owner();
    PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE id = %L AND deleted_at IS NULL', k.tbl, v_live)),
                            1::bigint, k.tbl || ': A''s live row is untouched');
    PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE id = %L AND deleted_at IS NOT NULL', k.tbl, v_gone)),
                            1::bigint, k.tbl || ': A''s deleted row stays deleted');
  END LOOP;
END
$$;

-- Retention: restore works within visionary.soft_delete_retention (default 30 days) only.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  k record;
  v_recent uuid;
  v_old uuid;
BEGIN
  FOR k IN SELECT * FROM kinds LOOP
    v_recent := pg_temp.new_row(k.tbl, a);
    v_old := pg_temp.new_row(k.tbl, a);
    EXECUTE format('UPDATE public.%I SET deleted_at = now() - interval ''29 days'' WHERE id = %L', k.tbl, v_recent);
    EXECUTE format('UPDATE public.%I SET deleted_at = now() - interval ''31 days'' WHERE id = %L', k.tbl, v_old);
    PERFORM tests.act_as(a);
    PERFORM tests.assert_eq(pg_temp.call(k.restore_fn, v_recent), true, k.tbl || ': restorable 29 days after deletion');
    PERFORM tests.assert_eq(pg_temp.call(k.restore_fn, v_old), false, k.tbl || ': not restorable 31 days after deletion');
    PERFORM set_config('visionary.soft_delete_retention', '60 days', true);
    PERFORM tests.assert_eq(pg_temp.call(k.restore_fn, v_old), true, k.tbl || ': a longer retention setting allows the restore');
    PERFORM set_config('visionary.soft_delete_retention', '', true);
    PERFORM tests.act_as_owner();
  END LOOP;
END
$$;

-- Privileged callers delete for real: service_role (the purge job) and the account deletion.
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  k record;
  v_id uuid;
BEGIN
  FOR k IN SELECT * FROM kinds LOOP
    v_id := pg_temp.new_row(k.tbl, a);
    EXECUTE format('UPDATE public.%I SET deleted_at = now() - interval ''40 days'' WHERE id = %L', k.tbl, v_id);
    PERFORM tests.act_as_service();
    PERFORM tests.assert_eq(tests.row_count(format('SELECT id FROM public.%I WHERE id = %L', k.tbl, v_id)), 1::bigint,
                            k.tbl || ': service_role sees soft-deleted rows');
    PERFORM tests.assert_eq(tests.affected(format('DELETE FROM public.%I WHERE id = %L', k.tbl, v_id)), 1::bigint,
                            k.tbl || ': service_role''s DELETE purges');
    PERFORM tests.act_as_owner();
    PERFORM tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE id = %L', k.tbl, v_id)), 0::bigint,
                            k.tbl || ': the purged row is gone');
    PERFORM tests.act_as_service();
    PERFORM tests.assert_raises(format('SELECT public.%I(%L)', k.restore_fn, v_id), '42501',
                                k.tbl || ': restore is for end users (service_role updates deleted_at directly)');
    PERFORM tests.act_as_owner();
  END LOOP;
END
$$;

-- Vision boards: soft delete clears the primary vision; purge clears references (SET NULL).
DO $$
DECLARE
  a uuid := current_setting('test.a')::uuid;
  v_board uuid := pg_temp.new_row('vision_boards', current_setting('test.a')::uuid);
  v_other uuid := pg_temp.new_row('vision_boards', current_setting('test.a')::uuid);
  v_order uuid;
BEGIN
  PERFORM tests.act_as(a);
  UPDATE public.profiles SET primary_vision_id = v_board;
  INSERT INTO public.poster_orders (vision_board_id) VALUES (v_board) RETURNING id INTO v_order;
  DELETE FROM public.vision_boards WHERE id = v_board;
  PERFORM tests.assert_eq((SELECT primary_vision_id FROM public.profiles), NULL::uuid,
                          'soft-deleting the primary vision board clears profiles.primary_vision_id');
  UPDATE public.profiles SET primary_vision_id = v_other;
  PERFORM tests.assert_raises(format('UPDATE public.profiles SET primary_vision_id = %L', v_board), '42501',
                              'a soft-deleted board cannot become the primary vision');
  PERFORM tests.assert_eq(public.soft_delete_vision_board(v_other), true, 'soft_delete_vision_board on the primary board');
  PERFORM tests.assert_eq((SELECT primary_vision_id FROM public.profiles), NULL::uuid,
                          'soft_delete_vision_board clears profiles.primary_vision_id too');
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq((SELECT vision_board_id FROM public.poster_orders WHERE id = v_order), v_board,
                          'a poster order keeps its (soft-deleted) board');
  PERFORM tests.act_as_service();
  DELETE FROM public.vision_boards WHERE id = v_board;
  PERFORM tests.assert_eq((SELECT vision_board_id FROM public.poster_orders WHERE id = v_order), NULL::uuid,
                          'purging a board clears poster_orders.vision_board_id');
  PERFORM tests.act_as_owner();
END
$$;

-- Deleting the account removes live and soft-deleted rows alike.
DELETE FROM auth.users WHERE id = current_setting('test.a')::uuid;
SELECT tests.assert_eq(tests.row_count(format('SELECT 1 FROM public.%I WHERE user_id = %L', k.tbl, current_setting('test.a'))), 0::bigint,
                       k.tbl || ': deleting the user removes all their rows, soft-deleted ones included')
  FROM kinds k;
