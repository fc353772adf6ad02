package dev.shard4j.ops;

import static dev.shard4j.ops.KernelTestSupport.SHAPES;
import static dev.shard4j.ops.KernelTestSupport.assertClose;
import static dev.shard4j.ops.KernelTestSupport.geluGradRef;
import static dev.shard4j.ops.KernelTestSupport.geluRef;
import static dev.shard4j.ops.KernelTestSupport.numel;
import static dev.shard4j.ops.KernelTestSupport.random;
import static dev.shard4j.ops.KernelTestSupport.roundTo;
import static dev.shard4j.ops.KernelTestSupport.storageEps;
import static dev.shard4j.ops.KernelTestSupport.tensor;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * CPU elementwise kernels against plain-Java references. f32: tolerance 1e-6 + 1e-6|ref| for add/sub/mul/scale/axpy,
 * 1e-6 + 2e-6|ref| for GELU. bf16: the reference is computed in double from the bf16-rounded inputs, tolerance
 * 1e-6 + 2^-7 |ref| (one bf16 rounding of the result).
 */
class ElementwiseTest {
  private final Random rng = new Random(42);

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void binaryOpsScaleAndAxpyMatchReference(DType dt) {
    double rtol = Math.max(1e-6, storageEps(dt));
    for (long[] dims : SHAPES) {
      int n = numel(dims);
      float[] a = roundTo(dt, random(rng, n, 2f));
      float[] b = roundTo(dt, random(rng, n, 2f));
      double[] add = new double[n];
      double[] sub = new double[n];
      double[] mul = new double[n];
      double[] scl = new double[n];
      double[] axpy = new double[n];
      for (int i = 0; i < n; i++) {
        add[i] = (double) a[i] + b[i];
        sub[i] = (double) a[i] - b[i];
        mul[i] = (double) a[i] * b[i];
        scl[i] = -1.5 * a[i];
        axpy[i] = b[i] + 0.25 * a[i];
      }
      String s = Arrays.toString(dims) + " " + dt;
      try (Scope scope = Scope.open()) {
        Tensor ta = tensor(a, dims, dt);
        Tensor tb = tensor(b, dims, dt);
        assertClose("add " + s, add, Elementwise.add(ta, tb).toFloatArray(), 1e-6, rtol);
        assertClose("sub " + s, sub, Elementwise.sub(ta, tb).toFloatArray(), 1e-6, rtol);
        assertClose("mul " + s, mul, Elementwise.mul(ta, tb).toFloatArray(), 1e-6, rtol);
        assertClose("scale " + s, scl, Elementwise.scale(ta, -1.5f).toFloatArray(), 1e-6, rtol);
        Tensor res = Tensor.empty(ta.shape(), dt, ta.device());
        assertClose("residualAdd " + s, add, Elementwise.residualAdd(res, ta, tb).toFloatArray(), 1e-6, rtol);
        Elementwise.axpy(tb, 0.25f, ta);
        assertClose("axpy " + s, axpy, tb.toFloatArray(), 1e-6, rtol);
        Elementwise.add(ta, ta, ta); // in place
        double[] twice = new double[n];
        for (int i = 0; i < n; i++) {
          twice[i] = 2.0 * a[i];
        }
        assertClose("in-place add " + s, twice, ta.toFloatArray(), 0, rtol);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void geluForwardAndBackwardMatchAnalyticReference(DType dt) {
    double rtol = Math.max(2e-6, storageEps(dt));
    for (long[] dims : SHAPES) {
      int n = numel(dims);
      float[] x = roundTo(dt, random(rng, n, 3f));
      x[0] = dt == DType.F32 ? -30f : -30f; // saturated tails
      if (n > 1) {
        x[1] = 12f;
      }
      float[] dy = roundTo(dt, random(rng, n, 1f));
      double[] y = new double[n];
      double[] dx = new double[n];
      for (int i = 0; i < n; i++) {
        y[i] = geluRef(x[i]);
        dx[i] = dy[i] * geluGradRef(x[i]);
      }
      String s = Arrays.toString(dims) + " " + dt;
      try (Scope scope = Scope.open()) {
        Tensor tx = tensor(x, dims, dt);
        Tensor tdy = tensor(dy, dims, dt);
        assertClose("gelu forward " + s, y, Elementwise.geluForward(tx).toFloatArray(), 1e-6, rtol);
        assertClose("gelu backward " + s, dx, Elementwise.geluBackward(tx, tdy).toFloatArray(), 1e-6, rtol);
        Elementwise.geluBackward(tdy, tx, tdy); // dx aliasing dy
        assertClose("gelu backward in place " + s, dx, tdy.toFloatArray(), 1e-6, rtol);
      }
    }
  }

  @Test
  void geluBackwardMatchesFiniteDifferences() {
    int n = 2001;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = -6f + 12f * i / (n - 1);
    }
    float[] ones = new float[n];
    Arrays.fill(ones, 1f);
    double h = 1e-4;
    double[] fd = new double[n];
    for (int i = 0; i < n; i++) {
      fd[i] = (geluRef(x[i] + h) - geluRef(x[i] - h)) / (2 * h);
    }
    try (Scope scope = Scope.open()) {
      float[] got = Elementwise.geluBackward(Tensor.fromArray(x, n), Tensor.fromArray(ones, n)).toFloatArray();
      assertClose("gelu backward vs finite differences", fd, got, 1e-5, 1e-5);
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void biasAddAndBiasGeluMatchReference(DType dt) {
    double rtol = Math.max(2e-6, storageEps(dt));
    for (long[] dims : SHAPES) {
      int n = numel(dims);
      int cols = (int) dims[dims.length - 1];
      int rows = n / cols;
      float[] x = roundTo(dt, random(rng, n, 2f));
      float[] dy = roundTo(dt, random(rng, n, 1f));
      for (DType bt : new DType[] {dt, DType.F32}) {
        float[] b = roundTo(bt, random(rng, cols, 1f));
        double[] add = new double[n];
        double[] y = new double[n];
        double[] pre = new double[n];
        double[] dx = new double[n];
        double[] db = new double[cols];
        for (int c = 0; c < cols; c++) {
          db[c] = 0.5;
        }
        for (int r = 0; r < rows; r++) {
          for (int c = 0; c < cols; c++) {
            int i = r * cols + c;
            add[i] = (double) x[i] + b[c];
            // the kernel rounds x + b to fp32 before the activation
            float p = x[i] + b[c];
            pre[i] = p;
            y[i] = geluRef(p);
            dx[i] = dy[i] * geluGradRef(p);
          }
        }
        String s = Arrays.toString(dims) + " " + dt + " bias " + bt;
        try (Scope scope = Scope.open()) {
          Tensor tx = tensor(x, dims, dt);
          Tensor tb = tensor(b, new long[] {cols}, bt);
          Tensor tdy = tensor(dy, dims, dt);
          assertClose("biasAdd " + s, add, Elementwise.biasAdd(tx, tb).toFloatArray(), 1e-6, rtol);
          Tensor out = Tensor.empty(tx.shape(), dt, tx.device());
          Tensor tpre = Tensor.empty(tx.shape(), dt, tx.device());
          Elementwise.biasGeluForward(out, tpre, tx, tb);
          assertClose("biasGelu forward " + s, y, out.toFloatArray(), 1e-6, rtol);
          assertClose("biasGelu pre " + s, pre, tpre.toFloatArray(), 1e-6, rtol);
          assertClose("biasGelu forward (no pre) " + s, y, Elementwise.biasGeluForward(tx, tb).toFloatArray(), 1e-6,
              rtol);
          float[] dbInit = new float[cols];
          Arrays.fill(dbInit, 0.5f);
          Tensor tdb = Tensor.fromArray(dbInit, cols);
          float[] gotDx = Elementwise.biasGeluBackward(tdb, tx, tb, tdy).toFloatArray();
          assertClose("biasGelu backward dx " + s, dx, gotDx, 1e-6, rtol);
          for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
              db[c] += gotDx[r * cols + c];
            }
          }
          assertClose("biasGelu backward dbias " + s, db, tdb.toFloatArray(), 1e-5, 1e-5);
        }
      }
    }
  }

  @Test
  void biasGeluBackwardMatchesFiniteDifferences() {
    int rows = 5;
    int cols = 9;
    float[] x = random(rng, rows * cols, 1.5f);
    float[] b = random(rng, cols, 1f);
    float[] dy = random(rng, rows * cols, 1f);
    double h = 1e-4;
    double[] fdx = new double[rows * cols];
    double[] fdb = new double[cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int i = r * cols + c;
        // L = sum dy * gelu(x + b): dL/dx_i and dL/db_c by central differences in double
        double d = dy[i] * (geluRef((double) x[i] + b[c] + h) - geluRef((double) x[i] + b[c] - h)) / (2 * h);
        fdx[i] = d;
        fdb[c] += d;
      }
    }
    try (Scope scope = Scope.open()) {
      Tensor db = Tensor.zeros(cols);
      Tensor dx = Elementwise.biasGeluBackward(db, Tensor.fromArray(x, rows, cols), Tensor.fromArray(b, cols),
          Tensor.fromArray(dy, rows, cols));
      assertClose("biasGelu dx vs finite differences", fdx, dx.toFloatArray(), 2e-5, 1e-4);
      assertClose("biasGelu dbias vs finite differences", fdb, db.toFloatArray(), 1e-4, 1e-4);
    }
  }

  @Test
  void badInputsAreRejectedWithClearMessages() {
    try (Scope scope = Scope.open()) {
      Tensor a = Tensor.zeros(4, 8);
      Tensor b = Tensor.zeros(4, 9);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Elementwise.add(a, b));
      assertTrue(e.getMessage().startsWith("add: shapes differ"), e.getMessage());
      assertTrue(e.getMessage().contains("[4, 9]"), e.getMessage());
      Tensor h = Tensor.zeros(Shape.of(4, 8), DType.BF16, a.device());
      e = assertThrows(IllegalArgumentException.class, () -> Elementwise.mul(a, h));
      assertTrue(e.getMessage().startsWith("mul: dtypes differ"), e.getMessage());
      Tensor t = Tensor.zeros(8, 4).transpose(0, 1);
      e = assertThrows(IllegalArgumentException.class, () -> Elementwise.geluForward(t));
      assertTrue(e.getMessage().contains("contiguous"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> Elementwise.biasAdd(a, Tensor.zeros(4)));
      assertTrue(e.getMessage().startsWith("biasAdd: bias must have shape [8]"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> Elementwise.biasGeluBackward(Tensor.zeros(Shape.of(8), DType.BF16, a.device()),
              a, Tensor.zeros(8), a));
      assertTrue(e.getMessage().startsWith("biasGeluBackward: dbias must be F32"), e.getMessage());
      Tensor c = Tensor.zeros(4, 8);
      c.close();
      IllegalStateException s = assertThrows(IllegalStateException.class, () -> Elementwise.scale(c, 2f));
      assertTrue(s.getMessage().contains("closed"), s.getMessage());
    }
  }
}
