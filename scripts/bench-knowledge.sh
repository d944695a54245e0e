#!/usr/bin/env bash
# The knowledge base on loopback (issue 15, Performance), in a release build:
#   1. the built-in embedding model's throughput on 200-token chunks (chunks/s, CPU µs per chunk,
#      GFLOP/s next to OpenBLAS's own single-matrix sgemm peak in the same process), next to the
#      numpy reference (float32) on the same inputs in the same run; median of 5 runs each;
#   2. hybrid search over BENCH_CHUNKS chunks (default 100,000; one user holding 5,000 of them,
#      with synthetic unit vectors): latency of `knowledge-ingest?action=search` through
#      /functions/v1 (query embedding included), p50 and p95; inside the database, the search's
#      vector side and the HNSW index filtered to the user, next to the exact query (sequential
#      scan) in the same run, with recall@10 against it; and an exact scan of 384-dimension
#      vectors next to the same vectors zero-padded to 1536 (the column choice);
#   3. ingesting a 1 MB Markdown file through `ingest` (the background job): seconds from the
#      request until the source is completed, and the server's peak RSS.
#   scripts/bench-knowledge.sh                         everything
#   BENCH_PARTS=model scripts/bench-knowledge.sh       only part 1 (also: search, ingest)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
configuration=${CONFIGURATION:-release}
scratch=${BENCH_SCRATCH_PATH:-.build-bench-release}
parts=${BENCH_PARTS:-model search ingest}
total_chunks=${BENCH_CHUNKS:-100000}
per_user=5000
queries=${BENCH_QUERIES:-200}

model_dir=$(scripts/install-embedding-model.sh | tail -n 1)
reference=$(scripts/install-embedding-reference.sh | tail -n 1)
pg_bin=$(scripts/install-postgres.sh | tail -n 1)
scripts/install-openblas.sh >/dev/null
swift build -c "$configuration" --scratch-path "$scratch" --product EmbeddingBench >&2
swift build -c "$configuration" --scratch-path "$scratch" --product visionary >&2
bin_dir=$(swift build -c "$configuration" --scratch-path "$scratch" --show-bin-path)

median() { python3 -c 'import json,statistics,sys; rows=[json.loads(l) for l in sys.stdin if l.strip()]; print(json.dumps({k: statistics.median(r[k] for r in rows) for k in rows[0] if isinstance(rows[0][k], (int, float))}))'; }

# -- 1. The model ----------------------------------------------------------------------------------
if [[ " $parts " == *" model "* ]]; then
  echo "embedding 64 chunks of 200 tokens, median of 5 runs each:"
  ours=$(for _ in 1 2 3 4 5; do "$bin_dir/EmbeddingBench" "$model_dir" 64 200; done | median)
  numpy=$(for _ in 1 2 3 4 5; do "$reference" Tests/EmbeddingTests/Reference/minilm_reference.py "$model_dir" bench 64 200 --dtype float32; done | median)
  python3 - "$ours" "$numpy" <<'PY'
import json, sys
ours, numpy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("  built-in (Swift, OpenBLAS): %7.1f chunks/s, %8.0f CPU µs per chunk, %5.1f GFLOP/s (OpenBLAS sgemm peak %5.1f GFLOP/s, %d threads)"
      % (ours["chunks_per_second"], ours["cpu_us_per_chunk"], ours["gflops"], ours["sgemm_peak_gflops"], ours["threads"]))
print("  numpy reference (float32):  %7.1f chunks/s, %8.0f CPU µs per chunk" % (numpy["chunks_per_second"], numpy["cpu_us_per_chunk"]))
print("  ratio: %.1fx numpy's throughput; %.0f%% of sgemm's peak" % (ours["chunks_per_second"] / numpy["chunks_per_second"], 100 * ours["gflops"] / ours["sgemm_peak_gflops"]))
PY
fi
[[ " $parts " == *" search "* || " $parts " == *" ingest "* ]] || exit 0

# -- A server ---------------------------------------------------------------------------------------
data=$(mktemp -d "${TMPDIR:-/tmp}/visionary-bench-knowledge-XXXXXX")
server=
cleanup() {
  [[ -n $server ]] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  rm -rf "$data" "$data.log" "$data.md"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export VISIONARY_JWT_SECRET=$secret VISIONARY_PG_BIN=$pg_bin VISIONARY_EMBEDDING_MODEL_DIR=$model_dir
"$bin_dir/visionary" serve --data-dir "$data" --host 127.0.0.1 --port "$port" --log-level warning >"$data.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/health" >/dev/null || { echo "the server did not start:" >&2; cat "$data.log" >&2; exit 1; }
owner_url=$("$bin_dir/visionary" db url --data-dir "$data" | tail -n 1)
psql_owner() { "$pg_bin/psql" "$owner_url" -X -q -v ON_ERROR_STOP=1 "$@"; }
users=$(( total_chunks / per_user ))
psql_owner -v users="$users" <<'SQL'
INSERT INTO auth.users (id, email, email_confirmed_at)
SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'bench' || n || '@bench.test', now()
FROM generate_series(1, :users) AS n;
INSERT INTO auth.sessions (id, user_id)
SELECT ('00000000-0000-4000-9000-' || lpad(n::text, 12, '0'))::uuid, ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid
FROM generate_series(1, :users) AS n;
SQL

# -- 2. Search --------------------------------------------------------------------------------------
if [[ " $parts " == *" search "* ]]; then
  seeded=$(date +%s.%N)
  # Each user: 50 sources of 100 chunks; each chunk 40 words drawn from a 200-word vocabulary and a
  # random unit vector of the built-in model. The HNSW index is built once, after the rows.
  psql_owner -v users="$users" <<'SQL'
SET maintenance_work_mem = '1GB';
DROP INDEX public.user_knowledge_chunks_embedding_384_idx;
INSERT INTO public.user_knowledge_sources (id, user_id, source_type, source_name, status)
SELECT gen_random_uuid(), u.id, 'notes', 'source ' || s, 'completed'
FROM auth.users u CROSS JOIN generate_series(1, 50) AS s WHERE u.email LIKE '%@bench.test';
CREATE TEMP TABLE words AS
SELECT array_agg(w) AS w FROM (SELECT unnest(string_to_array(
  'goal habit plan money savings budget house family health run walk swim sleep rest book read write journal music piano guitar '
  || 'garden travel trip beach mountain city village coast summer winter spring autumn morning evening night week month year '
  || 'career team lead manager project deadline meeting friend partner parent child sister brother dinner lunch breakfast cook '
  || 'bake bread soup salad fruit vegetable water coffee tea yoga stretch strength cardio bike car train flight hotel passport '
  || 'language spanish french lesson course class exam study learn teach mentor coach progress streak reward focus calm stress '
  || 'anxiety joy gratitude prayer faith church community volunteer donate invest stock bond retire pension insurance tax loan '
  || 'debt credit card bank account salary bonus raise promotion office remote desk laptop phone email message call visit '
  || 'doctor dentist checkup medicine vitamin diet sugar protein fiber weight scale measure track log review reflect dream vision '
  || 'board image picture photo paint draw craft knit sew build fix repair clean tidy organise declutter move rent buy sell '
  || 'market shop gift birthday wedding anniversary holiday vacation festival concert movie theatre museum park river lake', ' ')) AS w) t;
INSERT INTO public.user_knowledge_chunks (source_id, chunk_index, chunk_text, token_count, embedding_model, embedding_384)
SELECT s.id, c, (SELECT string_agg(w.w[1 + floor(random() * array_length(w.w, 1))::int], ' ') FROM words w, generate_series(1, 40) g WHERE c > -g),
       40, 'builtin/all-MiniLM-L6-v2@384',
       extensions.l2_normalize((SELECT array_agg(random() - 0.5) FROM generate_series(1, 384) d WHERE c > -d)::extensions.vector(384))
FROM public.user_knowledge_sources s CROSS JOIN generate_series(0, 99) AS c;
CREATE INDEX user_knowledge_chunks_embedding_384_idx ON public.user_knowledge_chunks USING hnsw (embedding_384 extensions.vector_cosine_ops);
VACUUM ANALYZE public.user_knowledge_chunks, public.user_knowledge_sources;
SQL
  echo "seeded $(psql_owner -At -c 'SELECT count(*) FROM public.user_knowledge_chunks') chunks of $users users in $(python3 -c "print('%.0f' % ($(date +%s.%N) - $seeded))") s"

  # Inside the database, for the same random query vectors: the search function's vector side
  # (as user 1), the HNSW index filtered to user 1, and the exact query (index scans off: a
  # sequential scan); recall@10 of the first two against the third. Then the cost of the column
  # choice: an exact scan of user 1's rows with their 384-dimension vectors, and with the same
  # vectors zero-padded to 1536.
  psql_owner -At <<'SQL'
CREATE TEMP TABLE timings (kind text, ms double precision);
CREATE TEMP TABLE recall (kind text, hits integer);
CREATE TEMP TABLE small AS SELECT id, embedding_384 AS e FROM public.user_knowledge_chunks WHERE user_id = '00000000-0000-4000-8000-000000000001';
CREATE TEMP TABLE padded AS SELECT id, (e::real[] || array_fill(0::real, ARRAY[1152]))::extensions.vector(1536) AS e FROM small;
DO $$
DECLARE
  q extensions.vector(384);
  t0 timestamptz;
  found uuid[];
  ann uuid[];
  exact uuid[];
  sql text := 'SELECT array_agg(id) FROM (SELECT c.id FROM public.user_knowledge_chunks c WHERE c.user_id = $1 AND c.embedding_model = $2 '
              || 'AND EXISTS (SELECT 1 FROM public.user_knowledge_sources s WHERE s.id = c.source_id AND s.is_active AND s.include_in_context) '
              || 'ORDER BY c.embedding_384 OPERATOR(extensions.<=>) $3 LIMIT 10) x';
  u uuid := '00000000-0000-4000-8000-000000000001';
  m text := 'builtin/all-MiniLM-L6-v2@384';
BEGIN
  PERFORM set_config('request.jwt.claims', json_build_object('sub', u, 'role', 'authenticated')::text, true);
  PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
  PERFORM set_config('hnsw.ef_search', '100', true);
  FOR i IN 1..100 LOOP
    q := extensions.l2_normalize((SELECT array_agg(random() - 0.5) FROM generate_series(1, 384) d WHERE i > -d)::extensions.vector(384));
    t0 := clock_timestamp();
    SELECT array_agg(chunk_id) INTO found FROM public.search_knowledge(NULL, q, m, 10);
    INSERT INTO timings VALUES ('function', extract(epoch FROM clock_timestamp() - t0) * 1000);
    t0 := clock_timestamp();
    PERFORM (SELECT count(*) FROM public.search_knowledge('budget savings plan family', q, m, 10));
    INSERT INTO timings VALUES ('hybrid', extract(epoch FROM clock_timestamp() - t0) * 1000);
    t0 := clock_timestamp();
    EXECUTE sql INTO ann USING u, m, q;
    INSERT INTO timings VALUES ('hnsw', extract(epoch FROM clock_timestamp() - t0) * 1000);
    PERFORM set_config('enable_indexscan', 'off', true);
    PERFORM set_config('enable_bitmapscan', 'off', true);
    t0 := clock_timestamp();
    EXECUTE sql INTO exact USING u, m, q;
    INSERT INTO timings VALUES ('exact', extract(epoch FROM clock_timestamp() - t0) * 1000);
    PERFORM set_config('enable_indexscan', 'on', true);
    PERFORM set_config('enable_bitmapscan', 'on', true);
    INSERT INTO recall VALUES ('function', (SELECT count(*) FROM unnest(found) a WHERE a = ANY (exact)));
    INSERT INTO recall VALUES ('hnsw', (SELECT count(*) FROM unnest(ann) a WHERE a = ANY (exact)));
    t0 := clock_timestamp();
    PERFORM (SELECT array_agg(id) FROM (SELECT id FROM small ORDER BY e OPERATOR(extensions.<=>) q LIMIT 10) x);
    INSERT INTO timings VALUES ('scan384', extract(epoch FROM clock_timestamp() - t0) * 1000);
    t0 := clock_timestamp();
    PERFORM (SELECT array_agg(id) FROM (SELECT id FROM padded ORDER BY e OPERATOR(extensions.<=>) (q::real[] || array_fill(0::real, ARRAY[1152]))::extensions.vector(1536) LIMIT 10) x);
    INSERT INTO timings VALUES ('scan1536', extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
END $$;
SELECT format('  %-58s p50 %6s ms, p95 %6s ms%s', label, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
              round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 2),
              coalesce(', recall@10 against exact ' || (SELECT round(avg(hits) / 10, 3) FROM recall r WHERE r.kind = t.kind), ''))
  FROM timings t JOIN (VALUES ('function', 1, 'search_knowledge, vector side (exact scan of the user''s rows):'),
                              ('hybrid', 1, 'search_knowledge, vector and words (4 words), whole:'),
                              ('hnsw', 2, 'HNSW index filtered to the user (ef_search 100, iterative):'),
                              ('exact', 3, 'exact query, sequential scan of all chunks:'),
                              ('scan384', 4, 'the user''s 5,000 vectors, 384 dimensions, exact:'),
                              ('scan1536', 5, 'the same zero-padded to 1536 dimensions, exact:')) AS l (kind, n, label) USING (kind)
 GROUP BY kind, n, label ORDER BY n;
SQL
fi

# -- Requests ---------------------------------------------------------------------------------------
python3 - "$secret" "$port" "$parts" "$queries" "$server" "$data.md" <<'PY'
import base64, hashlib, hmac, http.client, json, random, statistics, sys, time
secret, port, parts, queries, server, markdown_path = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), int(sys.argv[4]), sys.argv[5], sys.argv[6]

def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def token(n):
    now = int(time.time())
    claims = {"aud": "authenticated", "role": "authenticated", "sub": "00000000-0000-4000-8000-%012d" % n,
              "email": "bench%d@bench.test" % n, "exp": now + 3600, "iat": now,
              "session_id": "00000000-0000-4000-9000-%012d" % n, "app_metadata": {}, "user_metadata": {}}
    signing = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
    return signing + "." + b64(hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest())

connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

def call(action, body, user=1):
    headers = {"Authorization": "Bearer " + token(user), "Content-Type": "application/json"}
    started = time.perf_counter()
    connection.request("POST", "/functions/v1/knowledge-ingest?action=" + action, body=json.dumps(body), headers=headers)
    response = connection.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status >= 300:
        sys.exit(f"{action} answered {response.status}: {data[:300]!r}")
    return elapsed, json.loads(data)

def rss_peak_mb():
    for line in open(f"/proc/{server}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

if "search" in parts:
    words = ("goal habit plan money savings budget house family health run sleep book music garden travel career team friend "
             "dinner bread coffee yoga bike language study coach progress calm joy invest retire tax bank salary doctor diet vision").split()
    rng = random.Random(7)
    texts = [" ".join(rng.sample(words, 4)) for _ in range(queries + 20)]
    for text in texts[:20]:
        call("search", {"query": text, "limit": 10})
    timings = []
    for text in texts[20:]:
        elapsed, answer = call("search", {"query": text, "limit": 10})
        if not answer.get("results"):
            sys.exit("a search found nothing")
        timings.append(elapsed)
    timings.sort()
    print("  knowledge-ingest?action=search through /functions/v1 (%d queries, query embedding included): p50 %.2f ms, p95 %.2f ms"
          % (len(timings), statistics.median(timings), timings[int(len(timings) * 0.95) - 1]))

if "ingest" in parts:
    paragraph = ("I keep a journal of the habits that matter to me, and every week I look back at what worked. "
                 "Running in the morning gives me energy; reading before bed helps me sleep. ")
    sections, size = [], 0
    while size < 1_000_000:
        section = "## Week %d\n\n%s\n\n" % (len(sections) + 1, paragraph * 6)
        sections.append(section)
        size += len(section.encode())
    markdown = "".join(sections)[:1_000_000]
    before = rss_peak_mb()
    started = time.perf_counter()
    _, answer = call("ingest", {"sourceType": "document", "sourceName": "Journal", "content": markdown, "fileType": "md"}, user=2)
    source = answer["source"]["id"]
    while True:
        _, listing = call("list", {}, user=2)
        row = next(s for s in listing["sources"] if s["id"] == source)
        if row["status"] in ("completed", "failed"):
            break
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    print("ingesting a %.2f MB Markdown file (background job): %s in %.1f s, %d chunks (%.0f chunks/s); server peak RSS %.0f MB (%.0f MB before)"
          % (len(markdown.encode()) / 1e6, row["status"], seconds, row["chunk_count"], row["chunk_count"] / seconds, rss_peak_mb(), before))
PY
