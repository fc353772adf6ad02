package dev.shard4j.ops;

import static dev.shard4j.ops.KernelTestSupport.assertClose;
import static dev.shard4j.ops.KernelTestSupport.numel;
import static dev.shard4j.ops.KernelTestSupport.random;
import static dev.shard4j.ops.KernelTestSupport.roundTo;
import static dev.shard4j.ops.KernelTestSupport.storageEps;
import static dev.shard4j.ops.KernelTestSupport.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * CPU reductions against double-precision Java references. Axis sum: tolerance 1e-5 * (1 + sum|x|) (fp32
 * accumulation) plus one storage rounding for bf16; max: exact; sum of squares: relative 1e-6.
 */
class ReductionsTest {
  private final Random rng = new Random(7);

  private static final long[][] SHAPES = {{1}, {7}, {33}, {1000, 3}, {3, 1000}, {5, 7, 9}, {2, 3000, 17}};

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void axisSumAndMaxMatchReference(DType dt) {
    for (long[] dims : SHAPES) {
      int n = numel(dims);
      float[] x = roundTo(dt, random(rng, n, 1f));
      try (Scope scope = Scope.open()) {
        Tensor tx = tensor(x, dims, dt);
        for (int axis = -1; axis < dims.length; axis++) {
          int a = axis < 0 ? dims.length - 1 : axis;
          long outer = tx.shape().outer(a);
          long len = dims[a];
          long inner = tx.shape().inner(a);
          double[] sum = new double[(int) (outer * inner)];
          double[] abs = new double[sum.length];
          double[] max = new double[sum.length];
          Arrays.fill(max, Double.NEGATIVE_INFINITY);
          for (long o = 0; o < outer; o++) {
            for (long k = 0; k < len; k++) {
              for (long i = 0; i < inner; i++) {
                float v = x[(int) ((o * len + k) * inner + i)];
                int j = (int) (o * inner + i);
                sum[j] += v;
                abs[j] += Math.abs(v);
                max[j] = Math.max(max[j], v);
              }
            }
          }
          float[] got = Reductions.sum(tx, axis).toFloatArray();
          String s = Arrays.toString(dims) + " axis " + axis + " " + dt;
          for (int j = 0; j < sum.length; j++) {
            double tol = 1e-5 * (1 + abs[j]) + storageEps(dt) * Math.abs(sum[j]);
            assertTrue(Math.abs(got[j] - sum[j]) <= tol, "sum " + s + " at " + j + ": " + got[j] + " vs " + sum[j]);
          }
          assertClose("max " + s, max, Reductions.max(tx, axis).toFloatArray(), 0, 0);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void wholeBufferSumOfSquaresAndMax(DType dt) {
    for (int n : new int[] {1, 7, 33, 4096, 4097, 1_000_003}) {
      float[] x = roundTo(dt, random(rng, n, 3f));
      double ss = 0;
      double mx = Double.NEGATIVE_INFINITY;
      for (float v : x) {
        ss += (double) v * v;
        mx = Math.max(mx, v);
      }
      try (Scope scope = Scope.open()) {
        Tensor t = tensor(x, new long[] {n}, dt);
        float got = Reductions.sumSquares(t);
        assertTrue(Math.abs(got - ss) <= 1e-6 * ss, "sumSquares n=" + n + ": " + got + " vs " + ss);
        assertEquals((float) mx, Reductions.maxAll(t), "maxAll n=" + n);
      }
    }
  }

  @Test
  void resultsDoNotDependOnTheThreadCount() {
    float[] x = random(rng, 3_000_017, 1f);
    int before = CpuRuntime.threads();
    try (Scope scope = Scope.open()) {
      Tensor t = Tensor.fromArray(Arrays.copyOf(x, 1009 * 2973), 1009, 2973);
      Tensor tr = Tensor.fromArray(x, 3_000_017);
      CpuRuntime.setThreads(1);
      float ss1 = Reductions.sumSquares(tr);
      float[] s01 = Reductions.sum(t, 0).toFloatArray();
      float[] s11 = Reductions.sum(t, 1).toFloatArray();
      CpuRuntime.setThreads(2);
      assertEquals(ss1, Reductions.sumSquares(tr));
      assertTrue(Arrays.equals(s01, Reductions.sum(t, 0).toFloatArray()));
      assertTrue(Arrays.equals(s11, Reductions.sum(t, 1).toFloatArray()));
    } finally {
      CpuRuntime.setThreads(before);
    }
  }

  @Test
  void maxPropagatesNan() {
    try (Scope scope = Scope.open()) {
      Tensor t = Tensor.fromArray(new float[] {1, Float.NaN, 3, 4, 5, 6}, 2, 3);
      assertTrue(Float.isNaN(Reductions.maxAll(t)));
      float[] m = Reductions.max(t, 1).toFloatArray();
      assertTrue(Float.isNaN(m[0]));
      assertEquals(6f, m[1]);
    }
  }

  @Test
  void badInputsAreRejectedWithClearMessages() {
    try (Scope scope = Scope.open()) {
      Tensor x = Tensor.zeros(4, 8);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Reductions.sum(x, 2));
      assertTrue(e.getMessage().startsWith("sum: axis 2 is out of range"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> Reductions.sum(Tensor.zeros(4), x, 0));
      assertTrue(e.getMessage().startsWith("sum: out must have shape [8]"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> Reductions.sum(Tensor.zeros(Shape.of(8), DType.BF16, x.device()), x, 0));
      assertTrue(e.getMessage().startsWith("sum: dtypes differ"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> Reductions.max(x.transpose(0, 1), 0));
      assertTrue(e.getMessage().contains("contiguous"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> Reductions.sumSquares(Tensor.zeros(2), x));
      assertTrue(e.getMessage().startsWith("sumSquares: out must hold one element"), e.getMessage());
      Tensor c = Tensor.zeros(3);
      c.close();
      assertThrows(IllegalStateException.class, () -> Reductions.maxAll(c));
    }
  }
}
