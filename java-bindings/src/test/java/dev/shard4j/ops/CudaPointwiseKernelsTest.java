package dev.shard4j.ops;

import static dev.shard4j.ops.KernelTestSupport.assertClose;
import static dev.shard4j.ops.KernelTestSupport.random;
import static dev.shard4j.ops.KernelTestSupport.roundTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * CUDA elementwise, reduction, softmax and layernorm kernels against the CPU kernels on the same inputs. Tolerance
 * 1e-5 + 1e-5 |cpu| for f32 (the two backends use different exp/tanh implementations and summation orders), and
 * 1e-5 + 2^-6 |cpu| for bf16 (one rounding step apart at most).
 */
@Tag("gpu")
@EnabledIf("dev.shard4j.tensor.CudaRuntime#isAvailable")
class CudaPointwiseKernelsTest {
  private static final Device GPU = Device.cuda(0);
  private static final long[][] SHAPES = {{1}, {7}, {33}, {1000, 3}, {3, 1000}, {4, 65, 65}, {257, 1031}};
  private final Random rng = new Random(5);

  private static double rtol(DType dt) {
    return dt == DType.BF16 ? 1.0 / 64 : 1e-5;
  }

  private Tensor cpu(float[] data, long[] dims, DType dt) {
    return Tensor.fromArray(data, Shape.of(dims), dt, Device.CPU);
  }

  private static void same(String what, Tensor cpuResult, Tensor gpuResult, DType dt) {
    assertClose(what, cpuResult.toFloatArray(), gpuResult.to(Device.CPU).toFloatArray(), 1e-5, rtol(dt));
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void elementwiseMatchesCpu(DType dt) {
    for (long[] dims : SHAPES) {
      int n = KernelTestSupport.numel(dims);
      int cols = (int) dims[dims.length - 1];
      String s = Arrays.toString(dims) + " " + dt;
      try (Scope scope = Scope.open()) {
        Tensor a = cpu(roundTo(dt, random(rng, n, 2f)), dims, dt);
        Tensor b = cpu(roundTo(dt, random(rng, n, 2f)), dims, dt);
        Tensor bias = cpu(random(rng, cols, 1f), new long[] {cols}, DType.F32);
        Tensor ga = a.to(GPU);
        Tensor gb = b.to(GPU);
        Tensor gbias = bias.to(GPU);
        same("add " + s, Elementwise.add(a, b), Elementwise.add(ga, gb), dt);
        same("sub " + s, Elementwise.sub(a, b), Elementwise.sub(ga, gb), dt);
        same("mul " + s, Elementwise.mul(a, b), Elementwise.mul(ga, gb), dt);
        same("scale " + s, Elementwise.scale(a, 0.3f), Elementwise.scale(ga, 0.3f), dt);
        same("gelu " + s, Elementwise.geluForward(a), Elementwise.geluForward(ga), dt);
        same("gelu backward " + s, Elementwise.geluBackward(a, b), Elementwise.geluBackward(ga, gb), dt);
        same("biasAdd " + s, Elementwise.biasAdd(a, bias), Elementwise.biasAdd(ga, gbias), dt);
        same("biasGelu " + s, Elementwise.biasGeluForward(a, bias), Elementwise.biasGeluForward(ga, gbias), dt);
        Tensor db = Tensor.zeros(cols);
        Tensor gdb = Tensor.zeros(Shape.of(cols), DType.F32, GPU);
        same("biasGelu backward " + s, Elementwise.biasGeluBackward(db, a, bias, b),
            Elementwise.biasGeluBackward(gdb, ga, gbias, gb), dt);
        assertClose("biasGelu dbias " + s, db.toFloatArray(), gdb.to(Device.CPU).toFloatArray(), 1e-4, 1e-4);
        Elementwise.axpy(b, -2f, a);
        Elementwise.axpy(gb, -2f, ga);
        same("axpy " + s, b, gb, dt);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void reductionsMatchCpu(DType dt) {
    for (long[] dims : SHAPES) {
      int n = KernelTestSupport.numel(dims);
      String s = Arrays.toString(dims) + " " + dt;
      try (Scope scope = Scope.open()) {
        Tensor x = cpu(roundTo(dt, random(rng, n, 1f)), dims, dt);
        Tensor gx = x.to(GPU);
        for (int axis = 0; axis < dims.length; axis++) {
          assertClose("sum axis " + axis + " " + s, Reductions.sum(x, axis).toFloatArray(),
              Reductions.sum(gx, axis).to(Device.CPU).toFloatArray(), 1e-4, rtol(dt));
          assertClose("max axis " + axis + " " + s, Reductions.max(x, axis).toFloatArray(),
              Reductions.max(gx, axis).to(Device.CPU).toFloatArray(), 0, 0);
        }
        float ss = Reductions.sumSquares(x);
        float gss = Reductions.sumSquares(gx);
        assertTrue(Math.abs(ss - gss) <= 1e-6 * ss, "sumSquares " + s + ": " + gss + " vs " + ss);
        assertEquals(gss, Reductions.sumSquares(gx), "sumSquares must be reproducible " + s);
        assertEquals(Reductions.maxAll(x), Reductions.maxAll(gx), "maxAll " + s);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void softmaxMatchesCpu(DType dt) {
    long[][] shapes = {{1}, {33}, {1000, 3}, {3, 1000}, {2, 17, 17}, {4, 128, 128}, {3, 5000}};
    for (long[] dims : shapes) {
      int n = KernelTestSupport.numel(dims);
      for (boolean causal : new boolean[] {false, true}) {
        if (causal && (dims.length < 2 || dims[dims.length - 1] != dims[dims.length - 2])) {
          continue;
        }
        String s = Arrays.toString(dims) + " " + dt + (causal ? " causal" : "");
        try (Scope scope = Scope.open()) {
          Tensor x = cpu(roundTo(dt, random(rng, n, 4f)), dims, dt);
          Tensor dy = cpu(roundTo(dt, random(rng, n, 1f)), dims, dt);
          Tensor y = Softmax.forward(x, causal);
          Tensor gy = Softmax.forward(x.to(GPU), causal);
          same("softmax forward " + s, y, gy, dt);
          // backward on identical y, so only the kernels differ
          same("softmax backward " + s, Softmax.backward(y, dy), Softmax.backward(y.to(GPU), dy.to(GPU)), dt);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void layernormMatchesCpu(DType dt) {
    long[][] shapes = {{7}, {33}, {1000, 3}, {3, 1000}, {2, 5, 768}, {129, 257}};
    for (long[] dims : shapes) {
      int n = KernelTestSupport.numel(dims);
      int c = (int) dims[dims.length - 1];
      String s = Arrays.toString(dims) + " " + dt;
      try (Scope scope = Scope.open()) {
        Tensor x = cpu(roundTo(dt, random(rng, n, 2f)), dims, dt);
        Tensor w = cpu(roundTo(dt, random(rng, c, 1f)), new long[] {c}, dt);
        Tensor b = cpu(roundTo(dt, random(rng, c, 1f)), new long[] {c}, dt);
        Tensor dout = cpu(roundTo(dt, random(rng, n, 1f)), dims, dt);
        LayerNorm.Forward f = LayerNorm.forward(x, w, b, 1e-5f);
        LayerNorm.Forward gf = LayerNorm.forward(x.to(GPU), w.to(GPU), b.to(GPU), 1e-5f);
        same("layernorm out " + s, f.out, gf.out, dt);
        assertClose("layernorm mean " + s, f.mean.toFloatArray(), gf.mean.to(Device.CPU).toFloatArray(), 1e-5, 1e-5);
        assertClose("layernorm rstd " + s, f.rstd.toFloatArray(), gf.rstd.to(Device.CPU).toFloatArray(), 1e-5, 1e-4);
        Tensor dw = Tensor.zeros(c);
        Tensor db = Tensor.zeros(c);
        Tensor gdw = Tensor.zeros(Shape.of(c), DType.F32, GPU);
        Tensor gdb = Tensor.zeros(Shape.of(c), DType.F32, GPU);
        Tensor dx = LayerNorm.backward(dw, db, dout, x, w, f.mean, f.rstd);
        Tensor gdx = LayerNorm.backward(gdw, gdb, dout.to(GPU), x.to(GPU), w.to(GPU), f.mean.to(GPU),
            f.rstd.to(GPU));
        assertClose("layernorm dx " + s, dx.toFloatArray(), gdx.to(Device.CPU).toFloatArray(), 1e-4, rtol(dt) * 2);
        int rows = n / c;
        assertClose("layernorm dweight " + s, dw.toFloatArray(), gdw.to(Device.CPU).toFloatArray(), 1e-5 * rows, 1e-4);
        assertClose("layernorm dbias " + s, db.toFloatArray(), gdb.to(Device.CPU).toFloatArray(), 1e-5 * rows, 1e-4);
      }
    }
  }
}
