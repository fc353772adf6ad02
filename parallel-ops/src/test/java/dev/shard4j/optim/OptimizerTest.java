package dev.shard4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** SGD and AdamW against PyTorch's update formulas written out in plain Java (double precision). */
class OptimizerTest {
  private static final int N = 37;

  private static float[] randoms(Random r, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * scale);
    }
    return a;
  }

  private static void assertClose(double[] expected, float[] actual, double tol, String what) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tol * Math.max(1, Math.abs(expected[i])), what + " element " + i);
    }
  }

  @Test
  void sgdWithMomentumNesterovAndWeightDecayMatchesTorchFormula() {
    for (boolean nesterov : new boolean[] {false, true}) {
      Random r = new Random(7);
      float[] p0 = randoms(r, N, 1);
      double lr = 0.1;
      double mom = 0.9;
      double wd = 0.01;
      double scale = 0.5;
      double[] p = new double[N];
      double[] buf = new double[N];
      for (int i = 0; i < N; i++) {
        p[i] = p0[i];
      }
      try (Parameter param = new Parameter("w", Tensor.fromArray(p0, N));
          SgdOptimizer opt = new SgdOptimizer(List.of(param), (float) lr, (float) mom, (float) wd, nesterov)) {
        for (int step = 0; step < 4; step++) {
          float[] g = randoms(r, N, 1);
          param.grad().copyFrom(g);
          opt.step((float) scale);
          for (int i = 0; i < N; i++) {
            double gi = g[i] * scale + wd * p[i];
            buf[i] = step == 0 ? gi : mom * buf[i] + gi;
            double d = nesterov ? gi + mom * buf[i] : buf[i];
            p[i] -= lr * d;
          }
          assertClose(p, param.value().toFloatArray(), 1e-5, "sgd nesterov=" + nesterov + " step " + step);
        }
        assertEquals(4, opt.steps());
        assertEquals(N * 4L, opt.stateBytes());
      }
    }
  }

  @Test
  void adamWMatchesTorchFormulaAcrossLearningRateChanges() {
    Random r = new Random(11);
    float[] p0 = randoms(r, N, 1);
    double b1 = 0.9;
    double b2 = 0.95;
    double eps = 1e-8;
    double wd = 0.1;
    double[] p = new double[N];
    double[] m = new double[N];
    double[] v = new double[N];
    for (int i = 0; i < N; i++) {
      p[i] = p0[i];
    }
    WarmupCosineSchedule sched = new WarmupCosineSchedule(3e-3f, 3e-4f, 2, 5);
    try (Parameter param = new Parameter("w", Tensor.fromArray(p0, N));
        AdamWOptimizer opt = new AdamWOptimizer(List.of(param),
            new AdamWOptimizer.Config(1e-3f, (float) b1, (float) b2, (float) eps, (float) wd))) {
      for (int step = 0; step < 6; step++) {
        double lr = sched.apply(opt, step);
        float[] g = randoms(r, N, 0.3);
        param.grad().copyFrom(g);
        double scale = step % 2 == 0 ? 1 : 0.25;
        opt.step((float) scale);
        int t = step + 1;
        for (int i = 0; i < N; i++) {
          double gi = g[i] * scale;
          p[i] *= 1 - lr * wd;
          m[i] = b1 * m[i] + (1 - b1) * gi;
          v[i] = b2 * v[i] + (1 - b2) * gi * gi;
          double mhat = m[i] / (1 - Math.pow(b1, t));
          double vhat = v[i] / (1 - Math.pow(b2, t));
          p[i] -= lr * mhat / (Math.sqrt(vhat) + eps);
        }
        assertClose(p, param.value().toFloatArray(), 2e-5, "adamw step " + step);
      }
      assertEquals(2L * 4 * N, opt.stateBytes());
    }
  }

  @Test
  void badHyperParametersAreRejectedWithTheirValues() {
    try (Parameter param = new Parameter("w", Tensor.zeros(3))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new SgdOptimizer(List.of(param), 0.1f, 0f, 0f, true));
      assertEquals("SgdOptimizer: nesterov needs momentum > 0", e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> new AdamWOptimizer.Config(1e-3f, 1f, 0.99f, 1e-8f, 0f));
    }
  }
}
