#!/usr/bin/env bash
# Installs the S3-compatible server the storage tests run on loopback (moto's server mode,
# pinned with hashes in Tests/Compatibility/s3-server-requirements.txt) into a virtualenv.
# Idempotent; prints the venv's python on its last line.
#
# Where: $VISIONARY_S3_SERVER_HOME, else .tools/s3-server under the repository.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
exec "$root/scripts/install-venv.sh" "$root/Tests/Compatibility/s3-server-requirements.txt" \
  "${VISIONARY_S3_SERVER_HOME:-$root/.tools/s3-server}" \
  'from moto.moto_server.threaded_moto_server import ThreadedMotoServer' --require-hashes
