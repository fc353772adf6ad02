package dev.shard4j.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GemmTest {
  /** C = alpha * op(A) op(B) + beta * C in double precision; A stored (m,k) or (k,m) when transposed. */
  static double[] reference(float[] a, float[] b, float[] c, boolean ta, boolean tb, int m, int n, int k,
      float alpha, float beta) {
    double[] out = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          double x = ta ? a[p * m + i] : a[i * k + p];
          double y = tb ? b[j * k + p] : b[p * n + j];
          s += x * y;
        }
        out[i * n + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * n + j]);
      }
    }
    return out;
  }

  @ParameterizedTest(name = "m={0} n={1} k={2} ta={3} tb={4} threads={5}")
  @CsvSource({
      "1,1,1,false,false,1", "7,33,5,false,false,2", "7,33,5,true,false,2", "7,33,5,false,true,1",
      "7,33,5,true,true,2", "1000,3,17,false,false,2", "3,1000,17,false,true,2", "128,256,64,false,false,2",
      "130,97,600,true,true,2", "64,64,0,false,false,1", "200,300,513,false,false,2"})
  void matchesDoublePrecisionReference(int m, int n, int k, boolean ta, boolean tb, int threads) {
    CpuRuntime.setThreads(threads);
    Random rnd = new Random(m * 31L + n * 7L + k);
    float[] a = Reference.random(rnd, m * k);
    float[] b = Reference.random(rnd, k * n);
    float[] c = Reference.random(rnd, m * n);
    try (Scope scope = Scope.open()) {
      Tensor ta0 = ta ? Tensor.fromArray(a, k, m).transpose(0, 1) : Tensor.fromArray(a, m, k);
      Tensor tb0 = tb ? Tensor.fromArray(b, n, k).transpose(0, 1) : Tensor.fromArray(b, k, n);
      Tensor tc = Tensor.fromArray(c, m, n);
      Gemm.gemm(tc, ta0, tb0, 0.5f, -1.5f);
      Reference.assertClose(reference(a, b, c, ta, tb, m, n, k, 0.5f, -1.5f), tc.toFloatArray(), 1e-4,
          2e-5 * Math.sqrt(k + 1), "gemm");
      Tensor vendor = Tensor.fromArray(c, m, n);
      Gemm.gemm(vendor, ta0, tb0, 0.5f, -1.5f, GemmImpl.VENDOR);
      Reference.assertClose(reference(a, b, c, ta, tb, m, n, k, 0.5f, -1.5f), vendor.toFloatArray(), 1e-4,
          2e-5 * Math.sqrt(k + 1), "openblas");
    } finally {
      CpuRuntime.setThreads(Runtime.getRuntime().availableProcessors());
    }
  }

  @Test
  void betaZeroIgnoresNanInOutput() {
    float[] nan = new float[12];
    Arrays.fill(nan, Float.NaN);
    try (Scope scope = Scope.open()) {
      Tensor a = Tensor.fromArray(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
      Tensor b = Tensor.fromArray(new float[] {1, 0, 2, 1, 0, 1, 1, 1}, 2, 4);
      Tensor c = Tensor.fromArray(nan, 3, 4);
      Gemm.gemm(c, a, b, 1f, 0f);
      Reference.assertClose(new float[] {1, 2, 4, 3, 3, 4, 10, 7, 5, 6, 16, 11}, c.toFloatArray(), 0, 0, "gemm");
    }
  }

  @Test
  void batchedMatchesPerMatrixReference() {
    Random rnd = new Random(3);
    int batch = 6, m = 9, n = 17, k = 33;
    float[] a = Reference.random(rnd, batch * m * k);
    float[] b = Reference.random(rnd, batch * k * n);
    try (Scope scope = Scope.open()) {
      Tensor c = Gemm.matmul(Tensor.fromArray(a, batch, m, k), Tensor.fromArray(b, batch, k, n));
      float[] got = c.toFloatArray();
      for (int i = 0; i < batch; i++) {
        double[] ref = reference(Arrays.copyOfRange(a, i * m * k, (i + 1) * m * k),
            Arrays.copyOfRange(b, i * k * n, (i + 1) * k * n), new float[m * n], false, false, m, n, k, 1f, 0f);
        Reference.assertClose(ref, Arrays.copyOfRange(got, i * m * n, (i + 1) * m * n), 1e-4, 1e-4, "batch " + i);
      }
      // a transposed batched view (B, k, m) -> (B, m, k) is used without a copy
      Tensor at = Tensor.fromArray(a, batch, k, m).transpose(1, 2);
      Tensor ct = Gemm.matmul(at, Tensor.fromArray(b, batch, k, n));
      float[] gt = ct.toFloatArray();
      for (int i = 0; i < batch; i++) {
        double[] ref = reference(Arrays.copyOfRange(a, i * m * k, (i + 1) * m * k),
            Arrays.copyOfRange(b, i * k * n, (i + 1) * k * n), new float[m * n], true, false, m, n, k, 1f, 0f);
        Reference.assertClose(ref, Arrays.copyOfRange(gt, i * m * n, (i + 1) * m * n), 1e-4, 1e-4, "t-batch " + i);
      }
    }
  }

  @Test
  void bf16InputsAccumulateInFp32() {
    Random rnd = new Random(11);
    int m = 37, n = 45, k = 300;
    float[] a = Reference.random(rnd, m * k);
    float[] b = Reference.random(rnd, k * n);
    try (Scope scope = Scope.open()) {
      Tensor ab = Tensor.fromArray(a, Shape.of(m, k), DType.BF16, Device.CPU);
      Tensor bb = Tensor.fromArray(b, Shape.of(k, n), DType.BF16, Device.CPU);
      Tensor c = Tensor.zeros(Shape.of(m, n), DType.F32, Device.CPU);
      Gemm.gemm(c, ab, bb, 1f, 0f);
      double[] ref = reference(Reference.roundBf16(a), Reference.roundBf16(b), new float[m * n], false, false, m, n, k,
          1f, 0f);
      Reference.assertClose(ref, c.toFloatArray(), 1e-3, 1e-4, "bf16 in, f32 out");
      Tensor cb = Gemm.matmul(ab, bb);
      Reference.assertClose(ref, cb.toFloatArray(), 0.05, 1.0 / 128, "bf16 in, bf16 out");
    }
  }

  @Test
  void badShapesNameTheOperands() {
    try (Scope scope = Scope.open()) {
      Tensor a = Tensor.zeros(4, 8);
      Tensor b = Tensor.zeros(7, 3);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gemm.matmul(a, b));
      assertTrue(e.getMessage().contains("matmul: inner dims differ: a is [4, 8] f32 cpu, b is [7, 3] f32 cpu"),
          e.getMessage());
      Tensor bf = Tensor.zeros(Shape.of(8, 3), DType.BF16, Device.CPU);
      assertTrue(assertThrows(IllegalArgumentException.class, () -> Gemm.matmul(a, bf)).getMessage()
          .contains("dtypes differ"));
      Tensor c = Tensor.zeros(4, 4);
      assertTrue(assertThrows(IllegalArgumentException.class, () -> Gemm.gemm(c, a, Tensor.zeros(8, 3), 1, 0))
          .getMessage().contains("output must be [4, 3]"));
      Tensor closed = Tensor.zeros(8, 3);
      closed.close();
      assertTrue(assertThrows(IllegalStateException.class, () -> Gemm.matmul(a, closed)).getMessage()
          .contains("closed"));
    }
  }

  @Test
  void fmaPeakProbeCountsFlops() {
    double flops = Gemm.fmaPeakFlops(Device.CPU, 1000, 1);
    assertTrue(flops >= 1000.0 * 2 * 8 * 12, "flops " + flops);
  }

  @Test
  @Tag("gpu")
  @EnabledIf("dev.shard4j.tensor.CudaRuntime#isAvailable")
  void cudaKernelMatchesCpuKernel() {
    Random rnd = new Random(5);
    int[][] shapes = {{1, 1, 1}, {7, 33, 5}, {129, 257, 65}, {512, 384, 1000}};
    for (int[] s : shapes) {
      int m = s[0], n = s[1], k = s[2];
      float[] a = Reference.random(rnd, m * k);
      float[] b = Reference.random(rnd, k * n);
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          try (Scope scope = Scope.open()) {
            Tensor ha = ta ? Tensor.fromArray(a, k, m).transpose(0, 1) : Tensor.fromArray(a, m, k);
            Tensor hb = tb ? Tensor.fromArray(b, n, k).transpose(0, 1) : Tensor.fromArray(b, k, n);
            Tensor cpu = Gemm.matmul(ha, hb);
            Device gpu = Device.cuda(0);
            Tensor da = ta ? Tensor.fromArray(a, Shape.of(k, m), DType.F32, gpu).transpose(0, 1)
                : Tensor.fromArray(a, Shape.of(m, k), DType.F32, gpu);
            Tensor db = tb ? Tensor.fromArray(b, Shape.of(n, k), DType.F32, gpu).transpose(0, 1)
                : Tensor.fromArray(b, Shape.of(k, n), DType.F32, gpu);
            Reference.assertClose(cpu.toFloatArray(), Gemm.matmul(da, db).toFloatArray(), 1e-4, 1e-4, "cuda");
            Reference.assertClose(cpu.toFloatArray(), Gemm.matmul(da, db, GemmImpl.VENDOR).toFloatArray(), 1e-3, 1e-3,
                "cublas");
          }
        }
      }
    }
  }
}
