-- 0005 knowledge search: search_knowledge_chunks (cosine) and hybrid_search_knowledge_chunks
-- (reciprocal rank fusion of cosine and full-text candidate lists). Results come only from the
-- caller's chunks of active sources included in context, never from another user's.

-- Test vectors: unit vectors in the plane of the first two dimensions, at an angle (degrees)
-- from the query vector vec(0); cosine similarity to the query is cos(angle). z tilts a vector
-- slightly out of that plane.
CREATE FUNCTION pg_temp.vec(deg float8, z float8 DEFAULT 0) RETURNS extensions.vector
LANGUAGE sql IMMUTABLE AS $$
  SELECT (ARRAY[cos(radians(deg)), sin(radians(deg)), z] || array_fill(0::float8, ARRAY[1533]))::extensions.vector
$$;
GRANT EXECUTE ON FUNCTION pg_temp.vec(float8, float8) TO PUBLIC;

CREATE TEMP TABLE fx (key text PRIMARY KEY, id uuid);
GRANT ALL ON fx TO PUBLIC;
INSERT INTO fx VALUES ('alice', tests.create_user('alice@example.com')), ('mallory', tests.create_user('mallory@example.com')),
  ('bob', tests.create_user('bob@example.com'));

-- Fixtures (as the owner role): alice's notes, an excluded and an archived source that both
-- match the query perfectly, and mallory's perfect matches. "marathon" occurs 3x in c_null, 2x in
-- c30, 1x in c60, so the text ranks are c_null, c30, c60.
INSERT INTO fx SELECT k, gen_random_uuid() FROM unnest(ARRAY['src_notes', 'src_excluded', 'src_archived', 'src_mallory',
  'c0', 'c10', 'c30', 'c60', 'c_null']) k;
INSERT INTO public.user_knowledge_sources (id, user_id, source_type, source_name, include_in_context, is_active)
VALUES
  ((SELECT id FROM fx WHERE key = 'src_notes'), (SELECT id FROM fx WHERE key = 'alice'), 'notes', 'Alice notes', true, true),
  ((SELECT id FROM fx WHERE key = 'src_excluded'), (SELECT id FROM fx WHERE key = 'alice'), 'resume', 'Excluded', false, true),
  ((SELECT id FROM fx WHERE key = 'src_archived'), (SELECT id FROM fx WHERE key = 'alice'), 'document', 'Archived', true, false),
  ((SELECT id FROM fx WHERE key = 'src_mallory'), (SELECT id FROM fx WHERE key = 'mallory'), 'notes', 'Mallory notes', true, true);
INSERT INTO public.user_knowledge_chunks (id, source_id, chunk_index, chunk_text, embedding)
VALUES
  ((SELECT id FROM fx WHERE key = 'c0'), (SELECT id FROM fx WHERE key = 'src_notes'), 0, 'Save for a house deposit', pg_temp.vec(0, 0)),
  ((SELECT id FROM fx WHERE key = 'c10'), (SELECT id FROM fx WHERE key = 'src_notes'), 1, 'Read twelve books this year', pg_temp.vec(10, 0)),
  ((SELECT id FROM fx WHERE key = 'c30'), (SELECT id FROM fx WHERE key = 'src_notes'), 2, 'Train for the marathon, the marathon of a lifetime', pg_temp.vec(30, 0)),
  ((SELECT id FROM fx WHERE key = 'c60'), (SELECT id FROM fx WHERE key = 'src_notes'), 3, 'Run a marathon in spring', pg_temp.vec(60, 0)),
  ((SELECT id FROM fx WHERE key = 'c_null'), (SELECT id FROM fx WHERE key = 'src_notes'), 4, 'Marathon plan: marathon pace, marathon shoes', NULL),
  (gen_random_uuid(), (SELECT id FROM fx WHERE key = 'src_excluded'), 0, 'marathon marathon marathon marathon', pg_temp.vec(0, 0)),
  (gen_random_uuid(), (SELECT id FROM fx WHERE key = 'src_archived'), 0, 'marathon marathon marathon marathon', pg_temp.vec(0, 0));
INSERT INTO public.user_knowledge_chunks (source_id, chunk_index, chunk_text, embedding)
SELECT (SELECT id FROM fx WHERE key = 'src_mallory'), g, 'marathon marathon marathon marathon secret ' || g,
       pg_temp.vec(g * 0.01, g * 0.0001)
FROM generate_series(1, 200) g;

-- Result rows are read into this table so that assertions can run as the owner role.
CREATE TEMP TABLE got (pos integer, chunk_id uuid, chunk_text text, source_name text, source_type text,
  similarity double precision, text_rank real, score double precision);
GRANT ALL ON got TO PUBLIC;

---------------------------------------------------------------------------------------------------
-- search_knowledge_chunks
---------------------------------------------------------------------------------------------------
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
INSERT INTO got (pos, chunk_id, chunk_text, source_name, source_type, similarity)
SELECT row_number() OVER (), * FROM public.search_knowledge_chunks(pg_temp.vec(0), 3);
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT array_agg(f.key ORDER BY g.pos) FROM got g JOIN fx f ON f.id = g.chunk_id),
  ARRAY['c0', 'c10', 'c30'], 'vector search: alice''s 3 nearest chunks, nearest first');
SELECT tests.assert((SELECT bool_and(abs(g.similarity - cos(radians(a.deg))) < 1e-6)
                     FROM got g JOIN fx f ON f.id = g.chunk_id
                     JOIN (VALUES ('c0', 0), ('c10', 10), ('c30', 30)) a (key, deg) ON a.key = f.key),
  'vector search: similarity = 1 - cosine distance');
SELECT tests.assert_eq((SELECT array_agg(DISTINCT source_name || '/' || source_type) FROM got),
  ARRAY['Alice notes/notes'], 'vector search: source name and type of the chunk');
TRUNCATE got;

-- Default limit 5; chunks without embedding, excluded and archived sources are skipped.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
INSERT INTO got (pos, chunk_id) SELECT row_number() OVER (), chunk_id FROM public.search_knowledge_chunks(pg_temp.vec(0));
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT array_agg(f.key ORDER BY g.pos) FROM got g JOIN fx f ON f.id = g.chunk_id),
  ARRAY['c0', 'c10', 'c30', 'c60'], 'vector search: only embedded chunks of eligible sources (default limit 5)');
TRUNCATE got;

-- NULL query or a non-positive limit: nothing.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.search_knowledge_chunks(NULL)'), 0::bigint,
  'vector search: NULL embedding returns nothing');
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.search_knowledge_chunks(pg_temp.vec(0), 0)'), 0::bigint,
  'vector search: limit 0 returns nothing');

-- Isolation: mallory sees only her own chunks; service_role (no user) and anon get nothing.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'mallory'));
SELECT tests.assert_eq(
  tests.row_count(format('SELECT 1 FROM public.search_knowledge_chunks(pg_temp.vec(0), 300) s JOIN public.user_knowledge_chunks c ON c.id = s.chunk_id WHERE c.source_id = %L',
                         (SELECT id FROM fx WHERE key = 'src_mallory'))),
  200::bigint, 'vector search: mallory gets her own 200 chunks');
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.search_knowledge_chunks(pg_temp.vec(0), 1000)'), 200::bigint,
  'vector search: and nothing else');
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'bob'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.search_knowledge_chunks(pg_temp.vec(0), 1000)'), 0::bigint,
  'vector search: a user without chunks gets nothing');
SELECT tests.act_as_service();
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.search_knowledge_chunks(pg_temp.vec(0), 1000)'), 0::bigint,
  'vector search: service_role without a user id gets nothing');
SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT * FROM public.search_knowledge_chunks(pg_temp.vec(0), 5)', '42501',
  'vector search: anon may not execute');
SELECT tests.assert_raises('SELECT * FROM public.hybrid_search_knowledge_chunks(''marathon'', pg_temp.vec(0), 5)', '42501',
  'hybrid search: anon may not execute');
SELECT tests.act_as_owner();

---------------------------------------------------------------------------------------------------
-- hybrid_search_knowledge_chunks
---------------------------------------------------------------------------------------------------
-- Both lists. Vector ranks: c0 1, c10 2, c30 3, c60 4. Text ranks: c_null 1, c30 2, c60 3.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
INSERT INTO got SELECT row_number() OVER (), * FROM public.hybrid_search_knowledge_chunks('marathon', pg_temp.vec(0), 5);
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT count(*) FROM got), 5::bigint, 'hybrid: 5 results');
SELECT tests.assert_eq((SELECT array_agg(f.key ORDER BY g.pos) FROM got g JOIN fx f ON f.id = g.chunk_id WHERE g.pos <= 2),
  ARRAY['c30', 'c60'], 'hybrid: chunks in both lists rank first');
SELECT tests.assert(
  (SELECT bool_and(abs(g.score - e.score) < 1e-12)
   FROM got g JOIN fx f ON f.id = g.chunk_id
   JOIN (VALUES ('c30', 1.0 / 63 + 1.0 / 62), ('c60', 1.0 / 64 + 1.0 / 63), ('c0', 1.0 / 61),
                ('c_null', 1.0 / 61), ('c10', 1.0 / 62)) e (key, score) ON e.key = f.key)
  AND (SELECT count(*) FROM got) = 5,
  'hybrid: score = sum over lists of 1 / (60 + rank)');
SELECT tests.assert_eq((SELECT array_agg(score ORDER BY pos) = array_agg(score ORDER BY score DESC) FROM got), true,
  'hybrid: ordered by score');
SELECT tests.assert_eq((SELECT array_agg(f.key ORDER BY f.key) FROM got g JOIN fx f ON f.id = g.chunk_id WHERE g.text_rank > 0),
  ARRAY['c30', 'c60', 'c_null'], 'hybrid: text_rank set for text matches only');
SELECT tests.assert((SELECT text_rank FROM got g JOIN fx f ON f.id = g.chunk_id WHERE f.key = 'c_null')
                    > (SELECT text_rank FROM got g JOIN fx f ON f.id = g.chunk_id WHERE f.key = 'c60'),
  'hybrid: text_rank is ts_rank_cd (more occurrences rank higher)');
SELECT tests.assert_eq((SELECT count(*) FROM got WHERE similarity IS NULL), 1::bigint,
  'hybrid: similarity NULL only for the chunk without embedding');
SELECT tests.assert((SELECT abs(similarity - cos(radians(30))) < 1e-6 FROM got g JOIN fx f ON f.id = g.chunk_id WHERE f.key = 'c30'),
  'hybrid: similarity = 1 - cosine distance');
TRUNCATE got;

-- Text only (embedding NULL): the text list alone.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
INSERT INTO got SELECT row_number() OVER (), * FROM public.hybrid_search_knowledge_chunks('marathon', NULL, 5);
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT array_agg(f.key ORDER BY g.pos) FROM got g JOIN fx f ON f.id = g.chunk_id),
  ARRAY['c_null', 'c30', 'c60'], 'hybrid text-only: matches by text rank');
SELECT tests.assert((SELECT bool_and(similarity IS NULL) AND abs(min(score) - 1.0 / 63) < 1e-12 AND abs(max(score) - 1.0 / 61) < 1e-12 FROM got),
  'hybrid text-only: no similarity; scores 1/61 .. 1/63');
TRUNCATE got;

-- Vector only (text NULL): the vector list alone.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
INSERT INTO got SELECT row_number() OVER (), * FROM public.hybrid_search_knowledge_chunks(NULL, pg_temp.vec(0), 3);
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT array_agg(f.key ORDER BY g.pos) FROM got g JOIN fx f ON f.id = g.chunk_id),
  ARRAY['c0', 'c10', 'c30'], 'hybrid vector-only: nearest first');
SELECT tests.assert((SELECT bool_and(text_rank IS NULL) AND abs(max(score) - 1.0 / 61) < 1e-12 FROM got),
  'hybrid vector-only: no text_rank; best score 1/61');
TRUNCATE got;

-- Nothing to search with: both NULL, or a text without lexemes and no embedding.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.hybrid_search_knowledge_chunks(NULL, NULL, 5)'), 0::bigint,
  'hybrid: both queries NULL returns nothing');
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.hybrid_search_knowledge_chunks(''the'', NULL, 5)'), 0::bigint,
  'hybrid: a stop-word-only text returns nothing');
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.hybrid_search_knowledge_chunks('''', NULL, 5)'), 0::bigint,
  'hybrid: an empty text returns nothing');
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.hybrid_search_knowledge_chunks(''zeppelin'', NULL, 5)'), 0::bigint,
  'hybrid: a text matching nothing returns nothing');

-- Isolation: however many of another user's chunks match better, none is returned.
SELECT tests.assert_eq(
  tests.row_count(format('SELECT 1 FROM public.hybrid_search_knowledge_chunks(''marathon secret'', pg_temp.vec(0), 100) h
                          JOIN public.user_knowledge_chunks c ON c.id = h.chunk_id WHERE c.source_id <> %L',
                         (SELECT id FROM fx WHERE key = 'src_notes'))),
  0::bigint, 'hybrid: only alice''s eligible chunks');
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.hybrid_search_knowledge_chunks(''secret'', NULL, 100)'), 0::bigint,
  'hybrid: another user''s text never matches');
SELECT tests.act_as_service();
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.hybrid_search_knowledge_chunks(''marathon'', pg_temp.vec(0), 100)'), 0::bigint,
  'hybrid: service_role without a user id gets nothing');
SELECT tests.act_as_owner();

-- Candidate lists hold greatest(4 * p_limit, 20) rows: bob's chunk at vector rank 25 counts in
-- the fusion only once the lists are long enough (p_limit 7 -> 28 candidates, p_limit 5 -> 20).
INSERT INTO fx VALUES ('src_bob', gen_random_uuid());
INSERT INTO public.user_knowledge_sources (id, user_id, source_type, source_name)
VALUES ((SELECT id FROM fx WHERE key = 'src_bob'), (SELECT id FROM fx WHERE key = 'bob'), 'notes', 'Bob notes');
INSERT INTO public.user_knowledge_chunks (source_id, chunk_index, chunk_text, embedding)
SELECT (SELECT id FROM fx WHERE key = 'src_bob'), g,
       CASE WHEN g = 25 THEN 'the lighthouse keeper' ELSE 'ordinary note ' || g END, pg_temp.vec(g)
FROM generate_series(1, 30) g;
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'bob'));
INSERT INTO got SELECT row_number() OVER (), * FROM public.hybrid_search_knowledge_chunks('lighthouse', pg_temp.vec(0), 5);
INSERT INTO got SELECT 100 + row_number() OVER (), * FROM public.hybrid_search_knowledge_chunks('lighthouse', pg_temp.vec(0), 7);
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT count(*) FROM got WHERE pos < 100), 5::bigint, 'hybrid: p_limit rows');
SELECT tests.assert((SELECT abs(score - 1.0 / 61) < 1e-12 FROM got WHERE pos < 100 AND chunk_text = 'the lighthouse keeper'),
  'hybrid: with p_limit 5 the vector list stops at 20 candidates (rank 25 adds nothing)');
SELECT tests.assert((SELECT abs(score - (1.0 / 61 + 1.0 / 85)) < 1e-12 FROM got WHERE pos > 100 AND chunk_text = 'the lighthouse keeper'),
  'hybrid: with p_limit 7 (28 candidates) vector rank 25 adds 1/85');
SELECT tests.assert_eq((SELECT chunk_text FROM got WHERE pos = 101), 'the lighthouse keeper',
  'hybrid: a chunk in both lists wins');
TRUNCATE got;
