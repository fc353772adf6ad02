package dev.shard4j.ops;

import static dev.shard4j.ops.KernelTestSupport.geluRef;
import static dev.shard4j.ops.KernelTestSupport.roundTo;
import static dev.shard4j.ops.KernelTestSupport.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GELU (tanh approximation) forward and backward on the CPU against a double-precision reference, over a dense grid
 * of [-20, 20] (step 2^-10), large and tiny magnitudes, +-0, +-inf and NaN; plain and fused with a bias.
 *
 * <p>The reference is {@code gelu(x) = x / (1 + exp(-z))}, {@code z = 2 sqrt(2/pi) (x + 0.044715 x^3)}, which equals
 * {@code 0.5 x (1 + tanh(z / 2))} but does not cancel for negative x (in double, {@code 1 + tanh} loses every digit
 * below x = -6); {@link #sigmoidFormReferenceEqualsTanhForm} ties it to the tanh form.
 *
 * <p>Tolerances, fp32:
 *
 * <ul>
 *   <li>forward: {@code 3e-7 (1 + max(0, -z)) |ref| + 2^-148}. For z &lt; 0, gelu(x) ~ x e^z, so its relative error
 *       is the absolute error of z, and z computed in fp32 (three roundings and two rounded constants) carries about
 *       {@code 1.8e-7 |z|}; the exp polynomial, the products and the division add a few ulp. The bound is 3e-7
 *       relative for x >= 0, 1.4e-6 at x = -2 and 2.7e-5 at x = -10, where gelu(x) is 1e-37 (measured worst: 1.3e-7,
 *       3.8e-7 and 1.2e-5). 2^-148 (two subnormal steps) covers the
 *       roundings of intermediate products that fall in the subnormal range, below x = -10.
 *   <li>backward: {@code 3e-7 (1 + max(0, -z)) (|s| + |x z' s (1 - s)|) + 2^-148}: the error relative to the sum of the
 *       magnitudes of the two terms of {@code gelu' = s + x z' s (1 - s)}, since they cancel where gelu' crosses zero
 *       (x = -0.7518), where no relative bound on gelu' holds.
 * </ul>
 *
 * bf16: inputs are bf16 values and the result is rounded once to bf16, so 2^-8 |ref| (half a bf16 ulp) is added to
 * the fp32 tolerance, and the subnormal term becomes 2^-133 (the bf16 subnormal step).
 *
 * <p>Saturation is exact: gelu(x) = x for x >= 20 and +inf, -0 for x &lt;= -20 and -inf; gelu' = 1 and 0 there;
 * NaN gives NaN.
 */
class GeluReferenceTest {
  private static final double C = Math.sqrt(2.0 / Math.PI);
  private static final double A = 0.044715;
  private static final double FP32_REL = 3e-7;
  private static final double BF16_HALF_ULP = Math.scalb(1.0, -8);

  /** Dense grid, extremes and specials; bf16-rounded for BF16, padded to a multiple of {@code cols}. */
  private static float[] grid(DType dt, int cols) {
    float[] extremes = {25f, 100f, 1e3f, 1e6f, 7e12f, 1e13f, 1e20f, 1e30f, Float.MAX_VALUE, -25f, -100f, -1e3f,
        -1e6f, -7e12f, -1e13f, -1e20f, -1e30f, -Float.MAX_VALUE, 1e-30f, -1e-30f, Float.MIN_NORMAL,
        -Float.MIN_NORMAL, Float.MIN_VALUE, -Float.MIN_VALUE, 0f, -0f, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.NaN};
    int dense = 40 * 1024 + 1;
    int n = dense + extremes.length;
    n = (n + cols - 1) / cols * cols;
    float[] x = new float[n];
    for (int i = 0; i < dense; i++) {
      x[i] = -20f + i / 1024f;
    }
    System.arraycopy(extremes, 0, x, dense, extremes.length);
    for (int i = dense + extremes.length; i < n; i++) {
      x[i] = 0.5f;
    }
    return roundTo(dt, x);
  }

  private static double z(double x) {
    return 2 * C * (x + A * x * x * x);
  }

  /** gelu(x) in double. */
  static double gelu(double x) {
    if (Double.isInfinite(x)) {
      return x > 0 ? x : 0.0;
    }
    return x / (1 + Math.exp(-z(x)));
  }

  /** The two terms s and x z' s (1 - s) of gelu'(x), in double, with e = exp(-|z|): s (1 - s) = e / (1 + e)^2. */
  private static double[] gradTerms(double x) {
    if (Double.isNaN(x)) {
      return new double[] {Double.NaN, Double.NaN};
    }
    if (Double.isInfinite(x)) {
      return new double[] {x > 0 ? 1 : 0, 0};
    }
    double zx = z(x);
    double e = Math.exp(-Math.abs(zx));
    double d = 1 + e;
    double s = zx >= 0 ? 1 / d : e / d;
    double dz = 2 * C * (1 + 3 * A * x * x);
    double t = e == 0 ? 0 : x * dz * e / (d * d);
    return new double[] {s, t};
  }

  static double geluGrad(double x) {
    double[] t = gradTerms(x);
    return t[0] + t[1];
  }

  /** fp32 relative tolerance 3e-7 (1 + max(0, -z)): for z >= 0 an error in z moves gelu by at most e^-z z eps. */
  private static double fp32Rel(double x) {
    double zx = Double.isFinite(x) ? z(x) : 0;
    return FP32_REL * (1 + Math.max(0, -zx));
  }

  private static double tolForward(DType dt, double x, double ref) {
    double rel = fp32Rel(x);
    return dt == DType.BF16
        ? (rel + BF16_HALF_ULP) * Math.abs(ref) + Math.scalb(1.0, -133)
        : rel * Math.abs(ref) + Math.scalb(1.0, -148);
  }

  private static double tolBackward(DType dt, double x) {
    double[] t = gradTerms(x);
    double rel = fp32Rel(x);
    double mag = Math.abs(t[0]) + Math.abs(t[1]);
    return dt == DType.BF16
        ? rel * mag + BF16_HALF_ULP * Math.abs(t[0] + t[1]) + Math.scalb(1.0, -133)
        : rel * mag + Math.scalb(1.0, -148);
  }

  /** NaN expected: NaN; infinite expected: exactly that; otherwise |got - ref| <= tol; names the first failure. */
  private static void check(String what, float[] x, double[] ref, double[] tol, float[] got) {
    assertEquals(ref.length, got.length, what + ": length");
    for (int i = 0; i < ref.length; i++) {
      boolean ok;
      if (Double.isNaN(ref[i])) {
        ok = Float.isNaN(got[i]);
      } else if (Double.isInfinite(ref[i])) {
        ok = got[i] == ref[i];
      } else {
        ok = Math.abs(got[i] - ref[i]) <= tol[i];
      }
      if (!ok) {
        fail(what + ": x=" + x[i] + " (element " + i + ") gives " + got[i] + ", reference " + ref[i] + ", tolerance "
            + tol[i]);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void forwardMatchesDoubleReferenceOnDenseGrid(DType dt) {
    float[] x = grid(dt, 1);
    double[] ref = new double[x.length];
    double[] tol = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      ref[i] = gelu(x[i]);
      tol[i] = tolForward(dt, x[i], ref[i]);
    }
    try (Scope scope = Scope.open()) {
      float[] got = Elementwise.geluForward(tensor(x, new long[] {x.length}, dt)).toFloatArray();
      check("gelu forward " + dt, x, ref, tol, got);
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void backwardMatchesDoubleReferenceOnDenseGrid(DType dt) {
    float[] x = grid(dt, 1);
    float[] ones = new float[x.length];
    Arrays.fill(ones, 1f);
    double[] ref = new double[x.length];
    double[] tol = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      ref[i] = geluGrad(x[i]);
      tol[i] = tolBackward(dt, x[i]);
    }
    try (Scope scope = Scope.open()) {
      long[] dims = {x.length};
      float[] got = Elementwise.geluBackward(tensor(x, dims, dt), tensor(ones, dims, dt)).toFloatArray();
      check("gelu backward " + dt, x, ref, tol, got);
    }
  }

  /** The fused rows on the same grid: the kernel adds bias[c] to x[r, c] in fp32, the reference takes that sum. */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void fusedBiasGeluMatchesDoubleReferenceOnDenseGrid(DType dt) {
    int cols = 8;
    float[] x = grid(dt, cols);
    // exact in bf16; x + bias is exact in fp32 on the dense part of the grid
    float[] bias = {0f, 0.5f, -0.25f, 1.5f, -2f, 0.125f, -0.75f, 3f};
    int rows = x.length / cols;
    float[] dy = new float[x.length];
    Arrays.fill(dy, 1f);
    double[] y = new double[x.length];
    double[] g = new double[x.length];
    double[] tolY = new double[x.length];
    double[] tolG = new double[x.length];
    float[] pre = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      pre[i] = x[i] + bias[i % cols];
      y[i] = gelu(pre[i]);
      g[i] = geluGrad(pre[i]);
      tolY[i] = tolForward(dt, pre[i], y[i]);
      tolG[i] = tolBackward(dt, pre[i]);
    }
    try (Scope scope = Scope.open()) {
      long[] dims = {rows, cols};
      Tensor tx = tensor(x, dims, dt);
      Tensor tb = tensor(bias, new long[] {cols}, dt);
      check("biasGelu forward " + dt, pre, y, tolY, Elementwise.biasGeluForward(tx, tb).toFloatArray());
      Tensor dx = Tensor.empty(tx.shape(), dt, tx.device());
      Elementwise.biasGeluBackward(dx, null, tx, tb, tensor(dy, dims, dt));
      check("biasGelu backward " + dt, pre, g, tolG, dx.toFloatArray());
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void saturatesExactlyAndPropagatesNaN(DType dt) {
    float[] x = roundTo(dt, new float[] {20f, 37.5f, 1e20f, Float.MAX_VALUE, Float.POSITIVE_INFINITY, -20f, -37.5f,
        -1e20f, -Float.MAX_VALUE, Float.NEGATIVE_INFINITY, Float.NaN});
    float[] ones = new float[x.length];
    Arrays.fill(ones, 1f);
    try (Scope scope = Scope.open()) {
      long[] dims = {x.length};
      float[] y = Elementwise.geluForward(tensor(x, dims, dt)).toFloatArray();
      float[] g = Elementwise.geluBackward(tensor(x, dims, dt), tensor(ones, dims, dt)).toFloatArray();
      for (int i = 0; i < x.length; i++) {
        String s = dt + " x=" + x[i] + ": gelu " + y[i] + ", gelu' " + g[i];
        if (Float.isNaN(x[i])) {
          assertTrue(Float.isNaN(y[i]) && Float.isNaN(g[i]), s);
        } else if (x[i] > 0) {
          assertTrue(y[i] == x[i] && g[i] == 1f, s);
        } else {
          assertTrue(y[i] == 0f && g[i] == 0f, s);
        }
      }
    }
  }

  /** The reference above is the tanh-approximation GELU: against 0.5 x (1 + tanh(u)) on [-4, 4] (no cancellation). */
  @Test
  void sigmoidFormReferenceEqualsTanhForm() {
    for (double x = -4; x <= 4; x += 1.0 / 64) {
      double a = gelu(x);
      double b = geluRef(x);
      assertTrue(Math.abs(a - b) <= 1e-9 * Math.abs(b) + 1e-300, "x=" + x + ": " + a + " vs " + b);
      double h = 1e-5;
      double fd = (gelu(x + h) - gelu(x - h)) / (2 * h);
      assertTrue(Math.abs(geluGrad(x) - fd) <= 1e-8, "gelu' at x=" + x + ": " + geluGrad(x) + " vs " + fd);
    }
  }
}
