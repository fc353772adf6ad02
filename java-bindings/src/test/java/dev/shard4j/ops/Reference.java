package dev.shard4j.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.shard4j.tensor.DType;
import java.util.Random;

/** Plain-Java helpers for kernel tests: random data, bf16 rounding, and the tol + |ref| * eps comparison. */
final class Reference {
  private Reference() {}

  static float[] random(Random rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rnd.nextGaussian();
    }
    return a;
  }

  static float[] roundBf16(float[] a) {
    float[] r = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = DType.fromBf16(DType.toBf16(a[i]));
    }
    return r;
  }

  /** Asserts |actual - expected| <= tol + |expected| * eps element-wise, reporting the first offender. */
  static void assertClose(double[] expected, float[] actual, double tol, double eps, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(actual[i] - expected[i]);
      if (!(err <= tol + Math.abs(expected[i]) * eps)) {
        fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (error " + err
            + " > " + tol + " + |ref|*" + eps + ")");
      }
    }
  }

  static void assertClose(float[] expected, float[] actual, double tol, double eps, String what) {
    double[] e = new double[expected.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = expected[i];
    }
    assertClose(e, actual, tol, eps, what);
  }
}
