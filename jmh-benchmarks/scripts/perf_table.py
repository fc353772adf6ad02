#!/usr/bin/env python3
"""Markdown summary of CollectivePerf / gloo_allreduce.py JSON files (nccl-tests-shaped).

    python3 jmh-benchmarks/scripts/perf_table.py local_g2.json local_g4.json ...

One table per collective: a row per (size, ranks, backend) with time (us) and busbw (GB/s) of the out-of-place and
in-place forms ("-" where a form does not exist) and #wrong summed over both. With --pivot, one compact table per
collective instead: a row per size, a column per (backend, ranks) holding "out-of-place / in-place" busbw (GB/s),
and a last row with the times (us) at the smallest non-empty size (the latency).
Only the standard library is used.
"""
import json
import sys


def cell(c, key, fmt):
    return "-" if c is None else fmt % c[key]


def human(n):
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div and n % div == 0:
            return "%d %s" % (n // div, unit)
    return "%d B" % n


def pivot(rows):
    for (coll, typ, redop), lines in rows.items():
        cols = sorted({(be, g) for _, g, be, _, _, _ in lines})
        print("#### %s (%s%s): busbw GB/s, out-of-place / in-place\n" % (coll, typ, "" if redop == "none" else ", " + redop))
        print("| size | " + " | ".join("%s, %d ranks" % c for c in cols) + " |")
        print("|---|" + "---|" * len(cols))
        by = {(size, be, g): (o, i) for size, g, be, o, i, _ in lines}
        for size in sorted({x[0] for x in lines}):
            cells = []
            for be, g in cols:
                o, i = by.get((size, be, g), (None, None))
                cells.append("%s / %s" % (cell(o, "bus_bw", "%.2f"), cell(i, "bus_bw", "%.2f")))
            print("| %s | %s |" % (human(size), " | ".join(cells)))
        cells = []
        for be, g in cols:
            smallest = min(size for size, gg, bb, *_ in lines if (bb, gg) == (be, g) and size > 0)
            o, i = by[(smallest, be, g)]
            cells.append("%s / %s (%s)" % (cell(o, "time", "%.0f"), cell(i, "time", "%.0f"), human(smallest)))
        print("| time (us) at the smallest non-empty size | %s |" % " | ".join(cells))
        wrong = sum(w for *_, w in lines if w != "n/a")
        print("\n#wrong over all rows: %d\n" % wrong)


def main(paths):
    do_pivot = "--pivot" in paths
    paths = [p for p in paths if p != "--pivot"]
    rows = {}
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        cfg = doc["config"]
        for test in doc["tests"]:
            key = (test["collective"], test["type"], test["redop"])
            for r in test["results"]:
                o, i = r["out_of_place"], r["in_place"]
                wrong = [c["nwrong"] for c in (o, i) if c is not None and c["nwrong"] is not None]
                rows.setdefault(key, []).append((r["size"], cfg["ngpus"], cfg["backend"], o, i,
                                                 sum(wrong) if wrong else "n/a"))
    if do_pivot:
        pivot(rows)
        return
    for (coll, typ, redop), lines in rows.items():
        print("#### %s (%s%s)\n" % (coll, typ, "" if redop == "none" else ", " + redop))
        print("| size | ranks | backend | out-of-place time (us) | out-of-place busbw (GB/s) "
              "| in-place time (us) | in-place busbw (GB/s) | #wrong |")
        print("|---|---|---|---|---|---|---|---|")
        for size, g, be, o, i, wrong in sorted(lines, key=lambda x: (x[1], x[2], x[0])):
            print("| %s | %d | %s | %s | %s | %s | %s | %s |" % (
                human(size), g, be, cell(o, "time", "%.1f"), cell(o, "bus_bw", "%.2f"), cell(i, "time", "%.1f"),
                cell(i, "bus_bw", "%.2f"), wrong))
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
