package dev.shard4j.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdamWTest {

  static float[] rand(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }

  static void close(float[] ref, float[] got, double tol, double rel, String what) {
    assertEquals(ref.length, got.length);
    for (int i = 0; i < ref.length; i++) {
      double bound = tol + Math.abs(ref[i]) * rel;
      if (!(Math.abs(ref[i] - got[i]) <= bound)) {
        throw new AssertionError(what + " at " + i + ": expected " + ref[i] + ", got " + got[i]);
      }
    }
  }

  @Test
  void matchesPyTorchAdamWOverSeveralSteps() {
    Random r = new Random(1);
    for (int n : new int[] {1, 7, 33, 3000, 100003}) {
      float[] p = rand(r, n);
      double[] pr = new double[n], mr = new double[n], vr = new double[n];
      for (int i = 0; i < n; i++) {
        pr[i] = p[i];
      }
      float lr = 1e-2f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0.1f, gs = 0.5f;
      try (Tensor param = Tensor.fromArray(p, n); Tensor m = Tensor.zeros(n); Tensor v = Tensor.zeros(n)) {
        for (int step = 1; step <= 5; step++) {
          float[] g = rand(r, n);
          try (Tensor grad = Tensor.fromArray(g, n)) {
            AdamW.step(param, grad, m, v, lr, b1, b2, eps, wd, step, gs);
          }
          // torch.optim.AdamW (_single_tensor_adamw), in double.
          double bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
          for (int i = 0; i < n; i++) {
            double gi = (double) g[i] * gs;
            pr[i] *= 1 - (double) lr * wd;
            mr[i] = b1 * mr[i] + (1 - (double) b1) * gi;
            vr[i] = b2 * vr[i] + (1 - (double) b2) * gi * gi;
            double denom = Math.sqrt(vr[i]) / Math.sqrt(bc2) + eps;
            pr[i] -= lr / bc1 * mr[i] / denom;
          }
        }
        float[] ref = new float[n];
        for (int i = 0; i < n; i++) {
          ref[i] = (float) pr[i];
        }
        close(ref, param.toFloatArray(), 1e-6, 1e-6, "adamw n=" + n);
      }
    }
  }

  @Test
  void matchesPyTorchSgd() {
    Random r = new Random(2);
    for (boolean nesterov : new boolean[] {false, true}) {
      for (int n : new int[] {1, 33, 70001}) {
        float[] p = rand(r, n);
        float[] buf = new float[n];
        float lr = 0.05f, mom = 0.9f, wd = 0.01f, gs = 2f;
        try (Tensor param = Tensor.fromArray(p.clone(), n); Tensor b = Tensor.zeros(n)) {
          for (int step = 0; step < 4; step++) {
            float[] g = rand(r, n);
            try (Tensor grad = Tensor.fromArray(g, n)) {
              AdamW.sgd(param, grad, b, lr, mom, wd, nesterov, step == 0, gs);
            }
            for (int i = 0; i < n; i++) {
              float gi = g[i] * gs + wd * p[i];
              buf[i] = step == 0 ? gi : mom * buf[i] + gi;
              float d = nesterov ? gi + mom * buf[i] : buf[i];
              p[i] -= lr * d;
            }
          }
          close(p, param.toFloatArray(), 1e-6, 1e-5, "sgd");
          close(buf, b.toFloatArray(), 1e-6, 1e-5, "sgd buf");
        }
      }
    }
    float[] p = {1f, 2f};
    try (Tensor param = Tensor.fromArray(p, 2); Tensor g = Tensor.fromArray(new float[] {0.5f, -1f}, 2)) {
      AdamW.sgd(param, g, null, 0.1f, 0f, 0f, false, true, 1f);
      close(new float[] {0.95f, 2.1f}, param.toFloatArray(), 1e-7, 1e-6, "plain sgd");
    }
  }

  @Test
  void rejectsBadInput() {
    try (Tensor p = Tensor.zeros(4); Tensor g = Tensor.zeros(5); Tensor m = Tensor.zeros(4);
        Tensor v = Tensor.zeros(4)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> AdamW.step(p, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1, 1f));
      assertTrue(e.getMessage().startsWith("adamw: shapes differ"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> AdamW.step(p, m, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 0, 1f));
      assertThrows(IllegalArgumentException.class, () -> AdamW.sgd(p, m, null, 0.1f, 0.9f, 0f, false, true, 1f));
      Tensor c = Tensor.zeros(4);
      c.close();
      assertThrows(IllegalStateException.class, () -> AdamW.step(p, c, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1, 1f));
    }
  }
}
