#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that read what a client sends (Fuzz/Sources): the REST
# pipeline (parse → plan → render), the Range/Prefer/Accept headers, HS256 tokens and the caller
# resolver, and the multipart parser. Builds the VisionaryFuzz harness with libFuzzer and
# AddressSanitizer into .build-fuzz, then runs each fuzzer for FUZZ_SECONDS from its seeds in
# Fuzz/Corpus/<target>. The corpus it grows and any crashers go to a temporary folder; seeds are
# never modified. No network, no database; every run stops by itself.
#
#   scripts/fuzz.sh                         every fuzzer, 60 s each
#   FUZZ_SECONDS=300 scripts/fuzz.sh jwt    one fuzzer, longer
#   scripts/fuzz.sh --reproduce multipart crash-file    run one input again (prints the trap)
#
# Prints one line per fuzzer (executions, coverage, crashes) and exits non-zero if any crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
ALL_TARGETS=(rest headers jwt multipart)

# -parse-as-library: no top-level code; libFuzzer's driver is the entry (Fuzz/Sources/Entry.swift).
# lld, because SwiftPM aliases `main` to the module's entry symbol and only lld lets that alias win
# over the `main` in libFuzzer's runtime (gold stops with a duplicate definition).
"$SWIFT" build -c release --scratch-path .build-fuzz --product VisionaryFuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DVISIONARY_FUZZ \
  -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld >&2
fuzzer="$("$SWIFT" build -c release --scratch-path .build-fuzz --show-bin-path)/VisionaryFuzz"

# The fuzzers trap on purpose when they find something; libFuzzer reports it, not Swift's backtracer.
export SWIFT_BACKTRACE=enable=no

if [[ "${1:-}" == "--reproduce" ]]; then
  VISIONARY_FUZZ_TARGET="$2" exec "$fuzzer" "$3"
fi

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${ALL_TARGETS[@]}")
for target in "${targets[@]}"; do
  [[ " ${ALL_TARGETS[*]} " == *" $target "* ]] || { echo "unknown fuzzer: $target (${ALL_TARGETS[*]})" >&2; exit 2; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/visionary-fuzz.XXXXXX")"
failed=0
for target in "${targets[@]}"; do
  mkdir -p "$work/corpus/$target" "$work/crashes/$target"
  log="$work/$target.log"
  # -max_total_time stops libFuzzer; timeout is the backstop should a run hang past it.
  set +e
  VISIONARY_FUZZ_TARGET="$target" timeout --kill-after=10 $((FUZZ_SECONDS + 60)) "$fuzzer" \
    -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$work/crashes/$target/" "$work/corpus/$target" "Fuzz/Corpus/$target" >"$log" 2>&1
  status=$?
  set -e
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  progress=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  coverage=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$progress")
  features=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$progress")
  corpus=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$progress")
  crashes=$(find "$work/crashes/$target" -type f | wc -l | tr -d ' ')
  printf '%-10s executions %-9s coverage %s edges, %s features  corpus %s  crashes %s\n' \
    "$target" "${executions:-?}" "${coverage:-?}" "${features:-?}" "${corpus:-?}" "$crashes"
  if [[ $status -ne 0 || $crashes -ne 0 ]]; then
    failed=1
    echo "  exit status $status; log $log" >&2
    for crash in "$work/crashes/$target"/*; do
      [[ -e "$crash" ]] && echo "  crasher $crash (base64 $(base64 -w0 <"$crash" | cut -c1-200))" >&2
    done
    grep -m 3 -E 'Fatal error|invariant broken|ERROR: (libFuzzer|AddressSanitizer)' "$log" | sed 's/^/  /' >&2 || true
  fi
done

if [[ $failed -ne 0 ]]; then
  echo "fuzzing found crashes; logs, corpus and crashers are in $work" >&2
  exit 1
fi
rm -rf "$work"
