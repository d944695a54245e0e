#!/usr/bin/env bash
# Installs the PDF tools: qpdf (`qpdf --check`) and poppler's pdftoppm (renders a page to an
# image), which the workbook tests check their output with, and poppler's pdftotext, which reads
# the text of PDF knowledge sources (`make run` points VISIONARY_PDFTOTEXT at it); from Debian's packages (pinned versions,
# checked by sha256) with the two libraries they need that a base system lacks, unpacked into
# a folder of its own. Idempotent; prints the folder on its last line: its `bin/qpdf` and
# `bin/pdftoppm` are wrappers that find the unpacked libraries.
#
# Where: $VISIONARY_PDF_TOOLS_HOME, else .tools/pdf-tools under the repository.
set -euo pipefail

packages=(
  "qpdf=11.3.0-1+deb12u1 85679049865b2fa7b15e84d95452ee235ddc129fbd014958d11e99fb4b7fbc13"
  "libqpdf29=11.3.0-1+deb12u1 70ffa841c6f958e4c64a9a6fd0c842b8a527b88261f6cbfb7618e5715ffb8ca6"
  "poppler-utils=22.12.0-2+deb12u3 7e328919d626d9d988832eb1e4adff4ceed275abcdabcb61ec0b3bf2dc64260d"
  "libpoppler126=22.12.0-2+deb12u3 f2a2737ea92f37f760d8d562d9ddc722ffb6072391987f36a3334c592df51818"
  "libopenjp2-7=2.5.0-2+deb12u3 a127e2f1741d66bdddb6393a718e3cbec327d53f88c89b859b1f8d73f64cf635"
)
stamp=.installed-3
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/debian-packages.sh
source "$root/scripts/debian-packages.sh"
home=${VISIONARY_PDF_TOOLS_HOME:-$root/.tools/pdf-tools}

if [[ ! -f $home/$stamp ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/visionary-pdf-tools-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  unpack_debian_packages "$work" "${packages[@]}"
  rm -rf "$home"
  mkdir -p "$home/bin"
  mv "$work/root" "$home/root"
  for tool in qpdf pdftoppm pdfinfo pdffonts pdftotext; do
    cat > "$home/bin/$tool" <<WRAPPER
#!/bin/sh
LD_LIBRARY_PATH="$home/root/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$home/root/usr/bin/$tool" "\$@"
WRAPPER
    chmod +x "$home/bin/$tool"
  done
  touch "$home/$stamp"
fi
echo "$home"
