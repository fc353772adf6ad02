package dev.shard4j.collectives;

import static dev.shard4j.collectives.CollectivesTestSupport.DTYPES;
import static dev.shard4j.collectives.CollectivesTestSupport.check;
import static dev.shard4j.collectives.CollectivesTestSupport.empty;
import static dev.shard4j.collectives.CollectivesTestSupport.input;
import static dev.shard4j.collectives.CollectivesTestSupport.ref;
import static dev.shard4j.collectives.CollectivesTestSupport.tensor;
import static dev.shard4j.collectives.CollectivesTestSupport.val;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Tensor;
import java.time.Duration;

/**
 * Every collective of a {@link Communicator}, run by each rank of a group (threads or processes), checked against
 * plain-Java rank arithmetic ({@link CollectivesTestSupport}). Each method returns the number of elements it
 * checked, so callers can assert that work was actually done. Throws an assertion error on the first wrong value.
 */
public final class CollectiveChecks {
  private CollectiveChecks() {}

  /** Runs every check below with the given lengths; returns the number of checked elements. */
  public static long all(Communicator c, long[] lengths) {
    long n = 0;
    n += allReduce(c, lengths);
    n += reduceScatter(c, lengths);
    n += allGather(c, lengths);
    n += broadcastAndReduce(c, lengths);
    n += allToAll(c, lengths);
    n += sendRecvAndBarrier(c, lengths);
    n += split(c);
    n += asyncOverlap(c);
    return n;
  }

  /** In-place and out-of-place all-reduce for every dtype, reduce op and length. */
  public static long allReduce(Communicator c, long[] lengths) {
    int r = c.rank();
    int size = c.size();
    long checked = 0;
    for (DType dt : DTYPES) {
      for (ReduceOp op : ReduceOp.values()) {
        for (long n : lengths) {
          for (boolean inPlace : new boolean[] {true, false}) {
            float[] in = input(op, dt, r, n);
            try (Tensor a = tensor(in, dt); Tensor out = empty(n, dt); Tensor orig = tensor(in, dt)) {
              if (inPlace) {
                c.allReduce(a, op);
              } else {
                c.allReduce(a, out, op);
                assertArrayEquals(orig.toFloatArray(), a.toFloatArray(), "input unchanged");
              }
              float[] got = (inPlace ? a : out).toFloatArray();
              for (int i = 0; i < n; i++) {
                float want = ref(op, dt, size, i);
                if (want != got[i]) {
                  check("allReduce " + op + " " + dt + " n=" + n + " rank " + r + " i=" + i, op, dt, want, got[i]);
                }
              }
              checked += n;
            }
          }
        }
      }
    }
    return checked;
  }

  /** Reduce-scatter for every dtype, reduce op and per-rank length. */
  public static long reduceScatter(Communicator c, long[] lengths) {
    int r = c.rank();
    int size = c.size();
    long checked = 0;
    for (DType dt : DTYPES) {
      for (ReduceOp op : ReduceOp.values()) {
        for (long m : lengths) {
          try (Tensor in = tensor(input(op, dt, r, size * m), dt); Tensor out = empty(m, dt)) {
            c.reduceScatter(in, out, op);
            float[] got = out.toFloatArray();
            for (int i = 0; i < m; i++) {
              float want = ref(op, dt, size, r * m + i);
              if (want != got[i]) {
                check("reduceScatter " + op + " " + dt + " m=" + m + " rank " + r + " i=" + i, op, dt, want, got[i]);
              }
            }
            checked += m;
          }
        }
      }
    }
    return checked;
  }

  /** All-gather, out of place and in place (in = chunk r of out). */
  public static long allGather(Communicator c, long[] lengths) {
    int r = c.rank();
    int size = c.size();
    long checked = 0;
    for (DType dt : DTYPES) {
      for (long m : lengths) {
        float[] expected = new float[(int) (size * m)];
        for (int j = 0; j < size; j++) {
          for (int i = 0; i < m; i++) {
            expected[(int) (j * m + i)] = val(ReduceOp.SUM, dt, j, i);
          }
        }
        try (Tensor in = tensor(input(ReduceOp.SUM, dt, r, m), dt); Tensor out = empty(size * m, dt)) {
          c.allGather(in, out);
          assertArrayEquals(expected, out.toFloatArray(), "allGather " + dt + " m=" + m);
        }
        try (Tensor out = empty(size * m, dt); Tensor flat = out.reshape(-1);
            Tensor mine = flat.slice(0, r * m, (r + 1) * m)) {
          mine.copyFrom(input(ReduceOp.SUM, dt, r, m));
          c.allGather(mine, out);
          assertArrayEquals(expected, out.toFloatArray(), "in-place allGather " + dt + " m=" + m);
        }
        checked += 2 * expected.length;
      }
    }
    return checked;
  }

  /** Broadcast and reduce from every root, every reduce op. */
  public static long broadcastAndReduce(Communicator c, long[] lengths) {
    int r = c.rank();
    int size = c.size();
    long checked = 0;
    for (DType dt : DTYPES) {
      for (long n : lengths) {
        for (int root = 0; root < size; root++) {
          try (Tensor t = tensor(input(ReduceOp.SUM, dt, r, n), dt)) {
            c.broadcast(t, root);
            assertArrayEquals(input(ReduceOp.SUM, dt, root, n), t.toFloatArray(), "broadcast root " + root);
          }
          for (ReduceOp op : ReduceOp.values()) {
            float[] mine = input(op, dt, r, n);
            try (Tensor t = tensor(mine, dt)) {
              c.reduce(t, root, op);
              float[] got = t.toFloatArray();
              for (int i = 0; i < n; i++) {
                float want = r == root ? ref(op, dt, size, i) : mine[i];
                check("reduce " + op + " root " + root + " rank " + r, op, dt, want, got[i]);
              }
            }
          }
          checked += n * (1 + ReduceOp.values().length);
        }
      }
    }
    return checked;
  }

  /** All-to-all with {@code size * m} elements per rank. */
  public static long allToAll(Communicator c, long[] lengths) {
    int r = c.rank();
    int size = c.size();
    long checked = 0;
    for (DType dt : DTYPES) {
      for (long m : lengths) {
        try (Tensor in = tensor(input(ReduceOp.SUM, dt, r, size * m), dt); Tensor out = empty(size * m, dt)) {
          c.allToAll(in, out);
          float[] got = out.toFloatArray();
          for (int i = 0; i < size; i++) {
            for (int k = 0; k < m; k++) {
              assertEquals(val(ReduceOp.SUM, dt, i, r * m + k), got[(int) (i * m + k)],
                  "allToAll chunk " + i + " elem " + k + " on rank " + r);
            }
          }
          checked += size * m;
        }
      }
    }
    return checked;
  }

  /** A ring of send/recv (even ranks send first) and a barrier after each length. */
  public static long sendRecvAndBarrier(Communicator c, long[] lengths) {
    int size = c.size();
    if (size < 2) {
      c.barrier();
      return 0;
    }
    int r = c.rank();
    int next = (r + 1) % size;
    int prev = (r + size - 1) % size;
    long checked = 0;
    for (DType dt : DTYPES) {
      for (long n : lengths) {
        try (Tensor s = tensor(input(ReduceOp.SUM, dt, r, n), dt); Tensor got = empty(n, dt)) {
          if (r % 2 == 0) {
            c.send(s, next);
            c.recv(got, prev);
          } else {
            c.recv(got, prev);
            c.send(s, next);
          }
          assertArrayEquals(input(ReduceOp.SUM, dt, prev, n), got.toFloatArray(), "recv on rank " + r);
          checked += n;
        }
        c.barrier();
      }
    }
    return checked;
  }

  /** Split into even and odd ranks with reversed keys, collectives inside, and a negative color. */
  public static long split(Communicator c) {
    int r = c.rank();
    int size = c.size();
    try (Communicator sub = c.split(r % 2, -r)) {
      int members = (size - r % 2 + 1) / 2;
      assertEquals(members, sub.size());
      assertEquals((members - 1) - r / 2, sub.rank(), "sub rank of rank " + r);
      try (Tensor t = tensor(new float[] {r, 1}, DType.F32)) {
        sub.allReduce(t, ReduceOp.SUM);
        double sumRanks = 0;
        for (int q = r % 2; q < size; q += 2) {
          sumRanks += q;
        }
        assertArrayEquals(new float[] {(float) sumRanks, members}, t.toFloatArray());
      }
      try (Tensor in = tensor(new float[] {r}, DType.F32); Tensor out = empty(members, DType.F32)) {
        sub.allGather(in, out);
        float[] got = out.toFloatArray();
        for (int j = 0; j < members; j++) {
          assertEquals(r % 2 + 2 * (members - 1 - j), got[j], 0f);
        }
      }
    }
    Communicator only0 = c.split(r == 0 ? 5 : -1, 0);
    if (r == 0) {
      assertEquals(1, only0.size());
      only0.close();
    } else {
      assertNull(only0);
    }
    c.barrier();
    return 2 + size;
  }

  /** Four async collectives in flight, completing in issue order, then a blocking call after an async one. */
  public static long asyncOverlap(Communicator c) {
    int r = c.rank();
    int size = c.size();
    long n = 1001;
    try (Tensor a = tensor(input(ReduceOp.SUM, DType.F32, r, n), DType.F32);
        Tensor gin = tensor(input(ReduceOp.SUM, DType.BF16, r, 7), DType.BF16);
        Tensor gout = empty(7L * size, DType.BF16);
        Tensor rsIn = tensor(input(ReduceOp.MAX, DType.F32, r, 3L * size), DType.F32);
        Tensor rsOut = empty(3, DType.F32);
        Tensor b = tensor(input(ReduceOp.SUM, DType.F32, r, 5), DType.F32)) {
      Work w1 = c.allReduceAsync(a, ReduceOp.SUM);
      Work w2 = c.allGatherAsync(gin, gout);
      Work w3 = c.reduceScatterAsync(rsIn, rsOut, ReduceOp.MAX);
      Work w4 = c.broadcastAsync(b, size - 1);
      w4.await();
      assertTrue(w1.isDone() && w2.isDone() && w3.isDone(), "async ops complete in issue order");
      assertTrue(w2.await(Duration.ofSeconds(5)));
      w1.await();
      w3.await();
      assertNull(w1.exception());
      float[] got = a.toFloatArray();
      for (int i = 0; i < n; i++) {
        assertEquals(ref(ReduceOp.SUM, DType.F32, size, i), got[i], 0f);
      }
      float[] g = gout.toFloatArray();
      for (int j = 0; j < size; j++) {
        for (int i = 0; i < 7; i++) {
          assertEquals(val(ReduceOp.SUM, DType.BF16, j, i), g[j * 7 + i], 0f);
        }
      }
      float[] rs = rsOut.toFloatArray();
      for (int i = 0; i < 3; i++) {
        assertEquals(ref(ReduceOp.MAX, DType.F32, size, r * 3 + i), rs[i], 0f);
      }
      assertArrayEquals(input(ReduceOp.SUM, DType.F32, size - 1, 5), b.toFloatArray());
      Work w5 = c.allReduceAsync(b, ReduceOp.MIN);
      c.allReduce(b, ReduceOp.SUM);
      assertTrue(w5.isDone());
      float[] want = input(ReduceOp.SUM, DType.F32, size - 1, 5);
      for (int i = 0; i < want.length; i++) {
        want[i] *= size;
      }
      assertArrayEquals(want, b.toFloatArray());
      return n + 7L * size + 3 + 5;
    }
  }
}
