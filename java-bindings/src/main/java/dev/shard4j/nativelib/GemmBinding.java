package dev.shard4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of {@code shard4j/gemm.h}: blocked GEMM (CPU) and tiled GEMM (CUDA), FMA peak probes. */
@Properties(inherit = NativeLibrary.class, value = @Platform(include = "shard4j/gemm.h", library = "jnishard4j"))
public final class GemmBinding {
  static {
    Loader.load();
  }

  private GemmBinding() {}

  public static native int s4j_gemm_cpu(@Cast("void*") long c, int cDtype, @Cast("const void*") long a,
      @Cast("const void*") long b, int abDtype, int transA, int transB, long m, long n, long k, float alpha,
      float beta, long lda, long ldb, long ldc);

  public static native int s4j_gemm_cuda(@Cast("void*") long c, int cDtype, @Cast("const void*") long a,
      @Cast("const void*") long b, int abDtype, int transA, int transB, long m, long n, long k, float alpha,
      float beta, long lda, long ldb, long ldc, @Cast("void*") long stream);

  public static native int s4j_gemm_strided_batched_cpu(@Cast("void*") long c, int cDtype,
      @Cast("const void*") long a, @Cast("const void*") long b, int abDtype, int transA, int transB, long m, long n,
      long k, float alpha, float beta, long lda, long ldb, long ldc, long batch, long strideA, long strideB,
      long strideC);

  public static native int s4j_gemm_strided_batched_cuda(@Cast("void*") long c, int cDtype,
      @Cast("const void*") long a, @Cast("const void*") long b, int abDtype, int transA, int transB, long m, long n,
      long k, float alpha, float beta, long lda, long ldb, long ldc, long batch, long strideA, long strideB,
      long strideC, @Cast("void*") long stream);

  public static native int s4j_fma_peak_cpu(long iterations, int threads, double[] flops);

  public static native int s4j_fma_peak_cuda(long iterations, int threads, double[] flops, @Cast("void*") long stream);
}
