package dev.shard4j.cli;

import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.OpKind;
import dev.shard4j.training.LocalProfiler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shard4j profile}: measures this machine's local backend (all-reduce alpha and beta, FLOP/s per op class)
 * and writes a cluster profile that {@code shard4j plan --cluster FILE} reads.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
    description = "Measure the local backend and write a cluster profile for the planner.")
public final class ProfileCommand implements Callable<Integer> {
  @Option(names = "--ranks", description = "Local ranks the profile describes (default: ${DEFAULT-VALUE}).")
  int ranks = 8;

  @Option(names = {"-o", "--out"}, description = "Where to write the profile JSON (default: ${DEFAULT-VALUE}).")
  Path out = Path.of("local-profile.json");

  @Override
  public Integer call() throws IOException {
    if (ranks < 1) {
      throw new IllegalArgumentException("profile: --ranks must be >= 1, got " + ranks);
    }
    ClusterProfile p = LocalProfiler.defaults().profile(ranks);
    System.out.printf(Locale.ROOT, "link    : alpha %.1f us, beta %.3f ns/B (%.2f GB/s bus bandwidth)%n",
        p.intraAlpha() * 1e6, p.intraBeta() * 1e9, 1e-9 / p.intraBeta());
    System.out.printf(Locale.ROOT, "compute : matmul %.1f GFLOP/s, elementwise %.2f GFLOP/s per rank%n",
        p.flopsFor(OpKind.OpClass.MATMUL) / 1e9, p.flopsFor(OpKind.OpClass.ELEMENTWISE) / 1e9);
    Files.writeString(out, p.toJson());
    System.out.println("wrote   : " + out.toAbsolutePath() + " (use: shard4j plan --cluster " + out + ")");
    return 0;
  }
}
