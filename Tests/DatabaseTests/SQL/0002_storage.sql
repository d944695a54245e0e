-- storage.objects: a user writes, reads, moves and deletes only under their own first folder;
-- anon reads public buckets only; nobody but service_role deletes in a public bucket.
CREATE TEMP TABLE ids AS SELECT tests.create_user('owner@storage.test') AS alice, tests.create_user('other@storage.test') AS bob;
GRANT SELECT ON ids TO PUBLIC;
INSERT INTO storage.buckets (id, name, public) VALUES ('avatars', 'avatars', true);

-- Seeded buckets: the four private ones.
SELECT tests.assert_eq((SELECT count(*) FROM storage.buckets WHERE id IN ('visions','references','documents','workbooks') AND NOT public), 4::bigint, 'four private app buckets are seeded');

-- The owner uploads under their own folder.
SELECT tests.act_as((SELECT alice FROM ids));
INSERT INTO storage.objects (bucket_id, name) SELECT 'visions', alice || '/board.png' FROM ids;
INSERT INTO storage.objects (bucket_id, name) SELECT 'avatars', alice || '/me.png' FROM ids;
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.objects'), 2::bigint, 'owner sees own objects');
SELECT tests.assert_raises(format('INSERT INTO storage.objects (bucket_id, name) VALUES (%L, %L)', 'visions', (SELECT bob FROM ids) || '/x.png'), '42501', 'cannot upload into another user''s folder');
SELECT tests.assert_raises(format('INSERT INTO storage.objects (bucket_id, name) VALUES (%L, %L)', 'visions', 'loose.png'), '42501', 'cannot upload outside any user folder');
SELECT tests.assert_raises(format('INSERT INTO storage.objects (bucket_id, name, owner) VALUES (%L, %L, %L)', 'visions', (SELECT alice FROM ids) || '/y.png', (SELECT bob FROM ids)), '42501', 'cannot record another user as owner');
SELECT tests.assert_raises(format('UPDATE storage.objects SET name = %L WHERE name LIKE %L', (SELECT bob FROM ids) || '/moved.png', '%board.png'), '42501', 'cannot move an object into another user''s folder');
SELECT tests.assert_eq(tests.affected('DELETE FROM storage.objects WHERE bucket_id = ''avatars'''), 0::bigint, 'owner cannot delete in a public bucket');
SELECT tests.assert_raises('INSERT INTO storage.buckets (id, name) VALUES (''mine'', ''mine'')', '42501', 'users cannot create buckets');

-- Another user sees only what is public, and can change nothing of the owner's.
SELECT tests.act_as((SELECT bob FROM ids));
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.objects WHERE bucket_id = ''visions'''), 0::bigint, 'other user cannot see private objects');
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.objects WHERE bucket_id = ''avatars'''), 1::bigint, 'other user can see public objects');
SELECT tests.assert_eq(tests.affected('UPDATE storage.objects SET metadata = ''{"x": 1}'''), 0::bigint, 'other user cannot update');
SELECT tests.assert_eq(tests.affected('DELETE FROM storage.objects'), 0::bigint, 'other user cannot delete');

-- Anonymous callers read public buckets only and write nothing.
SELECT tests.act_as_anon();
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.objects'), 1::bigint, 'anon sees only public objects');
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.buckets'), 1::bigint, 'anon sees only public buckets');
SELECT tests.assert_raises('INSERT INTO storage.objects (bucket_id, name) VALUES (''avatars'', ''x/y.png'')', '42501', 'anon cannot upload');
SELECT tests.assert_raises('DELETE FROM storage.objects', '42501', 'anon cannot delete');

-- The owner deletes in a private bucket; service_role deletes anywhere.
SELECT tests.act_as((SELECT alice FROM ids));
SELECT tests.assert_eq(tests.affected('DELETE FROM storage.objects WHERE bucket_id = ''visions'''), 1::bigint, 'owner deletes own private object');
SELECT tests.act_as_service();
SELECT tests.assert_eq(tests.affected('DELETE FROM storage.objects WHERE bucket_id = ''avatars'''), 1::bigint, 'service_role deletes in a public bucket');
SELECT tests.act_as_owner();
SELECT tests.assert_eq(storage.foldername('a/b/c.png'), ARRAY['a','b'], 'foldername gives the folders');
