package dev.shard4j.cli;

import dev.shard4j.autoshard.AutoShardOptions;
import dev.shard4j.autoshard.AutoSharder;
import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.Graph;
import dev.shard4j.autoshard.Plan;
import dev.shard4j.autoshard.PlanComparison;
import dev.shard4j.autoshard.PlanningStats;
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

  @Option(names = "--layer-units", description = "At most this many layer units for the pipeline DP "
      + "(default: ${DEFAULT-VALUE}).")
  int layerUnits = 16;

  @Option(names = "--exact-layers", description = "Solve every layer's ops in one ILP instead of folding runs of "
      + "identical layers into one shared assignment.")
  boolean exactLayers;

  @Option(names = "--exact-memory", description = "Use the exact ILP (not Lagrangian memory pricing) when the "
      + "cheapest sharding of a stage does not fit memory.")
  boolean exactMemory;

  @Option(names = "--threads", description = "Threads for independent intra-op solves (default: all processors).")
  int threads = Math.max(1, Runtime.getRuntime().availableProcessors());

  @Option(names = "--compare", description = "Also simulate ZeRO-3 and every DP x TP x PP grid point and print "
      + "the best.")
  boolean compare;

  @Option(names = {"-o", "--out"}, description = "Where to write the plan JSON (default: ${DEFAULT-VALUE}).")
  Path out = Path.of("plan.json");

  @Override
  public Integer call() throws IOException {
    ModelPresets.Gpt gpt = ModelPresets.gpt(model);
    ClusterProfile profile = ClusterPresets.parse(cluster);
    if (memory != null) {
      long bytes = MemorySize.parse(memory, "--memory");
      profile = profile.withMemoryBytes(bytes);
    }
    if (microBatchSize < 1) {
      throw new IllegalArgumentException("plan: --micro-batch-size must be >= 1, got " + microBatchSize);
    }
    AutoShardOptions d = AutoShardOptions.defaults();
    AutoShardOptions options = new AutoShardOptions(microBatches, schedule, d.stateBytesPerParam(),
        d.memoryFraction(), d.allowZero(), ilpSeconds, d.ilpWorkers(), layerUnits, !exactLayers, threads, !exactMemory,
        false);
    Graph graph = gpt.graph(microBatchSize).build();
    System.out.printf(Locale.ROOT, "model   : %s, %d layers, d=%d, %d heads, vocab %d, seq %d: %.2fB parameters%n",
        gpt.name(), gpt.layers(), gpt.dModel(), gpt.heads(), gpt.vocab(), gpt.seq(), gpt.parameters() / 1e9);
    System.out.printf(Locale.ROOT, "cluster : %s, %d node(s) x %d devices, %s per device%n", profile.name(),
        profile.nodes(), profile.devicesPerNode(), MemorySize.format(profile.memoryBytes()));
    System.out.printf(Locale.ROOT, "batch   : %d micro-batches of %d sequence(s), schedule %s%n", microBatches,
        microBatchSize, schedule);
    PlanComparison.Result cmp = null;
    Plan plan;
    PlanningStats stats;
    if (compare) {
      cmp = new PlanComparison(profile, options).compare(graph);
      plan = cmp.auto().plan();
      stats = cmp.stats();
    } else {
      AutoSharder.Result r = new AutoSharder(profile, options).planDetailed(graph);
      plan = r.plan();
      stats = r.stats();
    }
    Simulator.Estimate est = new Simulator(graph, profile, options).estimate(plan);
    System.out.print(plan.summary());
    System.out.printf(Locale.ROOT, "estimate: %.2f ms per step, peak %s per device (budget %s); planned in %.1f s%n",
        est.stepSeconds() * 1e3, MemorySize.format((long) est.peakMemoryBytes()),
        MemorySize.format((long) (profile.memoryBytes() * options.memoryFraction())), stats.totalSeconds());
    System.out.println("planning: " + stats.summary());
    if (cmp != null) {
      if (cmp.bestGrid() == null) {
        System.out.printf(Locale.ROOT, "grid    : none of %d DP x TP x PP grid points fits memory%n", cmp.gridPoints());
      } else {
        System.out.printf(Locale.ROOT, "grid    : best of %d grid points (%d fit) is %s at %.2f ms; auto / grid = %.3f%n",
            cmp.gridPoints(), cmp.gridPointsFitting(), cmp.bestGrid().name(), cmp.bestGrid().stepSeconds() * 1e3,
            cmp.autoOverGrid());
      }
      System.out.printf(Locale.ROOT, "zero3   : %.2f ms, peak %s%s; auto / zero3 = %.3f%n",
          cmp.zero3().stepSeconds() * 1e3, MemorySize.format((long) cmp.zero3().peakBytes()),
          cmp.zero3().fits() ? "" : " (does not fit)", cmp.zero3().stepSeconds() == 0 ? Double.NaN
              : cmp.auto().stepSeconds() / cmp.zero3().stepSeconds());
    }
    Files.writeString(out, plan.toJson());
    System.out.println("wrote   : " + out.toAbsolutePath());
    return 0;
  }
}
