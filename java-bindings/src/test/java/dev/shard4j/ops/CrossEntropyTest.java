package dev.shard4j.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CrossEntropyTest {

  static int[] targets(Random r, int n, int v) {
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = r.nextInt(5) == 0 ? CrossEntropy.IGNORE_INDEX : r.nextInt(v);
    }
    return t;
  }

  static float[] logits(Random r, int n) {
    float[] x = AdamWTest.rand(r, n);
    for (int i = 0; i < n; i++) {
      x[i] *= 4;
    }
    return x;
  }

  static double[] refLoss(float[] x, int[] t, int n, int v) {
    double[] l = new double[n];
    for (int i = 0; i < n; i++) {
      if (t[i] == CrossEntropy.IGNORE_INDEX) {
        continue;
      }
      double m = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < v; c++) {
        m = Math.max(m, x[i * v + c]);
      }
      double s = 0;
      for (int c = 0; c < v; c++) {
        s += Math.exp(x[i * v + c] - m);
      }
      l[i] = m + Math.log(s) - x[i * v + t[i]];
    }
    return l;
  }

  @Test
  void forwardAndBackwardMatchReference() {
    Random r = new Random(8);
    int[][] cases = {{1, 1}, {7, 5}, {33, 100}, {1000, 3}, {3, 5000}};
    for (int[] c : cases) {
      int n = c[0], v = c[1];
      float[] x = logits(r, n * v);
      int[] t = targets(r, n, v);
      float[] dl = AdamWTest.rand(r, n);
      for (DType dt : new DType[] {DType.F32, DType.BF16}) {
        try (Tensor lg = Tensor.fromArray(x, Shape.of(n, v), dt, Device.CPU); Tensor tg = Tensor.fromIntArray(t, n);
            Tensor lse = Tensor.empty(n); Tensor loss = CrossEntropy.forward(lse, lg, tg);
            Tensor dloss = Tensor.fromArray(dl, n); Tensor dx = Tensor.empty(Shape.of(n, v), dt, Device.CPU)) {
          float[] xr = lg.toFloatArray();
          double[] ref = refLoss(xr, t, n, v);
          float[] got = loss.toFloatArray();
          for (int i = 0; i < n; i++) {
            assertEquals(ref[i], got[i], 1e-4 + 1e-5 * Math.abs(ref[i]), "loss row " + i);
          }
          CrossEntropy.backward(dx, lg, lse, tg, dloss, 0.5f, CrossEntropy.IGNORE_INDEX);
          float[] g = dx.toFloatArray();
          double tol = dt == DType.BF16 ? 1e-2 : 1e-5;
          for (int i = 0; i < n; i++) {
            double lseRef = ref[i] + (t[i] == CrossEntropy.IGNORE_INDEX ? 0 : xr[i * v + t[i]]);
            for (int k = 0; k < v; k++) {
              double e = t[i] == CrossEntropy.IGNORE_INDEX ? 0
                  : (Math.exp(xr[i * v + k] - lseRef) - (k == t[i] ? 1 : 0)) * dl[i] * 0.5;
              if (t[i] == CrossEntropy.IGNORE_INDEX) {
                assertEquals(0.0, g[i * v + k]);
              } else {
                assertEquals(e, g[i * v + k], tol + 1e-2 * Math.abs(e) * (dt == DType.BF16 ? 1 : 0.01),
                    "grad " + i + "," + k);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void meanLossBackwardMatchesFiniteDifferences() {
    Random r = new Random(9);
    int n = 6, v = 7;
    float[] x = logits(r, n * v);
    int[] t = targets(r, n, v);
    t[0] = 3;
    try (Tensor tg = Tensor.fromIntArray(t, n)) {
      int count = CrossEntropy.countValid(tg, CrossEntropy.IGNORE_INDEX);
      try (Tensor lg = Tensor.fromArray(x, n, v); Tensor lse = Tensor.empty(n); Tensor loss = CrossEntropy.forward(lse,
          lg, tg); Tensor one = Tensor.fromArray(new float[] {1f}, 1); Tensor dx = Tensor.empty(n, v)) {
        CrossEntropy.backward(dx, lg, lse, tg, one, 1f / count, CrossEntropy.IGNORE_INDEX);
        float[] g = dx.toFloatArray();
        for (int e = 0; e < n * v; e++) {
          double h = 1e-3;
          float[] xp = x.clone();
          xp[e] += (float) h;
          float[] xm = x.clone();
          xm[e] -= (float) h;
          double fd = (mean(refLoss(xp, t, n, v), count) - mean(refLoss(xm, t, n, v), count))
              / ((double) xp[e] - xm[e]);
          assertEquals(fd, g[e], 1e-3 + 1e-3 * Math.abs(fd), "element " + e);
        }
      }
    }
  }

  private static double mean(double[] l, int count) {
    double s = 0;
    for (double d : l) {
      s += d;
    }
    return s / count;
  }

  @Test
  void vocabParallelPiecesReproduceTheFullLossAndGradient() {
    Random r = new Random(10);
    int n = 33, v = 50;
    int[] bounds = {0, 17, 18, 50};
    float[] x = logits(r, n * v);
    int[] t = targets(r, n, v);
    double[] ref = refLoss(x, t, n, v);
    float[] gmax = new float[n];
    java.util.Arrays.fill(gmax, Float.NEGATIVE_INFINITY);
    float[][] shards = new float[3][];
    for (int s = 0; s < 3; s++) {
      int w = bounds[s + 1] - bounds[s];
      shards[s] = new float[n * w];
      for (int i = 0; i < n; i++) {
        System.arraycopy(x, i * v + bounds[s], shards[s], i * w, w);
      }
      try (Tensor lg = Tensor.fromArray(shards[s], n, w); Tensor m = Tensor.empty(n)) {
        CrossEntropy.localMax(m, lg);
        float[] mm = m.toFloatArray();
        for (int i = 0; i < n; i++) {
          gmax[i] = Math.max(gmax[i], mm[i]);
        }
      }
    }
    float[] gsum = new float[n];
    float[] tl = new float[n];
    try (Tensor gm = Tensor.fromArray(gmax, n); Tensor tg = Tensor.fromIntArray(t, n)) {
      for (int s = 0; s < 3; s++) {
        int w = bounds[s + 1] - bounds[s];
        try (Tensor lg = Tensor.fromArray(shards[s], n, w); Tensor se = Tensor.empty(n); Tensor tv = Tensor.empty(n)) {
          CrossEntropy.localStats(se, tv, lg, gm, tg, bounds[s]);
          float[] a = se.toFloatArray();
          float[] b = tv.toFloatArray();
          for (int i = 0; i < n; i++) {
            gsum[i] += a[i];
            tl[i] += b[i];
          }
        }
      }
      for (int i = 0; i < n; i++) {
        if (t[i] != CrossEntropy.IGNORE_INDEX) {
          double loss = Math.log(gsum[i]) + gmax[i] - tl[i];
          assertEquals(ref[i], loss, 1e-4 + 1e-5 * Math.abs(ref[i]));
        }
      }
      float[] full = new float[n * v];
      try (Tensor lg = Tensor.fromArray(x, n, v); Tensor lse = Tensor.empty(n);
          Tensor loss = CrossEntropy.forward(lse, lg, tg); Tensor one = Tensor.fromArray(new float[] {2f}, 1);
          Tensor dx = Tensor.empty(n, v)) {
        CrossEntropy.backward(dx, lg, lse, tg, one, 1f, CrossEntropy.IGNORE_INDEX);
        full = dx.toFloatArray();
      }
      try (Tensor gs = Tensor.fromArray(gsum, n); Tensor one = Tensor.fromArray(new float[] {2f}, 1)) {
        for (int s = 0; s < 3; s++) {
          int w = bounds[s + 1] - bounds[s];
          try (Tensor lg = Tensor.fromArray(shards[s], n, w); Tensor dx = Tensor.empty(n, w)) {
            CrossEntropy.vocabParallelBackward(dx, lg, gm, gs, tg, one, 1f, bounds[s], CrossEntropy.IGNORE_INDEX);
            float[] g = dx.toFloatArray();
            for (int i = 0; i < n; i++) {
              for (int k = 0; k < w; k++) {
                assertEquals(full[i * v + bounds[s] + k], g[i * w + k], 1e-5, "shard " + s + " " + i + "," + k);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void rejectsBadInput() {
    try (Tensor lg = Tensor.zeros(3, 4); Tensor lse = Tensor.empty(3);
        Tensor bad = Tensor.fromIntArray(new int[] {0, 4, 1}, 3); Tensor shortT = Tensor.fromIntArray(new int[] {0},
        1); Tensor fl = Tensor.zeros(3)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> CrossEntropy.forward(lse, lg, bad));
      assertTrue(e.getMessage().contains("outside [0, 4)"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> CrossEntropy.forward(lse, lg, shortT));
      assertTrue(e.getMessage().contains("targets must be (3)"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> CrossEntropy.forward(lse, lg, fl));
      assertTrue(e.getMessage().contains("targets must be I32"), e.getMessage());
    }
  }
}
