#!/usr/bin/env bash
# Runs the whole test suite: prepares the Python peer (PyTorch) for the cross-checks, then `mvn verify`.
# Tests that need a GPU are tagged `gpu` and skip without one.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SHARD4J_PYTHON:-}" ]; then
  if PY="$(scripts/python-env.sh)"; then
    export SHARD4J_PYTHON="$PY"
  else
    echo "test: PyTorch could not be installed; the PyTorch cross-checks will be skipped" >&2
  fi
fi
echo "test: SHARD4J_PYTHON=${SHARD4J_PYTHON:-<unset>}"
exec mvn -B -ntp verify "$@"
