package dev.shard4j.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autoshard.AutoShardOptions;
import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.InfeasiblePlanException;
import dev.shard4j.autoshard.ManualPlans;
import dev.shard4j.autoshard.OpKind;
import dev.shard4j.autoshard.Plan;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.pipeline.StageShape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Lowering plans to the runtimes, the auto search over micro-batch counts, and the step-by-step session. */
class PlanExecutionUnitTest {
  private static final GptRun TINY = new GptRun("gpt-tiny", 1, 1, false, 0, false, 4, 8, 1e-3f, 1);
  private static final ClusterProfile FOUR = ClusterProfile.localCpu(4);

  private static Plan grid(int dp, int tp, int pp, int microBatches, boolean sp, boolean zero) {
    AutoShardOptions o = AutoShardOptions.defaults().withMicroBatches(microBatches);
    return ManualPlans.grid3d(AutoPlanSearch.graph(TINY.config(), TINY.batch() / microBatches), FOUR, o, dp, tp, pp,
        sp, zero);
  }

  @Test
  void aPipelinePlanLowersToStageShapesAndLayerSlices() {
    PlanLowering.Pipeline p = PlanLowering.lowerPipeline(grid(1, 2, 2, 4, true, false));
    assertEquals(List.of(new StageShape(1, 2, true), new StageShape(1, 2, true)), p.stages());
    // gpt-tiny has 2 blocks: layers 0 (embedding), 1, 2 (blocks), 3 (head), split 2 + 2
    assertEquals(List.of(List.of(0, 1), List.of(2, 3)), p.stageMap());
    assertEquals(4, p.microBatches());
    assertEquals("1f1b", p.schedule());
    assertEquals(4, p.ranks());
  }

  @Test
  void zeroInsideAPipelineIsRejectedNamingTheStage() {
    Plan zero = grid(4, 1, 1, 1, false, true);
    Plan.StagePlan s = zero.stages().get(0);
    Plan twoStages = new Plan("zero-pp", "1F1B", 1, List.of(
        new Plan.StagePlan(0, 1, s.submesh(), 0, s.mesh(), s.ops()),
        new Plan.StagePlan(2, 3, s.submesh(), 4, s.mesh(), s.ops())));
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> PlanLowering.lowerPipeline(twoStages));
    assertTrue(e.getMessage().contains("stage 0 shards parameters (ZeRO)"), e.getMessage());
  }

  @Test
  void sessionStepsTrainLikeOneDevice() {
    double[] single = new double[TINY.steps()];
    LocalCluster.run(1, comm -> {
      float[] l = TINY.trainRank(comm, (s, loss, tps) -> { }).losses();
      for (int i = 0; i < l.length; i++) {
        single[i] = l[i];
      }
    });
    for (Plan plan : List.of(grid(2, 2, 1, 1, true, false), grid(2, 1, 2, 2, false, false))) {
      try (LocalPlanSession session = new LocalPlanSession(TINY, plan)) {
        assertEquals(4, session.ranks());
        for (int i = 0; i < TINY.steps(); i++) {
          assertEquals(single[i], session.step(), 1e-5 * single[i], "step " + i + " of " + plan.name());
        }
      }
    }
  }

  @Test
  void autoSearchReportsEveryMicroBatchCountWhenNothingFits() {
    ClusterProfile tiny = new ClusterProfile("tiny-memory", 4, 1, 20e-6, 1e-10, 20e-6, 1e-10,
        Map.of(OpKind.OpClass.MATMUL, 2e10, OpKind.OpClass.ELEMENTWISE, 2.6e8), 1L << 10);
    InfeasiblePlanException e = assertThrows(InfeasiblePlanException.class,
        () -> AutoPlanSearch.search(TINY.config(), 8, tiny, AutoShardOptions.defaults()));
    for (int b : new int[] {1, 2, 4, 8}) {
      assertTrue(e.getMessage().contains("B=" + b + ": "), e.getMessage());
    }
  }

  @Test
  void autoSearchKeepsTheFastestSimulatedCandidate() {
    AutoPlanSearch.Result r = AutoPlanSearch.search(TINY.config(), 8, FOUR, AutoShardOptions.defaults());
    for (AutoPlanSearch.Candidate c : r.candidates()) {
      if (c.rejected() == null) {
        assertTrue(r.stepSeconds() <= c.stepSeconds(), "B=" + c.microBatches());
      }
    }
    assertEquals(4, PlanExecution.ranks(r.plan()));
  }
}
