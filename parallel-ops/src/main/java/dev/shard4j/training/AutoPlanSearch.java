package dev.shard4j.training;

import dev.shard4j.autoshard.AutoShardOptions;
import dev.shard4j.autoshard.AutoSharder;
import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.Graph;
import dev.shard4j.autoshard.InfeasiblePlanException;
import dev.shard4j.autoshard.Plan;
import dev.shard4j.autoshard.Simulator;
import dev.shard4j.autoshard.trace.GptTracer;
import dev.shard4j.layers.Gpt;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.ArrayList;
import java.util.List;

/**
 * Plans a GPT training run automatically for the runtime: builds the model once and, for every micro-batch count B
 * that divides the global batch, traces the fp32 graph of one micro-batch from it ({@link GptTracer}), runs the
 * planner restricted to plans the runtime executes
 * ({@link AutoShardOptions#withExecutableOnly}) and keeps the plan with the lowest simulated step time. A
 * single-stage plan is only taken with B = 1 (the dp x tp trainer runs the whole batch at once; with more
 * micro-batches a single stage would only add per-call latency). Pure apart from the solver's time limits.
 */
public final class AutoPlanSearch {
  /** One micro-batch count tried: its plan and simulated step seconds, or the reason it has none. */
  public record Candidate(int microBatches, Plan plan, double stepSeconds, String rejected) {}

  /** The chosen plan (the fastest candidate), its graph and every candidate. */
  public record Result(Plan plan, double stepSeconds, Graph graph, List<Candidate> candidates) {}

  private AutoPlanSearch() {}

  /**
   * The graph the planner sees for {@code config} with {@code microBatchSize} sequences: the model the run trains,
   * built on the CPU and traced ({@link GptTracer}, fp32 as trained), then freed.
   */
  public static Graph graph(GptConfig config, int microBatchSize) {
    return GptTracer.trace(config, microBatchSize);
  }

  /**
   * Searches; {@code base} supplies everything but the micro-batch count and the runtime restriction. Throws
   * {@link InfeasiblePlanException} when no micro-batch count has a plan, with every candidate's reason.
   */
  public static Result search(GptConfig config, int globalBatch, ClusterProfile cluster, AutoShardOptions base) {
    if (globalBatch < 1) {
      throw new IllegalArgumentException("auto plan: global batch must be >= 1, got " + globalBatch);
    }
    List<Candidate> candidates = new ArrayList<>();
    Candidate best = null;
    Graph bestGraph = null;
    List<Integer> counts = new ArrayList<>();
    List<Graph> graphs = new ArrayList<>();
    try (Gpt model = new Gpt(config, TensorParallel.single())) {
      for (int b = 1; b <= globalBatch; b++) {
        if (globalBatch % b == 0) {
          counts.add(b);
          graphs.add(GptTracer.trace(model, globalBatch / b));
        }
      }
    }
    for (int k = 0; k < counts.size(); k++) {
      int b = counts.get(k);
      AutoShardOptions options = base.withMicroBatches(b).withExecutableOnly(true);
      Graph g = graphs.get(k);
      Candidate c;
      try {
        Plan plan = new AutoSharder(cluster, options).plan(g);
        if (plan.stages().size() == 1 && b > 1) {
          c = new Candidate(b, plan, Double.NaN, "a single stage is planned with B = 1");
        } else {
          c = new Candidate(b, plan, new Simulator(g, cluster, options).estimate(plan).stepSeconds(), null);
        }
      } catch (InfeasiblePlanException e) {
        c = new Candidate(b, null, Double.NaN, e.getMessage());
      }
      candidates.add(c);
      if (c.rejected() == null && (best == null || c.stepSeconds() < best.stepSeconds())) {
        best = c;
        bestGraph = g;
      }
    }
    if (best == null) {
      List<String> why = new ArrayList<>();
      for (Candidate c : candidates) {
        why.add("B=" + c.microBatches() + ": " + c.rejected());
      }
      throw new InfeasiblePlanException("auto plan: no micro-batch count has an executable plan on " + cluster.name()
          + " (" + String.join("; ", why) + ")");
    }
    return new Result(best.plan(), best.stepSeconds(), bestGraph, candidates);
  }
}
