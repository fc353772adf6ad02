package dev.shard4j.ops;

import dev.shard4j.nativelib.VendorBinding;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.RawPointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The OpenBLAS preset as the CPU vendor baseline. OpenBLAS picks its kernels when its library loads and mis-detects
 * some AVX-512 CPUs (Zen 4/5) as Haswell, which halves its SGEMM speed. It reads {@code OPENBLAS_CORETYPE} from the
 * environment the process was started with (a {@code setenv} inside the JVM comes too late), so set
 * {@code OPENBLAS_CORETYPE=SkylakeX} before starting Java; {@link #mismatchWarning()} says when it is needed.
 * Thread-safe.
 */
public final class OpenBlas {
  private static volatile boolean loaded;

  private OpenBlas() {}

  private static void ensureLoaded() {
    if (!loaded) {
      synchronized (OpenBlas.class) {
        if (!loaded) {
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

  /**
   * A one-line warning when OpenBLAS runs Haswell (AVX2) kernels on a CPU with AVX-512, else null. The fix is to
   * start the JVM with {@code OPENBLAS_CORETYPE=SkylakeX}.
   */
  public static String mismatchWarning() {
    String core = coreType();
    if (CpuRuntime.hasAvx512() && core.toLowerCase(java.util.Locale.ROOT).contains("haswell")) {
      return "OpenBLAS selected " + core + " kernels on an AVX-512 CPU; start the JVM with OPENBLAS_CORETYPE=SkylakeX"
          + " for its AVX-512 SGEMM (about 1.85x faster here)";
    }
    return null;
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
