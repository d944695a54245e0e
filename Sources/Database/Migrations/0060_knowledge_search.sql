-- The knowledge base's ingestion and search.
--
-- Every chunk records which model embedded it (`embedding_model`, the model's identifier with its
-- dimensions), and search compares only vectors of the model the server is configured with, so
-- a change of model never mixes incomparable vectors; `visionary knowledge reembed` moves the
-- chunks over. The built-in model's 384-dimension vectors have a column and HNSW index of their
-- own (`embedding_384`): zero-padded into the 1536 column they would give the same cosine at
-- about four times the cost per comparison (docs/knowledge.md has the measurement). Other
-- models' vectors go to `embedding`, zero-padded up to its 1536 dimensions.
--
-- A source records where ingestion stands: how many chunks it will have and how many are
-- embedded (a large source is embedded in the background, and `list` shows its progress), and
-- the Storage object it was read from.

ALTER TABLE public.user_knowledge_chunks
  ADD COLUMN embedding_model text CHECK (length(embedding_model) <= 200),
  ADD COLUMN embedding_384 extensions.vector(384);
-- Kept in the row (pgvector's default moves vectors of this size out to TOAST): an exact scan of
-- a user's chunks then reads each vector from the row it is on, not from a second relation.
ALTER TABLE public.user_knowledge_chunks ALTER COLUMN embedding_384 SET STORAGE PLAIN;
CREATE INDEX user_knowledge_chunks_embedding_384_idx ON public.user_knowledge_chunks
  USING hnsw (embedding_384 extensions.vector_cosine_ops);
-- The re-embedding tool's walk: chunks not yet of the configured model, in id order.
CREATE INDEX user_knowledge_chunks_embedding_model_idx ON public.user_knowledge_chunks (embedding_model, id);
COMMENT ON COLUMN public.user_knowledge_chunks.embedding_model IS 'Identifier of the model that embedded the chunk (name@dimensions); search compares only vectors of the configured model.';
COMMENT ON COLUMN public.user_knowledge_chunks.embedding_384 IS '384-dimension embedding (the built-in all-MiniLM-L6-v2; HNSW cosine index); NULL for other models.';

ALTER TABLE public.user_knowledge_sources
  ADD COLUMN storage_path text CHECK (length(storage_path) <= 1024),
  ADD COLUMN chunks_total integer CHECK (chunks_total >= 0),
  ADD COLUMN chunks_embedded integer NOT NULL DEFAULT 0 CHECK (chunks_embedded >= 0);
COMMENT ON COLUMN public.user_knowledge_sources.storage_path IS 'The object in the owner''s documents bucket the source was read from, if any.';
COMMENT ON COLUMN public.user_knowledge_sources.chunks_total IS 'Chunks the source is cut into, once known (ingestion progress).';
COMMENT ON COLUMN public.user_knowledge_sources.chunks_embedded IS 'Chunks embedded so far (ingestion progress).';

-- The caller's best p_limit chunks for a question: reciprocal rank fusion (score = sum of
-- 1 / (60 + rank)) of the nearest chunks by cosine distance among vectors of p_embedding_model
-- and the best full-text matches, over the caller's active sources included in context.
-- p_query_embedding may have 384 dimensions (the built-in model's column) or up to 1536 (the
-- general column, zero-padded here as on writing); either query may be NULL.
--
-- The nearest chunks come from an exact scan of the caller's own rows while they number at most
-- 20,000 (a knowledge base is personal: thousands of chunks, which the (user_id) index finds in
-- milliseconds), and from the HNSW index, filtered to the caller by iterative scans, beyond.
-- Measured over 100,000 chunks (scripts/bench-knowledge.sh): the index path, filtered to one
-- user's 5%, found about a fifth of the exact top ten on random vectors; the exact scan of that
-- user's 5,000 rows is exact and takes milliseconds.
--
-- SECURITY DEFINER, with every statement restricted to `user_id = auth.uid()` and the caller's
-- own sources: under row-level security the full-text operator (not leakproof) could not use the
-- GIN index and read every one of the caller's tsvectors (three times the time, measured). The
-- isolation tests (ten users, every action) hold it to never returning another user's chunk.
CREATE FUNCTION public.search_knowledge(
  p_query_text text, p_query_embedding extensions.vector, p_embedding_model text, p_limit integer DEFAULT 5
) RETURNS TABLE(chunk_id uuid, source_id uuid, source_name text, source_type text, chunk_text text,
                similarity double precision, text_rank real, score double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path TO ''
SET "hnsw.iterative_scan" TO 'relaxed_order'
SET "hnsw.ef_search" TO '100'
AS $$
DECLARE
  v_user uuid := auth.uid();
  v_limit integer := least(greatest(coalesce(p_limit, 5), 0), 50);
  v_candidates integer := greatest(4 * least(greatest(coalesce(p_limit, 5), 0), 50), 20);
  v_tsq tsquery := CASE WHEN p_query_text IS NOT NULL THEN websearch_to_tsquery('english'::regconfig, left(p_query_text, 2000)) END;
  v_dims integer := CASE WHEN p_query_embedding IS NOT NULL THEN extensions.vector_dims(p_query_embedding) END;
  v_query extensions.vector;
  v_column text;
  v_exact boolean;
  v_near uuid[] := '{}';
  v_distance double precision[] := '{}';
  v_sources uuid[];
BEGIN
  IF v_user IS NULL THEN
    RAISE EXCEPTION 'searching the knowledge base needs a signed-in user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- The sources searched, once, rather than a look-up per chunk.
  v_sources := ARRAY(SELECT s.id FROM public.user_knowledge_sources s WHERE s.user_id = v_user AND s.is_active AND s.include_in_context);
  IF v_dims = 384 THEN
    v_query := p_query_embedding;
    v_column := 'embedding_384';
  ELSIF v_dims IS NOT NULL AND v_dims <= 1536 THEN
    v_query := (p_query_embedding::real[] || array_fill(0::real, ARRAY[1536 - v_dims]))::extensions.vector;
    v_column := 'embedding';
  ELSIF v_dims IS NOT NULL THEN
    RAISE EXCEPTION 'a query embedding has at most 1536 dimensions, not %', v_dims USING ERRCODE = 'invalid_parameter_value';
  END IF;

  IF v_query IS NOT NULL AND p_embedding_model IS NOT NULL THEN
    v_exact := (SELECT count(*) FROM public.user_knowledge_chunks c WHERE c.user_id = v_user) <= 20000;
    -- Exact: every distance of the caller's rows, computed in a materialized CTE (the ORDER BY
    -- cannot become an index scan); else the HNSW index's order, filtered to the caller.
    EXECUTE format($query$
      WITH mine AS %s (
        SELECT c.id, c.%I OPERATOR(extensions.<=>) $1 AS distance
          FROM public.user_knowledge_chunks c
         WHERE c.user_id = $2 AND c.embedding_model = $3 AND c.%I IS NOT NULL AND c.source_id = ANY ($5)
         %s)
      SELECT coalesce(array_agg(n.id ORDER BY n.distance, n.id), '{}'), coalesce(array_agg(n.distance ORDER BY n.distance, n.id), '{}')
        FROM (SELECT m.id, m.distance FROM mine m ORDER BY m.distance, m.id LIMIT $4) AS n
      $query$,
      CASE WHEN v_exact THEN 'MATERIALIZED' ELSE 'NOT MATERIALIZED' END, v_column, v_column,
      CASE WHEN v_exact THEN '' ELSE format('ORDER BY c.%I OPERATOR(extensions.<=>) $1 LIMIT $4', v_column) END)
      INTO v_near, v_distance
      USING v_query, v_user, p_embedding_model, v_candidates, v_sources;
  END IF;

  RETURN QUERY
  WITH vector_ranked AS (
    SELECT v.id, v.distance, v.rank FROM unnest(v_near, v_distance) WITH ORDINALITY AS v(id, distance, rank)
  ),
  by_text AS MATERIALIZED (
    SELECT c.id, ts_rank_cd(c.chunk_tsv, v_tsq) AS text_rank
      FROM public.user_knowledge_chunks c
     WHERE v_tsq IS NOT NULL AND numnode(v_tsq) > 0 AND c.user_id = v_user AND c.source_id = ANY (v_sources)
       AND c.chunk_tsv @@ v_tsq
     ORDER BY text_rank DESC, c.id
     LIMIT v_candidates
  ),
  text_ranked AS (
    SELECT t.id, t.text_rank, row_number() OVER (ORDER BY t.text_rank DESC, t.id) AS rank FROM by_text t
  ),
  fused AS (
    SELECT coalesce(v.id, t.id) AS id, v.distance, t.text_rank,
           coalesce(1.0 / (60 + v.rank), 0) + coalesce(1.0 / (60 + t.rank), 0) AS score
      FROM vector_ranked v FULL JOIN text_ranked t ON t.id = v.id
  )
  SELECT c.id, c.source_id, s.source_name, s.source_type, c.chunk_text,
         (1 - f.distance)::double precision, f.text_rank, f.score::double precision
    FROM fused f
    JOIN public.user_knowledge_chunks c ON c.id = f.id
    JOIN public.user_knowledge_sources s ON s.id = c.source_id
   ORDER BY f.score DESC, f.distance NULLS LAST, c.id
   LIMIT v_limit;
END
$$;
COMMENT ON FUNCTION public.search_knowledge(text, extensions.vector, text, integer) IS 'The caller''s best p_limit (at most 50) chunks by reciprocal rank fusion of cosine neighbours among vectors of p_embedding_model (an exact scan of the caller''s rows up to 20,000, the HNSW index beyond) and full-text matches, over active sources included in context.';
REVOKE ALL ON FUNCTION public.search_knowledge(text, extensions.vector, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.search_knowledge(text, extensions.vector, text, integer) TO authenticated, service_role;
