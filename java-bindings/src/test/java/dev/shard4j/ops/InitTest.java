package dev.shard4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class InitTest {

  private static float[] normal(int n, long seed, long offset) {
    try (Tensor t = Tensor.empty(Shape.of(n), DType.F32, Device.CPU)) {
      Init.normal(t, seed, offset, 0f, 1f);
      return t.toFloatArray();
    }
  }

  @Test
  void sameSeedSameValuesAndThreadCountIndependent() {
    int before = CpuRuntime.threads();
    try {
      int n = 1 << 20;
      CpuRuntime.setThreads(1);
      float[] a = normal(n, 42, 0);
      float[] u1;
      try (Tensor t = Tensor.empty(n)) {
        Init.uniform(t, 42, 0, -1f, 1f);
        u1 = t.toFloatArray();
      }
      CpuRuntime.setThreads(Math.max(2, before));
      float[] b = normal(n, 42, 0);
      assertArrayEquals(a, b);
      try (Tensor t = Tensor.empty(n)) {
        Init.uniform(t, 42, 0, -1f, 1f);
        assertArrayEquals(u1, t.toFloatArray());
      }
      assertFalse(Arrays.equals(a, normal(n, 43, 0)));
      assertFalse(Arrays.equals(a, normal(n, 42, 1)));
      // A prefix is the same stream: element i depends only on (seed, offset, i).
      assertArrayEquals(Arrays.copyOf(a, 7), normal(7, 42, 0));
    } finally {
      CpuRuntime.setThreads(before);
    }
  }

  @Test
  void normalMomentsWithinStatisticalBounds() {
    int n = 1 << 20;
    try (Tensor t = Tensor.empty(n)) {
      Init.normal(t, 7, 3, 2f, 0.5f);
      double[] m = moments(t.toFloatArray());
      // Standard errors: mean 0.5/1024, variance ~ 0.25*sqrt(2/n); 6 sigma bounds.
      assertEquals(2.0, m[0], 6 * 0.5 / 1024);
      assertEquals(0.25, m[1], 6 * 0.25 * Math.sqrt(2.0 / n));
      // Fraction within one sigma: 0.6827.
      int inside = 0;
      for (float v : t.toFloatArray()) {
        inside += Math.abs(v - 2f) < 0.5f ? 1 : 0;
      }
      assertEquals(0.6827, inside / (double) n, 0.003);
    }
  }

  @Test
  void uniformRangeAndMoments() {
    for (int n : new int[] {1, 7, 33, 3000, 1 << 20}) {
      try (Tensor t = Tensor.empty(n)) {
        Init.uniform(t, 11, 0, -3f, 5f);
        float[] v = t.toFloatArray();
        for (float x : v) {
          assertTrue(x >= -3f && x < 5f, "value " + x);
        }
        if (n == 1 << 20) {
          double[] m = moments(v);
          assertEquals(1.0, m[0], 6 * Math.sqrt(64.0 / 12 / n));
          assertEquals(64.0 / 12, m[1], 0.05);
        }
      }
    }
  }

  @Test
  void truncatedNormalStaysInBounds() {
    try (Tensor t = Tensor.empty(100000)) {
      Init.truncNormal(t, 5, 0, 0f, 1f, -2f, 2f);
      double[] m = moments(t.toFloatArray());
      for (float x : t.toFloatArray()) {
        assertTrue(x >= -2f && x <= 2f);
      }
      assertEquals(0.0, m[0], 0.02);
      assertEquals(0.774, m[1], 0.02); // variance of N(0,1) truncated to [-2, 2]
    }
  }

  @Test
  void bf16IsRoundedF32Stream() {
    float[] f = normal(1001, 9, 0);
    try (Tensor t = Tensor.empty(Shape.of(1001), DType.BF16, Device.CPU)) {
      Init.normal(t, 9, 0, 0f, 1f);
      float[] b = t.toFloatArray();
      for (int i = 0; i < f.length; i++) {
        assertEquals(DType.fromBf16(DType.toBf16(f[i])), b[i]);
      }
    }
  }

  @Test
  void arangeF32AndI32() {
    try (Tensor f = Init.arange(33, 1.5, 0.25, DType.F32, Device.CPU);
        Tensor i = Init.arange(1000, -3, 2, DType.I32, Device.CPU)) {
      float[] v = f.toFloatArray();
      int[] w = i.toIntArray();
      for (int k = 0; k < 33; k++) {
        assertEquals(1.5f + 0.25f * k, v[k]);
      }
      for (int k = 0; k < 1000; k++) {
        assertEquals(-3 + 2 * k, w[k]);
      }
    }
  }

  @Test
  void rejectsBadInput() {
    Tensor t = Tensor.empty(4);
    t.close();
    assertThrows(IllegalStateException.class, () -> Init.normal(t, 1, 0, 0, 1));
    try (Tensor i = Tensor.fromIntArray(new int[] {1, 2}, 2); Tensor u = Tensor.empty(4)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Init.normal(i, 1, 0, 0, 1));
      assertTrue(e.getMessage().contains("init_normal") && e.getMessage().contains("i32"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> Init.uniform(u, 1, 0, 2, 1));
      assertThrows(IllegalArgumentException.class, () -> Init.normal(u, 1, 0, 0, -1));
    }
  }

  static double[] moments(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x;
    }
    double mean = s / v.length, q = 0;
    for (float x : v) {
      q += (x - mean) * (x - mean);
    }
    return new double[] {mean, q / v.length};
  }
}
