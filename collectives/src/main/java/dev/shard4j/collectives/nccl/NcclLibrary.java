package dev.shard4j.collectives.nccl;

import dev.shard4j.collectives.BackendUnavailableException;
import dev.shard4j.collectives.spi.Availability;
import dev.shard4j.tensor.CudaRuntime;
import org.bytedeco.cuda.global.nccl;
import org.bytedeco.javacpp.Loader;

/**
 * Loads NCCL through the JavaCPP CUDA presets ({@code org.bytedeco.cuda.global.nccl}, whose JNI glue needs
 * {@code libnccl.so.2} and the CUDA runtime on the library path) and says what is missing when it cannot: no CUDA
 * device or driver, no {@code libnccl.so.2}, or an NCCL older than {@value #MIN_VERSION_TEXT}. The probe runs once
 * and never throws; a failed load is reported, not retried. Thread-safe.
 */
final class NcclLibrary {
  /** The oldest NCCL accepted: 2.18 has {@code ncclCommSplit}, {@code ncclAvg} and bf16. */
  static final int MIN_VERSION = 21800;

  static final String MIN_VERSION_TEXT = "2.18";

  private static volatile Availability cached;
  private static volatile int version;
  private static volatile String loadProblem;

  private NcclLibrary() {}

  /** Whether NCCL can run here, and if not, what is missing (CUDA and NCCL are both reported). */
  static Availability availability() {
    Availability a = cached;
    if (a == null) {
      synchronized (NcclLibrary.class) {
        if (cached == null) {
          cached = probe();
        }
        a = cached;
      }
    }
    return a;
  }

  /** Throws {@link BackendUnavailableException} naming {@code what} and the missing piece unless NCCL can run. */
  static void require(String what) {
    Availability a = availability();
    if (!a.available()) {
      throw new BackendUnavailableException(what + ": the nccl backend is unavailable: " + a.reason());
    }
  }

  /** The NCCL version code of the loaded library (e.g. 22903 for 2.29.3), or 0 when it is not loaded. */
  static int version() {
    return version;
  }

  /** Formats a version code as {@code major.minor.patch}. */
  static String versionText(int code) {
    return code / 10000 + "." + code / 100 % 100 + "." + code % 100;
  }

  private static Availability probe() {
    CudaRuntime.Availability cuda = CudaRuntime.availability();
    String loadProblem = loadProblem();
    if (!cuda.available()) {
      return Availability.no("no CUDA device: " + cuda.reason()
          + (loadProblem == null ? "" : "; and NCCL: " + loadProblem));
    }
    if (loadProblem != null) {
      return Availability.no(loadProblem);
    }
    int[] v = new int[1];
    int status = nccl.ncclGetVersion(v);
    if (status != nccl.ncclSuccess) {
      return Availability.no("ncclGetVersion failed: " + nccl.ncclGetErrorString(status).getString());
    }
    if (v[0] < MIN_VERSION) {
      return Availability.no("NCCL " + versionText(v[0]) + " is too old; the nccl backend needs NCCL "
          + MIN_VERSION_TEXT + " or newer");
    }
    version = v[0];
    return Availability.yes();
  }

  /** Null when the NCCL preset and its native libraries load, else what failed (the first attempt's answer). */
  static String loadProblem() {
    String p = loadProblem;
    if (p == null) {
      synchronized (NcclLibrary.class) {
        if (loadProblem == null) {
          String q = tryLoad();
          loadProblem = q == null ? "" : q;
        }
        p = loadProblem;
      }
    }
    return p.isEmpty() ? null : p;
  }

  private static String tryLoad() {
    try {
      Loader.load(nccl.class);
      return null;
    } catch (LinkageError | RuntimeException e) {
      return "the JavaCPP NCCL preset failed to load; libnccl.so.2 (NCCL " + MIN_VERSION_TEXT + "+, built for CUDA "
          + "13) and the CUDA 13 runtime must be on the library path, e.g. from NVIDIA's libnccl2 package or the "
          + "org.bytedeco:cuda:" + presetVersion() + ":linux-x86_64-redist artifact (" + e + ")";
    }
  }

  private static String presetVersion() {
    Package p = nccl.class.getPackage();
    String v = p == null ? null : p.getImplementationVersion();
    return v == null ? "13.1-9.19-1.5.13" : v;
  }
}
