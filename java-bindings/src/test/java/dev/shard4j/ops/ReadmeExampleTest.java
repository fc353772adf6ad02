package dev.shard4j.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shard4j.tensor.NativeMemory;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The README's example, run as written, checked against a plain-Java computation. */
class ReadmeExampleTest {
  @Test
  void readmeExampleComputesGeluOfMatmulAndFreesEverything() {
    long live = NativeMemory.hostLiveCount();
    float[] data = Reference.random(new Random(7), 64 * 256);
    float[] out;
    float[] weights;
    try (Scope scope = Scope.open()) {
      Tensor x = Tensor.fromArray(data, 64, 256);
      Tensor w = Ops.normal(Shape.of(256, 1024), 0f, 0.02f, 42);
      Tensor h = Ops.gelu(Ops.matmul(x, w));
      out = h.toFloatArray();
      weights = w.toFloatArray();
    }
    assertEquals(live, NativeMemory.hostLiveCount());
    double[] ref = new double[64 * 1024];
    for (int i = 0; i < 64; i++) {
      for (int j = 0; j < 1024; j++) {
        double s = 0;
        for (int p = 0; p < 256; p++) {
          s += (double) data[i * 256 + p] * weights[p * 1024 + j];
        }
        ref[i * 1024 + j] = 0.5 * s * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (s + 0.044715 * s * s * s)));
      }
    }
    Reference.assertClose(ref, out, 1e-5, 1e-4, "gelu(x @ w)");
  }
}
