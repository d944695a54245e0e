#!/usr/bin/env bash
# Installs the S3-compatible server the storage tests run on loopback (moto's server mode,
# pinned with hashes in Tests/Compatibility/s3-server-requirements.txt) into a virtualenv.
# Idempotent: does nothing when the venv already holds exactly these requirements.
# Prints the venv's python on its last line.
#
# Where: $VISIONARY_S3_SERVER_HOME, else .tools/s3-server under the repository.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
requirements=$root/Tests/Compatibility/s3-server-requirements.txt
venv=${VISIONARY_S3_SERVER_HOME:-$root/.tools/s3-server}
python=$venv/bin/python
stamp=$venv/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)

if [[ ! -x $python || ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" >&2
  "$python" -m pip install --quiet --disable-pip-version-check --no-input --require-hashes \
    --requirement "$requirements" >&2
  # Fails (and leaves no stamp) if the server cannot be imported.
  "$python" -c 'from moto.moto_server.threaded_moto_server import ThreadedMotoServer' >&2
  echo "$want" > "$stamp"
fi
echo "$python"
