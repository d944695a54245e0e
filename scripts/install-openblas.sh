#!/usr/bin/env bash
# Installs OpenBLAS, the matrix kernel of the built-in embedding model: Debian's
# libopenblas0-pthread and libopenblas-pthread-dev (what libopenblas-dev selects on amd64) with the
# Fortran runtime it needs, pinned and checked by sha256, unpacked into a folder of its own.
# Idempotent; prints the folder on its last line. Its lib/ holds libopenblas.so and the
# libraries it loads; Package.swift links the server against that folder (and records it as the
# run-time search path), so the build needs this step first — the Makefile runs it.
#
# Where: $VISIONARY_OPENBLAS_HOME, else .tools/openblas under the repository.
set -euo pipefail

packages=(
  "libopenblas0-pthread=0.3.21+ds-4 4f7e4561dbfa9286c671c91350204fbda7afad675500e59cd4a56f84604844f8"
  "libopenblas-pthread-dev=0.3.21+ds-4 71325c822115f962bfe85c529f3b839e67f0fb6127f0918ebc2bd6ea3d527950"
  "libgfortran5=12.2.0-14+deb12u1 63d38775d20c425c1f00914b52167ae0e3b4639facdb0aa734877279fb716fbb"
)
stamp=.installed-1
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/debian-packages.sh
source "$root/scripts/debian-packages.sh"
home=${VISIONARY_OPENBLAS_HOME:-$root/.tools/openblas}

if [[ ! -f $home/$stamp ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/visionary-openblas-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  unpack_debian_packages "$work" "${packages[@]}"
  # One flat folder: the linker finds -lopenblas there, and at run time the loader finds
  # OpenBLAS and, through it, the Fortran runtime.
  lib=$work/lib
  mkdir -p "$lib"
  cp -P "$work/root/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so" "$lib/"
  ln -s libopenblasp-r0.3.21.so "$lib/libopenblas.so.0"
  ln -s libopenblasp-r0.3.21.so "$lib/libopenblas.so"
  cp -P "$work/root/usr/lib/x86_64-linux-gnu/libgfortran.so.5.0.0" "$lib/"
  ln -s libgfortran.so.5.0.0 "$lib/libgfortran.so.5"
  mkdir -p "$work/include"
  cp "$work/root/usr/include/x86_64-linux-gnu/openblas-pthread/"*.h "$work/include/"
  rm -rf "$home"
  mkdir -p "$home"
  mv "$lib" "$work/include" "$home/"
  chmod -R a+rX "$home"
  touch "$home/$stamp"
fi
echo "$home"
