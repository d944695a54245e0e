#!/usr/bin/env bash
# Installs the official Supabase Python client (supabase-py, pinned with all its dependencies in
# Tests/Compatibility/requirements.txt) into a virtualenv for the compatibility tests.
# Idempotent: does nothing when the venv already holds exactly these requirements.
# Prints the venv's python on its last line.
#
# Where: $VISIONARY_PYTHON_CLIENT_HOME, else .tools/python-client under the repository.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
exec "$root/scripts/install-venv.sh" "$root/Tests/Compatibility/requirements.txt" \
  "${VISIONARY_PYTHON_CLIENT_HOME:-$root/.tools/python-client}" 'import supabase'
