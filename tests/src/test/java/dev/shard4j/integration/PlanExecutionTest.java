package dev.shard4j.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autoshard.AutoShardOptions;
import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.Graph;
import dev.shard4j.autoshard.ManualPlans;
import dev.shard4j.autoshard.Plan;
import dev.shard4j.autoshard.trace.GptTracer;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.training.GptTrainer;
import dev.shard4j.training.PlanLowering;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hand-written plans (pure DP, Megatron TP, ZeRO-3, a DP x TP grid) of the graph traced from the model, expressed
 * as planner {@link Plan}s, lower to the runtime's mesh configuration, and a lowered plan trains with the
 * single-device losses.
 */
class PlanExecutionTest {
  private static final GptConfig C = GptTrainingFixture.CONFIG;
  private static final Graph GRAPH = GptTracer.trace(C, GptTrainingFixture.BATCH);
  private static final ClusterProfile FOUR = ClusterProfile.localCpu(4);
  private static final AutoShardOptions OPTIONS = AutoShardOptions.defaults().withMicroBatches(1);

  @Test
  void manualPlansLowerToTheirMeshes() {
    assertEquals(new PlanLowering.Lowered(4, 1, false, 0),
        PlanLowering.lower(ManualPlans.dataParallel(GRAPH, FOUR, OPTIONS)));
    assertEquals(new PlanLowering.Lowered(1, 4, false, 0),
        PlanLowering.lower(ManualPlans.megatron(GRAPH, FOUR, OPTIONS)));
    assertEquals(new PlanLowering.Lowered(4, 1, false, 3), PlanLowering.lower(ManualPlans.zero3(GRAPH, FOUR, OPTIONS)));
    assertEquals(new PlanLowering.Lowered(2, 2, false, 0),
        PlanLowering.lower(ManualPlans.grid3d(GRAPH, FOUR, OPTIONS, 2, 2, 1)));
  }

  @Test
  void plansTheRuntimeCannotRunAreRejectedNamingTheOps() {
    UnsupportedOperationException stages = assertThrows(UnsupportedOperationException.class,
        () -> PlanLowering.lower(ManualPlans.grid3d(GRAPH, FOUR, OPTIONS, 2, 1, 2)));
    assertTrue(stages.getMessage().contains("2 pipeline stages"), stages.getMessage());
    Plan dp = ManualPlans.dataParallel(GRAPH, FOUR, OPTIONS);
    Plan.StagePlan s = dp.stages().get(0);
    Map<String, Plan.OpSharding> ops = new LinkedHashMap<>(s.ops());
    Plan.OpSharding wte = ops.get("wte");
    ops.put("wte", new Plan.OpSharding("d-", wte.inputs(), wte.output(), wte.params()));
    Plan mixed = new Plan("mixed", dp.schedule(), dp.microBatches(), List.of(new Plan.StagePlan(s.firstLayer(),
        s.lastLayer(), s.submesh(), s.firstDevice(), s.mesh(), ops)));
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> PlanLowering.lower(mixed));
    assertTrue(e.getMessage().contains("op wte splits 'd' on axis 0 (size 4)"), e.getMessage());
  }

  @Test
  void aLoweredGridPlanTrainsWithTheSingleDeviceLosses() {
    PlanLowering.Lowered l = PlanLowering.lower(ManualPlans.grid3d(GRAPH, FOUR, OPTIONS, 2, 2, 1));
    int steps = 5;
    double[] single = new double[steps];
    double[] planned = new double[steps];
    LocalCluster.run(1, w -> {
      try (GptTrainer t = new GptTrainer(w, C, GptTrainingFixture.options(1, 1, 0))) {
        for (int i = 0; i < steps; i++) {
          single[i] = t.step(GptTrainingFixture.DATA);
        }
      }
    });
    LocalCluster.run(l.dp() * l.tp(), w -> {
      try (GptTrainer t = new GptTrainer(w, C, GptTrainingFixture.options(l.dp(), l.tp(), l.zeroStage()))) {
        for (int i = 0; i < steps; i++) {
          float v = t.step(GptTrainingFixture.DATA);
          if (w.rank() == 0) {
            planned[i] = v;
          }
        }
      }
    });
    for (int i = 0; i < steps; i++) {
      assertEquals(single[i], planned[i], 1e-5 * single[i], "step " + i);
    }
  }
}
