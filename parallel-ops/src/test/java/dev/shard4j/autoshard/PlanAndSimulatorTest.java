package dev.shard4j.autoshard;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlanAndSimulatorTest {
    private static final double EPS = 1e-15;

    @Test
    void dataParallelMatmulStepTimeByHand() {
        // x[8,4,16] @ w[16,32] on 2 devices, data parallel, B = 4 micro-batches, one stage
        Graph g = TestGraphs.matmul(8, 4, 16, 32);
        ClusterProfile c = TestGraphs.simpleCluster(2, 1, 1L << 30);
        AutoShardOptions o = AutoShardOptions.defaults().withMicroBatches(4);
        Plan dp = ManualPlans.dataParallel(g, c, o);
        assertEquals("b-", dp.stages().get(0).ops().get("fc").strategy());
        Simulator.Estimate e = new Simulator(g, c, o).estimate(dp);
        double compute = 2.0 * 8 * 4 * 16 * 32 * 3 / 2 / 1e12;
        // bucketed all-reduce of the 1024-byte weight gradient: its share of one latency
        double gradSync = 1e-6 * 1024 / CostModel.GRADIENT_BUCKET_BYTES + 2 * 1e-9 * 0.5 * 1024;
        double update = 512 * CostModel.UPDATE_FLOPS_PER_PARAMETER / 1e11; // AdamW over the 512 weights, per step
        double t = compute + (gradSync + update) / 4;
        assertEquals(t, e.stageSeconds()[0], EPS);
        assertEquals(t + 3 * t, e.stepSeconds(), 1e-14);
        // weights+grads+Adam 512 * 16 bytes, activations: output 1024 + input 512 bytes, 1 micro-batch in flight
        assertEquals(512 * 16 + 1024 + 512, e.peakMemoryBytes(), 1e-6);

        Plan zero = ManualPlans.zero3(g, c, o);
        assertEquals("b-+zero", zero.stages().get(0).ops().get("fc").strategy());
        Simulator.Estimate z = new Simulator(g, c, o).estimate(zero);
        assertEquals(512 * 8 + 1536, z.peakMemoryBytes(), 1e-6);
        double tz = compute + 2 * (1e-6 + 1e-9 * 0.5 * 1024) + (1e-6 * 1024 / CostModel.GRADIENT_BUCKET_BYTES + 1e-9 * 0.5 * 1024 + update / 2) / 4;
        assertEquals(4 * tz, z.stepSeconds(), 1e-14);
    }

    @Test
    void pipelineBubbleAndInFlightMemory() {
        // mlp: 3 layer units on 3 devices, one per stage (dp=tp=1, pp=3)
        Graph g = TestGraphs.mlp(4, 8, 16, 64);
        ClusterProfile c = TestGraphs.simpleCluster(1, 3, 1L << 30);
        AutoShardOptions o = AutoShardOptions.defaults().withMicroBatches(5);
        Plan pp = ManualPlans.grid3d(g, c, o, 1, 1, 3);
        assertEquals(3, pp.stages().size());
        Simulator.Estimate e = new Simulator(g, c, o).estimate(pp);
        double ln = 8.0 * 4 * 8 * 16 * 3 / 1e11;
        double fc = 2.0 * 4 * 8 * 16 * 64 * 3 / 1e12 + 8.0 * 4 * 8 * 64 * 2 / 1e11; // fc + merged gelu
        double proj = 2.0 * 4 * 8 * 64 * 16 * 3 / 1e12;
        // point-to-point per micro-batch over the inter-node link (one device per node): ln.out (4x8x16 bf16) between
        // stages 0 and 1, gelu.out (4x8x64 bf16) between 1 and 2; the sender pays forward, the receiver backward
        double s01 = 1e-5 + 1e-8 * 1024;
        double s12 = 1e-5 + 1e-8 * 4096;
        // AdamW of each stage's weights once per step, amortised over the 5 micro-batches
        double u = CostModel.UPDATE_FLOPS_PER_PARAMETER / 1e11 / 5;
        assertEquals(ln + s01 + 16 * u, e.stageSeconds()[0], EPS);
        assertEquals(fc + s01 + s12 + 1024 * u, e.stageSeconds()[1], EPS);
        assertEquals(proj + s12 + 1024 * u, e.stageSeconds()[2], EPS);
        double[] t = e.stageSeconds();
        assertEquals(t[0] + t[1] + t[2] + 4 * Math.max(t[1], Math.max(t[0], t[2])), e.stepSeconds(), 1e-14);
        // 1F1B: stage 0 holds 3 micro-batches of ln.out (1024 B) + x (1024 B); weights 16 * 16 bytes
        assertEquals(16 * 16 + 3 * 2048, e.stageMemoryBytes()[0], 1e-6);
        Simulator.Estimate gp = new Simulator(g, c, o.withSchedule("GPipe")).estimate(
                ManualPlans.grid3d(g, c, o.withSchedule("GPipe"), 1, 1, 3));
        assertEquals(16 * 16 + 5 * 2048, gp.stageMemoryBytes()[0], 1e-6);
    }

    @Test
    void plansRoundTripThroughJson() {
        Graph g = new GptGraphBuilder(512, 32, 64, 4, 2, 4).build();
        ClusterProfile c = TestGraphs.simpleCluster(4, 1, 1L << 30);
        AutoShardOptions o = AutoShardOptions.defaults().withMicroBatches(2);
        for (Plan p : List.of(ManualPlans.dataParallel(g, c, o), ManualPlans.megatron(g, c, o), ManualPlans.zero3(g, c, o),
                ManualPlans.grid3d(g, c, o, 2, 1, 2),
                new AutoSharder(TestGraphs.simpleCluster(2, 1, 1L << 30), o).plan(new GptGraphBuilder(512, 32, 64, 4, 1, 4).build()))) {
            String json = p.toJson();
            Plan back = Plan.fromJson(json);
            assertEquals(p, back, json);
            assertEquals(json, back.toJson());
            assertTrue(p.summary().contains("logical mesh"), p.summary());
        }
        Plan tp = ManualPlans.megatron(g, c, o);
        Plan.StagePlan s = tp.stages().get(0);
        assertEquals("-h", s.ops().get("blocks.0.attn.qkv").strategy());
        assertEquals("-h", s.ops().get("blocks.0.attn.proj").strategy());
        assertEquals("-f", s.ops().get("blocks.1.mlp.fc").strategy());
        assertEquals("=blocks.1.mlp.fc", s.ops().get("blocks.1.mlp.gelu").strategy());
        assertEquals("RR", s.ops().get("blocks.1.mlp.proj").output().toString());
        assertEquals(ShardingSpec.parse("S(0)S(2)"), ShardingSpec.parse("S(0)S(2)"));
        assertThrows(IllegalArgumentException.class, () -> ShardingSpec.parse("S(0"));
    }

    @Test
    void autoPlanIsNeverWorseThanManualPlansOnH100() {
        // GPT-3-like block shapes (d_model 2048, 16 heads, seq 2048, vocab 51200), 2 blocks; micro-batch 8, B = 8
        Graph g = new GptGraphBuilder(51200, 2048, 2048, 16, 2, 8).build();
        ClusterProfile c = ClusterProfile.h100(1);
        AutoShardOptions o = AutoShardOptions.defaults().withMicroBatches(8);
        Simulator sim = new Simulator(g, c, o);
        Plan auto = new AutoSharder(c, o).plan(g);
        double a = sim.estimate(auto).stepSeconds();
        System.out.print(auto.summary());
        assertTrue(sim.estimate(auto).peakMemoryBytes() <= c.memoryBytes() * o.memoryFraction());
        List<Plan> manual = List.of(ManualPlans.dataParallel(g, c, o), ManualPlans.megatron(g, c, o),
                ManualPlans.zero3(g, c, o), ManualPlans.grid3d(g, c, o, 2, 4, 1), ManualPlans.grid3d(g, c, o, 2, 2, 2),
                ManualPlans.grid3d(g, c, o, 1, 4, 2), ManualPlans.grid3d(g, c, o, 4, 1, 2));
        for (Plan m : manual) {
            double t = sim.estimate(m).stepSeconds();
            System.out.printf("%-12s step %8.3f ms, peak %6.2f GiB (auto %8.3f ms)%n", m.name(), t * 1e3,
                    sim.estimate(m).peakMemoryBytes() / (1L << 30), a * 1e3);
            assertTrue(a <= t * (1 + 1e-9), "auto " + a + " s vs " + m.name() + " " + t + " s\n" + auto.summary());
        }
    }
}
