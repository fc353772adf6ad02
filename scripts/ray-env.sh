#!/usr/bin/env bash
# Creates (once) the Python virtualenv that holds Ray under build/ray-venv, with ray==$SHARD4J_RAY_VERSION (default
# 2.58.0), and prints the path of Ray's Java runtime jar (ray/jars/ray_dist.jar inside the wheel).
# Installs from the pip configuration of the machine (its index or local mirror), asking only the mirror when one is
# configured. Prints nothing and exits 1 when Ray cannot be installed here.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=build/ray-venv
PY="$VENV/bin/python"
want="${SHARD4J_RAY_VERSION:-2.58.0}"
if [ ! -x "$PY" ]; then
  mkdir -p build
  python3 -m venv "$VENV" >&2 || exit 1
fi
pip_args=(-q --disable-pip-version-check --retries 0 --timeout 10)
mirror="$(python3 -m pip config get global.extra-index-url 2>/dev/null | awk '{print $1}')"
if [ -z "${PIP_INDEX_URL:-}" ] && [ -n "$mirror" ]; then
  pip_args+=(--index-url "$mirror")
fi
if ! "$PY" -c "import ray, sys; sys.exit(0 if ray.__version__ == '$want' else 1)" 2>/dev/null; then
  echo "ray-env: installing ray==$want into $VENV" >&2
  "$PY" -m pip install "${pip_args[@]}" "ray==$want" >&2 || exit 1
fi
jar="$("$PY" -c 'import ray, os; print(os.path.join(os.path.dirname(ray.__file__), "jars", "ray_dist.jar"))')"
[ -f "$jar" ] || { echo "ray-env: $jar is missing from the ray wheel" >&2; exit 1; }
echo "$(cd "$(dirname "$jar")" && pwd)/ray_dist.jar"
