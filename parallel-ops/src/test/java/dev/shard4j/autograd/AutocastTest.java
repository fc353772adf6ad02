package dev.shard4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AutocastTest {
  /** Round-to-nearest-even to bf16, as the kernels store it. */
  private static double bf16(float f) {
    int b = Float.floatToRawIntBits(f);
    b += 0x7FFF + ((b >> 16) & 1);
    return Float.intBitsToFloat(b & 0xFFFF0000);
  }

  private static float[] random(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }

  @Test
  void linearMultipliesBf16RoundedOperandsWithFp32AccumulationAndFp32Gradients() {
    int rows = 5;
    int in = 37;
    int out = 11;
    float[] x = random(rows * in, 1);
    float[] w = random(out * in, 2);
    float[] b = random(out, 3);
    float[] dy = random(rows * out, 4);
    try (Scope scope = Scope.open();
        Parameter weight = new Parameter("w", Tensor.fromArray(w, out, in));
        Parameter bias = new Parameter("b", Tensor.fromArray(b, out))) {
      Variable xv = Variable.leaf(Tensor.fromArray(x, rows, in), true);
      Variable y;
      try (Autograd.Guard g = Autocast.bf16()) {
        y = LinearFunctions.linear(xv, weight, bias);
      }
      assertEquals(DType.F32, y.value().dtype());
      y.backward(Tensor.fromArray(dy, rows, out));
      float[] got = y.value().toFloatArray();
      float[] dx = xv.grad().toFloatArray();
      float[] dw = weight.grad().toFloatArray();
      float[] db = bias.grad().toFloatArray();
      assertEquals(DType.F32, weight.grad().dtype());
      for (int r = 0; r < rows; r++) {
        for (int o = 0; o < out; o++) {
          double ref = b[o];
          for (int k = 0; k < in; k++) {
            ref += bf16(x[r * in + k]) * bf16(w[o * in + k]);
          }
          assertEquals(ref, got[r * out + o], 1e-5 * (1 + Math.abs(ref)), "y[" + r + "," + o + "]");
        }
        for (int k = 0; k < in; k++) {
          double ref = 0;
          for (int o = 0; o < out; o++) {
            ref += bf16(dy[r * out + o]) * bf16(w[o * in + k]);
          }
          assertEquals(ref, dx[r * in + k], 1e-5 * (1 + Math.abs(ref)), "dx[" + r + "," + k + "]");
        }
      }
      for (int o = 0; o < out; o++) {
        double refB = 0;
        for (int r = 0; r < rows; r++) {
          refB += dy[r * out + o];
        }
        assertEquals(refB, db[o], 1e-5 * (1 + Math.abs(refB)), "db[" + o + "] sums the fp32 gradient");
        for (int k = 0; k < in; k++) {
          double ref = 0;
          for (int r = 0; r < rows; r++) {
            ref += bf16(dy[r * out + o]) * bf16(x[r * in + k]);
          }
          assertEquals(ref, dw[o * in + k], 1e-5 * (1 + Math.abs(ref)), "dw[" + o + "," + k + "]");
        }
      }
      // outside the region the same layer is exact fp32 again
      Variable exact = LinearFunctions.linear(Variable.constant(Tensor.fromArray(x, rows, in)), weight, bias);
      double ref = b[0];
      for (int k = 0; k < in; k++) {
        ref += (double) x[k] * w[k];
      }
      assertEquals(ref, exact.value().toFloatArray()[0], 1e-4);
      assertTrue(Math.abs(ref - got[0]) > 1e-6, "bf16 rounding must be visible");
    }
  }
}
