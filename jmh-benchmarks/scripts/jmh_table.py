#!/usr/bin/env python3
"""Turns a JMH JSON result file into the markdown tables of docs/benchmarks.md.

GEMM rows get GFLOP/s = 2 n^3 / median time and the ratio to OpenBLAS measured in the same run; FMA peak rows get
GFLOP/s = 512 * iterations * threads / time (16 AVX-512 FMA chains x 16 lanes x 2 FLOPs).
Usage: jmh_table.py results.json
"""
import json
import statistics
import sys


def median_ms(bench):
    raw = [v for fork in bench["primaryMetric"]["rawData"] for v in fork]
    unit = bench["primaryMetric"]["scoreUnit"]
    scale = {"ms/op": 1.0, "us/op": 1e-3, "s/op": 1e3, "ns/op": 1e-6}[unit]
    return statistics.median(raw) * scale, min(raw) * scale, max(raw) * scale


def main(path):
    results = json.load(open(path))
    gemm, fma = {}, []
    for b in results:
        name = b["benchmark"].rsplit(".", 2)[-2]
        p = b.get("params", {})
        med, lo, hi = median_ms(b)
        if name == "GemmBenchmark":
            gemm[(int(p["n"]), p["dtype"], int(p["threads"]), p["impl"])] = (med, lo, hi)
        elif name == "FmaPeakBenchmark":
            flops = 512.0 * int(p["iterations"]) * int(p["threads"])
            fma.append((int(p["threads"]), med, flops / (med * 1e-3) / 1e9))
    peak = {t: g for t, _, g in fma}
    print("| n | dtype | threads | shard4j median ms | shard4j GFLOP/s | OpenBLAS median ms | OpenBLAS GFLOP/s |"
          " shard4j / OpenBLAS | shard4j % of FMA peak |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (n, dt, th, impl) in sorted(gemm):
        if impl != "shard4j":
            continue
        ours = gemm[(n, dt, th, impl)][0]
        g_ours = 2.0 * n ** 3 / (ours * 1e-3) / 1e9
        ob = gemm.get((n, dt, th, "openblas"))
        ob_cells = ("%.2f" % ob[0], "%.1f" % (2.0 * n ** 3 / (ob[0] * 1e-3) / 1e9),
                    "%.0f%%" % (100 * ob[0] / ours)) if ob else ("-", "-", "-")
        pk = "%.0f%%" % (100 * g_ours / peak[th]) if th in peak else "-"
        print("| %d | %s | %d | %.2f | %.1f | %s | %s | %s | %s |" % (n, dt, th, ours, g_ours, *ob_cells, pk))
    if fma:
        print()
        print("| FMA peak, threads | median ms | GFLOP/s |")
        print("|---|---|---|")
        for t, med, g in sorted(fma):
            print("| %d | %.2f | %.1f |" % (t, med, g))


if __name__ == "__main__":
    main(sys.argv[1])
