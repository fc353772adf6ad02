package dev.shard4j.collectives.tcp;

/**
 * The collective algorithms of the TCP backend, each written as one rank's {@link Schedule} for one segment (a
 * piece of the call small enough that a step has at most {@link Engine#MAX_SLICES_PER_STEP} slices). Rank {@code r}
 * of {@code p}; addresses are native, lengths in elements, {@code es} bytes per element. Chunk {@code q} of an
 * all-reduce segment of {@code n} elements is {@code [n*q/p, n*(q+1)/p)}. Stateless; internal.
 */
final class Algorithms {
  private Algorithms() {}

  private static int mod(int a, int p) {
    return ((a % p) + p) % p;
  }

  private static long start(long n, int q, int p) {
    return n * q / p;
  }

  private static long len(long n, int q, int p) {
    return n * (q + 1) / p - n * q / p;
  }

  /**
   * Ring all-reduce: p-1 reduce-scatter steps then p-1 all-gather steps; step s sends chunk r-s to the next rank and
   * receives chunk r-s-1 from the previous one. Every message after the first is the previous step's received
   * buffer (reduced with this rank's input during reduce-scatter), forwarded slice by slice, so transfers and
   * reductions of successive slices overlap; the exception is the first all-gather step, which sends the chunk the
   * last reduce-scatter step reduced straight into {@code out}. Each chunk is reduced once along the ring and then
   * copied, so every rank gets bit-identical results. Moves 2(p-1)/p of the data per rank: bandwidth-optimal.
   */
  static void ringAllReduce(Schedule s, int r, int p, long in, long out, long n, int es, boolean avg) {
    int steps = 2 * (p - 1);
    s.reset(steps);
    int next = mod(r + 1, p);
    int prev = mod(r - 1, p);
    for (int st = 0; st < steps; st++) {
      int sc = mod(r - st, p);
      int q = mod(r - st - 1, p);
      if (st == 0) {
        s.send(st, next, in + start(n, sc, p) * es, len(n, sc, p), false, false);
      } else if (st == p - 1) {
        // the first all-gather step sends the chunk just reduced into out (reduced there in one pass)
        s.send(st, next, out + start(n, sc, p) * es, len(n, sc, p), false, true);
      } else {
        s.send(st, next, 0, len(n, sc, p), true, true);
      }
      long chunkIn = in + start(n, q, p) * es;
      long chunkOut = out + start(n, q, p) * es;
      if (st < p - 2) {
        s.recv(st, prev, len(n, q, p), Schedule.ACT_ACC, chunkIn, 0);
      } else if (st == p - 2) {
        s.recv(st, prev, len(n, q, p), Schedule.ACT_ACC_STORE, chunkIn, chunkOut);
        s.finish[st] = avg;
      } else {
        s.recv(st, prev, len(n, q, p), Schedule.ACT_STORE, 0, chunkOut);
      }
    }
  }

  /**
   * Recursive doubling on {@code buf} (already holding this rank's input): log2(p') exchange-and-reduce steps with
   * partner {@code r xor 2^k} among the largest power of two p' <= p ranks; the p - p' extra ranks first fold
   * their data into rank {@code r - p'} and get the result back at the end. The lower rank of a pair is always the
   * left operand, so every rank computes bit-identical results. log2(p') + 2 latency steps, full message each
   * step: latency-optimal, for small messages. With {@code n = 0} it is a barrier.
   */
  static void recursiveDoubling(Schedule s, int r, int p, long buf, long n) {
    int p2 = Integer.highestOneBit(p);
    int extra = p - p2;
    int log = Integer.numberOfTrailingZeros(p2);
    int steps = log + 2;
    s.reset(steps);
    if (r >= p2) {
      s.send(0, r - p2, buf, n, false, false);
      s.recv(steps - 1, r - p2, n, Schedule.ACT_STORE, 0, buf);
      return;
    }
    if (r < extra) {
      s.recv(0, r + p2, n, Schedule.ACT_COMBINE_LOW, 0, buf);
      s.send(steps - 1, r + p2, buf, n, false, true);
    }
    for (int k = 0; k < log; k++) {
      int st = k + 1;
      int partner = r ^ (1 << k);
      s.send(st, partner, buf, n, false, true);
      s.recv(st, partner, n, r < partner ? Schedule.ACT_COMBINE_LOW : Schedule.ACT_COMBINE_HIGH, 0, buf);
      s.recvAfterSend[st] = true;
    }
  }

  /**
   * Ring reduce-scatter over columns {@code [col, col+len)} of the p chunks of {@code m} elements: step s sends chunk
   * r-s-1 and receives chunk r-s-2, so the last step leaves the fully reduced chunk r on rank r.
   */
  static void ringReduceScatter(Schedule s, int r, int p, long in, long out, long m, long col, long len, int es,
      boolean avg) {
    int steps = p - 1;
    s.reset(steps);
    int next = mod(r + 1, p);
    int prev = mod(r - 1, p);
    for (int st = 0; st < steps; st++) {
      int sc = mod(r - st - 1, p);
      int q = mod(r - st - 2, p);
      if (st == 0) {
        s.send(st, next, in + (sc * m + col) * es, len, false, false);
      } else {
        s.send(st, next, 0, len, true, true);
      }
      long chunkIn = in + (q * m + col) * es;
      if (st < p - 2) {
        s.recv(st, prev, len, Schedule.ACT_ACC, chunkIn, 0);
      } else {
        s.recv(st, prev, len, Schedule.ACT_ACC_STORE, chunkIn, out + col * es);
        s.finish[st] = avg;
      }
    }
  }

  /**
   * Ring all-gather over columns {@code [col, col+len)} of each rank's {@code m} elements: step s sends chunk r-s
   * (its own first, then what it just received) and stores chunk r-s-1. The caller copies its own chunk.
   */
  static void ringAllGather(Schedule s, int r, int p, long in, long out, long m, long col, long len, int es) {
    int steps = p - 1;
    s.reset(steps);
    int next = mod(r + 1, p);
    int prev = mod(r - 1, p);
    for (int st = 0; st < steps; st++) {
      if (st == 0) {
        s.send(st, next, in + col * es, len, false, false);
      } else {
        s.send(st, next, 0, len, true, true);
      }
      int q = mod(r - st - 1, p);
      s.recv(st, prev, len, Schedule.ACT_STORE, 0, out + (q * m + col) * es);
    }
  }

  /**
   * Pipelined chain broadcast root -> root+1 -> ... -> root-1: each rank stores a slice and forwards the same buffer
   * while the next slice arrives (bandwidth-optimal for large messages; p-1 hops of latency).
   */
  static void chainBroadcast(Schedule s, int r, int p, int root, long t, long n) {
    s.reset(2);
    int i = mod(r - root, p);
    if (i > 0) {
      s.recv(0, mod(r - 1, p), n, Schedule.ACT_STORE, 0, t);
    }
    if (i < p - 1) {
      s.send(1, mod(r + 1, p), t, n, i > 0, i > 0);
    }
  }

  /**
   * Pipelined chain reduce root+1 -> root+2 -> ... -> root: each rank reduces a received slice with its own data and
   * forwards it; the root reduces, scales for AVG and stores. Non-root tensors are not modified.
   */
  static void chainReduce(Schedule s, int r, int p, int root, long t, long n, boolean avg) {
    s.reset(2);
    int i = mod(r - root - 1, p);
    if (i > 0) {
      boolean atRoot = i == p - 1;
      s.recv(0, mod(r - 1, p), n, atRoot ? Schedule.ACT_ACC_STORE : Schedule.ACT_ACC, t, atRoot ? t : 0);
      s.finish[0] = atRoot && avg;
    }
    if (i < p - 1) {
      s.send(1, mod(r + 1, p), t, n, i > 0, i > 0);
    }
  }

  /**
   * Pairwise all-to-all over columns {@code [col, col+len)} of the p chunks of {@code m} elements: in step k-1 rank r
   * sends chunk r+k to rank r+k and receives chunk r-k's data from rank r-k, so every pair exchanges exactly once
   * and each step keeps both directions of every link busy. The caller copies its own chunk.
   */
  static void pairwiseAllToAll(Schedule s, int r, int p, long in, long out, long m, long col, long len, int es) {
    s.reset(p - 1);
    for (int k = 1; k < p; k++) {
      int dst = mod(r + k, p);
      int src = mod(r - k, p);
      s.send(k - 1, dst, in + (dst * m + col) * es, len, false, false);
      s.recv(k - 1, src, len, Schedule.ACT_STORE, 0, out + (src * m + col) * es);
    }
  }

  /**
   * Binomial-tree broadcast for small messages: relative rank {@code i = r - root} receives from {@code i - 2^k}
   * (k its highest set bit) and then sends to {@code i + 2^m} for each larger m, farthest subtree first: log2(p)
   * rounds instead of the chain's p-1 hops.
   */
  static void treeBroadcast(Schedule s, int r, int p, int root, long t, long n) {
    int i = mod(r - root, p);
    int high = i == 0 ? -1 : 31 - Integer.numberOfLeadingZeros(i);
    int top = 32 - Integer.numberOfLeadingZeros(p - 1); // rounds: ceil(log2(p))
    s.reset(1 + Math.max(0, top - high - 1));
    if (i > 0) {
      s.recv(0, mod(root + i - (1 << high), p), n, Schedule.ACT_STORE, 0, t);
    }
    int st = 1;
    for (int m = top - 1; m > high; m--) {
      if (i + (1 << m) < p) {
        s.send(st, mod(root + i + (1 << m), p), t, n, false, true);
        s.sendAfterStep[st] = true;
        st++;
      }
    }
    s.steps = st;
  }

  /**
   * Binomial-tree reduce for small messages into {@code acc} (a scratch copy of this rank's input): relative rank
   * {@code i = r - root} reduces the messages of {@code i + 2^k} for every k below its lowest set bit, then sends
   * the result to {@code i - 2^lowbit}; the root ends with the full reduction in {@code acc}.
   */
  static void treeReduce(Schedule s, int r, int p, int root, long acc, long n) {
    int i = mod(r - root, p);
    int low = i == 0 ? 32 - Integer.numberOfLeadingZeros(p - 1) : Integer.numberOfTrailingZeros(i);
    s.reset(low + 1);
    int st = 0;
    for (int k = 0; k < low; k++) {
      if (i + (1 << k) < p) {
        s.recv(st++, mod(root + i + (1 << k), p), n, Schedule.ACT_COMBINE_LOW, 0, acc);
      }
    }
    if (i > 0) {
      s.send(st, mod(root + i - (1 << low), p), acc, n, false, st > 0);
      s.sendAfterStep[st] = true;
      st++;
    }
    s.steps = st;
  }

  /** Point-to-point send: the data, then wait for the receiver's acknowledgement. */
  static void send(Schedule s, int peer, long t, long n) {
    s.reset(2);
    s.send(0, peer, t, n, false, false);
    s.sendOp[0] = Frame.SEND;
    s.recv(1, peer, 0, Schedule.ACT_NONE, 0, 0);
    s.recvOp[1] = Frame.ACK;
  }

  /** Point-to-point receive: the data, then the acknowledgement that lets the sender return. */
  static void recv(Schedule s, int peer, long t, long n) {
    s.reset(2);
    s.recv(0, peer, n, Schedule.ACT_STORE, 0, t);
    s.recvOp[0] = Frame.SEND;
    s.send(1, peer, 0, 0, false, true);
    s.sendAfterStep[1] = true;
    s.sendOp[1] = Frame.ACK;
  }
}
