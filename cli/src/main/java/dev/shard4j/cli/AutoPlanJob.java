package dev.shard4j.cli;

import dev.shard4j.autoshard.AutoShardOptions;
import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.OpKind;
import dev.shard4j.autoshard.Plan;
import dev.shard4j.training.AutoPlanSearch;
import dev.shard4j.training.GptRun;
import dev.shard4j.training.LocalProfiler;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code shard4j train --plan auto}: gets a cluster profile of the local ranks (measured now, or from a file or
 * preset), plans the GPT for them with the planner restricted to what the runtime executes, prints each micro-batch
 * count tried and the chosen plan, and writes it to {@code plan.json} beside the loss curve, so the run can be
 * repeated with {@code --plan plan.json}.
 */
final class AutoPlanJob {
  private AutoPlanJob() {}

  static Plan plan(String model, int ranks, int batch, String cluster, Path planFile, PrintStream out)
      throws IOException {
    if (ranks < 1) {
      throw new IllegalArgumentException("train: --ranks must be >= 1, got " + ranks);
    }
    ClusterProfile profile;
    if (cluster == null) {
      out.printf(Locale.ROOT, "profile : measuring %d local ranks (all-reduce and kernel throughput)...%n", ranks);
      profile = LocalProfiler.defaults().profile(ranks);
    } else {
      profile = ClusterPresets.parse(cluster);
    }
    if (profile.devices() != ranks) {
      throw new IllegalArgumentException("train: cluster profile " + profile.name() + " has " + profile.devices()
          + " devices but --ranks is " + ranks);
    }
    out.printf(Locale.ROOT, "profile : %s, alpha %.1f us, beta %.3f ns/B, matmul %.1f GFLOP/s, elementwise %.2f "
        + "GFLOP/s per rank%n", profile.name(), profile.intraAlpha() * 1e6, profile.intraBeta() * 1e9,
        profile.flopsFor(OpKind.OpClass.MATMUL) / 1e9, profile.flopsFor(OpKind.OpClass.ELEMENTWISE) / 1e9);
    AutoPlanSearch.Result r = AutoPlanSearch.search(GptRun.preset(model), batch, profile,
        AutoShardOptions.defaults());
    for (AutoPlanSearch.Candidate c : r.candidates()) {
      out.printf(Locale.ROOT, "  B=%-3d %s%n", c.microBatches(), c.rejected() != null ? "(" + c.rejected() + ")"
          : String.format(Locale.ROOT, "%d stage(s), simulated %.1f ms per step", c.plan().stages().size(),
              c.stepSeconds() * 1e3));
    }
    out.print(r.plan().summary());
    out.printf(Locale.ROOT, "estimate: %.1f ms per step on %s%n", r.stepSeconds() * 1e3, profile.name());
    Files.writeString(planFile, r.plan().toJson());
    out.println("wrote   : " + planFile.toAbsolutePath());
    return r.plan();
  }
}
