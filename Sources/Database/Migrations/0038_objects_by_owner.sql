-- Stored objects belong to the user who uploaded them, wherever they lie. The app chooses its
-- own paths (`{id}.png`, `ref_{id}.png`, `references/{ts}-{name}` in visions, `{id}_{file}` in
-- documents, `{orderId}/final_workbook.pdf` in workbooks), so ownership by a first folder named
-- after the user — 0002's rule — refused every one of its uploads. Now, in every bucket:
--   * any signed-in user may create a new object anywhere (as its owner);
--   * only its owner overwrites, moves, renames or removes it (service_role bypasses row-level
--     security, as for every table);
--   * an object of a private bucket is read (downloaded, listed, copied from, signed) by its
--     owner alone; one of a public bucket by anyone;
--   * anon writes nothing (it has no write policy).
-- The app's buckets: visions is public (board images are shared by their public URL); documents
-- and workbooks stay private on purpose (read with the owner's token or a signed URL).

UPDATE storage.buckets SET public = true, updated_at = now() WHERE id = 'visions';
INSERT INTO storage.buckets (id, name, public) VALUES
  ('visions', 'visions', true),
  ('documents', 'documents', false),
  ('workbooks', 'workbooks', false)
ON CONFLICT (id) DO NOTHING;

DROP POLICY objects_select_own ON storage.objects;
DROP POLICY objects_insert_own ON storage.objects;
DROP POLICY objects_update_own ON storage.objects;
DROP POLICY objects_delete_own ON storage.objects;

CREATE POLICY objects_select_own ON storage.objects
  FOR SELECT TO authenticated
  USING (owner = (select auth.uid()) OR storage.is_public_bucket(bucket_id));
CREATE POLICY objects_insert_own ON storage.objects
  FOR INSERT TO authenticated
  WITH CHECK (owner = (select auth.uid()));
CREATE POLICY objects_update_own ON storage.objects
  FOR UPDATE TO authenticated
  USING (owner = (select auth.uid()))
  WITH CHECK (owner = (select auth.uid()));
CREATE POLICY objects_delete_own ON storage.objects
  FOR DELETE TO authenticated
  USING (owner = (select auth.uid()));

-- An owner may now remove an object of a public bucket, so moving it out is no longer a delete
-- by another name.
DROP TRIGGER guard_public_moves ON storage.objects;
DROP FUNCTION storage.guard_public_moves();

COMMENT ON COLUMN storage.objects.name IS 'Object path inside the bucket, chosen by the uploader.';
COMMENT ON COLUMN storage.objects.owner IS 'User who uploaded the object: the only user who may overwrite, move or remove it, and, in a private bucket, read it; NULL for objects written by the server.';

-- A purged app row takes the stored file its URL names with it when the row's user owns that
-- file, wherever it lies in the bucket.
CREATE OR REPLACE FUNCTION storage.delete_file_of_purged_row() RETURNS trigger
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
  IF v_name IS NOT NULL THEN
    DELETE FROM storage.objects
     WHERE bucket_id = storage.url_decode(v_match[1]) AND name = v_name AND owner = OLD.user_id;
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION storage.delete_file_of_purged_row() FROM PUBLIC;
COMMENT ON FUNCTION storage.delete_file_of_purged_row() IS 'Trigger: when a vision board, reference image or document row is deleted for real, deletes the stored object its URL (column TG_ARGV[0]) names, if the row''s user owns it.';

-- Deleting an account deletes every object it owns, in any bucket (their bytes follow through
-- the sweeper's queue). Runs before the row goes, while the objects still name their owner.
CREATE FUNCTION storage.delete_objects_of_deleted_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  DELETE FROM storage.objects WHERE owner = OLD.id;
  RETURN OLD;
END
$$;
REVOKE EXECUTE ON FUNCTION storage.delete_objects_of_deleted_user() FROM PUBLIC;
COMMENT ON FUNCTION storage.delete_objects_of_deleted_user() IS 'Trigger: deletes the stored objects a user owns when the user is deleted.';
CREATE TRIGGER delete_owned_objects BEFORE DELETE ON auth.users
  FOR EACH ROW EXECUTE FUNCTION storage.delete_objects_of_deleted_user();
