package dev.shard4j.cli;

import dev.shard4j.autoshard.AutoShardOptions;
import dev.shard4j.autoshard.AutoSharder;
import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.Graph;
import dev.shard4j.autoshard.Plan;
import dev.shard4j.autoshard.Simulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shard4j plan}: chooses stages and per-operator shardings for a model on a cluster (Alpa's inter-op DP over
 * the intra-op ILP), prints the plan and its simulated step time and memory, and writes the plan as JSON.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = "Plan how to parallelize a model on a cluster and estimate its step time and memory.")
public final class PlanCommand implements Callable<Integer> {
  @Option(names = "--model", description = "gpt-mini, gpt3-350m, gpt3-1.3b, gpt3-2.6b, gpt3-6.7b, gpt3-15b, "
      + "gpt3-39b (default: ${DEFAULT-VALUE}).")
  String model = "gpt3-1.3b";

  @Option(names = "--cluster", description = "h100xN, v100xN (N a multiple of 8), cpuxN, or a profile JSON file "
      + "(default: ${DEFAULT-VALUE}).")
  String cluster = "h100x8";

  @Option(names = "--memory", description = "Memory per device, e.g. 80GiB or 16GB (default: the profile's).")
  String memory;

  @Option(names = "--micro-batch-size", description = "Sequences per micro-batch (default: ${DEFAULT-VALUE}).")
  long microBatchSize = 1;

  @Option(names = "--microbatches", description = "Micro-batches per step (default: ${DEFAULT-VALUE}).")
  int microBatches = 8;

  @Option(names = "--schedule", description = "1F1B or GPipe (default: ${DEFAULT-VALUE}).")
  String schedule = "1F1B";

  @Option(names = "--ilp-seconds", description = "Time limit of one intra-op ILP solve (default: ${DEFAULT-VALUE}).")
  double ilpSeconds = 10;

  @Option(names = {"-o", "--out"}, description = "Where to write the plan JSON (default: ${DEFAULT-VALUE}).")
  Path out = Path.of("plan.json");

  @Override
  public Integer call() throws IOException {
    ModelPresets.Gpt gpt = ModelPresets.gpt(model);
    ClusterProfile profile = ClusterPresets.parse(cluster);
    if (memory != null) {
      long bytes = MemorySize.parse(memory, "--memory");
      profile = new ClusterProfile(profile.name(), profile.devicesPerNode(), profile.nodes(), profile.intraAlpha(),
          profile.intraBeta(), profile.interAlpha(), profile.interBeta(), profile.flops(), bytes);
    }
    if (microBatchSize < 1) {
      throw new IllegalArgumentException("plan: --micro-batch-size must be >= 1, got " + microBatchSize);
    }
    AutoShardOptions d = AutoShardOptions.defaults();
    AutoShardOptions options = new AutoShardOptions(microBatches, schedule, d.stateBytesPerParam(),
        d.memoryFraction(), d.allowZero(), ilpSeconds, d.ilpWorkers());
    Graph graph = gpt.graph(microBatchSize).build();
    System.out.printf(Locale.ROOT, "model   : %s, %d layers, d=%d, %d heads, vocab %d, seq %d: %.2fB parameters%n",
        gpt.name(), gpt.layers(), gpt.dModel(), gpt.heads(), gpt.vocab(), gpt.seq(), gpt.parameters() / 1e9);
    System.out.printf(Locale.ROOT, "cluster : %s, %d node(s) x %d devices, %s per device%n", profile.name(),
        profile.nodes(), profile.devicesPerNode(), MemorySize.format(profile.memoryBytes()));
    System.out.printf(Locale.ROOT, "batch   : %d micro-batches of %d sequence(s), schedule %s%n", microBatches,
        microBatchSize, schedule);
    long start = System.nanoTime();
    Plan plan = new AutoSharder(profile, options).plan(graph);
    double planSeconds = (System.nanoTime() - start) / 1e9;
    Simulator.Estimate est = new Simulator(graph, profile, options).estimate(plan);
    System.out.print(plan.summary());
    System.out.printf(Locale.ROOT, "estimate: %.2f ms per step, peak %s per device (budget %s); planned in %.1f s%n",
        est.stepSeconds() * 1e3, MemorySize.format((long) est.peakMemoryBytes()),
        MemorySize.format((long) (profile.memoryBytes() * options.memoryFraction())), planSeconds);
    Files.writeString(out, plan.toJson());
    System.out.println("wrote   : " + out.toAbsolutePath());
    return 0;
  }
}
