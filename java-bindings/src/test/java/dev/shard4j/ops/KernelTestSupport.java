package dev.shard4j.ops;

import static org.junit.jupiter.api.Assertions.fail;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Random;

/** Random inputs, bf16 rounding and tolerance checks shared by the kernel tests. */
final class KernelTestSupport {
  private KernelTestSupport() {}

  /** Shapes covering 1, odd sizes, tall and wide matrices, and a size large enough to use several threads. */
  static final long[][] SHAPES = {{1}, {7}, {33}, {1000, 3}, {3, 1000}, {5, 7, 9}, {64, 1031}};

  static float[] random(Random rng, int n, float scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (rng.nextGaussian() * scale);
    }
    return a;
  }

  /** Values exactly representable in {@code dtype} (bf16-rounded for BF16). */
  static float[] roundTo(DType dtype, float[] a) {
    if (dtype == DType.F32) {
      return a.clone();
    }
    float[] r = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = DType.fromBf16(DType.toBf16(a[i]));
    }
    return r;
  }

  static Tensor tensor(float[] data, long[] dims, DType dtype) {
    return Tensor.fromArray(data, Shape.of(dims), dtype, Device.CPU);
  }

  static int numel(long[] dims) {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return (int) n;
  }

  /** Relative tolerance of one rounding to the storage type (bf16 has 8 significant bits). */
  static double storageEps(DType dtype) {
    return dtype == DType.BF16 ? 1.0 / 128 : 0.0;
  }

  /** Asserts |actual - expected| <= atol + rtol * |expected| element by element, naming the first failure. */
  static void assertClose(String what, double[] expected, float[] actual, double atol, double rtol) {
    if (expected.length != actual.length) {
      fail(what + ": length " + actual.length + " != " + expected.length);
    }
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(actual[i] - expected[i]);
      if (!(err <= atol + rtol * Math.abs(expected[i]))) {
        fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (tolerance " + atol
            + " + " + rtol + " * |ref|)");
      }
    }
  }

  static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
    double[] e = new double[expected.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = expected[i];
    }
    assertClose(what, e, actual, atol, rtol);
  }

  static double geluRef(double x) {
    double u = Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x);
    return 0.5 * x * (1.0 + Math.tanh(u));
  }

  static double geluGradRef(double x) {
    double c = Math.sqrt(2.0 / Math.PI);
    double u = c * (x + 0.044715 * x * x * x);
    double t = Math.tanh(u);
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
  }
}
