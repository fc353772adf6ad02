package dev.shard4j.ops;

import dev.shard4j.tensor.CudaUnavailableException;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeException;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.RawPointer;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.javacpp.FloatPointer;

/**
 * cuBLAS through the JavaCPP CUDA presets, the GPU vendor baseline. The presets need the NVIDIA driver
 * ({@code libcuda.so.1}) to load; where it is missing the first call throws {@link CudaUnavailableException} saying
 * so, and every later call does the same without retrying. One handle per thread and device.
 */
final class CuBlas {
  private static volatile String unavailable;
  private static final ThreadLocal<cublasContext[]> HANDLES = ThreadLocal.withInitial(() -> new cublasContext[16]);

  private CuBlas() {}

  private static cublasContext handle(Device device) {
    if (unavailable != null) {
      throw new CudaUnavailableException(NativeStatus.NO_DEVICE, "gemm(cuBLAS): " + unavailable);
    }
    cublasContext[] handles = HANDLES.get();
    cublasContext h = handles[device.index()];
    if (h == null) {
      try {
        org.bytedeco.javacpp.Loader.load(cublas.class);
      } catch (LinkageError e) {
        unavailable = "the cuBLAS preset failed to load (is the NVIDIA driver installed?): " + e.getMessage();
        throw new CudaUnavailableException(NativeStatus.NO_DEVICE, "gemm(cuBLAS): " + unavailable);
      }
      h = new cublasContext();
      check(cublas.cublasCreate_v2(h), "cublasCreate");
      handles[device.index()] = h;
    }
    return h;
  }

  private static void check(int status, String call) {
    if (status != cublas.CUBLAS_STATUS_SUCCESS) {
      throw new NativeException(NativeStatus.CUDA_ERROR, "gemm(cuBLAS): " + call + " returned status " + status);
    }
  }

  /**
   * Row-major fp32 batched GEMM. cuBLAS is column-major, so C^T = op(B)^T op(A)^T is computed instead: the operands
   * swap places and keep their transpose flags.
   */
  static void sgemm(Device device, long stream, boolean transA, boolean transB, long m, long n, long k, float alpha,
      long a, long lda, long strideA, long b, long ldb, long strideB, float beta, long c, long ldc, long strideC,
      long batch) {
    cublasContext h = handle(device);
    check(cublas.cublasSetStream_v2(h, new CUstream_st(new RawPointer(stream, 0))), "cublasSetStream");
    try (FloatPointer al = new FloatPointer(alpha); FloatPointer be = new FloatPointer(beta)) {
      check(cublas.cublasSgemmStridedBatched(h,
          transB ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N,
          transA ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N,
          (int) n, (int) m, (int) k, al,
          new FloatPointer(new RawPointer(b, 0)), (int) ldb, strideB,
          new FloatPointer(new RawPointer(a, 0)), (int) lda, strideA, be,
          new FloatPointer(new RawPointer(c, 0)), (int) ldc, strideC, (int) batch), "cublasSgemmStridedBatched");
    }
  }
}
