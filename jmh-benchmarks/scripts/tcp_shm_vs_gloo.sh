#!/usr/bin/env bash
# All-reduce busbw of the TCP backend with shared memory, with sockets forced, and of torch.distributed's Gloo,
# every rank a process, 2 and 4 ranks, interleaved (each round runs the six cases back to back), JSON per run in
# $OUT. Usage: jmh-benchmarks/scripts/tcp_shm_vs_gloo.sh OUT_DIR [ROUNDS] (after building the fat jar and
# scripts/python-env.sh). Summarise with jmh-benchmarks/scripts/tcp_shm_vs_gloo.py OUT_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:?usage: tcp_shm_vs_gloo.sh OUT_DIR [ROUNDS]}
ROUNDS=${2:-3}
J=jmh-benchmarks/target/benchmarks.jar
PY=build/venv/bin/python
SWEEP=(-b 8 -e 64M -f 2 -n 20 -w 10)
mkdir -p "$OUT"
for round in $(seq 1 "$ROUNDS"); do
  for g in 2 4; do
    echo "# round $round, $g ranks, $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt"
    java -cp $J dev.shard4j.bench.collectives.ProcessAllReducePerf -g $g "${SWEEP[@]}" --tcp-shm 1 \
      -J "$OUT/tcp_g${g}_r${round}.json" > "$OUT/tcp_g${g}_r${round}.txt"
    java -cp $J dev.shard4j.bench.collectives.ProcessAllReducePerf -g $g "${SWEEP[@]}" --tcp-shm 0 \
      -J "$OUT/sockets_g${g}_r${round}.json" > "$OUT/sockets_g${g}_r${round}.txt"
    $PY jmh-benchmarks/peers/gloo_allreduce.py -g $g "${SWEEP[@]}" -J "$OUT/gloo_g${g}_r${round}.json" \
      > "$OUT/gloo_g${g}_r${round}.txt"
  done
done
echo "# done $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt"
