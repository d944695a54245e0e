#!/usr/bin/env bash
# Installs the official Supabase Python client (supabase-py, pinned with all its dependencies in
# Tests/Compatibility/requirements.txt) into a virtualenv for the compatibility tests.
# Idempotent: does nothing when the venv already holds exactly these requirements.
# Prints the venv's python on its last line.
#
# Where: $VISIONARY_PYTHON_CLIENT_HOME, else .tools/python-client under the repository.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
requirements=$root/Tests/Compatibility/requirements.txt
venv=${VISIONARY_PYTHON_CLIENT_HOME:-$root/.tools/python-client}
python=$venv/bin/python
stamp=$venv/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)

if [[ ! -x $python || ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" >&2
  "$python" -m pip install --quiet --disable-pip-version-check --no-input \
    --requirement "$requirements" >&2
  # Fails (and leaves no stamp) if the client cannot be imported.
  "$python" -c 'import supabase' >&2
  echo "$want" > "$stamp"
fi
echo "$python"
