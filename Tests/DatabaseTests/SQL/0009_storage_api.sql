-- storage API additions: the byte-deletion queue, anonymous uploads refused by RLS, bucket
-- limits for uploads, and purged app rows taking their (owned) files along.
CREATE TEMP TABLE ids AS SELECT tests.create_user('owner@storage-api.test') AS alice;
GRANT SELECT ON ids TO PUBLIC;
INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types) VALUES ('open', 'open', true, 100, ARRAY['image/*']);

-- Limits are readable before an upload, even of a bucket the caller cannot list.
SELECT tests.act_as_anon();
SELECT tests.assert_eq((SELECT file_size_limit FROM storage.bucket_limits('open')), 100::bigint, 'anon reads a bucket''s limits');
SELECT tests.assert_eq((SELECT count(*) FROM storage.bucket_limits('visions')), 1::bigint, 'private buckets answer too');
SELECT tests.assert_eq((SELECT count(*) FROM storage.bucket_limits('nope')), 0::bigint, 'unknown buckets answer no row');
-- anon holds INSERT, so RLS (not a missing privilege) refuses its uploads.
SELECT tests.assert_raises('INSERT INTO storage.objects (bucket_id, name) VALUES (''open'', ''x/y.png'')', '42501', 'anon upload refused by RLS');

-- Deleting or re-versioning an object queues its bytes; a row without bytes queues nothing.
SELECT tests.act_as((SELECT alice FROM ids));
INSERT INTO storage.objects (bucket_id, name, version) SELECT 'visions', alice || '/a.png', 'v1' FROM ids;
INSERT INTO storage.objects (bucket_id, name, version) SELECT 'open', alice || '/pub.png', 'v9' FROM ids;
INSERT INTO storage.objects (bucket_id, name) SELECT 'visions', alice || '/empty.png' FROM ids;
UPDATE storage.objects SET version = 'v2' WHERE version = 'v1';
SELECT tests.assert_eq(tests.affected('DELETE FROM storage.objects WHERE bucket_id = ''visions'''), 2::bigint, 'owner deletes');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT array_agg(version ORDER BY version) FROM storage.deleted_objects), ARRAY['v1', 'v2'], 'replaced and deleted versions are queued');

-- The owner may rename or move an object out of a public bucket (0038); service_role moves anything.
SELECT tests.act_as((SELECT alice FROM ids));
SELECT tests.assert_eq(tests.affected(format('UPDATE storage.objects SET name = %L WHERE version = %L', 'renamed.png', 'v9')), 1::bigint, 'the owner renames in a public bucket');
SELECT tests.act_as_service();
SELECT tests.assert_eq(tests.affected(format('UPDATE storage.objects SET name = %L WHERE version = %L', 'x/moved.png', 'v9')), 1::bigint, 'service_role moves anything');

-- A purged board takes its image (owned by the board's user, wherever it lies) along; a soft
-- delete keeps it; a file someone else owns stays.
SELECT tests.act_as((SELECT alice FROM ids));
INSERT INTO storage.objects (bucket_id, name, version) VALUES ('visions', 'board 1.png', 'v3');
INSERT INTO public.vision_boards (prompt, image_url) VALUES ('p', 'https://api.test/storage/v1/object/sign/visions/board%201.png?token=t');
DELETE FROM public.vision_boards;
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.objects WHERE version = ''v3'''), 1::bigint, 'a soft-deleted board keeps its image');
SELECT tests.act_as_service();
DELETE FROM public.vision_boards;
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.objects WHERE version = ''v3'''), 0::bigint, 'the purge deletes the image row');
SELECT tests.act_as_owner();
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.deleted_objects WHERE version = ''v3'''), 1::bigint, 'and queues its bytes');
SELECT tests.act_as_service();
INSERT INTO storage.objects (bucket_id, name, version) VALUES ('visions', 'shared.png', 'v4');
SELECT tests.act_as((SELECT alice FROM ids));
INSERT INTO public.vision_boards (prompt, image_url) VALUES ('p', 'https://api.test/storage/v1/object/public/visions/shared.png');
SELECT tests.act_as_service();
DELETE FROM public.vision_boards;
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM storage.objects WHERE version = ''v4'''), 1::bigint, 'a purged board leaves a file its user does not own');
SELECT tests.act_as_owner();
SELECT tests.assert_eq(storage.url_decode('a%20b%2Fc'), 'a b/c', 'url_decode');
SELECT tests.assert_eq(storage.url_decode('%ff'), NULL::text, 'url_decode refuses invalid UTF-8');
