package dev.shard4j.ops;

import dev.shard4j.nativelib.GemmBinding;
import dev.shard4j.nativelib.VendorBinding;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.RawPointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The OpenBLAS preset as the CPU vendor baseline. OpenBLAS picks its kernels when its library loads and mis-detects
 * some AVX-512 CPUs (Zen 4/5) as Haswell; unless the user set {@code OPENBLAS_CORETYPE}, this class sets it to
 * {@code SkylakeX} on AVX-512 CPUs before the first OpenBLAS call. Thread-safe.
 */
public final class OpenBlas {
  private static volatile boolean loaded;

  private OpenBlas() {}

  private static void ensureLoaded() {
    if (!loaded) {
      synchronized (OpenBlas.class) {
        if (!loaded) {
          if (CpuRuntime.hasAvx512()) {
            GemmBinding.s4j_setenv_if_unset("OPENBLAS_CORETYPE", "SkylakeX");
          }
          org.bytedeco.javacpp.Loader.load(openblas_nolapack.class);
          loaded = true;
        }
      }
    }
  }

  /** Sets the number of threads OpenBLAS uses (process-wide, unlike Shard4j's per-thread setting). */
  public static void setThreads(int threads) {
    ensureLoaded();
    NativeStatus.check(VendorBinding.s4j_openblas_set_num_threads(threads), "OpenBlas.setThreads(" + threads + ")");
  }

  /** The core type OpenBLAS selected, e.g. {@code SkylakeX}. */
  public static String coreType() {
    ensureLoaded();
    byte[] name = new byte[64];
    NativeStatus.check(VendorBinding.s4j_openblas_corename(name, name.length), "OpenBlas.coreType");
    int len = 0;
    while (len < name.length && name[len] != 0) {
      len++;
    }
    return new String(name, 0, len, java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** Row-major fp32 {@code cblas_sgemm} on raw addresses. */
  static void sgemm(boolean transA, boolean transB, long m, long n, long k, float alpha, long a, long lda, long b,
      long ldb, float beta, long c, long ldc) {
    ensureLoaded();
    if (m > Integer.MAX_VALUE || n > Integer.MAX_VALUE || k > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("gemm(openblas): sizes m=" + m + " n=" + n + " k=" + k + " exceed int range");
    }
    FloatPointer pa = new FloatPointer(new RawPointer(a, 0));
    FloatPointer pb = new FloatPointer(new RawPointer(b, 0));
    FloatPointer pc = new FloatPointer(new RawPointer(c, 0));
    openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
        transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
        transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
        (int) m, (int) n, (int) k, alpha, pa, (int) lda, pb, (int) ldb, beta, pc, (int) ldc);
  }
}
