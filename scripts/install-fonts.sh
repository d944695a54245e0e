#!/usr/bin/env bash
# Installs the fonts printed workbooks embed: Debian's fonts-dejavu-core (pinned version,
# checked by sha256), unpacked into a folder of its own. Idempotent; prints the folder holding
# DejaVuSans.ttf and DejaVuSans-Bold.ttf on its last line (VISIONARY_WORKBOOK_FONTS).
#
# Where: $VISIONARY_FONTS_HOME, else .tools/fonts under the repository.
set -euo pipefail

version=2.37-6
sha256=8892669e51aab4dc56682c8e39d8ddb7d70fad83c369344e1e240bf3ca22bb76
root=$(cd "$(dirname "$0")/.." && pwd)
home=${VISIONARY_FONTS_HOME:-$root/.tools/fonts}
fonts=$home/usr/share/fonts/truetype/dejavu

if [[ ! -f $home/.installed-$version ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/visionary-fonts-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # apt's download user cannot write into a root-owned temporary folder; let it.
  chmod 0777 "$work"
  (cd "$work" && apt-get download -q "fonts-dejavu-core=$version" >/dev/null 2>&1) || {
    apt-get update -qq >/dev/null
    (cd "$work" && apt-get download -q "fonts-dejavu-core=$version" >/dev/null)
  }
  deb=$(ls "$work"/fonts-dejavu-core_*.deb)
  echo "$sha256  $deb" | sha256sum --check --quiet - || { echo "fonts-dejavu-core $version: checksum mismatch" >&2; exit 1; }
  rm -rf "$home"
  mkdir -p "$home"
  dpkg-deb -x "$deb" "$home"
  touch "$home/.installed-$version"
fi
echo "$fonts"
