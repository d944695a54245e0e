#!/usr/bin/env bash
# Installs the SMTP server the mail tests deliver to on loopback (aiosmtpd, pinned with hashes in
# Tests/Compatibility/smtp-server-requirements.txt) into a virtualenv.
# Idempotent; prints the venv's python on its last line.
#
# Where: $VISIONARY_SMTP_SERVER_HOME, else .tools/smtp-server under the repository.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
exec "$root/scripts/install-venv.sh" "$root/Tests/Compatibility/smtp-server-requirements.txt" \
  "${VISIONARY_SMTP_SERVER_HOME:-$root/.tools/smtp-server}" \
  'from aiosmtpd.controller import Controller' --require-hashes
