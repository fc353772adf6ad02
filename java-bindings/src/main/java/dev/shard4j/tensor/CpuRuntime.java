package dev.shard4j.tensor;

import dev.shard4j.nativelib.MemoryBinding;
import dev.shard4j.nativelib.NativeLibrary;

/**
 * Settings and facts of the CPU backend: kernel threads (per calling Java thread, so ranks running as threads of
 * one JVM each keep their own count) and the SIMD level the kernels dispatch to.
 */
public final class CpuRuntime {
  static {
    NativeLibrary.load();
  }

  private CpuRuntime() {}

  /** Sets how many threads CPU kernels called from the current thread use. */
  public static void setThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("setThreads: threads must be >= 1, got " + threads);
    }
    NativeStatus.check(MemoryBinding.s4j_cpu_set_num_threads(threads), "setThreads");
  }

  /** Threads CPU kernels called from the current thread use. */
  public static int threads() {
    return MemoryBinding.s4j_cpu_get_num_threads();
  }

  /** True when the CPU has AVX2 and FMA. */
  public static boolean hasAvx2() {
    return (MemoryBinding.s4j_cpu_features() & 1) != 0;
  }

  /** True when the CPU has AVX-512 F/BW/DQ/VL. */
  public static boolean hasAvx512() {
    return (MemoryBinding.s4j_cpu_features() & 2) != 0;
  }

  /** True when the CPU has AVX512-BF16 dot-product instructions. */
  public static boolean hasAvx512Bf16() {
    return (MemoryBinding.s4j_cpu_features() & 4) != 0;
  }

  /** The widest SIMD level the kernels use on this CPU: {@code avx512}, {@code avx2} or {@code portable}. */
  public static String simdLevel() {
    return hasAvx512() ? "avx512" : hasAvx2() ? "avx2" : "portable";
  }
}
