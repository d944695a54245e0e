#!/usr/bin/env bash
# Installs promtool, which the tests check ops/alerts.yml with: Debian's prometheus package
# (pinned version, checked by sha256), of which only promtool is kept, in a folder of its own.
# Idempotent; prints promtool's path on its last line.
#
# Where: $VISIONARY_PROMTOOL_HOME, else .tools/promtool under the repository.
set -euo pipefail

version=2.42.0+ds-5+deb12u1
sha256=81d59a24fce84f7fbe97a45a4f2914b6a5881b5cd1db2a6a0e129e515e1a5f55
root=$(cd "$(dirname "$0")/.." && pwd)
home=${VISIONARY_PROMTOOL_HOME:-$root/.tools/promtool}
promtool=$home/promtool

if [[ ! -f $home/.installed-$version ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/visionary-promtool-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # apt's download user cannot write into a root-owned temporary folder; let it.
  chmod 0777 "$work"
  (cd "$work" && apt-get download -q "prometheus=$version" >/dev/null 2>&1) || {
    apt-get update -qq >/dev/null
    (cd "$work" && apt-get download -q "prometheus=$version" >/dev/null)
  }
  deb=$(ls "$work"/prometheus_*.deb)
  echo "$sha256  $deb" | sha256sum --check --quiet - || { echo "prometheus $version: checksum mismatch" >&2; exit 1; }
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" ./usr/bin/promtool
  rm -rf "$home"
  mkdir -p "$home"
  mv "$work/usr/bin/promtool" "$promtool"
  touch "$home/.installed-$version"
fi
echo "$promtool"
