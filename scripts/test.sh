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
# Ray (docs/ray.md): when Ray installs, the build runs inside a Ray cluster on this machine that is started and
# stopped around it, which builds the `ray` module and runs its tests against the real cluster. SHARD4J_RAY=off skips.
if [ "${SHARD4J_RAY:-on}" != off ] && scripts/ray-env.sh >/dev/null; then
  exec scripts/with-ray-cluster.sh mvn -B -ntp verify "$@"
fi
echo "test: Ray is not available; the ray module is not built" >&2
exec mvn -B -ntp verify "$@"
