package dev.shard4j.ops;

import static dev.shard4j.ops.KernelTestSupport.assertClose;
import static dev.shard4j.ops.KernelTestSupport.numel;
import static dev.shard4j.ops.KernelTestSupport.random;
import static dev.shard4j.ops.KernelTestSupport.roundTo;
import static dev.shard4j.ops.KernelTestSupport.storageEps;
import static dev.shard4j.ops.KernelTestSupport.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * CPU softmax against a double-precision Java reference: f32 tolerance 1e-7 + 1e-5 |ref|, bf16 (reference from the
 * bf16-rounded inputs) 1e-7 + 2^-7 |ref| (forward) and 1e-5 + 2^-6 |ref| (backward, which reads a rounded y).
 */
class SoftmaxTest {
  private final Random rng = new Random(3);

  static double[] softmaxRef(float[] x, int rows, int cols, boolean causal) {
    double[] y = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      int n = causal ? r % cols + 1 : cols;
      double m = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < n; c++) {
        m = Math.max(m, x[r * cols + c]);
      }
      double s = 0;
      for (int c = 0; c < n; c++) {
        s += Math.exp(x[r * cols + c] - m);
      }
      for (int c = 0; c < n; c++) {
        y[r * cols + c] = Math.exp(x[r * cols + c] - m) / s;
      }
    }
    return y;
  }

  static double[] backwardRef(float[] y, float[] dy, int rows, int cols) {
    double[] dx = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      double dot = 0;
      for (int c = 0; c < cols; c++) {
        dot += (double) y[r * cols + c] * dy[r * cols + c];
      }
      for (int c = 0; c < cols; c++) {
        dx[r * cols + c] = y[r * cols + c] * (dy[r * cols + c] - dot);
      }
    }
    return dx;
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void forwardAndBackwardMatchReference(DType dt) {
    long[][] shapes = {{1}, {7}, {33}, {1000, 3}, {3, 1000}, {2, 17, 17}, {4, 64, 64}, {3, 5000}};
    for (long[] dims : shapes) {
      for (boolean causal : new boolean[] {false, true}) {
        if (causal && (dims.length < 2 || dims[dims.length - 1] != dims[dims.length - 2])) {
          continue;
        }
        int n = numel(dims);
        int cols = (int) dims[dims.length - 1];
        int rows = n / cols;
        float[] x = roundTo(dt, random(rng, n, 4f));
        x[0] = 60f; // large values must not overflow
        float[] dy = roundTo(dt, random(rng, n, 1f));
        String s = Arrays.toString(dims) + " " + dt + (causal ? " causal" : "");
        try (Scope scope = Scope.open()) {
          Tensor tx = tensor(x, dims, dt);
          Tensor y = Softmax.forward(tx, causal);
          float[] got = y.toFloatArray();
          assertClose("softmax forward " + s, softmaxRef(x, rows, cols, causal), got, 1e-7,
              Math.max(1e-5, storageEps(dt)));
          if (causal) {
            for (int r = 0; r < rows; r++) {
              for (int c = r % cols + 1; c < cols; c++) {
                assertEquals(0f, got[r * cols + c], "masked entry " + r + "," + c + " " + s);
              }
            }
          }
          Tensor dx = Softmax.backward(y, tensor(dy, dims, dt));
          assertClose("softmax backward " + s, backwardRef(got, dy, rows, cols), dx.toFloatArray(), 1e-5,
              Math.max(1e-5, 2 * storageEps(dt)));
        }
      }
    }
  }

  @Test
  void backwardMatchesFiniteDifferences() {
    int rows = 6;
    int cols = 6;
    float[] x = random(rng, rows * cols, 1f);
    float[] dy = random(rng, rows * cols, 1f);
    for (boolean causal : new boolean[] {false, true}) {
      double h = 1e-4;
      double[] fd = new double[rows * cols];
      for (int i = 0; i < fd.length; i++) {
        // L = sum dy * softmax(x); central difference in double on the reference forward
        double[] lp = softmaxRefD(x, i, h, rows, cols, causal);
        double[] lm = softmaxRefD(x, i, -h, rows, cols, causal);
        double sp = 0;
        double sm = 0;
        for (int j = 0; j < fd.length; j++) {
          sp += dy[j] * lp[j];
          sm += dy[j] * lm[j];
        }
        fd[i] = (sp - sm) / (2 * h);
      }
      try (Scope scope = Scope.open()) {
        Tensor y = Softmax.forward(Tensor.fromArray(x, rows, cols), causal);
        float[] dx = Softmax.backward(y, Tensor.fromArray(dy, rows, cols)).toFloatArray();
        assertClose("softmax backward vs finite differences" + (causal ? " causal" : ""), fd, dx, 1e-5, 1e-4);
      }
    }
  }

  private static double[] softmaxRefD(float[] x, int at, double h, int rows, int cols, boolean causal) {
    double[] y = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      int n = causal ? r % cols + 1 : cols;
      double[] v = new double[n];
      double m = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < n; c++) {
        v[c] = x[r * cols + c] + (r * cols + c == at ? h : 0);
        m = Math.max(m, v[c]);
      }
      double s = 0;
      for (int c = 0; c < n; c++) {
        s += Math.exp(v[c] - m);
      }
      for (int c = 0; c < n; c++) {
        y[r * cols + c] = Math.exp(v[c] - m) / s;
      }
    }
    return y;
  }

  @Test
  void badInputsAreRejectedWithClearMessages() {
    try (Scope scope = Scope.open()) {
      Tensor x = Tensor.zeros(4, 8);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Softmax.forward(x, true));
      assertTrue(e.getMessage().startsWith("softmaxForward: causal mask needs scores of shape (..., T, T)"),
          e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> Softmax.forward(Tensor.zeros(4, 9), x, false));
      assertTrue(e.getMessage().startsWith("softmaxForward: shapes differ"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> Softmax.forward(x.transpose(0, 1), false));
      assertTrue(e.getMessage().contains("contiguous"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> Softmax.backward(x, x.to(DType.BF16)));
      assertTrue(e.getMessage().startsWith("softmaxBackward: dtypes differ"), e.getMessage());
      Tensor c = Tensor.zeros(2, 2);
      c.close();
      assertThrows(IllegalStateException.class, () -> Softmax.forward(c, false));
    }
  }
}
