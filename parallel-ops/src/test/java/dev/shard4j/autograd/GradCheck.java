package dev.shard4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Random;

/**
 * Checks a differentiable op against an independent double-precision reference: the forward must match the
 * reference, and the analytic gradients of {@code L = sum(out * R)} (R random) must match central finite differences
 * of the reference computed in double.
 */
final class GradCheck {
  /** The op under test. */
  interface Op {
    Variable apply(Variable[] in);
  }

  /** The double reference of the op, on flat row-major arrays. */
  interface Ref {
    double[] apply(double[][] in);
  }

  private GradCheck() {}

  static void check(String name, Op op, Ref ref, long[][] shapes) {
    check(name, op, ref, shapes, new boolean[shapes.length], 1e-4, 2e-3);
  }

  /** {@code asParameter[i]} makes input i a {@link Parameter} (exercising in-place gradient accumulation). */
  static void check(String name, Op op, Ref ref, long[][] shapes, boolean[] asParameter, double fwdTol,
      double gradTol) {
    Random rnd = new Random(name.hashCode());
    double[][] x = new double[shapes.length][];
    float[][] xf = new float[shapes.length][];
    for (int i = 0; i < shapes.length; i++) {
      int n = (int) Shape.of(shapes[i]).numel();
      x[i] = new double[n];
      xf[i] = new float[n];
      for (int j = 0; j < n; j++) {
        xf[i][j] = (float) (rnd.nextDouble() * 2 - 1);
        x[i][j] = xf[i][j];
      }
    }
    Parameter[] params = new Parameter[shapes.length];
    try (Scope scope = Scope.open()) {
      Variable[] vars = new Variable[shapes.length];
      for (int i = 0; i < shapes.length; i++) {
        Tensor t = Tensor.fromArray(xf[i], shapes[i]);
        if (asParameter[i]) {
          params[i] = new Parameter("p" + i, scope.keep(t));
          scope.keep(params[i].grad());
          vars[i] = params[i];
        } else {
          vars[i] = Variable.leaf(t, true);
        }
      }
      Variable out = op.apply(vars);
      double[] expected = ref.apply(x);
      float[] got = out.value().toFloatArray();
      assertEquals(expected.length, got.length, name + ": output size");
      for (int j = 0; j < got.length; j++) {
        assertEquals(expected[j], got[j], fwdTol * (1 + Math.abs(expected[j])), name + ": output " + j);
      }
      double[] r = new double[got.length];
      float[] rf = new float[got.length];
      for (int j = 0; j < r.length; j++) {
        rf[j] = (float) (rnd.nextDouble() * 2 - 1);
        r[j] = rf[j];
      }
      out.backward(Tensor.fromArray(rf, out.shape().toArray()));
      for (int i = 0; i < shapes.length; i++) {
        Tensor g = vars[i].grad();
        assertNotNull(g, name + ": no gradient for input " + i);
        float[] analytic = g.toFloatArray();
        double[] numeric = new double[x[i].length];
        double scale = 1e-12;
        for (int j = 0; j < x[i].length; j++) {
          double keep = x[i][j];
          double h = 1e-6 * Math.max(1, Math.abs(keep));
          x[i][j] = keep + h;
          double plus = dot(ref.apply(x), r);
          x[i][j] = keep - h;
          double minus = dot(ref.apply(x), r);
          x[i][j] = keep;
          numeric[j] = (plus - minus) / (2 * h);
          scale = Math.max(scale, Math.abs(numeric[j]));
        }
        for (int j = 0; j < numeric.length; j++) {
          assertEquals(numeric[j], analytic[j], gradTol * scale + 1e-5,
              name + ": gradient of input " + i + " element " + j);
        }
      }
    } finally {
      for (Parameter p : params) {
        if (p != null) {
          p.close();
        }
      }
    }
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
