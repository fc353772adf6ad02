package dev.shard4j.cli;

import dev.shard4j.nativelib.MemoryBinding;
import dev.shard4j.ops.Gemm;
import dev.shard4j.ops.GemmImpl;
import dev.shard4j.ops.OpenBlas;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shard4j bench}: prints what the runtime sees of the machine and a short table of kernel throughput. It is
 * a quick look (median of a few repetitions); the numbers to quote come from the JMH suites in jmh-benchmarks.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Print device info and a short kernel benchmark table.")
public final class BenchCommand implements Callable<Integer> {
  @Option(names = "--threads", description = "CPU kernel threads (default: all cores).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--repeats", description = "Timed repetitions per kernel; the median is shown (default: 5).")
  int repeats = 5;

  @Override
  public Integer call() {
    CpuRuntime.setThreads(threads);
    OpenBlas.setThreads(threads);
    DeviceReport.print(System.out);
    System.out.println("openblas: core " + OpenBlas.coreType());
    String warning = OpenBlas.mismatchWarning();
    if (warning != null) {
      System.out.println("warning : " + warning);
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "%-28s %-14s %12s %14s%n", "kernel", "shape", "median", "throughput");
    try (Scope scope = Scope.open()) {
      long bytes = 64L << 20;
      Tensor src = Tensor.zeros(bytes / 4);
      Tensor dst = Tensor.zeros(bytes / 4);
      double t = median(() -> MemoryBinding.s4j_memcpy_cpu(dst.dataAddress(), src.dataAddress(), bytes));
      row("memcpy (bandwidth limit)", "64 MiB", t, 2.0 * bytes / t / 1e9, "GB/s");
      for (int n : new int[] {512, 1024, 2048}) {
        Tensor a = Tensor.zeros(n, n);
        Tensor b = Tensor.zeros(n, n);
        Tensor c = Tensor.zeros(n, n);
        double flops = 2.0 * n * n * n;
        double ours = median(() -> Gemm.gemm(c, a, b, 1f, 0f, GemmImpl.SHARD4J));
        row("sgemm shard4j", n + "^3", ours, flops / ours / 1e9, "GFLOP/s");
        double vendor = median(() -> Gemm.gemm(c, a, b, 1f, 0f, GemmImpl.VENDOR));
        row("sgemm openblas", n + "^3", vendor, flops / vendor / 1e9, "GFLOP/s");
      }
      for (int t1 : new int[] {1, threads}) {
        long iterations = 20_000_000L / Math.max(1, t1);
        double[] flops = new double[1];
        double tp = median(() -> flops[0] = Gemm.fmaPeakFlops(Device.CPU, iterations, t1));
        row("fma peak (" + t1 + " thread" + (t1 == 1 ? "" : "s") + ")", "-", tp, flops[0] / tp / 1e9, "GFLOP/s");
      }
      KernelRows.print(this::median, System.out);
    }
    System.out.println();
    System.out.println("For reportable numbers run the JMH suites (docs/benchmarks.md).");
    return 0;
  }

  /** A timed action. */
  @FunctionalInterface
  interface Action {
    void run() throws Exception;
  }

  double median(Action action) {
    try {
      action.run();
      double[] times = new double[repeats];
      for (int i = 0; i < repeats; i++) {
        long t0 = System.nanoTime();
        action.run();
        times[i] = (System.nanoTime() - t0) / 1e9;
      }
      Arrays.sort(times);
      return times[repeats / 2];
    } catch (Exception e) {
      throw new IllegalStateException("bench: " + e.getMessage(), e);
    }
  }

  static void row(String kernel, String shape, double seconds, double rate, String unit) {
    System.out.printf(Locale.ROOT, "%-28s %-14s %9.3f ms %9.1f %s%n", kernel, shape, seconds * 1e3, rate, unit);
  }
}
