#!/usr/bin/env bash
# The wheel as a user gets it: build it, install it into a fresh virtual environment, and run
# init, generate, lint and diff from a folder outside the repository, so nothing can come from
# the source tree by accident.
# Usage: scripts/wheel-smoke.sh [PYTHON]   (default: .venv/bin/python, else python3)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-$repo/.venv/bin/python}"
[ -x "$python" ] || python=python3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "wheel-smoke: building the wheel"
"$python" -m pip wheel --no-deps -q --disable-pip-version-check -w "$work/dist" "$repo"
wheel=("$work"/dist/dsagen-*.whl)
"$python" -m zipfile -l "${wheel[0]}" | grep -q "dsagen/content/clauses/_library.yaml" || {
  echo "wheel-smoke: the wheel carries no clause library" >&2; exit 1; }

echo "wheel-smoke: installing it into a fresh venv"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check "${wheel[0]}"
dsagen="$work/venv/bin/dsagen"

mkdir "$work/elsewhere" && cd "$work/elsewhere"
export -n DSAGEN_LIBRARY DSAGEN_REGISTRY PYTHONPATH 2>/dev/null || true
unset DSAGEN_LIBRARY DSAGEN_REGISTRY PYTHONPATH
"$dsagen" --version
"$dsagen" validate "$repo/examples/partners/"
"$dsagen" lint "$repo/examples/partners/"
"$dsagen" generate "$repo/examples/partners/" --out out --format docx,pdf --no-record
test -s out/gravy-uf/research-dsa.docx && test -s out/gravy-uf/research-dsa.pdf
code=0
"$dsagen" diff "$repo/examples/partners/gravy-uf.yaml" "$repo/examples/negotiated/gravy-uf-v2.docx" \
  --json-file diff.json || code=$?
[ "$code" -eq 1 ] || { echo "wheel-smoke: diff exited $code, expected 1 (deviations)" >&2; exit 1; }
"$dsagen" diff out/gravy-uf/research-dsa.docx out/gravy-uf/research-dsa.docx

"$dsagen" init acme
(cd acme && "$dsagen" generate partners/ && test -s out/gravy-uf/research-dsa.docx \
  && test -s .dsagen/registry.db)
echo "wheel-smoke: ok"
