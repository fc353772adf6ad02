package dev.shard4j.tensor;

import dev.shard4j.nativelib.MemoryBinding;
import dev.shard4j.nativelib.NativeLibrary;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Discovery of CUDA devices. Never throws: {@link #availability()} reports how many devices are visible or why
 * none is (built without nvcc, no driver, no device). Thread-safe; the probe runs once.
 */
public final class CudaRuntime {
  /** Result of the CUDA probe. {@code reason} is empty when devices are available. */
  public record Availability(int deviceCount, String reason, List<DeviceInfo> devices) {
    public boolean available() {
      return deviceCount > 0;
    }
  }

  /** Name, memory and compute capability of one CUDA device. */
  public record DeviceInfo(int index, String name, long totalBytes, int ccMajor, int ccMinor) {
    @Override
    public String toString() {
      return String.format("cuda:%d %s (sm_%d%d, %.1f GiB)", index, name, ccMajor, ccMinor,
          totalBytes / (1024.0 * 1024 * 1024));
    }
  }

  private static volatile Availability cached;

  private CudaRuntime() {}

  /** Probes CUDA once and caches the answer. */
  public static Availability availability() {
    Availability a = cached;
    if (a == null) {
      synchronized (CudaRuntime.class) {
        if (cached == null) {
          cached = probe();
        }
        a = cached;
      }
    }
    return a;
  }

  /** True when at least one CUDA device can be used; tests tagged {@code gpu} use it as their enabling condition. */
  public static boolean isAvailable() {
    return availability().available();
  }

  /** Throws {@link CudaUnavailableException} naming the reason unless {@code device} exists. */
  public static void require(Device device, String op) {
    Availability a = availability();
    if (!a.available()) {
      throw new CudaUnavailableException(NativeStatus.NO_DEVICE, op + ": " + device + " is unavailable: " + a.reason());
    }
    if (device.index() >= a.deviceCount()) {
      throw new CudaUnavailableException(NativeStatus.NO_DEVICE,
          op + ": " + device + " does not exist; " + a.deviceCount() + " CUDA device(s) are visible");
    }
  }

  private static Availability probe() {
    try {
      NativeLibrary.load();
    } catch (LinkageError e) {
      return new Availability(0, "native library failed to load: " + e.getMessage(), List.of());
    }
    int[] count = new int[1];
    int status = MemoryBinding.s4j_cuda_device_count(count);
    if (status == NativeStatus.NO_CUDA_BUILD) {
      return new Availability(0, "Shard4j was built without a CUDA compiler (nvcc not found at build time)", List.of());
    }
    if (status != NativeStatus.OK) {
      String detail = MemoryBinding.s4j_cuda_last_error_string().getString();
      return new Availability(0, "no usable CUDA driver or device (" + detail + ")", List.of());
    }
    if (count[0] == 0) {
      return new Availability(0, "the CUDA driver reports no devices", List.of());
    }
    List<DeviceInfo> infos = new ArrayList<>();
    for (int i = 0; i < count[0]; i++) {
      byte[] name = new byte[256];
      long[] total = new long[1];
      int[] major = new int[1];
      int[] minor = new int[1];
      if (MemoryBinding.s4j_cuda_device_info(i, name, name.length, total, major, minor) == NativeStatus.OK) {
        int len = 0;
        while (len < name.length && name[len] != 0) {
          len++;
        }
        infos.add(new DeviceInfo(i, new String(name, 0, len, StandardCharsets.UTF_8), total[0], major[0], minor[0]));
      }
    }
    return new Availability(count[0], "", List.copyOf(infos));
  }
}
