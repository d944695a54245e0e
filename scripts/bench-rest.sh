#!/usr/bin/env bash
# REST read throughput on loopback (issue 4, Performance): the server answering
#   GET /rest/v1/vision_boards?select=*&order=created_at.desc&limit=10
# as random signed-in users (wrk), next to pgbench replaying the server's own round trip straight
# against the same database at the same concurrency: the prepared call of internal.api_statement
# (role, request.jwt.claims with the same claims, the live-session check, read-only) with the same statement, rendered
# by the server's own StatementRenderer with the same parameters, under the same RLS as the
# same `authenticator` login. Prints both throughputs, their ratio
# (target ≥ 0.6) and p50/p99 latency, and the time the pure stages (parse + plan + render) take
# per request compiled, from the RESTPipelineBench micro-benchmark (the server compiles a read
# once per form, role and schema cache, so the benchmark's repeated read skips them), and GET /health through the same server
# (HTTP plus one database round trip), the same work as four statements (BEGIN, role and
# claims, statement, COMMIT) through pgbench, and CPU time per request of the server and the
# database, for context. BENCH_PROFILE=file also records the server with perf.
#
# Seeds BENCH_USERS users (auth.users, so the profile trigger runs), a session each (the server
# checks on every request that the token's session is live) × BENCH_BOARDS vision boards
# with SQL as the database owner, and mints each user an HS256 access token with the server's
# JWT secret. Everything runs on 127.0.0.1 in a temporary data folder removed at exit.
#   scripts/bench-rest.sh                 release build, 1,000 × 100, 8 connections, 10 s each
#   BENCH_SECONDS=20 BENCH_CONNECTIONS=16 scripts/bench-rest.sh
# Every figure is the median of BENCH_RUNS rounds (default 5), each round measuring the server and
# then its baselines.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP_SECONDS:-3}
connections=${BENCH_CONNECTIONS:-8}
threads=${BENCH_THREADS:-2}
users=${BENCH_USERS:-1000}
boards=${BENCH_BOARDS:-100}
iterations=${BENCH_ITERATIONS:-100000}
runs=${BENCH_RUNS:-5}
configuration=${CONFIGURATION:-release}
scratch=${BENCH_SCRATCH_PATH:-.build-bench-release}
request_path='/rest/v1/vision_boards?select=*&order=created_at.desc&limit=10'

if ! command -v wrk >/dev/null; then
  [[ $(id -u) -eq 0 ]] || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
fi
pg_bin=$(scripts/install-postgres.sh | tail -n 1)
swift build -c "$configuration" --scratch-path "$scratch" --product visionary >&2
swift build -c "$configuration" --scratch-path "$scratch" --product RESTPipelineBench >&2
bin_dir=$(swift build -c "$configuration" --scratch-path "$scratch" --show-bin-path)
binary=$bin_dir/visionary
pipeline=$bin_dir/RESTPipelineBench

data=$(mktemp -d "${TMPDIR:-/tmp}/visionary-bench-rest-XXXXXX")
work=$(mktemp -d "${TMPDIR:-/tmp}/visionary-bench-rest-work-XXXXXX")
server=
cleanup() {
  [[ -n $server ]] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  rm -rf "$data" "$data.log" "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export VISIONARY_JWT_SECRET=$secret VISIONARY_PG_BIN=$pg_bin
"$binary" serve --data-dir "$data" --host 127.0.0.1 --port "$port" --log-level warning >"$data.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/health" >/dev/null || { echo "the server did not start:" >&2; cat "$data.log" >&2; exit 1; }
anon=$("$binary" keys --data-dir "$data" | awk '/anon key/ {print $3}')
owner_url=$("$binary" db url --data-dir "$data" | tail -n 1)
base="http://127.0.0.1:$port"
psql_owner() { "$pg_bin/psql" "$owner_url" -X -q -v ON_ERROR_STOP=1 "$@"; }

# -- Seed: users in auth.users (the profile trigger runs), boards with generate_series ----------
# User n has the id 00000000-0000-4000-8000-<n, 12 digits>, so pgbench can name a random user.
seed_started=$(date +%s.%N)
psql_owner -v users="$users" -v boards="$boards" <<'SQL'
INSERT INTO auth.users (id, email, email_confirmed_at)
SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'bench' || n || '@bench.test', now()
FROM generate_series(1, :users) AS n;
INSERT INTO auth.sessions (id, user_id)
SELECT ('00000000-0000-4000-9000-' || lpad(n::text, 12, '0'))::uuid, ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid
FROM generate_series(1, :users) AS n;
INSERT INTO public.vision_boards (user_id, prompt, image_url, is_favorite, created_at, updated_at)
SELECT u.id, 'Vision board ' || b || ' of ' || u.email || ': a calm house by the sea at golden hour',
       'https://storage.bench.test/visions/' || u.id || '/' || b || '.png', b % 7 = 0, at, at
FROM auth.users AS u CROSS JOIN generate_series(1, :boards) AS b
CROSS JOIN LATERAL (SELECT now() - random() * interval '365 days' - b * interval '1 second') AS t (at)
WHERE u.email LIKE '%@bench.test';
VACUUM ANALYZE auth.users, auth.sessions, public.profiles, public.vision_boards;
SQL
seed_seconds=$(python3 -c "import sys; print('%.1f' % ($(date +%s.%N) - $seed_started))")
counts=$(psql_owner -At -c "SELECT (SELECT count(*) FROM auth.users WHERE email LIKE '%@bench.test') || ' users, '
  || (SELECT count(*) FROM public.profiles) || ' profiles, ' || (SELECT count(*) FROM public.vision_boards) || ' vision boards'")

# -- Tokens, the pgbench transaction, and the schema cache for the micro-benchmark -------------
# The schema cache is read with the server's own loader query (from SchemaCacheLoader.swift),
# and the statement is rendered by the server's own pipeline (RESTPipelineBench --statement).
python3 - "$root/Sources/Database/SchemaCacheLoader.swift" "$work/loader.sql" <<'PY'
import re, sys
source = open(sys.argv[1]).read()
match = re.search(r'static let query = """\n(.*?)\n([ \t]*)"""', source, re.S)
if not match or "\\" in match.group(1) or match.group(1).count("$1") != 1:
    sys.exit("cannot extract the schema cache query from SchemaCacheLoader.swift")
indent = match.group(2)
lines = [line[len(indent):] if line.startswith(indent) else line for line in match.group(1).split("\n")]
open(sys.argv[2], "w").write("\n".join(lines).replace("$1", "'{public}'") + ";\n")
PY
psql_owner -At -f "$work/loader.sql" >"$work/schema-cache.json"
"$pipeline" --statement --schema "$work/schema-cache.json" >"$work/statement.json"

python3 - "$secret" "$users" "$owner_url" "$work" <<'PY'
import base64, hashlib, hmac, json, re, sys, time, urllib.parse
secret, users, owner_url, work = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
now = int(time.time())

def user_id(n): return "00000000-0000-4000-8000-%012d" % n
def session_id(n): return "00000000-0000-4000-9000-%012d" % n

def claims(sub, email, session):
    """The claims the Auth API puts in an access token (README, "How Auth behaves")."""
    return {
        "aal": "aal1", "amr": [{"method": "password", "timestamp": now}],
        "app_metadata": {"provider": "email", "providers": ["email"]}, "aud": "authenticated",
        "email": email, "exp": now + 3 * 3600, "iat": now, "is_anonymous": False, "phone": "",
        "role": "authenticated", "session_id": session, "sub": sub, "user_metadata": {},
    }

def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
with open(f"{work}/tokens", "w") as tokens:
    for n in range(1, users + 1):
        payload = b64(json.dumps(claims(user_id(n), f"bench{n}@bench.test", session_id(n)), separators=(",", ":")).encode())
        signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
        tokens.write(f"{header}.{payload}.{b64(signature)}\n")

# The same claims as JSON text, with the user's number spliced in by SQL from pgbench's :n.
text = json.dumps(claims("SUB", "EMAIL", "SESSION"), separators=(",", ":"))
pieces = re.split(r'"(SUB|EMAIL|SESSION)"', text)
parts = []
for index, piece in enumerate(pieces):
    if index % 2 == 0:
        # pgbench reads ":name" as a variable even inside a literal: split the literal there.
        if piece: parts.append("'" + re.sub(r":(?=[A-Za-z_])", ":' || '", piece.replace("'", "''")) + "'")
    elif piece == "SUB":
        parts.append("'\"00000000-0000-4000-8000-' || lpad(:n::text, 12, '0') || '\"'")
    elif piece == "SESSION":
        parts.append("'\"00000000-0000-4000-9000-' || lpad(:n::text, 12, '0') || '\"'")
    else:
        parts.append("'\"bench' || :n::text || '@bench.test\"'")
claims_sql = " || ".join(parts)

statement = json.load(open(f"{work}/statement.json"))
sql, binds = statement["sql"], statement["binds"]
defines = []
def bind(match):
    value = binds[int(match.group(1)) - 1]
    if value["type"] in ("int", "text", "json"):
        name = f"p{match.group(1)}"
        defines.append(f"{name}={value['value']}")
        return f":{name}"
    if value["type"] == "bool":
        return "true" if value["value"] else "false"
    if value["type"] == "null":
        return "NULL"
    sys.exit(f"cannot replay bind {value!r}")
replayed = re.sub(r"\$(\d+)", bind, sql)
if re.search(r"(?<!:):[A-Za-z_]", re.sub(r":p\d+", "", replayed)):
    sys.exit("the statement contains text pgbench would read as a variable: " + replayed)

# The server's round trip, replayed: the same call of internal.api_statement with the same
# statement text and parameters (bound, as the server binds them), and the user's claims.
direct = statement["direct"]
with open(f"{work}/statement.sql", "w") as script:
    script.write(f"\\set n random(1, {users})\n")
    script.write(
        "SELECT total, page, body FROM internal.api_statement(:role, " + claims_sql
        + ", ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid"
        + ", ('00000000-0000-4000-9000-' || lpad(:n::text, 12, '0'))::uuid, true, :statement, :parameters);\n")
# The same work as four statements (BEGIN, role and claims, the statement, COMMIT): how an
# API server that keeps them apart would talk to the database, for context.
with open(f"{work}/transaction.sql", "w") as script:
    script.write(f"\\set n random(1, {users})\n")
    script.write("BEGIN READ ONLY;\n")
    script.write(f"SELECT set_config('role', :role, true), set_config('request.jwt.claims', {claims_sql}, true);\n")
    script.write(" ".join(replayed.split("\n")) + ";\n")
    script.write("COMMIT;\n")
defines = ["role=authenticated", "statement=" + direct["sql"],
           "parameters={" + ",".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in direct["parameters"]) + "}"] + defines
with open(f"{work}/pgbench-defines.json", "w") as out:
    json.dump(defines, out)
url = urllib.parse.urlsplit(owner_url)
password = hmac.new(secret.encode(), b"visionary authenticator login", hashlib.sha256).hexdigest()
with open(f"{work}/pgbench-connection", "w") as out:
    out.write(f"{url.hostname}\n{url.port}\n{url.path.lstrip('/')}\n{password}\n")
PY
{ read -r db_host; read -r db_port; read -r db_name; read -r db_password; } <"$work/pgbench-connection"
pgbench_defines=()
while IFS= read -r -d '' define; do pgbench_defines+=(-D "$define"); done \
  < <(python3 -c 'import json, sys; sys.stdout.write("".join(d + "\0" for d in json.load(open(sys.argv[1]))))' "$work/pgbench-defines.json")
run_pgbench() { # query mode (extended | prepared), script, extra pgbench args...
  local mode=$1 script=$2; shift 2
  # TIME_OUTPUT=file: also write pgbench's own CPU seconds (user, system) there.
  local timer=()
  [[ -n ${TIME_OUTPUT:-} ]] && timer=(/usr/bin/time -f "%U %S" -o "$TIME_OUTPUT")
  PGPASSWORD=$db_password PGSSLMODE=disable PGAPPNAME=visionary-bench "${timer[@]}" "$pg_bin/pgbench" -n -M "$mode" \
    -h "$db_host" -p "$db_port" -U authenticator "${pgbench_defines[@]}" -f "$script" "$@" "$db_name"
}

# -- Sanity: the server and the replayed transaction answer user 1 with the same bytes ---------
sanity=$(python3 - "$work" "$base$request_path" "$anon" "$pg_bin/psql" "$db_host" "$db_port" "$db_name" "$db_password" <<'PY'
import json, os, re, subprocess, sys, urllib.request
work, url, anon, psql, host, port, name, password = sys.argv[1:9]
token = open(f"{work}/tokens").readline().strip()
request = urllib.request.Request(url, headers={"apikey": anon, "Authorization": "Bearer " + token})
http_body = urllib.request.urlopen(request).read().decode()
values = dict(define.split("=", 1) for define in json.load(open(f"{work}/pgbench-defines.json")))
values["n"] = "1"
def literal(match):
    value = values[match.group(1)]
    return value if value.isdigit() else "'" + value.replace("'", "''") + "'"
lines = [re.sub(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)", literal, line)
         for line in open(f"{work}/statement.sql").read().splitlines() if not line.startswith("\\")]
script = "\n".join(lines) + "\n"
result = subprocess.run(
    [psql, "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", "authenticator", name],
    input=script, capture_output=True, text=True, env=dict(os.environ, PGPASSWORD=password, PGSSLMODE="disable"))
if result.returncode != 0:
    sys.exit("the replayed transaction failed: " + result.stderr)
sql_body = result.stdout.rstrip("\n").split("|", 2)[2]
print(f"{len(json.loads(http_body))} rows, identical bytes: {'yes' if sql_body == http_body else 'NO'}")
PY
)

# -- Measurements ------------------------------------------------------------------------------
echo "Visionary REST benchmark — $configuration build, $(nproc) cores, ${seconds}s each, $connections connections"
echo "  seeded $counts in ${seed_seconds}s; request: GET $request_path"
echo "  user 1 through the server and through the replayed transaction: $sanity"
echo "  baseline, pgbench replaying the server's round trip (-M prepared, as the server prepares it; as authenticator; :name = bound parameter):"
cut -c1-240 "$work/statement.sql" | sed 's/^/    /'
echo "    :statement = $(python3 -c 'import json, sys; print([d for d in json.load(open(sys.argv[1])) if d.startswith("statement=")][0][10:250].replace(chr(10), " "))' "$work/pgbench-defines.json")"
echo "  context, the same work as four statements:"
cut -c1-240 "$work/transaction.sql" | sed 's/^/    /'
echo

"$pipeline" --schema "$work/schema-cache.json" --iterations "$iterations"
echo

# CPU time (clock ticks) of the server process, and of its descendants (the embedded PostgreSQL,
# with its ended backends).
cpu_ticks() {
  python3 - "$server" <<'PY'
import os, sys
root = int(sys.argv[1])
children = {}
for entry in os.listdir("/proc"):
    if entry.isdigit():
        try:
            fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # Its own time and that of its children that have ended (backends of pgbench's
        # connections end with the run; the postmaster reaps them).
        children.setdefault(int(fields[1]), []).append((int(entry), sum(int(f) for f in fields[11:15])))
def own(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
def descendants(pid):
    return sum(ticks + descendants(child) for child, ticks in children.get(pid, []))
print(own(root), descendants(root))
PY
}

export BENCH_ANON_KEY=$anon BENCH_TOKENS_FILE=$work/tokens BENCH_PATH=$request_path
# The warm-up checks every answer (status, non-empty body); the measured runs only send.
wrk -t"$threads" -c"$connections" -d"${warmup}s" -s scripts/bench/rest-read.lua "$base" >"$work/warmup.out"
run_pgbench prepared "$work/statement.sql" -c "$connections" -j "$threads" -T "$warmup" >"$work/pgbench-warmup.out" 2>&1 \
  || { cat "$work/pgbench-warmup.out" >&2; exit 1; }
# BENCH_RUNS rounds, each measuring the server and, right after it, the baselines; the summary
# gives every figure as the median over the rounds.
for round in $(seq 1 "$runs"); do
  out=$work/run$round
  mkdir -p "$out"
  read -r server_before database_before < <(cpu_ticks)
  # BENCH_PROFILE=file: also record the server's call graph with perf (linux-perf), first round only.
  profiler=
  if [[ -n ${BENCH_PROFILE:-} && $round -eq 1 ]]; then
    perf record -q -F 999 -g -p "$server" -o "$BENCH_PROFILE" 2>/dev/null & profiler=$!
  fi
  BENCH_CHECK=0 /usr/bin/time -f "%U %S" -o "$out/wrk.cpu" \
    wrk --latency -t"$threads" -c"$connections" -d"${seconds}s" -s scripts/bench/rest-read.lua "$base" >"$out/wrk.out"
  [[ -n $profiler ]] && { kill -INT "$profiler"; wait "$profiler" || true; }
  read -r server_after database_after < <(cpu_ticks)
  echo "$server_before $server_after $database_before $database_after $(getconf CLK_TCK)" >"$out/cpu.out"
  [[ $round -eq 1 ]] && { grep -h "rest failures" "$work/warmup.out" | sed 's/^/warm-up /' >>"$out/wrk.out" || true; }
  wrk --latency -t"$threads" -c"$connections" -d"${seconds}s" "$base/health" >"$out/health.out"
  read -r _ pgbench_database_before < <(cpu_ticks)
  (cd "$out" && TIME_OUTPUT="$out/pgbench.cpu" run_pgbench prepared "$work/statement.sql" -c "$connections" -j "$threads" -T "$seconds" -l --log-prefix="$out/txlog" >"$out/pgbench.out" 2>&1) \
    || { cat "$out/pgbench.out" >&2; exit 1; }
  read -r _ pgbench_database_after < <(cpu_ticks)
  echo "$pgbench_database_before $pgbench_database_after" >"$out/pgbench-cpu.out"
  run_pgbench extended "$work/transaction.sql" -c "$connections" -j "$threads" -T "$seconds" -r >"$out/pgbench-four.out" 2>&1 \
    || { cat "$out/pgbench-four.out" >&2; exit 1; }
done

python3 - "$work" "$connections" "$runs" <<'PY'
import glob, statistics, sys
work, connections, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])

def wrk_time(text):
    number = text.rstrip("usm")
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[text[len(number):]]

def wrk_figures(text):
    rps = float(next(line.split()[1] for line in text.splitlines() if line.startswith("Requests/sec")))
    pct = {line.split()[0]: wrk_time(line.split()[1]) for line in text.splitlines() if line.split()[:1] in (["50%"], ["99%"])}
    return rps, pct.get("50%", float("nan")), pct.get("99%", float("nan"))

def percentile(values, p):
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] / 1000 if values else float("nan")

rounds = []
problems = []
for round_number in range(1, runs + 1):
    out = f"{work}/run{round_number}"
    wrk = open(f"{out}/wrk.out").read()
    rps, p50, p99 = wrk_figures(wrk)
    health_rps, health_p50, health_p99 = wrk_figures(open(f"{out}/health.out").read())
    pgbench = open(f"{out}/pgbench.out").read()
    tps = float(next(line.split()[2] for line in pgbench.splitlines() if line.startswith("tps = ")))
    latencies = sorted(int(line.split()[2]) for path in glob.glob(out + "/txlog.*") for line in open(path) if line.strip())
    four = open(f"{out}/pgbench-four.out").read()
    four_tps = float(next(line.split()[2] for line in four.splitlines() if line.startswith("tps = ")))
    problems += [f"round {round_number}: " + line.strip() for line in wrk.splitlines()
                 if "Non-2xx" in line or "Socket errors" in line or line.startswith("rest failures") or line.startswith("warm-up")]
    problems += [f"round {round_number}: pgbench: " + line.strip() for text in (pgbench, four) for line in text.splitlines()
                 if line.startswith("number of failed") or "error" in line.lower()]
    server_before, server_after, database_before, database_after, tick = map(int, open(f"{out}/cpu.out").read().split())
    requests = int(next(line.split()[0] for line in wrk.splitlines() if "requests in" in line))
    server_us = (server_after - server_before) / tick / requests * 1e6 if requests else float("nan")
    database_us = (database_after - database_before) / tick / requests * 1e6 if requests else float("nan")
    pgbench_before, pgbench_after = map(int, open(f"{out}/pgbench-cpu.out").read().split())
    transactions = len(latencies)
    pgbench_database_us = (pgbench_after - pgbench_before) / tick / transactions * 1e6 if transactions else float("nan")
    wrk_us = sum(map(float, open(f"{out}/wrk.cpu").read().split()[-2:])) / requests * 1e6 if requests else float("nan")
    pgbench_us = sum(map(float, open(f"{out}/pgbench.cpu").read().split()[-2:])) / transactions * 1e6 if transactions else float("nan")
    rounds.append(dict(pgbench_database_us=pgbench_database_us, wrk_us=wrk_us, pgbench_us=pgbench_us, rps=rps, p50=p50, p99=p99, tps=tps, tp50=percentile(latencies, 50), tp99=percentile(latencies, 99),
                       four=four_tps, health=health_rps, hp50=health_p50, hp99=health_p99, ratio=rps / tps,
                       server_us=server_us, database_us=database_us, cpu_us=server_us + database_us))

def median(key): return statistics.median(r[key] for r in rounds)

print(f"per round: server /s, pgbench /s, ratio, CPU µs per request (server + database)")
for number, r in enumerate(rounds, 1):
    print(f"  {number}: {r['rps']:>8.0f} {r['tps']:>8.0f}   {r['ratio']:.2f}   {r['server_us']:.0f} + {r['database_us']:.0f} = {r['cpu_us']:.0f} µs")
print()
print(f"medians of {runs} rounds{'':27}{'throughput':>14}{'p50':>11}{'p99':>11}")
print(f"{'server: wrk GET /rest/v1/vision_boards':50}{median('rps'):>10.0f} /s {median('p50'):>8.2f}ms {median('p99'):>8.2f}ms")
print(f"{'baseline: pgbench, the server round trip replayed':50}{median('tps'):>10.0f} /s {median('tp50'):>8.2f}ms {median('tp99'):>8.2f}ms")
print(f"{'context: pgbench, the same work as 4 statements':50}{median('four'):>10.0f} /s")
print(f"{'context: wrk GET /health (1 round trip)':50}{median('health'):>10.0f} /s {median('hp50'):>8.2f}ms {median('hp99'):>8.2f}ms")
ratio = median("ratio")
print(f"ratio server / pgbench: {ratio:.2f}   (target >= 0.6: {'met' if ratio >= 0.6 else 'NOT met'}; {connections} connections each)")
print(f"ratio server / the four-statement transaction: {median('rps') / median('four'):.2f}   (context)")
print(f"CPU per request during the server runs: server {median('server_us'):.0f} µs, database {median('database_us'):.0f} µs, "
      f"together {median('cpu_us'):.0f} µs")
print(f"CPU per transaction during the pgbench runs: database {median('pgbench_database_us'):.0f} µs")
print(f"CPU of the load generators: wrk {median('wrk_us'):.0f} µs per request, pgbench {median('pgbench_us'):.0f} µs per transaction")
# Counters that stayed at zero are no news.
for line in problems:
    if "rest failures: 0, empty bodies: 0" not in line and "failed transactions: 0 (" not in line: print("  " + line)
print()
print("pgbench per-statement latency of the four-statement form (ms, -r, round 1):")
capture = False
for line in open(f"{work}/run1/pgbench-four.out").read().splitlines():
    if line.startswith("statement latencies"): capture = True; continue
    if capture and line.strip(): print("  " + " ".join(line.split())[:150])
PY
