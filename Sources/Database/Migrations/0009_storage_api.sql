-- storage API: what /storage/v1 needs beyond 0002's tables: user metadata on objects, bucket
-- limits readable before an upload, the queue of stored bytes to delete, the rules 0002's
-- policies cannot express, and purges of app rows that take their stored files with them.

ALTER TABLE storage.objects ADD COLUMN user_metadata jsonb;
COMMENT ON COLUMN storage.objects.user_metadata IS 'Metadata the uploader attached (x-metadata / metadata form field), or NULL.';
COMMENT ON COLUMN storage.objects.version IS 'Key of the stored bytes in the object store; every write makes a new one.';

-- Anonymous uploads are refused by row-level security (as for any other role without a
-- policy) rather than by a missing privilege, so clients see the same error either way.
GRANT INSERT, UPDATE ON storage.objects TO anon;

-- An upload must know a bucket's limits before it streams, even a bucket the caller cannot
-- list (RLS still decides whether the object row may be written).
CREATE FUNCTION storage.bucket_limits(p_bucket_id text)
RETURNS TABLE (file_size_limit bigint, allowed_mime_types text[])
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT b.file_size_limit, b.allowed_mime_types FROM storage.buckets b WHERE b.id = p_bucket_id
$$;
REVOKE EXECUTE ON FUNCTION storage.bucket_limits(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION storage.bucket_limits(text) TO anon, authenticated, service_role;
COMMENT ON FUNCTION storage.bucket_limits(text) IS 'Size limit and allowed MIME types of a bucket; no row when it does not exist.';

-- Bytes whose metadata row is gone (deleted, or overwritten by a newer version). The server's
-- sweeper deletes them from the object store and then the queue entry, in one transaction, so
-- bytes go only once the row that named them is committed away, whoever deleted it (an API
-- call, a purge, a cascade).
CREATE TABLE storage.deleted_objects (
  version text PRIMARY KEY,
  deleted_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE storage.deleted_objects ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON storage.deleted_objects FROM PUBLIC, anon, authenticated, service_role;
COMMENT ON TABLE storage.deleted_objects IS 'Stored bytes no object row names any more, waiting for the sweeper to delete them.';
COMMENT ON COLUMN storage.deleted_objects.version IS 'Key of the bytes in the object store.';
COMMENT ON COLUMN storage.deleted_objects.deleted_at IS 'When the row naming them went away.';

CREATE FUNCTION storage.queue_deleted_bytes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  IF OLD.version IS NOT NULL AND (TG_OP = 'DELETE' OR NEW.version IS DISTINCT FROM OLD.version) THEN
    INSERT INTO storage.deleted_objects (version) VALUES (OLD.version) ON CONFLICT DO NOTHING;
    -- Wakes the sweepers once the change commits.
    PERFORM pg_notify('storage_deleted_objects', '');
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION storage.queue_deleted_bytes() FROM PUBLIC;
CREATE TRIGGER queue_deleted_bytes AFTER DELETE OR UPDATE OF version ON storage.objects
  FOR EACH ROW EXECUTE FUNCTION storage.queue_deleted_bytes();

-- Nobody but service_role deletes in a public bucket, and moving an object out of one (or
-- renaming it) would be a delete by another name.
CREATE FUNCTION storage.guard_public_moves() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF (NEW.bucket_id IS DISTINCT FROM OLD.bucket_id OR NEW.name IS DISTINCT FROM OLD.name)
     AND current_user IN ('anon', 'authenticated')
     AND storage.is_public_bucket(OLD.bucket_id) THEN
    RAISE EXCEPTION 'only service_role may move objects out of a public bucket'
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION storage.guard_public_moves() FROM PUBLIC;
CREATE TRIGGER guard_public_moves BEFORE UPDATE OF bucket_id, name ON storage.objects
  FOR EACH ROW EXECUTE FUNCTION storage.guard_public_moves();

-- Percent-decoding of a URL path, for the URLs app rows keep of their stored files.
CREATE FUNCTION storage.url_decode(p_text text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT
SET search_path = ''
AS $$
DECLARE
  v_bytes bytea := '';
  v_index int := 1;
BEGIN
  WHILE v_index <= length(p_text) LOOP
    IF substr(p_text, v_index, 1) = '%' AND substr(p_text, v_index + 1, 2) ~ '^[0-9A-Fa-f]{2}$' THEN
      v_bytes := v_bytes || decode(substr(p_text, v_index + 1, 2), 'hex');
      v_index := v_index + 3;
    ELSE
      v_bytes := v_bytes || convert_to(substr(p_text, v_index, 1), 'UTF8');
      v_index := v_index + 1;
    END IF;
  END LOOP;
  RETURN convert_from(v_bytes, 'UTF8');
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION storage.url_decode(text) FROM PUBLIC;
COMMENT ON FUNCTION storage.url_decode(text) IS 'A percent-encoded path decoded; NULL when it is not valid UTF-8.';

-- When a vision board, reference image or document row is removed for real (the purge of
-- long soft-deleted rows, or an account deletion), the stored file its URL names goes with it,
-- if that file lies in the row owner's own folder. A soft delete keeps the row, so it keeps the
-- file. URLs of this server's Storage API are recognised in every form the clients build:
-- .../storage/v1/object/{public|authenticated|sign}/<bucket>/<path>[?...] and
-- .../storage/v1/object/<bucket>/<path>.
CREATE FUNCTION storage.delete_file_of_purged_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_url text := to_jsonb(OLD) ->> TG_ARGV[0];
  v_match text[];
  v_name text;
BEGIN
  v_match := regexp_match(v_url, '/storage/v1/object/(?:public/|authenticated/|sign/)?([^/?#]+)/([^?#]+)');
  IF v_match IS NULL THEN
    RETURN NULL;
  END IF;
  v_name := storage.url_decode(v_match[2]);
  IF v_name IS NOT NULL AND split_part(v_name, '/', 1) = OLD.user_id::text THEN
    DELETE FROM storage.objects WHERE bucket_id = storage.url_decode(v_match[1]) AND name = v_name;
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION storage.delete_file_of_purged_row() FROM PUBLIC;
CREATE TRIGGER delete_stored_image AFTER DELETE ON public.vision_boards
  FOR EACH ROW EXECUTE FUNCTION storage.delete_file_of_purged_row('image_url');
CREATE TRIGGER delete_stored_image AFTER DELETE ON public.reference_images
  FOR EACH ROW EXECUTE FUNCTION storage.delete_file_of_purged_row('image_url');
CREATE TRIGGER delete_stored_file AFTER DELETE ON public.documents
  FOR EACH ROW EXECUTE FUNCTION storage.delete_file_of_purged_row('url');
