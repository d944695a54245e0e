#!/usr/bin/env bash
# Installs numpy (pinned with hashes in Tests/EmbeddingTests/Reference/requirements.txt) into a
# virtualenv for the numpy reference of the embedding model,
# Tests/EmbeddingTests/Reference/minilm_reference.py, the oracle of the embedding tests.
# Idempotent; prints the venv's python on its last line.
#
# Where: $VISIONARY_EMBEDDING_REFERENCE_HOME, else .tools/embedding-reference under the repository.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
exec "$root/scripts/install-venv.sh" "$root/Tests/EmbeddingTests/Reference/requirements.txt" \
  "${VISIONARY_EMBEDDING_REFERENCE_HOME:-$root/.tools/embedding-reference}" \
  'import numpy' --require-hashes
