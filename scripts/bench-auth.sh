#!/usr/bin/env bash
# Auth throughput on loopback: password sign-ins and refresh-token rotations per second, with
# p50/p99 latency, next to baselines measured in the same run: bcrypt verifications per second
# at the same cost by the system's libxcrypt (the ceiling for sign-ins on this machine) and
# GET /health (one database round trip through the same server) for refreshes.
#   scripts/bench-auth.sh            release build, bcrypt cost 10, 10 s per measurement
#   BENCH_COST=12 BENCH_SECONDS=20 CONFIGURATION=debug scripts/bench-auth.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cost=${BENCH_COST:-10}
seconds=${BENCH_SECONDS:-10}
configuration=${CONFIGURATION:-release}
threads=${BENCH_THREADS:-8}

if ! command -v wrk >/dev/null; then
  [[ $(id -u) -eq 0 ]] || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
fi
pg_bin=$(scripts/install-postgres.sh | tail -n 1)
swift build -c "$configuration" --product visionary >&2
binary="$(swift build -c "$configuration" --show-bin-path)/visionary"

data=$(mktemp -d "${TMPDIR:-/tmp}/visionary-bench-XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export VISIONARY_JWT_SECRET=$secret VISIONARY_AUTH_BCRYPT_COST=$cost VISIONARY_PG_BIN=$pg_bin
export VISIONARY_AUTH_RATE_LIMIT_PER_ADDRESS=1000000 VISIONARY_AUTH_RATE_LIMIT_PER_EMAIL=1000000
"$binary" serve --data-dir "$data" --port "$port" --log-level warning >"$data.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data" "$data.log"' EXIT
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
keys=$("$binary" keys --data-dir "$data")
anon=$(echo "$keys" | awk '/anon key/ {print $3}')
service=$(echo "$keys" | awk '/service_role key/ {print $3}')
base="http://127.0.0.1:$port"

users=16
for i in $(seq 0 $((users - 1))); do
  curl -fs "$base/auth/v1/admin/users" -H "apikey: $service" -H "Authorization: Bearer $service" \
    -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench$i@bench.test\",\"password\":\"bench-password\",\"email_confirm\":true}" >/dev/null
done
tokens=$(for i in $(seq 0 $((threads - 1))); do
  curl -fs "$base/auth/v1/token?grant_type=password" -H "apikey: $anon" -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench$i@bench.test\",\"password\":\"bench-password\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])'
done | paste -sd, -)

measure() { # name, wrk args...
  local name=$1; shift
  local out; out=$(wrk --latency "$@")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  printf '%-34s %10s req/s   p50 %8s   p99 %8s\n' "$name" "$rps" "$p50" "$p99"
  echo "$out" | grep -E 'Non-2xx|refresh failures: [1-9]|Socket errors' >&2 || true
}

echo "Visionary Auth benchmark — $configuration build, bcrypt cost $cost, $(nproc) cores, ${seconds}s each"
baseline=$(python3 - "$cost" "$seconds" <<'PY'
import crypt, sys, time, multiprocessing, warnings
warnings.filterwarnings("ignore")
cost, seconds = int(sys.argv[1]), min(float(sys.argv[2]), 5.0)
stored = crypt.crypt("bench-password", "$2b$%02d$abcdefghijklmnopqrstuu" % cost)
def work(_):
    n, end = 0, time.time() + seconds
    while time.time() < end:
        crypt.crypt("bench-password", stored); n += 1
    return n
with multiprocessing.Pool(multiprocessing.cpu_count()) as pool:
    print("%.1f" % (sum(pool.map(work, range(multiprocessing.cpu_count()))) / seconds))
PY
)
printf '%-34s %10s verifications/s (all cores)\n' "baseline: libxcrypt bcrypt verify" "$baseline"
BENCH_ANON_KEY=$anon BENCH_USERS=$users measure "sign-in (password grant)" \
  -t2 -c8 -d"${seconds}s" -s scripts/bench/signin.lua "$base"
measure "baseline: GET /health" -t2 -c"$threads" -d"${seconds}s" "$base/health"
BENCH_ANON_KEY=$anon BENCH_REFRESH_TOKENS=$tokens measure "refresh (rotation)" \
  -t"$threads" -c"$threads" -d"${seconds}s" -s scripts/bench/refresh.lua "$base"
