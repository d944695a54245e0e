#!/usr/bin/env bash
# Storage throughput and memory on loopback (issue 5): one BENCH_SIZE_MB file (200 MB by
# default) uploaded raw (curl -T, as storage-js sends bytes), uploaded as multipart/form-data
# (curl -F, as storage-py sends files), and downloaded whole, through /storage/v1 on the local
# store of a release build. For each phase it prints MB/s and the server's peak resident memory
# (VmHWM of /proc/<pid>/status, reset before the phase through clear_refs where the kernel lets
# us), next to the baseline of the same bytes copied on the same disk with fsync (cp + sync) and
# read back (cat > /dev/null), measured in the same run. No thresholds: it reports.
#   scripts/bench-storage.sh
#   BENCH_SIZE_MB=500 scripts/bench-storage.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
size_mb=${BENCH_SIZE_MB:-200}
configuration=${CONFIGURATION:-release}
scratch=${BENCH_SCRATCH_PATH:-.build-bench-release}

pg_bin=$(scripts/install-postgres.sh | tail -n 1)
swift build -c "$configuration" --scratch-path "$scratch" --product visionary >&2
binary=$(swift build -c "$configuration" --scratch-path "$scratch" --show-bin-path)/visionary

data=$(mktemp -d "${TMPDIR:-/tmp}/visionary-bench-storage-XXXXXX")
server=
cleanup() {
  [[ -n $server ]] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  rm -rf "$data" "$data.log"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export VISIONARY_PG_BIN=$pg_bin VISIONARY_STORAGE_MAX_UPLOAD_SIZE=$(( (size_mb + 16) * 1024 * 1024 ))
"$binary" serve --data-dir "$data" --host 127.0.0.1 --port "$port" --log-level warning >"$data.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/health" >/dev/null || { echo "the server did not start:" >&2; cat "$data.log" >&2; exit 1; }
key=$("$binary" keys --data-dir "$data" | awk '/service_role key/ {print $3}')
base="http://127.0.0.1:$port/storage/v1"

file=$data/bench.bin
head -c "$((size_mb * 1024 * 1024))" /dev/urandom >"$file"
bytes=$(stat -c %s "$file")

peak_kb() { awk '/VmHWM/ {print $2}' "/proc/$server/status"; }
reset_peak() { echo 5 >"/proc/$server/clear_refs" 2>/dev/null || true; }
mbps() { python3 -c "import sys; print('%.1f' % ($bytes / 1048576 / float(sys.argv[1])))" "$1"; }
seconds_of() { local started=$(date +%s.%N); "$@"; python3 -c "import sys; print('%.3f' % ($(date +%s.%N) - $started))"; }

idle_kb=$(peak_kb)
rows=()
phase() {
  local name=$1; shift
  reset_peak
  local seconds
  seconds=$("$@")
  rows+=("$(printf '%-34s %8s MB/s   peak RSS %6d MB' "$name" "$(mbps "$seconds")" "$(( $(peak_kb) / 1024 ))")")
}
upload_raw() {
  curl -fsS -o /dev/null -w '%{time_total}' -X PUT -T "$file" -H "Authorization: Bearer $key" \
    -H "Content-Type: application/octet-stream" "$base/object/workbooks/bench/raw.bin"
}
upload_multipart() {
  curl -fsS -o /dev/null -w '%{time_total}' -X POST -H "Authorization: Bearer $key" \
    -F cacheControl=3600 -F "file=@$file;type=application/octet-stream" "$base/object/workbooks/bench/multipart.bin"
}
download() {
  curl -fsS -o "$data/downloaded.bin" -w '%{time_total}' -H "Authorization: Bearer $key" "$base/object/workbooks/bench/raw.bin"
}
phase "upload, raw body (PUT)" upload_raw
phase "upload, multipart/form-data (POST)" upload_multipart
phase "download (GET)" download
cmp -s "$file" "$data/downloaded.bin" || { echo "the downloaded bytes differ from the uploaded ones" >&2; exit 1; }
rm -f "$data/downloaded.bin"

copy_seconds=$(seconds_of sh -c "cp '$file' '$data/copy.bin' && sync '$data/copy.bin'")
read_seconds=$(seconds_of sh -c "cat '$data/copy.bin' >/dev/null")

echo "Storage benchmark: one $size_mb MB object on the local store, release build, loopback"
for row in "${rows[@]}"; do echo "  $row"; done
printf '  %-34s %8s MB/s\n' "baseline: cp + fsync on the same disk" "$(mbps "$copy_seconds")"
printf '  %-34s %8s MB/s\n' "baseline: cat > /dev/null" "$(mbps "$read_seconds")"
echo "  server resident memory when idle: $(( idle_kb / 1024 )) MB (VmHWM after start-up)"
