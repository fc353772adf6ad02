package dev.shard4j.cli;

import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.OpKind;
import dev.shard4j.training.CommunicatorProfiler;
import dev.shard4j.training.LocalProfiler;
import dev.shard4j.training.ProcessProfiler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shard4j profile}: measures a backend on this machine (collective alpha and beta, per-rank FLOP/s with all
 * ranks computing at once) and writes a cluster profile that {@code shard4j plan --cluster FILE} reads. The local
 * backend runs the ranks as threads of this JVM; {@code tcp} and {@code nccl} start one process per rank through the
 * TCP process launcher ({@link ProcessProfiler}).
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
    description = "Measure a collectives backend and write a cluster profile for the planner.")
public final class ProfileCommand implements Callable<Integer> {
  @Option(names = "--backend", description = "local (rank threads), tcp (rank processes) or nccl (one process per"
      + " GPU) (default: ${DEFAULT-VALUE}).")
  String backend = "local";

  @Option(names = "--ranks", description = "Ranks the profile describes and measures (default: ${DEFAULT-VALUE}).")
  int ranks = 8;

  @Option(names = "--kernel-threads", description = "CPU kernel threads per rank (default: ${DEFAULT-VALUE}).")
  int kernelThreads = 1;

  @Option(names = {"-o", "--out"}, description = "Where to write the profile JSON (default: BACKEND-profile.json).")
  Path out;

  @Override
  public Integer call() throws IOException {
    if (kernelThreads < 1) {
      throw new IllegalArgumentException("profile: --kernel-threads must be >= 1, got " + kernelThreads);
    }
    String b = backend.trim().toLowerCase(Locale.ROOT);
    Path file = out != null ? out : Path.of(b + "-profile.json");
    CommunicatorProfiler settings = CommunicatorProfiler.defaults().withKernelThreads(kernelThreads);
    ClusterProfile p;
    switch (b) {
      case "local" -> {
        if (ranks < 1) {
          throw new IllegalArgumentException("profile --backend local: --ranks must be >= 1, got " + ranks);
        }
        CommunicatorProfiler.Result r = new LocalProfiler(settings).measure(ranks);
        System.out.println(r.report());
        p = r.applyTo(ClusterProfile.localCpu(ranks));
        Files.writeString(file, p.toJson());
      }
      case "tcp", "nccl" -> p = ProcessProfiler.forBackend(b, ranks).profiler(settings).profile(file);
      default -> throw new IllegalArgumentException("profile: unknown --backend '" + backend
          + "'; expected local, tcp or nccl");
    }
    System.out.printf(Locale.ROOT, "profile : %s, %d rank(s), %d kernel thread(s) per rank%n", p.name(), p.devices(),
        kernelThreads);
    System.out.printf(Locale.ROOT, "link    : alpha %.1f us, beta %.4f ns/B (%.2f GB/s bus bandwidth)%n",
        p.intraAlpha() * 1e6, p.intraBeta() * 1e9, 1e-9 / p.intraBeta());
    System.out.printf(Locale.ROOT, "compute : matmul %.2f GFLOP/s, elementwise %.3f GFLOP/s per rank%n",
        p.flopsFor(OpKind.OpClass.MATMUL) / 1e9, p.flopsFor(OpKind.OpClass.ELEMENTWISE) / 1e9);
    System.out.println("wrote   : " + file.toAbsolutePath() + " (use: shard4j plan --cluster " + file + ")");
    return 0;
  }
}
