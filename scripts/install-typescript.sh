#!/usr/bin/env bash
# Installs the TypeScript compiler the type-generation tests compile with: Debian's
# node-typescript (pinned version, checked by sha256), unpacked into a folder of its own and run
# by the machine's node. Idempotent; prints a command that runs tsc on its last line.
#
# Where: $VISIONARY_TYPESCRIPT_HOME, else .tools/typescript under the repository.
set -euo pipefail

version=4.8.4+ds1-2
sha256=a892c2ada87115af8875b4cbe9746836ffe8b5a00724a63ffcaa79b3d83d2245
root=$(cd "$(dirname "$0")/.." && pwd)
home=${VISIONARY_TYPESCRIPT_HOME:-$root/.tools/typescript}
tsc=$home/usr/share/nodejs/typescript/bin/tsc

command -v node >/dev/null || { echo "node is missing: apt-get install nodejs" >&2; exit 1; }
if [[ ! -f $home/.installed-$version ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/visionary-typescript-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # apt's download user cannot write into a root-owned temporary folder; let it.
  chmod 0777 "$work"
  (cd "$work" && apt-get download -q "node-typescript=$version" >/dev/null 2>&1) || {
    apt-get update -qq >/dev/null
    (cd "$work" && apt-get download -q "node-typescript=$version" >/dev/null)
  }
  deb=$(ls "$work"/node-typescript_*.deb)
  echo "$sha256  $deb" | sha256sum --check --quiet - || { echo "node-typescript $version: checksum mismatch" >&2; exit 1; }
  rm -rf "$home"
  mkdir -p "$home"
  dpkg-deb -x "$deb" "$home"
  touch "$home/.installed-$version"
fi
echo "$tsc"
