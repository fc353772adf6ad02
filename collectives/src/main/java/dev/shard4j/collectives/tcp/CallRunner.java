package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.local.Kernels;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.DType;
import java.nio.ByteBuffer;
import org.bytedeco.javacpp.Pointer;

/**
 * Turns one validated {@link Call} into algorithm schedules and runs them on the {@link Engine}: picks the algorithm
 * by size (see {@link TcpCommunicator} for the choices), cuts large calls into segments of at most
 * {@link Engine#MAX_SLICES_PER_STEP} slices per step, numbers collectives (per group) and point-to-point messages
 * (per pair) for the frame headers, and does the local copies and the AVG scaling around the schedules, with the
 * CPU kernels on the calling thread alone. Owned by one communicator; used by the thread that holds the engine's
 * lock. Internal.
 */
final class CallRunner {
  private final Engine engine;
  private final int rank;
  private final int size;
  private final TcpOptions options;
  private final Schedule sch = new Schedule(16);
  private final long[] sendSeq;
  private final long[] recvSeq;
  private long seq;
  private ByteBuffer reduceScratch;
  private long reduceScratchAddr;

  CallRunner(Engine engine, int rank, int size, TcpOptions options) {
    this.engine = engine;
    this.rank = rank;
    this.size = size;
    this.options = options;
    this.sendSeq = new long[size];
    this.recvSeq = new long[size];
  }

  /**
   * Runs {@code c} with the CPU kernels (copies, reductions) of this thread on one thread, restoring its count
   * after: a team of kernel threads per call would take the cores the peer ranks on this host need for their own
   * part of the collective (measured on 2 cores, 2 ranks: 256 KiB slices took 15-30 ms per 1-2 MiB all-reduce with
   * the default team against 1-5 ms with one thread).
   */
  void run(Call c) {
    int threads = CpuRuntime.threads();
    if (threads != 1) {
      CpuRuntime.setThreads(1);
    }
    try {
      runSerial(c);
    } finally {
      if (threads != 1) {
        CpuRuntime.setThreads(threads);
      }
    }
  }

  private void runSerial(Call c) {
    int p = size;
    DType dt = c.dtype();
    int es = dt.byteSize();
    long seg = Engine.MAX_SLICES_PER_STEP * engine.perSlice(dt);
    byte op = c.op();
    boolean avg = c.rop() == ReduceOp.AVG;
    if (op == Frame.SEND || op == Frame.RECV) {
      int peer = c.root();
      long s = op == Frame.SEND ? sendSeq[peer]++ : recvSeq[peer]++;
      long n = c.inCount();
      long off = 0;
      do {
        long len = Math.min(seg, n - off);
        if (op == Frame.SEND) {
          Algorithms.send(sch, peer, c.in() + off * es, len);
        } else {
          Algorithms.recv(sch, peer, c.in() + off * es, len);
        }
        engine.run(sch, op, dt, null, -1, s, n, n);
        off += len;
      } while (off < n);
      return;
    }
    long callSeq = seq++;
    if (p == 1) {
      runAlone(c);
      return;
    }
    switch (op) {
      case Frame.ALL_REDUCE -> {
        long n = c.inCount();
        boolean small = n * es <= options.smallMessageBytes();
        long segment = small ? seg : seg * p;
        if (small) {
          Kernels.copy(c.out(), c.in(), n, dt);
        }
        long off = 0;
        do {
          long len = Math.min(segment, n - off);
          if (small) {
            Algorithms.recursiveDoubling(sch, rank, p, c.out() + off * es, len);
          } else {
            Algorithms.ringAllReduce(sch, rank, p, c.in() + off * es, c.out() + off * es, len, es, avg);
          }
          runSegment(c, callSeq);
          off += len;
        } while (off < n);
        if (small) {
          Kernels.finish(c.rop(), c.out(), n, dt, p);
        }
      }
      case Frame.BARRIER -> {
        Algorithms.recursiveDoubling(sch, rank, p, 0, 0);
        runSegment(c, callSeq);
      }
      case Frame.REDUCE_SCATTER, Frame.ALL_GATHER, Frame.SPLIT, Frame.ALL_TO_ALL -> {
        long m = op == Frame.REDUCE_SCATTER ? c.outCount() : op == Frame.ALL_TO_ALL ? c.inCount() / p : c.inCount();
        if (op == Frame.ALL_GATHER || op == Frame.SPLIT) {
          Kernels.copy(c.out() + rank * m * es, c.in(), m, dt);
        } else if (op == Frame.ALL_TO_ALL) {
          Kernels.copy(c.out() + rank * m * es, c.in() + rank * m * es, m, dt);
        }
        long col = 0;
        do {
          long len = Math.min(seg, m - col);
          switch (op) {
            case Frame.REDUCE_SCATTER -> Algorithms.ringReduceScatter(sch, rank, p, c.in(), c.out(), m, col, len,
                es, avg);
            case Frame.ALL_TO_ALL -> Algorithms.pairwiseAllToAll(sch, rank, p, c.in(), c.out(), m, col, len, es);
            default -> Algorithms.ringAllGather(sch, rank, p, c.in(), c.out(), m, col, len, es);
          }
          runSegment(c, callSeq);
          col += len;
        } while (col < m);
      }
      case Frame.BROADCAST, Frame.REDUCE -> {
        long n = c.inCount();
        // a small reduce accumulates in a scratch buffer of the message's size, hence the cap
        boolean small = n * es <= (op == Frame.REDUCE ? Math.min(options.smallMessageBytes(), 64 << 20)
            : options.smallMessageBytes());
        long acc = 0;
        if (small && op == Frame.REDUCE) {
          acc = reduceScratch(n * es);
          Kernels.copy(acc, c.in(), n, dt);
        }
        long off = 0;
        do {
          long len = Math.min(seg, n - off);
          if (op == Frame.BROADCAST) {
            if (small) {
              Algorithms.treeBroadcast(sch, rank, p, c.root(), c.in() + off * es, len);
            } else {
              Algorithms.chainBroadcast(sch, rank, p, c.root(), c.in() + off * es, len);
            }
          } else if (small) {
            Algorithms.treeReduce(sch, rank, p, c.root(), acc + off * es, len);
          } else {
            Algorithms.chainReduce(sch, rank, p, c.root(), c.in() + off * es, len, avg);
          }
          runSegment(c, callSeq);
          off += len;
        } while (off < n);
        if (small && op == Frame.REDUCE && rank == c.root()) {
          Kernels.finish(c.rop(), acc, n, dt, p);
          Kernels.copy(c.in(), acc, n, dt);
        }
      }
      default -> throw new IllegalStateException("unknown op " + op);
    }
  }

  /** A direct buffer of at least {@code bytes}, kept for the next small reduce (at most the small-message size). */
  private long reduceScratch(long bytes) {
    if (reduceScratch == null || reduceScratch.capacity() < bytes) {
      reduceScratch = ByteBuffer.allocateDirect((int) Math.max(bytes, 4096));
      reduceScratchAddr = new Pointer(reduceScratch).address();
    }
    return reduceScratchAddr;
  }

  private void runSegment(Call c, long callSeq) {
    engine.run(sch, c.op(), c.dtype(), c.rop(), c.root(), callSeq, c.inCount(), c.outCount());
  }

  /** A group of one: copies where the call has an output, nothing else (AVG over one rank is the identity). */
  private void runAlone(Call c) {
    switch (c.op()) {
      case Frame.ALL_REDUCE, Frame.ALL_GATHER, Frame.REDUCE_SCATTER, Frame.ALL_TO_ALL, Frame.SPLIT ->
          Kernels.copy(c.out(), c.in(), c.inCount(), c.dtype());
      default -> { }
    }
  }
}
