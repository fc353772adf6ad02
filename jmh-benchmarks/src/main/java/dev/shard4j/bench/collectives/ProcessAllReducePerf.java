package dev.shard4j.bench.collectives;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.tcp.ProcessLauncher;
import dev.shard4j.collectives.tcp.TcpCommunicator;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * In-place f32 SUM all-reduce on the TCP backend with every rank a separate JVM process, started by
 * {@link ProcessLauncher}: the Java twin of {@code jmh-benchmarks/peers/gloo_allreduce.py}, with the same
 * {@code -b/-e/-f} sweep, {@code -n}/{@code -w} iterations, exactly-summable inputs (element i of rank r is
 * {@code (7i + i/97) mod 41 - 20 + r - n/2}), time per call averaged over ranks, algbw = S/t, busbw = algbw 2(n-1)/n,
 * table line and JSON, so that the two compare process for process.
 *
 * <p>{@code java -cp benchmarks.jar dev.shard4j.bench.collectives.ProcessAllReducePerf -g 4 -b 8 -e 64M -f 8 -n 10
 * -w 3 [--tcp-shm 0|1] [-J out.json]}: without {@code SHARD4J_RANK} in the environment it launches itself on
 * {@code -g} processes ({@code --tcp-shm 0} passes {@code SHARD4J_TCP_SHM=0}: sockets only) and rank 0 prints the
 * table; rank 0 writes the JSON.
 */
public final class ProcessAllReducePerf {
  private ProcessAllReducePerf() {}

  /** Parses the options and either launches the ranks or, inside a rank, runs the sweep. */
  public static void main(String[] argv) throws Exception {
    int ranks = 2;
    long min = 32L << 20;
    long max = 32L << 20;
    int factor = 2;
    int iters = 20;
    int warmup = 1;
    int shm = 1;
    String json = null;
    for (int i = 0; i < argv.length; i++) {
      switch (argv[i]) {
        case "-g" -> ranks = Integer.parseInt(argv[++i]);
        case "-b" -> min = parseSize(argv[++i]);
        case "-e" -> max = parseSize(argv[++i]);
        case "-f" -> factor = Integer.parseInt(argv[++i]);
        case "-n" -> iters = Integer.parseInt(argv[++i]);
        case "-w" -> warmup = Integer.parseInt(argv[++i]);
        case "--tcp-shm" -> shm = Integer.parseInt(argv[++i]);
        case "-J" -> json = argv[++i];
        default -> throw new IllegalArgumentException("ProcessAllReducePerf: unknown option " + argv[i]);
      }
    }
    if (ranks < 1 || iters < 1 || warmup < 0 || min < 1 || min > max || factor < 2) {
      throw new IllegalArgumentException("ProcessAllReducePerf: need -g >= 1, -n >= 1, -w >= 0, 0 < -b <= -e, -f >= 2");
    }
    if (System.getenv(TcpCommunicator.ENV_RANK) == null) {
      String program = "all_reduce_perf (shard4j " + (shm != 0 ? "tcp" : "tcp-sockets") + ", processes)";
      System.out.println("# Collective test starting: " + program);
      System.out.printf(Locale.ROOT, "# nThread 1 nGpus %d minBytes %d maxBytes %d step: %d(factor) warmup iters: %d"
          + " iters: %d agg iters: 1 validation: 1 graph: 0%n", ranks, min, max, factor, warmup, iters);
      System.out.printf("#%n#%12s  %12s  %8s  %6s  %6s  %29s  %7s  %6s  %6s  %6s%n", "size", "count", "type",
          "redop", "root", "out-of-place", "time", "algbw", "busbw", "#wrong");
      ProcessLauncher.Result r = ProcessLauncher.forMain(ProcessAllReducePerf.class.getName()).ranks(ranks)
          .args(argv).sharedMemory(shm != 0).launch();
      System.out.println("# Collective test concluded: " + program + ": " + r);
      System.exit(r.ok() ? 0 : 1);
    }
    runRank(min, max, factor, iters, warmup, shm != 0, json);
  }

  private static void runRank(long min, long max, int factor, int iters, int warmup, boolean shm, String json)
      throws IOException {
    List<String> rows = new ArrayList<>();
    long errors = 0;
    double bwSum = 0;
    int rank;
    int world;
    try (TcpCommunicator c = TcpCommunicator.fromEnvironment()) {
      rank = c.rank();
      world = c.size();
      for (long bytes = min; bytes <= max; bytes *= factor) {
        long count = bytes / 4;
        float[] init = input(count, rank, world);
        double sec;
        long wrong;
        try (Tensor t = Tensor.fromArray(init, Shape.of(count), DType.F32, Device.CPU);
            Tensor stats = Tensor.zeros(Shape.of(2), DType.F32, Device.CPU)) {
          for (int i = 0; i < warmup; i++) {
            c.allReduce(t, ReduceOp.SUM);
          }
          c.barrier();
          long t0 = System.nanoTime();
          for (int i = 0; i < iters; i++) {
            c.allReduce(t, ReduceOp.SUM);
          }
          sec = (System.nanoTime() - t0) / 1e9 / iters;
          t.copyFrom(init);
          c.allReduce(t, ReduceOp.SUM);
          float[] got = t.toFloatArray();
          long offsets = 0;
          for (int r = 0; r < world; r++) {
            offsets += r - world / 2;
          }
          wrong = 0;
          for (int i = 0; i < count; i++) {
            if (got[i] != base(i) * world + offsets) {
              wrong++;
            }
          }
          stats.copyFrom(new float[] {(float) sec, wrong});
          c.allReduce(stats, ReduceOp.SUM);
          float[] s = stats.toFloatArray();
          sec = s[0] / world;
          wrong = (long) s[1];
        }
        double algbw = count * 4 / 1e9 / sec;
        double busbw = algbw * 2 * (world - 1) / world;
        errors += wrong;
        bwSum += busbw;
        if (rank == 0) {
          System.out.printf(Locale.ROOT, "%12d  %12d  %8s  %6s  %6d  %29s  %7.1f  %6.2f  %6.2f  %6d%n", count * 4,
              count, "float", "sum", -1, "", sec * 1e6, algbw, busbw, wrong);
          rows.add(String.format(Locale.ROOT, "{\"size\": %d, \"count\": %d, \"type\": \"float\", \"redop\": \"sum\","
              + " \"root\": -1, \"out_of_place\": null, \"in_place\": {\"time\": %.3f, \"alg_bw\": %.6f,"
              + " \"bus_bw\": %.6f, \"nwrong\": %d}}", count * 4, count, sec * 1e6, algbw, busbw, wrong));
        }
      }
      if (rank == 0) {
        System.out.printf(Locale.ROOT, "# Out of bounds values : %d %s%n# Avg bus bandwidth    : %g%n", errors,
            errors == 0 ? "OK" : "FAILED", bwSum / Math.max(1, rows.size()));
      }
    }
    if (rank == 0 && json != null) {
      String config = String.format(Locale.ROOT, "{\"program\": \"ProcessAllReducePerf\", \"backend\": \"%s\","
          + " \"nthreads\": 1, \"ngpus\": %d, \"minimum_bytes\": %d, \"maximum_bytes\": %d, \"step_factor\": %d,"
          + " \"warmup_iters\": %d, \"iterations\": %d, \"aggregated_iterations\": 1, \"validation\": 1,"
          + " \"average\": 1, \"processes\": true}", shm ? "tcp" : "tcp-sockets", world, min, max, factor, warmup,
          iters);
      String doc = "{\"config\": " + config + ", \"tests\": [{\"collective\": \"all_reduce\", \"type\": \"float\","
          + " \"redop\": \"sum\", \"results\": [\n" + String.join(",\n", rows) + "], \"out_of_bounds\": {\"count\": "
          + errors + ", \"okay\": " + (errors == 0) + "}, \"average_bus_bandwidth\": {\"bandwidth\": "
          + String.format(Locale.ROOT, "%.6f", bwSum / Math.max(1, rows.size())) + "}}]}\n";
      Files.writeString(Path.of(json), doc, StandardCharsets.UTF_8);
    }
    System.out.flush();
    Runtime.getRuntime().halt(errors == 0 ? 0 : 1);
  }

  private static long base(long i) {
    return (i * 7 + i / 97) % 41 - 20;
  }

  private static float[] input(long count, int rank, int world) {
    float[] a = new float[(int) count];
    for (int i = 0; i < count; i++) {
      a[i] = base(i) + rank - world / 2;
    }
    return a;
  }

  private static long parseSize(String s) {
    String u = s.trim().toUpperCase(Locale.ROOT);
    long mul = u.endsWith("K") ? 1L << 10 : u.endsWith("M") ? 1L << 20 : u.endsWith("G") ? 1L << 30 : 1;
    return Long.parseLong(mul > 1 ? u.substring(0, u.length() - 1) : u) * mul;
  }
}
