#!/usr/bin/env bash
# The server's overhead per agent-chat turn (issue 16, Performance), in a release build, against
# a loopback OpenAI-compatible provider that answers at once (here, in Python: a benchmark tool,
# not part of the server). One user with 20 active habits, 30 open tasks and 20 knowledge notes
# (embedded by the built-in model) talks in one conversation, so every turn after the tenth
# carries 20 turns of history. Each turn's context build (session, facts, knowledge search with
# the query's embedding, budget) and model call are read from the server's Server-Timing header;
# the provider's own round trip is measured in the same run by calling it directly with a body
# of the same size. Printed: p50 and p99 of each, turns/s, and the CPU µs per turn of the server
# and of PostgreSQL; the median of 5 runs of BENCH_TURNS turns.
#   scripts/bench-agent.sh                    release build, 200 turns a run
#   BENCH_TURNS=50 scripts/bench-agent.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
turns=${BENCH_TURNS:-200}
configuration=${CONFIGURATION:-release}
scratch=${BENCH_SCRATCH_PATH:-.build-bench-release}

model_dir=$(scripts/install-embedding-model.sh | tail -n 1)
pg_bin=$(scripts/install-postgres.sh | tail -n 1)
scripts/install-openblas.sh >/dev/null
swift build -c "$configuration" --scratch-path "$scratch" --product visionary >&2
bin_dir=$(swift build -c "$configuration" --scratch-path "$scratch" --show-bin-path)

data=$(mktemp -d "${TMPDIR:-/tmp}/visionary-bench-agent-XXXXXX")
server= provider=
cleanup() {
  for pid in $server $provider; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$data" "$data.log" "$data.provider.log"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
provider_port=$(free_port)
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')

# -- The provider: /v1/chat/completions answered at once ------------------------------------------
python3 - "$provider_port" >"$data.provider.log" 2>&1 <<'PY' &
import http.server, json, socket, sys
answer = json.dumps({"id": "chatcmpl-bench", "object": "chat.completion",
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": "Keep going: one small step today, then another tomorrow."},
                                  "finish_reason": "stop"}],
                     "usage": {"prompt_tokens": 900, "completion_tokens": 14, "total_tokens": 914}}).encode()
class Provider(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def setup(self):
        super().setup()
        # Headers and body leave in separate writes: without this, Nagle and delayed ACKs add 40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Provider).serve_forever()
PY
provider=$!

# -- The server --------------------------------------------------------------------------------------
export VISIONARY_JWT_SECRET=$secret VISIONARY_PG_BIN=$pg_bin VISIONARY_EMBEDDING_MODEL_DIR=$model_dir
export VISIONARY_AI_PROVIDER=openai VISIONARY_AI_BASE_URL="http://127.0.0.1:$provider_port/v1" VISIONARY_AI_API_KEY=bench
export VISIONARY_AI_REQUESTS_PER_MINUTE=100000 VISIONARY_AI_TOKENS_PER_DAY=1000000000
"$bin_dir/visionary" serve --data-dir "$data" --host 127.0.0.1 --port "$port" --log-level warning >"$data.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/health" >/dev/null || { echo "the server did not start:" >&2; cat "$data.log" >&2; exit 1; }
owner_url=$("$bin_dir/visionary" db url --data-dir "$data" | tail -n 1)
psql_owner() { "$pg_bin/psql" "$owner_url" -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_owner <<'SQL'
INSERT INTO auth.users (id, email, email_confirmed_at) VALUES ('00000000-0000-4000-8000-000000000001', 'bench1@bench.test', now());
INSERT INTO auth.sessions (id, user_id) VALUES ('00000000-0000-4000-9000-000000000001', '00000000-0000-4000-8000-000000000001');
INSERT INTO public.habits (user_id, title, created_at)
SELECT '00000000-0000-4000-8000-000000000001', 'Habit number ' || n, now() - interval '30 days' FROM generate_series(1, 20) AS n;
INSERT INTO public.action_tasks (user_id, title, type, due_date)
SELECT '00000000-0000-4000-8000-000000000001', 'Task number ' || n, 'ADMIN', to_char(current_date + n, 'YYYY-MM-DD') FROM generate_series(1, 30) AS n;
SQL
postgres_pids() { pgrep -f -- "-D $data" || true; pgrep -P "$(pgrep -f -- "-D $data" | head -n 1)" || true; }

python3 - "$secret" "$port" "$provider_port" "$turns" "$server" "$(postgres_pids | sort -u | tr '\n' ' ')" <<'PY'
import base64, hashlib, hmac, http.client, json, os, statistics, sys, time
secret, port, provider_port, turns, server = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
postgres = sys.argv[6].split()

def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
now = int(time.time())
claims = {"aud": "authenticated", "role": "authenticated", "sub": "00000000-0000-4000-8000-000000000001", "email": "bench1@bench.test",
          "exp": now + 7200, "iat": now, "session_id": "00000000-0000-4000-9000-000000000001", "app_metadata": {}, "user_metadata": {}}
signing = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
token = signing + "." + b64(hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest())
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
server_connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
provider_connection = http.client.HTTPConnection("127.0.0.1", provider_port, timeout=120)

def call(path, body):
    server_connection.request("POST", "/functions/v1/" + path, body=json.dumps(body), headers=headers)
    response = server_connection.getresponse()
    data = response.read()
    if response.status >= 300:
        sys.exit(f"{path} answered {response.status}: {data[:300]!r}")
    return response, json.loads(data)

def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total

def postgres_processes():
    # The cluster's processes now (backends come and go): the postmaster's children and itself.
    found = set(postgres)
    for pid in list(postgres):
        try:
            found.update(open(f"/proc/{pid}/task/{pid}/children").read().split())
        except FileNotFoundError:
            pass
    return found

topics = ["morning runs", "saving for a house", "reading before bed", "learning Spanish", "drinking more water",
          "my budget", "sleeping earlier", "the garden", "calling my parents", "a new job"]
for n in range(20):
    call("knowledge-ingest?action=ingest", {"sourceType": "notes", "sourceName": f"Note {n}",
         "content": f"Notes on {topics[n % 10]}: what worked this month, what did not, and what I want to try next. " * 3})

_, first = call("agent-chat", {"message": "Hello, where should I start?"})
session = first["sessionId"]
for n in range(10):   # warm-up, and history up to its cap
    call("agent-chat", {"message": f"Tell me about {topics[n]}", "sessionId": session})

def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]

runs = []
tick = os.sysconf("SC_CLK_TCK")
for run in range(5):
    context, model, total, client = [], [], [], []
    server_before, postgres_before = cpu_ticks([server]), cpu_ticks(postgres_processes())
    started = time.perf_counter()
    for n in range(turns):
        t0 = time.perf_counter()
        response, answer = call("agent-chat", {"message": f"What is my next step with {topics[n % 10]}?", "sessionId": session})
        client.append((time.perf_counter() - t0) * 1000)
        header = response.getheader("Server-Timing") or ""
        timing = dict(part.strip().split(";dur=") for part in header.split(",") if ";dur=" in part)
        if "context" not in timing: sys.exit(f"no Server-Timing in the answer: {header!r} {response.getheaders()!r}")
        context.append(float(timing["context"])); model.append(float(timing["model"])); total.append(float(timing["total"]))
    elapsed = time.perf_counter() - started
    server_cpu = (cpu_ticks([server]) - server_before) / tick * 1e6 / turns
    postgres_cpu = (cpu_ticks(postgres_processes()) - postgres_before) / tick * 1e6 / turns
    # The provider alone, with a body as large as the server's (its last request's size, estimated from a turn).
    body = json.dumps({"model": "bench", "messages": [{"role": "user", "content": "x" * 6000}]})
    direct = []
    for n in range(turns):
        t0 = time.perf_counter()
        provider_connection.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
        provider_connection.getresponse().read()
        direct.append((time.perf_counter() - t0) * 1000)
    runs.append({"context50": statistics.median(context), "context99": percentile(context, 0.99),
                 "model50": statistics.median(model), "model99": percentile(model, 0.99),
                 "turn50": statistics.median(client), "turn99": percentile(client, 0.99),
                 "provider50": statistics.median(direct), "provider99": percentile(direct, 0.99),
                 "rate": turns / elapsed, "server_cpu": server_cpu, "postgres_cpu": postgres_cpu})

m = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
print("agent-chat, one conversation (20 turns of history, 20 habits, 30 tasks, 20 notes), %d turns a run, median of 5 runs:" % turns)
print("  context build (session, facts, note search with embedding, budget): p50 %6.2f ms   p99 %6.2f ms" % (m["context50"], m["context99"]))
print("  model call as the server saw it:                                     p50 %6.2f ms   p99 %6.2f ms" % (m["model50"], m["model99"]))
print("  whole turn at the client:                                            p50 %6.2f ms   p99 %6.2f ms" % (m["turn50"], m["turn99"]))
print("  the provider's own round trip, called directly (same run):           p50 %6.2f ms   p99 %6.2f ms" % (m["provider50"], m["provider99"]))
print("  server overhead (turn - provider round trip):                        p50 %6.2f ms" % (m["turn50"] - m["provider50"]))
print("  %.1f turns/s; CPU per turn: server %.0f µs, PostgreSQL %.0f µs" % (m["rate"], m["server_cpu"], m["postgres_cpu"]))
PY
