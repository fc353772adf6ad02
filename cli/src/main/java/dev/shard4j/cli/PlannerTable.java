package dev.shard4j.cli;

import dev.shard4j.autoshard.AutoShardOptions;
import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.Graph;
import dev.shard4j.autoshard.MoeGraphBuilder;
import dev.shard4j.autoshard.PlanComparison;
import dev.shard4j.autoshard.WideResNetGraphBuilder;
import java.util.Locale;

/**
 * Prints the "Planner at scale" table of docs/benchmarks.md: for GPT-3 1.3B to 39B on 8 to 64 GPUs and a
 * GShard-style MoE and a Wide-ResNet-like conv net, on H100 and V100 cluster profiles, the automatic plan's simulated step time against the best
 * DP x TP x PP grid point and ZeRO-3, and the planning time. Run with
 * {@code java -cp cli/target/shard4j.jar dev.shard4j.cli.PlannerTable [h100|v100|both]}. Single-threaded caller.
 */
public final class PlannerTable {
  private PlannerTable() {}

  /** Entry point; the optional argument picks the cluster profiles (default both). */
  public static void main(String[] args) {
    String which = args.length > 0 ? args[0] : "both";
    System.out.println("| cluster | model | GPUs | micro-batch | auto ms | stages | best grid | grid ms | auto/grid "
        + "| ZeRO-3 ms | auto/ZeRO-3 | plan s | ILP / priced / exact-elim |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (String kind : new String[] {"h100", "v100"}) {
      if (!which.equals("both") && !which.equals(kind)) continue;
      // V100s have 16 GB: smaller micro-batches so that some grid points fit
      boolean v100 = kind.equals("v100");
      gpt(kind, "gpt3-1.3b", 8, v100 ? 2 : 8);
      gpt(kind, "gpt3-2.6b", 16, v100 ? 2 : 16);
      gpt(kind, "gpt3-6.7b", 32, v100 ? 2 : 32);
      gpt(kind, "gpt3-15b", 64, v100 ? 2 : 64);
      gpt(kind, "gpt3-39b", 64, v100 ? 2 : 16);
      moe(kind, 16);
      wrn(kind, 16);
    }
  }

  private static void gpt(String kind, String model, int gpus, int microBatchSize) {
    ModelPresets.Gpt m = ModelPresets.gpt(model);
    row(kind, model, gpus, m.graph(microBatchSize).build(), microBatchSize);
  }

  private static void moe(String kind, int gpus) {
    // GShard-style: 16 blocks, d = 1024, 16 heads, one expert per GPU with FFN width 4096
    Graph g = new MoeGraphBuilder(51200, 1024, 1024, 16, 16, gpus, gpus, 4096).build();
    row(kind, "moe-16x" + gpus + "e", gpus, g, gpus);
  }

  private static void wrn(String kind, int gpus) {
    // Wide-ResNet-like: 16 blocks of width 2048 at 16x16 pixels (1.2B parameters), 32 images per micro-batch
    Graph g = new WideResNetGraphBuilder(32, 256, 2048, 16, 1000).build();
    row(kind, "wrn-16x2048", gpus, g, 32);
  }

  private static void row(String kind, String model, int gpus, Graph g, long microBatchSize) {
    ClusterProfile c = ClusterPresets.parse(kind + "x" + gpus);
    PlanComparison.Result r = new PlanComparison(c, AutoShardOptions.defaults()).compare(g);
    System.out.printf(Locale.ROOT, "| %s | %s | %d | %d x %d | %.1f | %d | %s | %s | %s | %s | %s | %.1f | %d / %d / %d |%n",
        kind, model, gpus, AutoShardOptions.defaults().microBatches(), microBatchSize,
        r.auto().stepSeconds() * 1e3, r.auto().plan().stages().size(),
        r.bestGrid() == null ? "none fits" : r.bestGrid().name(),
        r.bestGrid() == null ? "-" : String.format(Locale.ROOT, "%.1f", r.bestGrid().stepSeconds() * 1e3),
        r.bestGrid() == null ? "-" : String.format(Locale.ROOT, "%.3f", r.autoOverGrid()),
        r.zero3().fits() ? String.format(Locale.ROOT, "%.1f", r.zero3().stepSeconds() * 1e3) : "OOM",
        r.zero3().fits() ? String.format(Locale.ROOT, "%.3f", r.autoOverZero3()) : "-",
        r.stats().totalSeconds(), r.stats().ilpSolves(), r.stats().solvedByPricing(), r.stats().solvedByElimination());
    System.out.flush();
  }
}
