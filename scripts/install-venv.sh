#!/usr/bin/env bash
# Makes a virtualenv hold exactly a pinned requirements file, for the tools the tests drive.
# Idempotent: does nothing when the venv already holds exactly these requirements.
# Prints the venv's python on its last line.
#
# Usage: install-venv.sh REQUIREMENTS VENV CHECK [pip options...]
#   CHECK is Python code that must run in the new venv (an import) before it counts as installed.
set -euo pipefail

requirements=$1
venv=$2
check=$3
shift 3
python=$venv/bin/python
stamp=$venv/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)

if [[ ! -x $python || ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" >&2
  "$python" -m pip install --quiet --disable-pip-version-check --no-input "$@" \
    --requirement "$requirements" >&2
  # Fails (and leaves no stamp) if the check fails.
  "$python" -c "$check" >&2
  echo "$want" > "$stamp"
fi
echo "$python"
