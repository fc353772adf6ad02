package dev.shard4j.autoshard;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The automatic plan against every DP x TP x PP grid point and ZeRO-3 under the same simulator. */
class PlannerQualityTest {
    @Test
    void gptPlanIsWithinFivePercentOfTheBestGridPoint() {
        // GPT-3 350M shape (24 blocks, d = 1024, 16 heads) with 8 sequences per micro-batch on one 8-GPU H100 node
        Graph g = new GptGraphBuilder(51200, 1024, 1024, 16, 24, 8).build();
        ClusterProfile c = ClusterProfile.h100(1);
        PlanComparison.Result r = new PlanComparison(c, AutoShardOptions.defaults()).compare(g);
        assertNotNull(r.bestGrid(), "some grid point fits");
        assertTrue(r.auto().fits(), "auto plan fits memory");
        assertTrue(r.autoOverGrid() <= 1.05, "auto " + r.auto().stepSeconds() + " s vs best grid "
                + r.bestGrid().name() + " " + r.bestGrid().stepSeconds() + " s");
        assertTrue(r.stats().distinctProblems() < r.stats().stageCandidates(), "structural cache shares problems");
    }

    @Test
    void moePlanBeatsZero3ClearlyWithExpertParallelism() {
        // 4 MoE blocks, d = 512, one expert per GPU (8), FFN 2048, 8 sequences of 256 tokens per micro-batch
        Graph g = new MoeGraphBuilder(8192, 256, 512, 8, 4, 8, 8, 2048).build();
        ClusterProfile c = ClusterProfile.h100(1);
        PlanComparison.Result r = new PlanComparison(c, AutoShardOptions.defaults()).compare(g);
        assertTrue(r.zero3().fits());
        assertTrue(r.autoOverZero3() < 0.8, "auto " + r.auto().stepSeconds() + " s vs ZeRO-3 " + r.zero3().stepSeconds());
        boolean expertSplit = false;
        for (Plan.StagePlan s : r.auto().plan().stages()) {
            for (var e : s.ops().entrySet()) {
                if (e.getKey().endsWith("moe.expert_fc")) expertSplit |= e.getValue().strategy().contains("e");
            }
        }
        assertTrue(expertSplit, "expert matmuls split the expert dim: " + r.auto().plan().summary());
    }

    @Test
    void modelThatCannotFitFullyShardedNamesNeedAndBudget() {
        Graph g = new GptGraphBuilder(51200, 1024, 2048, 32, 24, 1).build();
        ClusterProfile c = TestGraphs.simpleCluster(4, 1, 1L << 30); // 1 GiB per device, 1.3B parameters
        InfeasiblePlanException e = assertThrows(InfeasiblePlanException.class,
                () -> new AutoSharder(c, AutoShardOptions.defaults()).plan(g));
        assertTrue(e.getMessage().matches(".*needs [0-9.]+ GiB per device .*budget 0\\.90 GiB.*"), e.getMessage());
    }
}
