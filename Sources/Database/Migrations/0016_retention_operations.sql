-- Soft delete behind /functions/v1/restore (and RPC): what the caller can still restore, and
-- the server's purge of rows soft-deleted longer ago than the retention window (setting
-- visionary.soft_delete_retention, default 30 days; restore_* and the window are 0003's). A
-- purged row's stored file goes with it: Storage removes the file a deleted row's URL names.

-- The caller's soft-deleted boards, reference images and documents still within the window.
CREATE FUNCTION public.list_restorable() RETURNS jsonb
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT coalesce(jsonb_agg(x.item ORDER BY x.deleted_at DESC), '[]'::jsonb)
    FROM (
      SELECT v.deleted_at, jsonb_build_object('kind', 'vision_board', 'id', v.id, 'label', v.prompt, 'url', v.image_url,
                                              'deleted_at', v.deleted_at, 'restorable_until', v.deleted_at + internal.soft_delete_retention()) AS item
        FROM public.vision_boards v
       WHERE v.user_id = internal.require_user() AND v.deleted_at > now() - internal.soft_delete_retention()
      UNION ALL
      SELECT r.deleted_at, jsonb_build_object('kind', 'reference_image', 'id', r.id, 'label', array_to_string(r.tags, ', '), 'url', r.image_url,
                                              'deleted_at', r.deleted_at, 'restorable_until', r.deleted_at + internal.soft_delete_retention())
        FROM public.reference_images r
       WHERE r.user_id = internal.require_user() AND r.deleted_at > now() - internal.soft_delete_retention()
      UNION ALL
      SELECT d.deleted_at, jsonb_build_object('kind', 'document', 'id', d.id, 'label', d.name, 'url', d.url,
                                              'deleted_at', d.deleted_at, 'restorable_until', d.deleted_at + internal.soft_delete_retention())
        FROM public.documents d
       WHERE d.user_id = internal.require_user() AND d.deleted_at > now() - internal.soft_delete_retention()
    ) x
$$;
REVOKE EXECUTE ON FUNCTION public.list_restorable() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_restorable() TO authenticated;
COMMENT ON FUNCTION public.list_restorable() IS 'The caller''s soft-deleted vision boards, reference images and documents that can still be restored, newest first, with the moment each stops being restorable.';

-- Server only (a daily job, or the restore function's purge action): deletes for real the rows
-- soft-deleted longer ago than the retention window; returns how many of each kind.
CREATE FUNCTION public.purge_soft_deleted() RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_boards integer;
  v_images integer;
  v_documents integer;
BEGIN
  DELETE FROM public.vision_boards WHERE deleted_at <= now() - internal.soft_delete_retention();
  GET DIAGNOSTICS v_boards = ROW_COUNT;
  DELETE FROM public.reference_images WHERE deleted_at <= now() - internal.soft_delete_retention();
  GET DIAGNOSTICS v_images = ROW_COUNT;
  DELETE FROM public.documents WHERE deleted_at <= now() - internal.soft_delete_retention();
  GET DIAGNOSTICS v_documents = ROW_COUNT;
  RETURN jsonb_build_object('vision_boards', v_boards, 'reference_images', v_images, 'documents', v_documents,
                            'retention', internal.soft_delete_retention()::text);
END
$$;
REVOKE EXECUTE ON FUNCTION public.purge_soft_deleted() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.purge_soft_deleted() TO service_role;
COMMENT ON FUNCTION public.purge_soft_deleted() IS 'Server only: deletes for real the vision boards, reference images and documents soft-deleted longer ago than the retention window (their stored files follow); returns the counts.';
