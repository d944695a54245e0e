-- storage.objects (rules of 0038): an object belongs to its owner wherever it lies. Any signed-in
-- user creates new objects anywhere, as their owner; only the owner overwrites, moves or removes
-- one; private objects are read by their owner alone, public ones by anyone; anon writes nothing.
CREATE TEMP TABLE ids AS SELECT tests.create_user('owner@storage.test') AS alice, tests.create_user('other@storage.test') AS bob;
GRANT SELECT ON ids TO PUBLIC;
INSERT INTO storage.buckets (id, name, public) VALUES ('avatars', 'avatars', true);

-- The app's buckets: visions public, documents and workbooks private.
SELECT tests.assert_eq((SELECT array_agg(id || '=' || public ORDER BY id) FROM storage.buckets WHERE id IN ('visions','documents','workbooks')),
                       ARRAY['documents=false', 'visions=true', 'workbooks=false'], 'the app''s buckets and their visibility');

-- The owner uploads under the app's own paths, in any folder or none.
SELECT tests.act_as((SELECT alice FROM ids));
INSERT INTO storage.objects (bucket_id, name) VALUES ('visions', 'board-1.png'), ('visions', 'references/1700000000-me.jpg'),
  ('documents', 'doc-1_taxes.pdf'), ('workbooks', 'order-1/final_workbook.pdf'), ('avatars', 'me.png');
SELECT tests.assert_eq(tests.row_count(format('SELECT 1 FROM storage.objects WHERE owner = %L', (SELECT alice FROM ids))), 5::bigint, 'uploads are owned by the uploader');
SELECT tests.assert_raises(format('INSERT INTO storage.objects (bucket_id, name, owner) VALUES (%L, %L, %L)', 'visions', 'y.png', (SELECT bob FROM ids)), '42501', 'cannot record another user as owner');
SELECT tests.assert_raises('INSERT INTO storage.objects (bucket_id, name) VALUES (''visions'', ''board-1.png'')', '23505', 'an existing path is not created twice');
SELECT tests.assert_eq(tests.affected('UPDATE storage.objects SET name = ''moved.png'' WHERE name = ''me.png'''), 1::bigint, 'the owner moves an object, public bucket included');
SELECT tests.assert_raises('INSERT INTO storage.buckets (id, name) VALUES (''mine'', ''mine'')', '42501', 'users cannot create buckets');

-- Another user: sees only public objects, creates their own anywhere (not over the owner's),
-- and changes nothing of the owner's.
SELECT tests.act_as((SELECT bob FROM ids));
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.objects WHERE bucket_id IN (''documents'', ''workbooks'')'), 0::bigint, 'other user cannot see private objects');
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.objects WHERE bucket_id IN (''visions'', ''avatars'')'), 3::bigint, 'other user sees public objects');
INSERT INTO storage.objects (bucket_id, name) VALUES ('visions', 'board-2.png'), ('documents', 'doc-2_mine.pdf');
SELECT tests.assert_raises('INSERT INTO storage.objects AS o (bucket_id, name) VALUES (''visions'', ''board-1.png'') ON CONFLICT (bucket_id, name) DO UPDATE SET version = ''stolen''', '42501', 'other user cannot overwrite by upsert');
SELECT tests.assert_eq(tests.affected('UPDATE storage.objects SET metadata = ''{"x": 1}'' WHERE name IN (''board-1.png'', ''moved.png'')'), 0::bigint, 'other user cannot update');
SELECT tests.assert_eq(tests.affected('UPDATE storage.objects SET name = ''taken.png'' WHERE name = ''board-1.png'''), 0::bigint, 'other user cannot move');
SELECT tests.assert_eq(tests.affected('DELETE FROM storage.objects WHERE name IN (''board-1.png'', ''moved.png'')'), 0::bigint, 'other user cannot delete');
SELECT tests.assert_raises(format('UPDATE storage.objects SET owner = %L WHERE name = ''board-2.png''', (SELECT alice FROM ids)), '42501', 'an owner cannot hand an object to someone else');

-- Anonymous callers read public buckets only and write nothing.
SELECT tests.act_as_anon();
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.objects WHERE bucket_id IN (''documents'', ''workbooks'')'), 0::bigint, 'anon sees no private object');
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.objects'), 4::bigint, 'anon sees the public objects');
SELECT tests.assert_raises('INSERT INTO storage.objects (bucket_id, name) VALUES (''avatars'', ''x/y.png'')', '42501', 'anon cannot upload');
SELECT tests.assert_raises('DELETE FROM storage.objects', '42501', 'anon cannot delete');

-- The owner removes their own; service_role removes anything.
SELECT tests.act_as((SELECT alice FROM ids));
SELECT tests.assert_eq(tests.affected('DELETE FROM storage.objects WHERE name IN (''board-1.png'', ''doc-1_taxes.pdf'')'), 2::bigint, 'owner removes own objects in public and private buckets');
SELECT tests.act_as_service();
SELECT tests.assert_eq(tests.affected('DELETE FROM storage.objects WHERE name = ''board-2.png'''), 1::bigint, 'service_role removes anyone''s object');

-- Deleting an account deletes every object it owns, wherever it lies.
SELECT tests.act_as_owner();
DELETE FROM auth.users WHERE id = (SELECT alice FROM ids);
SELECT tests.assert_eq(tests.row_count(format('SELECT 1 FROM storage.objects WHERE owner IS NULL OR name IN (%L, %L, %L)', 'references/1700000000-me.jpg', 'order-1/final_workbook.pdf', 'moved.png')), 0::bigint, 'a deleted user''s objects go with them');
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.objects'), 1::bigint, 'other users'' objects stay');
SELECT tests.assert_eq(storage.foldername('a/b/c.png'), ARRAY['a','b'], 'foldername gives the folders');
