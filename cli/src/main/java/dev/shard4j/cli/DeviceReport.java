package dev.shard4j.cli;

import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.CudaRuntime;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Prints what Shard4j sees of this machine: the CPU and its SIMD level, kernel threads, and CUDA devices or why
 * there are none. */
final class DeviceReport {
  private DeviceReport() {}

  static void print(PrintStream out) {
    out.println("cpu     : " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " logical cores, simd "
        + CpuRuntime.simdLevel() + (CpuRuntime.hasAvx512Bf16() ? " + avx512_bf16" : "") + ", kernel threads "
        + CpuRuntime.threads());
    CudaRuntime.Availability cuda = CudaRuntime.availability();
    if (cuda.available()) {
      for (CudaRuntime.DeviceInfo d : cuda.devices()) {
        out.println("cuda    : " + d);
      }
    } else {
      out.println("cuda    : unavailable: " + cuda.reason());
    }
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or unreadable: fall through to the generic name
    }
    return System.getProperty("os.arch");
  }
}
