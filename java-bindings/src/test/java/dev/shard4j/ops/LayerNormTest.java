package dev.shard4j.ops;

import static dev.shard4j.ops.KernelTestSupport.assertClose;
import static dev.shard4j.ops.KernelTestSupport.numel;
import static dev.shard4j.ops.KernelTestSupport.random;
import static dev.shard4j.ops.KernelTestSupport.roundTo;
import static dev.shard4j.ops.KernelTestSupport.storageEps;
import static dev.shard4j.ops.KernelTestSupport.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * CPU layernorm against a double-precision Java reference (llm.c's formulas). f32: 1e-5 + 1e-5 |ref|; bf16 (reference
 * from rounded inputs): 1e-5 + 2^-7 |ref| for out, 1e-4 + 2^-6 |ref| for dx; dweight/dbias 1e-4 * (1 + sum |terms|).
 */
class LayerNormTest {
  private final Random rng = new Random(11);
  private static final float EPS = 1e-5f;

  /** Returns {out, mean, rstd, dx, dweight, dbias} in double. */
  static double[][] reference(float[] x, float[] w, float[] b, float[] dout, int n, int c, float eps) {
    double[] out = new double[n * c];
    double[] mean = new double[n];
    double[] rstd = new double[n];
    double[] dx = new double[n * c];
    double[] dw = new double[c];
    double[] db = new double[c];
    for (int r = 0; r < n; r++) {
      double m = 0;
      for (int i = 0; i < c; i++) {
        m += x[r * c + i];
      }
      m /= c;
      double v = 0;
      for (int i = 0; i < c; i++) {
        v += (x[r * c + i] - m) * (x[r * c + i] - m);
      }
      double rs = 1.0 / Math.sqrt(v / c + eps);
      mean[r] = m;
      rstd[r] = rs;
      double a = 0;
      double g = 0;
      for (int i = 0; i < c; i++) {
        double xh = (x[r * c + i] - m) * rs;
        out[r * c + i] = xh * w[i] + b[i];
        double dn = (double) dout[r * c + i] * w[i];
        a += dn;
        g += dn * xh;
        dw[i] += dout[r * c + i] * xh;
        db[i] += dout[r * c + i];
      }
      a /= c;
      g /= c;
      for (int i = 0; i < c; i++) {
        double xh = (x[r * c + i] - m) * rs;
        dx[r * c + i] = rs * ((double) dout[r * c + i] * w[i] - a - xh * g);
      }
    }
    return new double[][] {out, mean, rstd, dx, dw, db};
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void forwardAndBackwardMatchReference(DType dt) {
    long[][] shapes = {{1}, {7}, {33}, {1000, 3}, {3, 1000}, {2, 5, 768}, {129, 257}};
    for (long[] dims : shapes) {
      int total = numel(dims);
      int c = (int) dims[dims.length - 1];
      int n = total / c;
      float[] x = roundTo(dt, random(rng, total, 2f));
      for (int i = 0; i < total; i++) {
        x[i] = roundTo(dt, new float[] {x[i] + 3f})[0]; // non-zero mean
      }
      float[] w = roundTo(dt, random(rng, c, 1f));
      float[] b = roundTo(dt, random(rng, c, 1f));
      float[] dout = roundTo(dt, random(rng, total, 1f));
      double[][] ref = reference(x, w, b, dout, n, c, EPS);
      String s = Arrays.toString(dims) + " " + dt;
      double eps = storageEps(dt);
      try (Scope scope = Scope.open()) {
        Tensor tx = tensor(x, dims, dt);
        LayerNorm.Forward f = LayerNorm.forward(tx, tensor(w, new long[] {c}, dt), tensor(b, new long[] {c}, dt), EPS);
        assertClose("layernorm out " + s, ref[0], f.out.toFloatArray(), 1e-5, Math.max(1e-5, eps));
        assertClose("layernorm mean " + s, ref[1], f.mean.toFloatArray(), 1e-5, 1e-5);
        assertClose("layernorm rstd " + s, ref[2], f.rstd.toFloatArray(), 1e-5, c == 1 ? 1e-2 : 1e-4);
        float[] dwInit = new float[c];
        Arrays.fill(dwInit, 0.25f);
        Tensor dw = Tensor.fromArray(dwInit, c);
        Tensor db = Tensor.fromArray(dwInit, c);
        Tensor dx = LayerNorm.backward(dw, db, tensor(dout, dims, dt), tx, tensor(w, new long[] {c}, dt), f.mean,
            f.rstd);
        if (c > 1) { // C == 1: xhat is 0/0-sensitive noise, only dbias is meaningful
          assertClose("layernorm dx " + s, ref[3], dx.toFloatArray(), 1e-4, Math.max(1e-4, 2 * eps));
          double[] edw = ref[4].clone();
          for (int i = 0; i < c; i++) {
            edw[i] += 0.25;
          }
          assertClose("layernorm dweight " + s, edw, dw.toFloatArray(), 1e-4 * (1 + n), 1e-4);
        }
        double[] edb = ref[5].clone();
        for (int i = 0; i < c; i++) {
          edb[i] += 0.25;
        }
        assertClose("layernorm dbias " + s, edb, db.toFloatArray(), 1e-5 * (1 + n), 1e-5);
      }
    }
  }

  @Test
  void backwardMatchesFiniteDifferences() {
    int n = 3;
    int c = 11;
    float[] x = random(rng, n * c, 1f);
    float[] w = random(rng, c, 1f);
    float[] b = random(rng, c, 1f);
    float[] dout = random(rng, n * c, 1f);
    double h = 1e-3;
    double[] fdx = new double[n * c];
    double[] fdw = new double[c];
    double[] fdb = new double[c];
    for (int i = 0; i < n * c; i++) {
      fdx[i] = (loss(x, i, h, w, -1, 0, b, -1, dout, n, c) - loss(x, i, -h, w, -1, 0, b, -1, dout, n, c)) / (2 * h);
    }
    for (int i = 0; i < c; i++) {
      fdw[i] = (loss(x, -1, 0, w, i, h, b, -1, dout, n, c) - loss(x, -1, 0, w, i, -h, b, -1, dout, n, c)) / (2 * h);
      fdb[i] = (loss(x, -1, 0, w, -1, 0, b, i, dout, n, c, h) - loss(x, -1, 0, w, -1, 0, b, i, dout, n, c, -h))
          / (2 * h);
    }
    try (Scope scope = Scope.open()) {
      Tensor tx = Tensor.fromArray(x, n, c);
      Tensor tw = Tensor.fromArray(w, c);
      LayerNorm.Forward f = LayerNorm.forward(tx, tw, Tensor.fromArray(b, c), EPS);
      Tensor dw = Tensor.zeros(c);
      Tensor db = Tensor.zeros(c);
      Tensor dx = LayerNorm.backward(dw, db, Tensor.fromArray(dout, n, c), tx, tw, f.mean, f.rstd);
      assertClose("layernorm dx vs finite differences", fdx, dx.toFloatArray(), 1e-4, 1e-3);
      assertClose("layernorm dweight vs finite differences", fdw, dw.toFloatArray(), 1e-4, 1e-3);
      assertClose("layernorm dbias vs finite differences", fdb, db.toFloatArray(), 1e-4, 1e-3);
    }
  }

  /** L = sum dout * layernorm(x, w, b) in double, with one coordinate of x, w or b moved by h. */
  private static double loss(float[] x, int xi, double xh, float[] w, int wi, double wh, float[] b, int bi,
      float[] dout, int n, int c, double... bh) {
    double l = 0;
    for (int r = 0; r < n; r++) {
      double[] v = new double[c];
      double m = 0;
      for (int i = 0; i < c; i++) {
        v[i] = x[r * c + i] + (r * c + i == xi ? xh : 0);
        m += v[i];
      }
      m /= c;
      double var = 0;
      for (int i = 0; i < c; i++) {
        var += (v[i] - m) * (v[i] - m);
      }
      double rs = 1.0 / Math.sqrt(var / c + EPS);
      for (int i = 0; i < c; i++) {
        double wv = w[i] + (i == wi ? wh : 0);
        double bv = b[i] + (i == bi ? bh[0] : 0);
        l += dout[r * c + i] * ((v[i] - m) * rs * wv + bv);
      }
    }
    return l;
  }

  @Test
  void parameterGradientsDoNotDependOnTheThreadCount() {
    int n = 4096;
    int c = 300;
    float[] x = random(rng, n * c, 1f);
    float[] dout = random(rng, n * c, 1f);
    int before = CpuRuntime.threads();
    try (Scope scope = Scope.open()) {
      Tensor tx = Tensor.fromArray(x, n, c);
      Tensor w = Tensor.fromArray(random(rng, c, 1f), c);
      LayerNorm.Forward f = LayerNorm.forward(tx, w, Tensor.zeros(c), EPS);
      float[][] got = new float[2][];
      for (int t = 1; t <= 2; t++) {
        CpuRuntime.setThreads(t);
        Tensor dw = Tensor.zeros(c);
        Tensor db = Tensor.zeros(c);
        LayerNorm.backward(dw, db, Tensor.fromArray(dout, n, c), tx, w, f.mean, f.rstd);
        got[t - 1] = dw.toFloatArray();
      }
      assertArrayEquals(got[0], got[1]);
    } finally {
      CpuRuntime.setThreads(before);
    }
  }

  @Test
  void badInputsAreRejectedWithClearMessages() {
    try (Scope scope = Scope.open()) {
      Tensor x = Tensor.zeros(4, 8);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LayerNorm.forward(x, Tensor.zeros(7), Tensor.zeros(8), EPS));
      assertTrue(e.getMessage().startsWith("layernormForward: weight must have shape [8]"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> LayerNorm.forward(x, Tensor.zeros(Shape.of(8), DType.BF16, x.device()), Tensor.zeros(8), EPS));
      assertTrue(e.getMessage().startsWith("layernormForward: dtypes differ"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> LayerNorm.forward(Tensor.zeros(8, 4).transpose(0, 1), Tensor.zeros(8), Tensor.zeros(8), EPS));
      assertTrue(e.getMessage().contains("contiguous"), e.getMessage());
      LayerNorm.Forward f = LayerNorm.forward(x, Tensor.zeros(8), Tensor.zeros(8), EPS);
      e = assertThrows(IllegalArgumentException.class,
          () -> LayerNorm.backward(Tensor.zeros(8), Tensor.zeros(8), x, x, Tensor.zeros(8), Tensor.zeros(3), f.rstd));
      assertTrue(e.getMessage().startsWith("layernormBackward: mean must have shape [4]"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> LayerNorm.backward(Tensor.zeros(8), null, x, x, Tensor.zeros(8), f.mean, f.rstd));
      assertTrue(e.getMessage().contains("both"), e.getMessage());
      Tensor c = Tensor.zeros(4, 8);
      c.close();
      assertThrows(IllegalStateException.class, () -> LayerNorm.forward(c, Tensor.zeros(8), Tensor.zeros(8), EPS));
    }
  }
}
