-- 0005 knowledge search over the HNSW index: with the index plan forced, filtering to the
-- caller's chunks must not starve the result (pgvector 0.8 iterative index scans, enabled by the
-- functions' SET hnsw.iterative_scan). Without them, the first hnsw.ef_search (40) candidates
-- are all another user's and the caller gets nothing.
--
-- Fixture: unit vectors on one arc, at an angle (degrees) from the query vec(0): dave's 199
-- chunks at 0.1 .. 19.9 degrees, carol's 3 at 20, 25 and 30, so every one of dave's chunks is
-- nearer to the query than any of carol's. (A chain of distinct points keeps the HNSW graph
-- connected, so the exact answer is reachable.)

CREATE FUNCTION pg_temp.vec(deg float8) RETURNS extensions.vector
LANGUAGE sql IMMUTABLE AS $$
  SELECT (ARRAY[cos(radians(deg)), sin(radians(deg))] || array_fill(0::float8, ARRAY[1534]))::extensions.vector
$$;
GRANT EXECUTE ON FUNCTION pg_temp.vec(float8) TO PUBLIC;

CREATE TEMP TABLE fx (key text PRIMARY KEY, id uuid);
GRANT ALL ON fx TO PUBLIC;
INSERT INTO fx VALUES ('carol', tests.create_user('carol@example.com')), ('dave', tests.create_user('dave@example.com')),
  ('src_carol', gen_random_uuid()), ('src_dave', gen_random_uuid());
INSERT INTO public.user_knowledge_sources (id, user_id, source_type, source_name)
VALUES ((SELECT id FROM fx WHERE key = 'src_carol'), (SELECT id FROM fx WHERE key = 'carol'), 'notes', 'Carol notes'),
       ((SELECT id FROM fx WHERE key = 'src_dave'), (SELECT id FROM fx WHERE key = 'dave'), 'notes', 'Dave notes');
INSERT INTO public.user_knowledge_chunks (source_id, chunk_index, chunk_text, embedding)
SELECT (SELECT id FROM fx WHERE key = 'src_dave'), g, 'dave note ' || g, pg_temp.vec(g / 10.0)
FROM generate_series(1, 199) g;
INSERT INTO public.user_knowledge_chunks (source_id, chunk_index, chunk_text, embedding)
SELECT (SELECT id FROM fx WHERE key = 'src_carol'), g, 'carol note at ' || g || ' degrees', pg_temp.vec(g)
FROM unnest(ARRAY[20, 25, 30]) g;

CREATE TEMP TABLE got (pos integer, chunk_text text);
GRANT ALL ON got TO PUBLIC;

-- Force the index plan (no sequential or bitmap scan, no sort of an exact scan).
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SET LOCAL enable_sort = off;
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'carol'));
INSERT INTO got SELECT row_number() OVER (), chunk_text FROM public.search_knowledge_chunks(pg_temp.vec(0), 3);
INSERT INTO got SELECT 100 + row_number() OVER (), chunk_text FROM public.hybrid_search_knowledge_chunks(NULL, pg_temp.vec(0), 3);
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT array_agg(chunk_text ORDER BY pos) FROM got WHERE pos < 100),
  ARRAY['carol note at 20 degrees', 'carol note at 25 degrees', 'carol note at 30 degrees'],
  'vector search over the HNSW index: the caller''s 3 nearest, none of another user''s');
SELECT tests.assert_eq((SELECT array_agg(chunk_text ORDER BY pos) FROM got WHERE pos > 100),
  ARRAY['carol note at 20 degrees', 'carol note at 25 degrees', 'carol note at 30 degrees'],
  'hybrid search over the HNSW index: the caller''s 3 nearest, none of another user''s');
