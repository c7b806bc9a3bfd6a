#!/usr/bin/env bash
# Install the Debian packages dsagen needs outside Python: Pango for WeasyPrint (PDF),
# fonts to embed, poppler for PDF text checks, LibreOffice + UNO for the real-client tests
# (and jemalloc, which the LibreOffice PDF engine's office runs with),
# PostgreSQL for the registry tests, Chromium for the browser test of the HTML heat map.
# Usage: scripts/system-deps.sh [runtime|test]
set -euo pipefail
profile="${1:-runtime}"
runtime_pkgs=(libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation fonts-dejavu-core fontconfig)
test_pkgs=(poppler-utils libreoffice-writer-nogui python3-uno libjemalloc2 postgresql chromium)
# Debian's python3 needs python3-venv for `python3 -m venv`; pyenv/other builds carry ensurepip.
python3 -c "import ensurepip" >/dev/null 2>&1 || runtime_pkgs+=(python3-venv)
pkgs=("${runtime_pkgs[@]}")
[ "$profile" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "dsagen: missing system packages: ${missing[*]}" >&2
  echo "dsagen: install them with: sudo apt-get install -y ${missing[*]}" >&2
  [ "$profile" = runtime ] && exit 1
  echo "dsagen: tests that need them will be skipped" >&2
  exit 0
fi
echo "dsagen: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
