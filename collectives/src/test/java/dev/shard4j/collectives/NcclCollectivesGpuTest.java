package dev.shard4j.collectives;

import static dev.shard4j.collectives.CollectivesTestSupport.DTYPES;
import static dev.shard4j.collectives.CollectivesTestSupport.LENGTHS;
import static dev.shard4j.collectives.CollectivesTestSupport.input;
import static dev.shard4j.collectives.CollectivesTestSupport.ref;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every operation of the NCCL backend on the visible GPUs against plain-Java references: groups of 1, 2, 3 and n
 * ranks (one thread and one device per rank, as far as n devices are visible; a size-1 group with one GPU).
 * Skipped where no GPU or no NCCL is available.
 */
@Tag("gpu")
@EnabledIf("dev.shard4j.collectives.NcclRanks#available")
class NcclCollectivesGpuTest {
  private static final Duration T = Duration.ofSeconds(60);

  /** Group sizes to test: 1, 2, 3 and all visible devices, as far as there are devices (at least size 1). */
  static IntStream sizes() {
    int n = Math.max(1, NcclRanks.deviceCount());
    return IntStream.of(1, 2, 3, n).filter(s -> s <= n).distinct();
  }

  static Tensor on(Device d, float[] data, DType dt) {
    return Tensor.fromArray(data, Shape.of((long) data.length), dt, d);
  }

  static Tensor zeros(Device d, long n, DType dt) {
    return Tensor.zeros(Shape.of(n), dt, d);
  }

  /**
   * SUM, MIN, MAX and PROD of the test inputs are exact; NCCL's AVG multiplies each input by 1/size before summing,
   * so it gets a tolerance of size rounding steps of the dtype on the magnitude of the terms.
   */
  static void checkReduced(String what, ReduceOp op, DType dt, int size, float expected, float actual) {
    if (op != ReduceOp.AVG) {
      assertEquals(expected, actual, 0.0, what);
      return;
    }
    double unit = dt == DType.BF16 ? 0x1p-8 : 0x1p-23;
    double magnitude = dt == DType.BF16 ? 32 : 8000;
    assertEquals(expected, actual, 1e-6 + size * unit * (Math.abs(expected) + magnitude / size), what);
  }

  @ParameterizedTest
  @MethodSource("sizes")
  void allReduceInPlaceAndOutOfPlace(int size) {
    NcclRanks.check(NcclRanks.run(size, T, (c, d) -> {
      int r = c.rank();
      for (DType dt : DTYPES) {
        for (ReduceOp op : ReduceOp.values()) {
          for (long n : LENGTHS) {
            for (boolean inPlace : new boolean[] {true, false}) {
              float[] in = input(op, dt, r, n);
              try (Tensor a = on(d, in, dt); Tensor out = zeros(d, n, dt); Tensor orig = on(Device.CPU, in, dt)) {
                if (inPlace) {
                  c.allReduce(a, op);
                } else {
                  c.allReduce(a, out, op);
                  assertArrayEquals(orig.toFloatArray(), a.toFloatArray(), "input unchanged");
                }
                float[] got = (inPlace ? a : out).toFloatArray();
                for (int i = 0; i < n; i++) {
                  checkReduced("allReduce " + op + " " + dt + " n=" + n + " rank " + r + " i=" + i, op, dt, size,
                      ref(op, dt, size, i), got[i]);
                }
              }
            }
          }
        }
      }
    }));
  }

  @ParameterizedTest
  @MethodSource("sizes")
  void reduceScatterAndInPlaceReduceScatter(int size) {
    NcclRanks.check(NcclRanks.run(size, T, (c, d) -> {
      int r = c.rank();
      for (DType dt : DTYPES) {
        for (ReduceOp op : ReduceOp.values()) {
          for (long m : LENGTHS) {
            try (Tensor in = on(d, input(op, dt, r, size * m), dt); Tensor out = zeros(d, m, dt)) {
              c.reduceScatter(in, out, op);
              float[] got = out.toFloatArray();
              for (int i = 0; i < m; i++) {
                checkReduced("reduceScatter " + op + " " + dt + " m=" + m + " rank " + r, op, dt, size,
                    ref(op, dt, size, r * m + i), got[i]);
              }
            }
            try (Tensor in = on(d, input(op, dt, r, size * m), dt); Tensor mine = in.slice(0, r * m, (r + 1) * m)) {
              c.reduceScatter(in, mine, op);
              float[] got = mine.toFloatArray();
              for (int i = 0; i < m; i++) {
                checkReduced("in-place reduceScatter " + op + " " + dt + " m=" + m + " rank " + r, op, dt, size,
                    ref(op, dt, size, r * m + i), got[i]);
              }
            }
          }
        }
      }
    }));
  }

  @ParameterizedTest
  @MethodSource("sizes")
  void allGatherAndInPlaceAllGather(int size) {
    NcclRanks.check(NcclRanks.run(size, T, (c, d) -> {
      int r = c.rank();
      for (DType dt : DTYPES) {
        for (long m : LENGTHS) {
          float[] expected = new float[(int) (size * m)];
          for (int j = 0; j < size; j++) {
            System.arraycopy(roundTrip(input(ReduceOp.SUM, dt, j, m), dt), 0, expected, (int) (j * m), (int) m);
          }
          try (Tensor in = on(d, input(ReduceOp.SUM, dt, r, m), dt); Tensor out = zeros(d, size * m, dt)) {
            c.allGather(in, out);
            assertArrayEquals(expected, out.toFloatArray(), "allGather " + dt + " m=" + m);
          }
          try (Tensor out = zeros(d, size * m, dt); Tensor mine = out.slice(0, r * m, (r + 1) * m)) {
            mine.copyFrom(input(ReduceOp.SUM, dt, r, m));
            c.allGather(mine, out);
            assertArrayEquals(expected, out.toFloatArray(), "in-place allGather " + dt + " m=" + m);
          }
        }
      }
    }));
  }

  @ParameterizedTest
  @MethodSource("sizes")
  void broadcastAndReduceFromEveryRoot(int size) {
    NcclRanks.check(NcclRanks.run(size, T, (c, d) -> {
      int r = c.rank();
      for (DType dt : DTYPES) {
        for (long n : LENGTHS) {
          for (int root = 0; root < size; root++) {
            try (Tensor t = on(d, input(ReduceOp.SUM, dt, r, n), dt)) {
              c.broadcast(t, root);
              assertArrayEquals(roundTrip(input(ReduceOp.SUM, dt, root, n), dt), t.toFloatArray(),
                  "broadcast " + dt + " n=" + n + " root " + root + " on rank " + r);
            }
            try (Tensor t = on(d, input(ReduceOp.MAX, dt, r, n), dt)) {
              c.reduce(t, root, ReduceOp.MAX);
              float[] got = t.toFloatArray();
              float[] mine = roundTrip(input(ReduceOp.MAX, dt, r, n), dt);
              for (int i = 0; i < n; i++) {
                float want = r == root ? ref(ReduceOp.MAX, dt, size, i) : mine[i];
                assertEquals(want, got[i], 0.0, "reduce MAX " + dt + " root " + root + " rank " + r + " i=" + i);
              }
            }
          }
        }
      }
    }));
  }

  @ParameterizedTest
  @MethodSource("sizes")
  void allToAll(int size) {
    NcclRanks.check(NcclRanks.run(size, T, (c, d) -> {
      int r = c.rank();
      for (DType dt : DTYPES) {
        for (long m : new long[] {0, 1, 5, 333}) {
          try (Tensor in = on(d, input(ReduceOp.SUM, dt, r, size * m), dt); Tensor out = zeros(d, size * m, dt)) {
            c.allToAll(in, out);
            float[] got = out.toFloatArray();
            for (int i = 0; i < size; i++) {
              float[] theirs = roundTrip(input(ReduceOp.SUM, dt, i, size * m), dt);
              for (int k = 0; k < m; k++) {
                assertEquals(theirs[(int) (r * m + k)], got[(int) (i * m + k)], 0.0,
                    "allToAll " + dt + " chunk " + i + " elem " + k + " on rank " + r);
              }
            }
          }
        }
      }
    }));
  }

  @ParameterizedTest
  @MethodSource("sizes")
  void sendRecvRingAndBarrier(int size) {
    NcclRanks.check(NcclRanks.run(size, T, (c, d) -> {
      int r = c.rank();
      c.barrier();
      if (size == 1) {
        return;
      }
      int next = (r + 1) % size;
      int prev = (r + size - 1) % size;
      for (DType dt : DTYPES) {
        for (long n : LENGTHS) {
          try (Tensor s = on(d, input(ReduceOp.SUM, dt, r, n), dt); Tensor got = zeros(d, n, dt)) {
            // Even ranks send first, odd ranks receive first, so a blocking ring cannot deadlock.
            if (r % 2 == 0) {
              c.send(s, next);
              c.recv(got, prev);
            } else {
              c.recv(got, prev);
              c.send(s, next);
            }
            assertArrayEquals(roundTrip(input(ReduceOp.SUM, dt, prev, n), dt), got.toFloatArray(),
                "recv " + dt + " n=" + n + " on rank " + r + " from " + prev);
          }
        }
      }
      c.barrier();
    }));
  }

  @ParameterizedTest
  @MethodSource("sizes")
  void asyncOpsCompleteInIssueOrder(int size) {
    NcclRanks.check(NcclRanks.run(size, T, (c, d) -> {
      int r = c.rank();
      DType dt = DType.F32;
      long n = 1 << 20;
      try (Tensor a = on(d, input(ReduceOp.SUM, dt, r, n), dt);
          Tensor gin = on(d, input(ReduceOp.SUM, dt, r, 3), dt);
          Tensor gout = zeros(d, 3L * size, dt);
          Tensor b = on(d, input(ReduceOp.SUM, dt, r, 9), dt);
          Tensor rsIn = on(d, input(ReduceOp.MIN, dt, r, 2L * size), dt);
          Tensor rsOut = zeros(d, 2, dt)) {
        List<Work> works = new ArrayList<>();
        works.add(c.allReduceAsync(a, ReduceOp.SUM));
        works.add(c.allReduceAsync(a, ReduceOp.MAX)); // runs after the SUM: every rank then holds the same sums
        works.add(c.allGatherAsync(gin, gout));
        works.add(c.broadcastAsync(b, size - 1));
        works.add(c.reduceScatterAsync(rsIn, rsOut, ReduceOp.MIN));
        for (Work w : works) {
          w.await();
          assertTrue(w.isDone());
          assertNull(w.exception());
        }
        float[] sums = a.toFloatArray();
        for (int i = 0; i < n; i += 4097) {
          assertEquals(ref(ReduceOp.SUM, dt, size, i), sums[i], 0.0, "allReduce SUM then MAX, i=" + i);
        }
        float[] gathered = gout.toFloatArray();
        for (int j = 0; j < size; j++) {
          assertArrayEquals(input(ReduceOp.SUM, dt, j, 3), java.util.Arrays.copyOfRange(gathered, 3 * j, 3 * j + 3));
        }
        assertArrayEquals(input(ReduceOp.SUM, dt, size - 1, 9), b.toFloatArray());
        float[] mins = rsOut.toFloatArray();
        for (int i = 0; i < 2; i++) {
          assertEquals(ref(ReduceOp.MIN, dt, size, 2L * r + i), mins[i], 0.0);
        }
      }
    }));
  }

  private static float[] roundTrip(float[] values, DType dt) {
    if (dt == DType.F32) {
      return values;
    }
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = DType.fromBf16(DType.toBf16(values[i]));
    }
    return out;
  }
}
