#!/usr/bin/env bash
# Usage: scripts/with-ray-cluster.sh COMMAND [ARGS...]
# Installs Ray into build/ray-venv when missing (scripts/ray-env.sh), starts a single-node Ray head on free ports,
# reached at 127.0.0.1, with its own temporary directory, runs COMMAND with
#   SHARD4J_RAY_ADDRESS   host:port of the head (what RayLauncher/RayCluster.connect take)
#   SHARD4J_RAY_DIST_JAR  Ray's Java runtime jar from the same wheel (what the Maven `ray` profile compiles against)
#   SHARD4J_RAY_VERSION   the Ray version of that wheel
#   PATH                  with the venv's bin first (so `ray` is the matching CLI)
# and stops that cluster (only its processes, by PID) when COMMAND ends, whether it succeeds or fails.
# Exits with COMMAND's status. SHARD4J_RAY_CPUS sets the head's CPU count (default 2); SHARD4J_RAY_PORT its port
# (default: a free one).
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$("$root/scripts/ray-env.sh")" || { echo "with-ray-cluster: Ray could not be installed" >&2; exit 1; }
venv_bin="$root/build/ray-venv/bin"
PY="$venv_bin/python"
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="${SHARD4J_RAY_PORT:-$(free_port)}"
# Unix socket paths must stay short, hence /tmp rather than the build directory.
tmp="$(mktemp -d /tmp/s4jray.XXXXXX)"

stop_cluster() {
  # Every process of this cluster (raylet, GCS, agents, workers) names the temporary directory in its command line.
  local pids=() p
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$$" ] && continue
    if { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -qF -- "$tmp"; then
      pids+=("${p#/proc/}")
    fi
  done
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      local alive=()
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
      [ ${#alive[@]} -eq 0 ] && break
      sleep 0.5
    done
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  fi
  rm -rf "$tmp"
  # Ray's Java driver unpacks its native library (40 MB) into a fresh /tmp/ray/<millis>/ each run and leaves it.
  local d
  for d in /tmp/ray/[0-9]*; do
    if [ -f "$d/libcore_worker_library_java.so" ] && ! grep -qxF "$d" "$before_dirs" 2>/dev/null; then
      rm -rf "$d"
    fi
  done
  rm -f "$before_dirs"
  echo "with-ray-cluster: stopped the cluster at 127.0.0.1:$port (${#pids[@]} processes)" >&2
}
before_dirs="$(mktemp)"
ls -d /tmp/ray/[0-9]* > "$before_dirs" 2>/dev/null || true
trap stop_cluster EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "with-ray-cluster: starting a Ray head at 127.0.0.1:$port (temp dir $tmp)" >&2
"$venv_bin/ray" start --head --node-ip-address=127.0.0.1 --port="$port" --num-cpus="${SHARD4J_RAY_CPUS:-2}" \
  --include-dashboard=false --disable-usage-stats --temp-dir="$tmp" \
  --dashboard-agent-listen-port="$(free_port)" \
  --dashboard-agent-grpc-port="$(free_port)" --metrics-export-port="$(free_port)" >"$tmp/start.log" 2>&1 \
  || { cat "$tmp/start.log" >&2; exit 1; }

export SHARD4J_RAY_ADDRESS="127.0.0.1:$port"
export SHARD4J_RAY_DIST_JAR="$jar"
export SHARD4J_RAY_VERSION="$("$PY" -c 'import ray; print(ray.__version__)')"
export PATH="$venv_bin:$PATH"
set +e
"$@"
status=$?
set -e
exit $status
