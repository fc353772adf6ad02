#!/usr/bin/env python3
"""Median over rounds of the in-place all-reduce busbw written by tcp_shm_vs_gloo.sh, as a markdown table:
a row per size, for 2 and 4 ranks the busbw (GB/s) of TCP with shared memory, TCP with sockets forced and Gloo,
and the speed-up of TCP with shared memory over Gloo. Usage: tcp_shm_vs_gloo.py OUT_DIR"""
import glob
import json
import os
import statistics
import sys


def load(out, mode, g):
    runs = {}
    for f in sorted(glob.glob(os.path.join(out, "%s_g%d_r*.json" % (mode, g)))):
        for row in json.load(open(f))["tests"][0]["results"]:
            runs.setdefault(row["size"], []).append(row["in_place"])
    return {s: (statistics.median(r["bus_bw"] for r in v), statistics.median(r["time"] for r in v), len(v))
            for s, v in runs.items()}


def size_str(b):
    for unit, n in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= n and b % n == 0:
            return "%d %s" % (b // n, unit)
    return "%d B" % b


def main():
    out = sys.argv[1]
    data = {(m, g): load(out, m, g) for m in ("tcp", "sockets", "gloo") for g in (2, 4)}
    print("| size | 2: TCP shm | 2: TCP sockets | 2: Gloo | 2: shm / Gloo | 4: TCP shm | 4: TCP sockets | 4: Gloo "
          "| 4: shm / Gloo |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in sorted(data[("gloo", 2)]):
        cells = [size_str(s)]
        for g in (2, 4):
            t, k, gl = (data[(m, g)].get(s) for m in ("tcp", "sockets", "gloo"))
            for v in (t, k, gl):
                cells.append("%.3f (%.0f us)" % (v[0], v[1]) if v else "-")
            cells.append("%.2fx" % (gl[1] / t[1]) if t and gl else "-")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
