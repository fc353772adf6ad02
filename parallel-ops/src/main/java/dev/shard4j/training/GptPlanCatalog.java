package dev.shard4j.training;

import dev.shard4j.autoshard.AutoShardOptions;
import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.Graph;
import dev.shard4j.autoshard.ManualPlans;
import dev.shard4j.autoshard.Plan;
import dev.shard4j.autoshard.Simulator;
import dev.shard4j.autoshard.trace.GptTracer;
import dev.shard4j.layers.Gpt;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plans of one GPT run on a cluster of local ranks that the runtime executes, each with its simulated step time:
 * the manual grid points (data parallel with and without ZeRO-3, Megatron tensor parallel with and without sequence
 * parallelism, pipelines of 2 and 4 stages combined with data and tensor parallelism, with every micro-batch count
 * from the stage count up to one sequence per data-parallel rank, doubling, and GPipe beside 1F1B for two stages at
 * 4 micro-batches) and the planner's own plan
 * ({@code auto}, from {@link AutoPlanSearch}). Every plan is priced on the graph traced from the model the run trains. The set the cost model's fidelity is judged on: measure each, rank the
 * measured step times against the simulated ones. Pure.
 */
public final class GptPlanCatalog {
  /** A named plan with the micro-batch count it was built for and its simulated step seconds. */
  public record Entry(String name, Plan plan, double predictedSeconds) {}

  /** A grid point: data, tensor and pipeline sizes, sequence parallelism, ZeRO-3, micro-batches. */
  private record Point(int dp, int tp, int pp, boolean sp, boolean zero, int microBatches, String schedule) {
    Point(int dp, int tp, int pp, boolean sp, boolean zero, int microBatches) {
      this(dp, tp, pp, sp, zero, microBatches, "1F1B");
    }

    String name() {
      return (pp > 1 ? "pp" + pp + "-" : "") + "dp" + dp + "-tp" + tp + (sp ? "-sp" : "") + (zero ? "-zero3" : "")
          + (pp > 1 ? "-m" + microBatches : "") + (schedule.equals("GPipe") ? "-gpipe" : "");
    }
  }

  private GptPlanCatalog() {}

  /**
   * Every catalog plan that fits {@code cluster}'s device count and the run's shapes (a point whose splits do not
   * divide, or whose micro-batches do not divide the batch, is left out), then {@code auto}.
   */
  public static List<Entry> plans(GptRun run, ClusterProfile cluster) {
    int n = cluster.devices();
    List<Point> points = new ArrayList<>();
    for (int pp : new int[] {1, 2, 4}) {
      for (int tp = 1; tp <= n / pp; tp *= 2) {
        int dp = n / pp / tp;
        if (dp * tp * pp != n) {
          continue;
        }
        if (pp == 1) {
          points.add(new Point(dp, tp, 1, false, false, 1));
          if (tp > 1) {
            points.add(new Point(dp, tp, 1, true, false, 1));
          }
          if (dp > 1 && tp == 1) {
            points.add(new Point(dp, tp, 1, false, true, 1));
          }
        } else {
          for (int m = pp; m <= run.batch() / dp; m *= 2) {
            points.add(new Point(dp, tp, pp, false, false, m));
          }
          if (pp == 2 && run.batch() / dp >= 4) {
            points.add(new Point(dp, tp, pp, false, false, 4, "GPipe"));
          }
        }
      }
    }
    Map<String, Entry> out = new LinkedHashMap<>();
    AutoShardOptions base = AutoShardOptions.defaults();
    Map<Integer, Graph> graphs = new HashMap<>(); // traced once per micro-batch size
    try (Gpt model = new Gpt(run.config(), TensorParallel.single())) {
      for (Point p : points) {
        if (run.batch() % p.microBatches() == 0) {
          graphs.computeIfAbsent(run.batch() / p.microBatches(), size -> GptTracer.trace(model, size));
        }
      }
    }
    for (Point p : points) {
      if (run.batch() % p.microBatches() != 0 || (run.batch() / p.microBatches()) % p.dp() != 0
          || p.pp() > run.config().layers()) {
        continue;
      }
      Graph g = graphs.get(run.batch() / p.microBatches());
      AutoShardOptions o = base.withMicroBatches(p.microBatches()).withSchedule(p.schedule());
      Plan plan;
      try {
        plan = ManualPlans.grid3d(g, cluster, o, p.dp(), p.tp(), p.pp(), p.sp(), p.zero());
        PlanLowering.lowerPipeline(plan);
      } catch (RuntimeException e) {
        continue; // a split the runtime cannot run at this size (e.g. more tensor ranks than heads)
      }
      plan = new Plan(p.name(), plan.schedule(), plan.microBatches(), plan.stages());
      out.put(p.name(), new Entry(p.name(), plan, new Simulator(g, cluster, o).estimate(plan).stepSeconds()));
    }
    AutoPlanSearch.Result auto = AutoPlanSearch.search(run.config(), run.batch(), cluster, base);
    Plan a = auto.plan();
    out.put("auto", new Entry("auto", new Plan("auto", a.schedule(), a.microBatches(), a.stages()),
        auto.stepSeconds()));
    return List.copyOf(out.values());
  }

  /** The entry named {@code name}; the error lists the names there are. */
  public static Entry byName(List<Entry> entries, String name) {
    for (Entry e : entries) {
      if (e.name().equals(name)) {
        return e;
      }
    }
    throw new IllegalArgumentException("plan catalog: no plan '" + name + "' (known: "
        + entries.stream().map(Entry::name).toList() + ")");
  }
}
