#!/usr/bin/env bash
# Domain operations on loopback (issue 6, Performance), through /functions/v1 of a release build:
#   1. completing a habit (habit-service complete) whose history is 10 days long, and one whose
#      history is 1,000 days long: the streak bookkeeping must cost the same (O(1) for today),
#      so the two latencies and their ratio are printed (target: ratio close to 1);
#   2. the weekly leaderboard of a 1,000-member team (team-service leaderboard): computed afresh
#      (refresh) and served from its cached snapshot; target < 200 ms computed.
#
# Seeds with SQL as the database owner: one user with BENCH_HABITS habits of each history length
# (daily habits checked off on every earlier day), and BENCH_MEMBERS users in one team, each with
# three habits and a month of completions. Tokens are minted with the server's JWT secret.
# Requests go one at a time over one keep-alive connection; medians and means are printed.
#   scripts/bench-domain.sh                    release build, 200 habits each, 1,000 members
#   BENCH_HABITS=500 BENCH_REPEAT=50 scripts/bench-domain.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
habits=${BENCH_HABITS:-200}
members=${BENCH_MEMBERS:-1000}
repeat=${BENCH_REPEAT:-30}
configuration=${CONFIGURATION:-release}
scratch=${BENCH_SCRATCH_PATH:-.build-bench-release}

pg_bin=$(scripts/install-postgres.sh | tail -n 1)
swift build -c "$configuration" --scratch-path "$scratch" --product visionary >&2
binary=$(swift build -c "$configuration" --scratch-path "$scratch" --show-bin-path)/visionary

data=$(mktemp -d "${TMPDIR:-/tmp}/visionary-bench-domain-XXXXXX")
server=
cleanup() {
  [[ -n $server ]] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  rm -rf "$data" "$data.log"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export VISIONARY_JWT_SECRET=$secret VISIONARY_PG_BIN=$pg_bin
"$binary" serve --data-dir "$data" --host 127.0.0.1 --port "$port" --log-level warning >"$data.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/health" >/dev/null || { echo "the server did not start:" >&2; cat "$data.log" >&2; exit 1; }
owner_url=$("$binary" db url --data-dir "$data" | tail -n 1)
psql_owner() { "$pg_bin/psql" "$owner_url" -X -q -v ON_ERROR_STOP=1 "$@"; }

# -- Seed -----------------------------------------------------------------------------------------
# User n has the id 00000000-0000-4000-8000-<n, 12 digits>; user 1 completes habits and owns the team.
seed_started=$(date +%s.%N)
psql_owner -v habits="$habits" -v members="$members" <<'SQL'
INSERT INTO auth.users (id, email, email_confirmed_at)
SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'bench' || n || '@bench.test', now()
FROM generate_series(1, :members) AS n;

-- Habits of user 1: kind 'short' with 10 days of history, kind 'long' with 1,000, checked off on
-- every earlier day (none today: the benchmark checks today off).
CREATE TEMP TABLE bench_habits AS
SELECT gen_random_uuid() AS id, k.kind, k.days, i
FROM (VALUES ('short', 10), ('long', 1000)) AS k (kind, days) CROSS JOIN generate_series(1, :habits) AS i;
INSERT INTO public.habits (id, user_id, title, frequency, created_at)
SELECT b.id, '00000000-0000-4000-8000-000000000001', b.kind || ' habit ' || b.i, 'daily', now() - (b.days + 1) * interval '1 day'
FROM bench_habits b;
INSERT INTO public.habit_completions (habit_id, completed_on, completed_at)
SELECT b.id, current_date - d, (current_date - d) + time '12:00'
FROM bench_habits b CROSS JOIN LATERAL generate_series(1, b.days) AS d;
-- The team: user 1 owns it; every bench user is an active member; each has three daily habits
-- checked off on a random half of the last 30 days.
INSERT INTO public.teams (id, name, owner_id, max_members)
VALUES ('00000000-0000-4000-a000-000000000001', 'Bench team', '00000000-0000-4000-8000-000000000001', :members);
INSERT INTO public.team_members (team_id, user_id)
SELECT '00000000-0000-4000-a000-000000000001', u.id FROM auth.users u
WHERE u.email LIKE '%@bench.test' AND u.id <> '00000000-0000-4000-8000-000000000001';
INSERT INTO public.habits (user_id, title, frequency, created_at)
SELECT u.id, 'team habit ' || h, 'daily', now() - interval '40 days'
FROM auth.users u CROSS JOIN generate_series(1, 3) AS h
WHERE u.email LIKE '%@bench.test' AND u.id <> '00000000-0000-4000-8000-000000000001';
INSERT INTO public.habit_completions (habit_id, completed_on, completed_at)
SELECT h.id, current_date - d, (current_date - d) + time '08:00'
FROM public.habits h CROSS JOIN generate_series(0, 29) AS d
WHERE h.title LIKE 'team habit %' AND random() < 0.5;
VACUUM ANALYZE auth.users, public.habits, public.habit_completions, public.team_members, public.teams;
SQL
seed_seconds=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $seed_started))")
psql_owner -At -c "SELECT CASE WHEN title LIKE 'short%' THEN 'short' ELSE 'long' END || ' ' || id
                   FROM public.habits WHERE user_id = '00000000-0000-4000-8000-000000000001'
                   ORDER BY split_part(title, ' ', 3)::integer, title" >"$data.habits"
counts=$(psql_owner -At -c "SELECT (SELECT count(*) FROM public.habits) || ' habits, '
  || (SELECT count(*) FROM public.habit_completions) || ' completions, '
  || (SELECT count(*) FROM public.team_members WHERE is_active) || ' team members'")
echo "seeded in ${seed_seconds}s: $counts" >&2

# -- Measure ---------------------------------------------------------------------------------------
python3 - "$secret" "$port" "$data.habits" "$repeat" "$members" <<'PY'
import base64, hashlib, hmac, http.client, json, statistics, sys, time
secret, port, habits_file, repeat, members = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])

def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def token(n):
    now = int(time.time())
    claims = {"aud": "authenticated", "role": "authenticated", "sub": "00000000-0000-4000-8000-%012d" % n,
              "email": "bench%d@bench.test" % n, "exp": now + 3600, "iat": now,
              "session_id": "00000000-0000-4000-9000-%012d" % n, "app_metadata": {}, "user_metadata": {}}
    signing = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
    return signing + "." + b64(hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest())

connection = http.client.HTTPConnection("127.0.0.1", port)
headers = {"Authorization": "Bearer " + token(1), "Content-Type": "application/json"}

def call(path, body):
    started = time.perf_counter()
    connection.request("POST", "/functions/v1/" + path, body=json.dumps(body), headers=headers)
    response = connection.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status >= 300:
        sys.exit(f"{path} answered {response.status}: {data[:300]!r}")
    return elapsed, json.loads(data)

habits = {"short": [], "long": []}
for line in open(habits_file):
    kind, habit = line.split()
    habits[kind].append(habit)

# Warm-up (connection, caches, prepared plans): a few habits of each kind, not measured.
warm = min(10, len(habits["short"]) // 5)
for kind in ("short", "long"):
    for habit in habits[kind][:warm]:
        call("habit-service?action=complete", {"habit_id": habit})
timings = {"short": [], "long": []}
for short, long in zip(habits["short"][warm:], habits["long"][warm:]):
    for kind, habit in (("short", short), ("long", long)):
        elapsed, answer = call("habit-service?action=complete", {"habit_id": habit})
        expected = 11 if kind == "short" else 1001
        if answer["habit"]["current_streak"] != expected:
            sys.exit(f"unexpected streak {answer['habit']['current_streak']} (expected {expected})")
        timings[kind].append(elapsed)

short_median, long_median = statistics.median(timings["short"]), statistics.median(timings["long"])
print("habit-service complete, one request at a time over one connection (%d habits each):" % len(timings["short"]))
print("  10 days of history:     median %.2f ms, mean %.2f ms" % (short_median, statistics.mean(timings["short"])))
print("  1,000 days of history:  median %.2f ms, mean %.2f ms" % (long_median, statistics.mean(timings["long"])))
print("  ratio 1,000 / 10 days:  %.2f (median; flat is 1.0)" % (long_median / short_median))

team = "00000000-0000-4000-a000-000000000001"
computed, cached = [], []
for _ in range(repeat):
    elapsed, board = call("team-service?action=leaderboard", {"team_id": team, "period": "weekly", "refresh": True})
    computed.append(elapsed)
if len(board["rankings"]) != members:
    sys.exit(f"the leaderboard ranks {len(board['rankings'])} members, expected {members}")
for _ in range(repeat):
    elapsed, _ = call("team-service?action=leaderboard", {"team_id": team, "period": "weekly"})
    cached.append(elapsed)
print("team-service leaderboard, weekly, %d active members (%d requests each):" % (members, repeat))
print("  computed (refresh):     median %.1f ms, mean %.1f ms, max %.1f ms (target < 200 ms)"
      % (statistics.median(computed), statistics.mean(computed), max(computed)))
print("  cached snapshot:        median %.1f ms, mean %.1f ms" % (statistics.median(cached), statistics.mean(cached)))
PY
