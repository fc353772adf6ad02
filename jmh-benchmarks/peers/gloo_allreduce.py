#!/usr/bin/env python3
"""All-reduce with torch.distributed's Gloo backend, printed in the same nccl-tests table as CollectivePerf.

The peer for `CollectivePerf all_reduce`: N processes (torch.multiprocessing) on loopback TCP, the same -b/-e/-f
size sweep in bytes, -n timed and -w warm-up iterations, time per call averaged over ranks, algbw = S/t and
busbw = algbw * 2(n-1)/n, and #wrong from the same exactly-summable inputs (element i of rank r is
base(i) + r - n//2 with base(i) = (7i + i//97) mod 41 - 20). torch.distributed.all_reduce has no out-of-place form,
so the out-of-place columns are blank, like CollectivePerf's for forms it does not run; compare in-place columns.
Each rank uses one intra-op thread (--threads) unless told otherwise.

Run it with the Python that has torch (the repository hard-codes no interpreter):

    python3 jmh-benchmarks/peers/gloo_allreduce.py -g 2 -b 8 -e 256M -f 4 -n 20 -w 5 [-d bfloat16] [-J gloo.json]
"""
import argparse
import json
import os
import socket
import sys
import time


def parse_size(s):
    s = s.strip().upper()
    mul = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(s[-1:], 1)
    return int(s[:-1] if mul > 1 else s) * mul


def float_str(v, width):
    """nccl-tests' getFloatStr: two decimals if they fit the width, then one, then none, then an exponent."""
    for fmt in ("%.2f", "%.1f", "%.0f"):
        s = fmt % v
        if len(s) <= width:
            return s
    return ("%.1e" if width >= 7 else "%.0e") % v


def sizes(args):
    s = args.minbytes
    while s <= args.maxbytes:
        yield s
        s = s * args.stepfactor if args.stepfactor > 1 else s + args.stepbytes


def verifiable_input(torch, count, rank, world, dtype):
    i = torch.arange(count, dtype=torch.int64)
    base = (i * 7 + i // 97) % 41 - 20
    return (base + rank - world // 2).to(dtype), base


def worker(rank, world, port, args, queue):
    import torch
    import torch.distributed as dist

    torch.set_num_threads(args.threads)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    dtype = torch.bfloat16 if args.datatype in ("bfloat16", "bf16") else torch.float32
    es = 2 if dtype == torch.bfloat16 else 4
    offsets = sum(r - world // 2 for r in range(world))
    exact = world * (20 + world) <= (256 if dtype == torch.bfloat16 else 1 << 24)
    rows = []
    for nbytes in sizes(args):
        count = nbytes // es
        t, _ = verifiable_input(torch, count, rank, world, dtype)
        for _ in range(args.warmup_iters):
            dist.all_reduce(t)
        dist.barrier()
        t0 = time.perf_counter()
        for _ in range(args.iters):
            dist.all_reduce(t)
        sec = (time.perf_counter() - t0) / args.iters
        wrong = -1
        if args.check and exact:
            t, base = verifiable_input(torch, count, rank, world, dtype)
            dist.all_reduce(t)
            expected = (base * world + offsets).to(dtype)
            wrong = int((t != expected).sum())
        stats = torch.tensor([sec, max(wrong, 0)], dtype=torch.float64)
        dist.all_reduce(stats)
        if rank == 0:
            avg = stats[0].item() / world
            algbw = count * es / 1.0e9 / avg
            busbw = algbw * 2 * (world - 1) / world
            nwrong = int(stats[1].item()) if wrong >= 0 else -1
            row = dict(size=count * es, count=count, type="bfloat16" if es == 2 else "float", redop="sum", root=-1,
                       out_of_place=None,
                       in_place=dict(time=avg * 1e6, alg_bw=algbw, bus_bw=busbw,
                                     nwrong=None if nwrong < 0 else nwrong))
            rows.append(row)
            line = "%12d  %12d  %8s  %6s  %6d" % (row["size"], count, row["type"], "sum", -1)
            line += "  " + " " * 29
            line += "  %7s  %6s  %6s" % (float_str(avg * 1e6, 7), float_str(algbw, 6), float_str(busbw, 6))
            line += "    N/A" if nwrong < 0 else "  %6d" % nwrong
            print(line, flush=True)
    if rank == 0:
        queue.put(rows)
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-g", "--ngpus", type=int, default=2, help="number of ranks (processes); default 2")
    p.add_argument("-b", "--minbytes", type=parse_size, default=parse_size("32M"))
    p.add_argument("-e", "--maxbytes", type=parse_size, default=parse_size("32M"))
    p.add_argument("-i", "--stepbytes", type=parse_size, default=parse_size("1M"))
    p.add_argument("-f", "--stepfactor", type=int, default=1)
    p.add_argument("-n", "--iters", type=int, default=20)
    p.add_argument("-w", "--warmup_iters", type=int, default=1)
    p.add_argument("-c", "--check", type=int, default=1)
    p.add_argument("-d", "--datatype", default="float", choices=["float", "bfloat16", "bf16"])
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads per rank; default 1")
    p.add_argument("-J", "--output_file", "--json", dest="json", help="also write the results as JSON")
    args = p.parse_args()
    if args.ngpus < 1 or args.iters < 1 or args.warmup_iters < 0 or args.minbytes > args.maxbytes:
        p.error("need -g >= 1, -n >= 1, -w >= 0 and -b <= -e")
    if args.stepfactor <= 1 and args.stepbytes <= 0:
        p.error("-i must be > 0 when -f is 1")
    if args.stepfactor > 1 and args.minbytes == 0:
        p.error("-b must be > 0 when -f > 1")

    import torch
    import torch.multiprocessing as mp

    world = args.ngpus
    program = "all_reduce_perf (torch %s gloo)" % torch.__version__
    step = args.stepfactor if args.stepfactor > 1 else args.stepbytes
    print("# Collective test starting: %s" % program)
    print("# nThread 1 nGpus %d minBytes %d maxBytes %d step: %d(%s) warmup iters: %d iters: %d agg iters: 1 "
          "validation: %d graph: 0" % (world, args.minbytes, args.maxbytes, step,
                                       "factor" if args.stepfactor > 1 else "bytes", args.warmup_iters, args.iters,
                                       args.check))
    print("#")
    print("# Using devices")
    for r in range(world):
        print("#  Rank %2d Group %2d Pid %6d on %10s device %2d [cpu] gloo, process over loopback TCP"
              % (r, 0, os.getpid(), socket.gethostname(), r))
    print("#")
    print("# %10s  %12s  %8s  %6s  %6s           out-of-place                       in-place          "
          % ("", "", "", "", ""))
    print("# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s " % (
        "size", "count", "type", "redop", "root", "time", "algbw", "busbw", "#wrong", "time", "algbw", "busbw",
        "#wrong"))
    print("# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s " % (
        "(B)", "(elements)", "", "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", ""), flush=True)

    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()
    mp.start_processes(worker, args=(world, free_port(), args, queue), nprocs=world, join=True, start_method="spawn")
    rows = queue.get()
    errors = sum(r["in_place"]["nwrong"] or 0 for r in rows)
    avg_bw = sum(r["in_place"]["bus_bw"] for r in rows) / max(1, len(rows))
    print("# %-20s : %d %s" % ("Out of bounds values", errors, "FAILED" if errors else "OK"))
    print("# %-20s : %g " % ("Avg bus bandwidth", avg_bw))
    print("#")
    print("# Collective test concluded: %s" % program)
    if args.json:
        config = dict(program="gloo_allreduce.py", backend="gloo", torch=torch.__version__, nthreads=1, ngpus=world,
                      intra_op_threads=args.threads, minimum_bytes=args.minbytes, maximum_bytes=args.maxbytes,
                      warmup_iters=args.warmup_iters, iterations=args.iters, aggregated_iterations=1,
                      validation=args.check, average=1)
        config["step_factor" if args.stepfactor > 1 else "step_bytes"] = step
        doc = dict(config=config, tests=[dict(collective="all_reduce", type=rows[0]["type"] if rows else "float",
                                              redop="sum", results=rows,
                                              out_of_bounds=dict(count=errors, okay=errors == 0),
                                              average_bus_bandwidth=dict(bandwidth=avg_bw))])
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
