package dev.shard4j.autoshard;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class StrategyGeneratorTest {
    private static final double EPS = 1e-15;

    private static Strategy find(List<Strategy> ss, String name) {
        for (Strategy s : ss) if (s.name().equals(name)) return s;
        throw new AssertionError("no strategy " + name + " in " + ss.stream().map(Strategy::name).toList());
    }

    @Test
    void matmulStrategiesOnOneAxisMatchHandComputedCosts() {
        // x[8,4,16] @ w[16,32], bf16, mesh 1x2: alpha 1e-6, beta 1e-9, 1e12 FLOP/s
        Graph g = TestGraphs.matmul(8, 4, 16, 32);
        CostModel cm = new CostModel(TestGraphs.simpleCluster(2, 1, 1L << 30), new MeshShape(1, 2));
        List<Strategy> ss = new StrategyGenerator(cm, AutoShardOptions.defaults()).strategies(g, g.op("fc"));
        double compute = 2.0 * 8 * 4 * 16 * 32 * 3 / 2 / 1e12;

        Strategy col = find(ss, "-n"); // Megatron column: input gradient all-reduce (x is 1024 bytes)
        assertEquals(compute, col.compute(), EPS);
        assertEquals(1e-6 + 2 * 1e-9 * 0.5 * 1024, col.comm(), EPS);
        assertEquals(0, col.gradSync());
        assertEquals(512 / 2 * 16, col.paramMemory(), EPS);
        assertEquals("RS(1)", col.paramSpecs().get(0).toString());
        assertEquals("RS(2)", col.outputSpec().toString());

        Strategy row = find(ss, "-k"); // Megatron row: all-reduce of the 2048-byte output in forward
        assertEquals(1e-6 + 2 * 1e-9 * 0.5 * 2048, row.comm(), EPS);
        assertEquals("RR", row.outputSpec().toString());
        assertEquals("RS(2)", row.inputSpecs().get(0).toString());

        Strategy dp = find(ss, "-b"); // data parallel: gradient all-reduce of the 1024-byte weight
        assertEquals(0, dp.comm());
        // bucketed: the 1024-byte gradient pays 1024 / 25 MiB of one all-reduce's latency
        assertEquals(1e-6 * 1024 / CostModel.GRADIENT_BUCKET_BYTES + 2 * 1e-9 * 0.5 * 1024, dp.gradSync(), EPS);
        assertEquals(512 * 16, dp.paramMemory(), EPS);

        Strategy zero = find(ss, "-b+zero"); // ZeRO-3: 2 all-gathers per micro-batch, reduce-scatter per step
        assertEquals(2 * (1e-6 + 1e-9 * 0.5 * 1024), zero.comm(), EPS);
        assertEquals(1e-6 * 1024 / CostModel.GRADIENT_BUCKET_BYTES + 1e-9 * 0.5 * 1024, zero.gradSync(), EPS);
        assertEquals(512 * 16 / 2.0, zero.paramMemory(), EPS);

        Strategy rep = find(ss, "--");
        assertEquals(compute * 2, rep.compute(), EPS);
        assertEquals(0, rep.comm() + rep.gradSync());
        // 2 axes x letters: axis 0 has size 1 so only '-'; axis 1: '-', b, s, k, n; +zero for b and s
        assertEquals(7, ss.size());
    }

    @Test
    void unevenAndForbiddenSplitsAreExcludedWithReason() {
        Graph g = TestGraphs.matmul(6, 4, 16, 33);
        CostModel cm = new CostModel(TestGraphs.simpleCluster(4, 1, 1L << 30), new MeshShape(1, 4));
        StrategyGenerator.Result r = new StrategyGenerator(cm, AutoShardOptions.defaults()).generate(g, g.op("fc"));
        assertTrue(r.excluded().contains(new StrategyGenerator.Exclusion("-n", "'n' of size 33 is not divisible by 4")),
                r.excluded().toString());
        assertTrue(r.excluded().contains(new StrategyGenerator.Exclusion("-b", "'b' of size 6 is not divisible by 4")));
        assertTrue(r.strategies().stream().anyMatch(s -> s.name().equals("-k")));

        Graph m = TestGraphs.mlp(4, 8, 16, 64);
        StrategyGenerator.Result ln = new StrategyGenerator(cm, AutoShardOptions.defaults()).generate(m, m.op("ln"));
        assertTrue(ln.excluded().contains(new StrategyGenerator.Exclusion("-d", "cannot split 'd': layernorm normalizes over d")));
    }

    @Test
    void bothAxesCanSplitOneLetter() {
        Graph g = TestGraphs.matmul(8, 4, 16, 32);
        CostModel cm = new CostModel(TestGraphs.simpleCluster(4, 1, 1L << 30), new MeshShape(2, 2));
        List<Strategy> ss = new StrategyGenerator(cm, AutoShardOptions.defaults()).strategies(g, g.op("fc"));
        Strategy bb = find(ss, "bb");
        assertEquals("S(0)S(0)", bb.outputSpec().toString());
        assertEquals(2.0 * 8 * 4 * 16 * 32 * 3 / 4 / 1e12, bb.compute(), EPS);
        Strategy bn = find(ss, "bn"); // 2-D: data parallel outer, column inner
        assertEquals("S(0)S(2)", bn.outputSpec().toString());
        assertEquals("RS(1)", bn.paramSpecs().get(0).toString());
        assertEquals(512 / 2 * 16, bn.paramMemory(), EPS);
    }

    @Test
    void gptGraphHasNamedOpsAndParameterCount() {
        Graph g = new GptGraphBuilder(1000, 64, 128, 4, 3, 2).build();
        assertEquals(5, g.numLayers());
        assertEquals(List.of("wte", "wpe", "embed", "blocks.0.ln1", "blocks.0.attn.qkv"),
                g.ops().subList(0, 5).stream().map(Op::name).toList());
        assertEquals(OpKind.ATTENTION, g.op("blocks.2.attn.core").kind());
        long d = 128, v = 1000, s = 64;
        // two layer norms, qkv, attention proj, fc and MLP proj, each linear with its bias; the head is tied
        long perBlock = 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (4 * d * d + 4 * d) + (4 * d * d + d);
        assertEquals(v * d + s * d + 3 * perBlock + 2 * d, g.parameterCount());
        assertEquals(v * d + s * d + 3 * perBlock + 2 * d + d * v,
                new GptGraphBuilder(1000, 64, 128, 4, 3, 2).tiedLmHead(false).build().parameterCount());
        assertEquals(2.0 * 2 * 64 * 128 * 384 + 2 * 64 * 384, g.op("blocks.1.attn.qkv").forwardFlops());
        assertThrows(IllegalArgumentException.class, () -> new GptGraphBuilder(10, 4, 10, 3, 1, 1));
    }
}
