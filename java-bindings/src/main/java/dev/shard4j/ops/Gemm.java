package dev.shard4j.ops;

import dev.shard4j.nativelib.GemmBinding;
import dev.shard4j.tensor.CudaStream;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Matrix multiplication: {@code C = alpha * op(A) * op(B) + beta * C} on 2-D tensors, and its batched form on 3-D
 * tensors (batch, rows, cols). A and B are fp32 or bf16 (the same), C is fp32 or bf16; accumulation is fp32.
 * Operands may be contiguous or 2-D/3-D transposed views of contiguous tensors (passed to the kernel as a transpose
 * flag, no copy). {@link GemmImpl} picks Shard4j's kernels or the vendor library.
 */
public final class Gemm {
  private Gemm() {}

  /** A matrix operand as the kernel sees it: base address, transpose flag, leading dimension, batch stride. */
  private record Operand(long address, boolean trans, long ld, long batchStride) {}

  /** {@code a @ b}: (m,k) x (k,n) -> (m,n), or batched (B,m,k) x (B,k,n) -> (B,m,n). The result is a new fp32
   * tensor (bf16 when both inputs are bf16) owned by the caller or the current scope. */
  public static Tensor matmul(Tensor a, Tensor b) {
    return matmul(a, b, GemmImpl.SHARD4J);
  }

  /** {@link #matmul(Tensor, Tensor)} with an explicit implementation. */
  public static Tensor matmul(Tensor a, Tensor b, GemmImpl impl) {
    Device device = Checks.sameDevice("matmul", a, b);
    if (a.rank() != b.rank() || a.rank() < 2 || a.rank() > 3) {
      throw new IllegalArgumentException("matmul: operands must both be 2-D or both 3-D: a is " + a.describe()
          + ", b is " + b.describe());
    }
    Shape out = a.rank() == 2 ? Shape.of(a.dim(0), b.dim(1)) : Shape.of(a.dim(0), a.dim(1), b.dim(2));
    Tensor c = Tensor.empty(out, a.dtype(), device);
    try {
      gemm(c, a, b, 1.0f, 0.0f, impl);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** {@code c = alpha * a @ b + beta * c} with Shard4j's kernels. */
  public static void gemm(Tensor c, Tensor a, Tensor b, float alpha, float beta) {
    gemm(c, a, b, alpha, beta, GemmImpl.SHARD4J);
  }

  /**
   * {@code c = alpha * a @ b + beta * c}. {@code a} is (m,k) or (B,m,k), {@code b} is (k,n) or (B,k,n), {@code c}
   * is (m,n) or (B,m,n) and contiguous. Transposed views of {@code a} and {@code b} are used without copying.
   */
  public static void gemm(Tensor c, Tensor a, Tensor b, float alpha, float beta, GemmImpl impl) {
    final String op = "matmul";
    Device device = Checks.sameDevice(op, c, a, b);
    Checks.sameDtype(op, a, b);
    int rank = c.rank();
    if (rank < 2 || rank > 3 || a.rank() != rank || b.rank() != rank) {
      throw new IllegalArgumentException(op + ": operands must all be 2-D or all 3-D: a is " + a.describe()
          + ", b is " + b.describe() + ", c is " + c.describe());
    }
    long batch = rank == 3 ? c.dim(0) : 1;
    if (rank == 3 && (a.dim(0) != batch || b.dim(0) != batch)) {
      throw new IllegalArgumentException(op + ": batch sizes differ: a is " + a.describe() + ", b is " + b.describe()
          + ", c is " + c.describe());
    }
    long m = a.dim(-2);
    long k = a.dim(-1);
    long n = b.dim(-1);
    if (b.dim(-2) != k) {
      throw new IllegalArgumentException(op + ": inner dims differ: a is " + a.describe() + ", b is " + b.describe());
    }
    if (c.dim(-2) != m || c.dim(-1) != n) {
      throw new IllegalArgumentException(op + ": output must be " + (rank == 3 ? "[" + batch + ", " : "[") + m + ", "
          + n + "], got c " + c.describe() + " for a " + a.describe() + ", b " + b.describe());
    }
    Checks.contiguous(op, "c", c);
    Operand oa = operand(op, "a", a);
    Operand ob = operand(op, "b", b);
    long ldc = n;
    long strideC = m * n;
    int status;
    if (impl == GemmImpl.VENDOR) {
      vendor(device, c, a.dtype(), oa, ob, m, n, k, alpha, beta, ldc, strideC, batch);
      return;
    }
    if (device.isCpu()) {
      status = rank == 2
          ? GemmBinding.s4j_gemm_cpu(c.dataAddress(), c.dtype().code(), oa.address, ob.address, a.dtype().code(),
              oa.trans ? 1 : 0, ob.trans ? 1 : 0, m, n, k, alpha, beta, oa.ld, ob.ld, ldc)
          : GemmBinding.s4j_gemm_strided_batched_cpu(c.dataAddress(), c.dtype().code(), oa.address, ob.address,
              a.dtype().code(), oa.trans ? 1 : 0, ob.trans ? 1 : 0, m, n, k, alpha, beta, oa.ld, ob.ld, ldc, batch,
              oa.batchStride, ob.batchStride, strideC);
    } else {
      status = GemmBinding.s4j_gemm_strided_batched_cuda(c.dataAddress(), c.dtype().code(), oa.address, ob.address,
          a.dtype().code(), oa.trans ? 1 : 0, ob.trans ? 1 : 0, m, n, k, alpha, beta, oa.ld, ob.ld, ldc, batch,
          oa.batchStride, ob.batchStride, strideC, CudaStream.currentHandle(device));
    }
    NativeStatus.check(status, op + " " + a.describe() + " x " + b.describe());
  }

  private static void vendor(Device device, Tensor c, DType abType, Operand oa, Operand ob, long m, long n, long k,
      float alpha, float beta, long ldc, long strideC, long batch) {
    if (abType != DType.F32 || c.dtype() != DType.F32) {
      throw new UnsupportedOperationException("matmul(VENDOR): only fp32 is wired to the vendor libraries; bf16 needs"
          + " cblas_sbgemm (not bound by the OpenBLAS preset) or cublasGemmEx (not wired yet); got a " + abType
          + ", c " + c.describe());
    }
    if (device.isCuda()) {
      CuBlas.sgemm(device, CudaStream.currentHandle(device), oa.trans, ob.trans, m, n, k, alpha, oa.address, oa.ld,
          oa.batchStride, ob.address, ob.ld, ob.batchStride, beta, c.dataAddress(), ldc, strideC, batch);
      return;
    }
    for (long i = 0; i < batch; i++) {
      OpenBlas.sgemm(oa.trans, ob.trans, m, n, k, alpha, oa.address + i * oa.batchStride * 4, oa.ld,
          ob.address + i * ob.batchStride * 4, ob.ld, beta, c.dataAddress() + i * strideC * 4, ldc);
    }
  }

  /** Describes a 2-D or batched operand as (address, trans, ld, batch stride) if its inner two axes are row- or
   * column-major, else throws asking for contiguous(). */
  private static Operand operand(String op, String name, Tensor t) {
    long[] s = t.strides();
    int r = t.rank();
    long rows = t.dim(-2);
    long cols = t.dim(-1);
    long batchStride = r == 3 ? s[0] : 0;
    if (s[r - 1] == 1 || cols == 1) {
      long ld = rows == 1 ? Math.max(cols, 1) : s[r - 2];
      if (ld >= Math.max(cols, 1)) {
        return new Operand(t.dataAddress(), false, ld, batchStride);
      }
    }
    if (s[r - 2] == 1 || rows == 1) {
      long ld = cols == 1 ? Math.max(rows, 1) : s[r - 1];
      if (ld >= Math.max(rows, 1)) {
        return new Operand(t.dataAddress(), true, ld, batchStride);
      }
    }
    throw new IllegalArgumentException(op + ": " + name + " must be contiguous or a transposed view, got "
        + t.describe() + " with strides " + java.util.Arrays.toString(s));
  }

  /**
   * Runs {@code iterations} rounds of independent FMAs on {@code threads} threads (CPU) or thread blocks (CUDA) and
   * returns the floating-point operations performed; divided by the elapsed time it gives the device's peak.
   */
  public static double fmaPeakFlops(Device device, long iterations, int threads) {
    double[] flops = new double[1];
    int status = device.isCpu()
        ? GemmBinding.s4j_fma_peak_cpu(iterations, threads, flops)
        : GemmBinding.s4j_fma_peak_cuda(iterations, threads, flops, CudaStream.currentHandle(device));
    NativeStatus.check(status, "fmaPeak(" + device + ")");
    return flops[0];
  }
}
