package dev.shard4j.ops;

/** Which GEMM implementation a call uses: Shard4j's own kernels, or the vendor library of the device. */
public enum GemmImpl {
  /** Shard4j's kernels: the blocked AVX-512/AVX2 CPU kernel, the tiled CUDA kernel. */
  SHARD4J,
  /** The vendor baseline: OpenBLAS on the CPU, cuBLAS on CUDA devices. */
  VENDOR
}
