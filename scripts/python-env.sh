#!/usr/bin/env bash
# Creates (once) the Python virtualenv that the peer checks use, under build/venv, with PyTorch 2.13 CPU, and prints
# the path of its interpreter. Installs from the pip configuration of the machine (its index or local mirror).
# Prints nothing and exits 1 when PyTorch cannot be installed here.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=build/venv
PY="$VENV/bin/python"
want_torch="2.13.0"
if [ ! -x "$PY" ]; then
  mkdir -p build
  python3 -m venv "$VENV" >&2 || exit 1
fi
# Ask only the configured mirror (when there is one): retrying an unreachable default index costs minutes.
pip_args=(-q --disable-pip-version-check --retries 0 --timeout 5)
mirror="$(python3 -m pip config get global.extra-index-url 2>/dev/null | awk '{print $1}')"
if [ -z "${PIP_INDEX_URL:-}" ] && [ -n "$mirror" ]; then
  pip_args+=(--index-url "$mirror")
fi
if ! "$PY" -c "import torch, numpy, sys; sys.exit(0 if torch.__version__.startswith('$want_torch') else 1)" 2>/dev/null; then
  echo "python-env: installing torch==$want_torch+cpu and numpy into $VENV" >&2
  "$PY" -m pip install "${pip_args[@]}" "torch==$want_torch+cpu" numpy >&2 \
    || "$PY" -m pip install "${pip_args[@]}" "torch==$want_torch" numpy >&2 \
    || exit 1
fi
echo "$(cd "$VENV/bin" && pwd)/python"
