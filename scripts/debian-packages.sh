# Sourced by the install scripts that take tools from Debian's archive without installing them:
#   unpack_debian_packages WORK "name=version sha256" …
# downloads each pinned package with `apt-get download` (refreshing the package lists once if one
# is missing), checks it against its sha256, and unpacks it into WORK/root.
unpack_debian_packages() {
  local work=$1
  shift
  local entry name sha deb names=()
  # apt's download user cannot write into a root-owned temporary folder; let it.
  chmod 0777 "$work"
  for entry in "$@"; do names+=("${entry%% *}"); done
  (cd "$work" && apt-get download -q "${names[@]}" >/dev/null 2>&1) || {
    apt-get update -qq >/dev/null
    (cd "$work" && apt-get download -q "${names[@]}" >/dev/null)
  }
  mkdir -p "$work/root"
  for entry in "$@"; do
    name=${entry%%=*}
    sha=${entry##* }
    deb=$(ls "$work/${name}"_*.deb)
    echo "$sha  $deb" | sha256sum --check --quiet - || { echo "$name: checksum mismatch" >&2; exit 1; }
    dpkg-deb -x "$deb" "$work/root"
  done
}
