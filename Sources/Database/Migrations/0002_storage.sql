-- storage: buckets and the metadata of stored objects. The bytes live in an object store; rows
-- here decide who may see and change them, through row-level security like everything else.
CREATE SCHEMA IF NOT EXISTS storage;
REVOKE ALL ON SCHEMA storage FROM PUBLIC;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA storage REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

CREATE TABLE storage.buckets (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  owner uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  public boolean NOT NULL DEFAULT false,
  file_size_limit bigint CHECK (file_size_limit IS NULL OR file_size_limit > 0),
  allowed_mime_types text[],
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE storage.buckets IS 'Containers of stored objects, with their visibility and upload limits.';
COMMENT ON COLUMN storage.buckets.id IS 'Bucket identifier, used in paths.';
COMMENT ON COLUMN storage.buckets.name IS 'Bucket name (equal to id for buckets made through the API).';
COMMENT ON COLUMN storage.buckets.owner IS 'User who created the bucket, if any.';
COMMENT ON COLUMN storage.buckets.public IS 'True when anyone may download its objects without a token.';
COMMENT ON COLUMN storage.buckets.file_size_limit IS 'Largest object accepted, in bytes; NULL for the server default.';
COMMENT ON COLUMN storage.buckets.allowed_mime_types IS 'MIME types accepted (type/* wildcards allowed); NULL for any.';
COMMENT ON COLUMN storage.buckets.created_at IS 'When the bucket was created.';
COMMENT ON COLUMN storage.buckets.updated_at IS 'When the bucket last changed.';

CREATE TABLE storage.objects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  bucket_id text NOT NULL REFERENCES storage.buckets (id),
  name text NOT NULL CHECK (name <> '' AND name NOT LIKE '/%'),
  owner uuid DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE SET NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
  version text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_accessed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (bucket_id, name)
);
CREATE INDEX objects_bucket_prefix_idx ON storage.objects (bucket_id, name text_pattern_ops);
CREATE INDEX objects_owner_idx ON storage.objects (owner);
COMMENT ON TABLE storage.objects IS 'Metadata of one stored object; its bytes live in the object store under bucket and name.';
COMMENT ON COLUMN storage.objects.id IS 'Primary key.';
COMMENT ON COLUMN storage.objects.bucket_id IS 'Bucket holding the object.';
COMMENT ON COLUMN storage.objects.name IS 'Object path inside the bucket; its first segment is the owner''s user id in the app''s buckets.';
COMMENT ON COLUMN storage.objects.owner IS 'User who uploaded the object.';
COMMENT ON COLUMN storage.objects.metadata IS 'size, mimetype, eTag, cacheControl, lastModified.';
COMMENT ON COLUMN storage.objects.path_tokens IS 'The path split on /, for folder listings and policies.';
COMMENT ON COLUMN storage.objects.version IS 'Version of the stored bytes, changed by every overwrite.';
COMMENT ON COLUMN storage.objects.created_at IS 'When the object was first uploaded.';
COMMENT ON COLUMN storage.objects.updated_at IS 'When the object last changed.';
COMMENT ON COLUMN storage.objects.last_accessed_at IS 'When the object was last read.';

CREATE TRIGGER set_updated_at BEFORE UPDATE ON storage.buckets
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER set_updated_at BEFORE UPDATE ON storage.objects
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- Whether a bucket is public; SECURITY DEFINER so that policies on objects can ask without the
-- caller needing to see the bucket row.
CREATE FUNCTION storage.is_public_bucket(p_bucket_id text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT coalesce((SELECT b.public FROM storage.buckets b WHERE b.id = p_bucket_id), false)
$$;
REVOKE EXECUTE ON FUNCTION storage.is_public_bucket(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION storage.is_public_bucket(text) TO anon, authenticated, service_role;
COMMENT ON FUNCTION storage.is_public_bucket(text) IS 'True when the bucket exists and is public.';

-- The folders of an object path (all segments but the last), as Supabase's storage.foldername.
CREATE FUNCTION storage.foldername(p_name text) RETURNS text[]
LANGUAGE sql IMMUTABLE
AS $$
  SELECT (string_to_array(p_name, '/'))[1:array_length(string_to_array(p_name, '/'), 1) - 1]
$$;
REVOKE EXECUTE ON FUNCTION storage.foldername(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION storage.foldername(text) TO anon, authenticated, service_role;
COMMENT ON FUNCTION storage.foldername(text) IS 'The folder segments of an object path.';

ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON storage.buckets, storage.objects FROM PUBLIC, anon, authenticated;
GRANT ALL ON storage.buckets, storage.objects TO service_role;
GRANT SELECT ON storage.buckets TO anon, authenticated;
GRANT SELECT ON storage.objects TO anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON storage.objects TO authenticated;

CREATE POLICY buckets_read_authenticated ON storage.buckets
  FOR SELECT TO authenticated USING (true);
CREATE POLICY buckets_read_public ON storage.buckets
  FOR SELECT TO anon USING (public);

-- A user's objects are those under a first folder named after the user's id.
CREATE POLICY objects_select_own ON storage.objects
  FOR SELECT TO authenticated
  USING (path_tokens[1] = (select auth.uid())::text OR storage.is_public_bucket(bucket_id));
CREATE POLICY objects_insert_own ON storage.objects
  FOR INSERT TO authenticated
  WITH CHECK (path_tokens[1] = (select auth.uid())::text AND array_length(path_tokens, 1) > 1
              AND owner = (select auth.uid()));
CREATE POLICY objects_update_own ON storage.objects
  FOR UPDATE TO authenticated
  USING (path_tokens[1] = (select auth.uid())::text)
  WITH CHECK (path_tokens[1] = (select auth.uid())::text AND array_length(path_tokens, 1) > 1
              AND owner = (select auth.uid()));
-- Nobody but service_role deletes in a public bucket.
CREATE POLICY objects_delete_own ON storage.objects
  FOR DELETE TO authenticated
  USING (path_tokens[1] = (select auth.uid())::text AND NOT storage.is_public_bucket(bucket_id));
CREATE POLICY objects_select_public ON storage.objects
  FOR SELECT TO anon USING (storage.is_public_bucket(bucket_id));

INSERT INTO storage.buckets (id, name, public) VALUES
  ('visions', 'visions', false),
  ('references', 'references', false),
  ('documents', 'documents', false),
  ('workbooks', 'workbooks', false)
ON CONFLICT (id) DO NOTHING;
