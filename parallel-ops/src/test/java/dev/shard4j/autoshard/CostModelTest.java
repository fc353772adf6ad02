package dev.shard4j.autoshard;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CostModelTest {
    private static final double EPS = 1e-15;

    @Test
    void collectivesFollowAlphaBeta() {
        ClusterProfile c = TestGraphs.simpleCluster(4, 2, 1L << 30);
        CostModel cm = new CostModel(c, new MeshShape(2, 4));
        double b = 1e6;
        // axis 1: 4 devices inside a node: alpha 1e-6, beta 1e-9
        assertEquals(1e-6 + 1e-9 * 0.75 * b, cm.allGather(b, 1), EPS);
        assertEquals(1e-6 + 2 * 1e-9 * 0.75 * b, cm.allReduce(b, 1), EPS);
        assertEquals(1e-6 + 1e-9 * 0.75 * b, cm.reduceScatter(b, 1), EPS);
        assertEquals(1e-6 + 1e-9 * 0.75 * b / 4, cm.allToAll(b, 1), EPS);
        // axis 0 spans the two nodes: alpha 1e-5, beta 1e-8, n = 2
        assertTrue(cm.crossesNodes(0));
        assertFalse(cm.crossesNodes(1));
        assertEquals(1e-5 + 2 * 1e-8 * 0.5 * b, cm.allReduce(b, 0), 1e-14);
        // size-1 axis costs nothing
        CostModel one = new CostModel(c, new MeshShape(1, 4));
        assertEquals(0, one.allReduce(b, 0));
        assertEquals(2e-3, cm.compute(2e9, OpKind.OpClass.MATMUL), EPS);
        assertEquals(2e-2, cm.compute(2e9, OpKind.OpClass.ELEMENTWISE), EPS);
    }

    @Test
    void reshardTable() {
        ClusterProfile c = TestGraphs.simpleCluster(4, 1, 1L << 30);
        CostModel cm = new CostModel(c, new MeshShape(1, 4));
        TensorInfo t = new TensorInfo("t", List.of(8L, 16L), DType.F32, false); // 512 bytes
        ShardingSpec r = ShardingSpec.parse("RR"), s0 = ShardingSpec.parse("RS(0)"), s1 = ShardingSpec.parse("RS(1)"),
                p = ShardingSpec.parse("RP");
        assertEquals(0, IntraOpProblem.reshardCost(cm, t, r, s0));
        assertEquals(0, IntraOpProblem.reshardCost(cm, t, s0, s0));
        assertEquals(cm.allGather(512, 1), IntraOpProblem.reshardCost(cm, t, s0, r), EPS);
        assertEquals(cm.allToAll(512, 1), IntraOpProblem.reshardCost(cm, t, s0, s1), EPS);
        assertEquals(cm.allReduce(512, 1), IntraOpProblem.reshardCost(cm, t, p, r), EPS);
        assertEquals(cm.reduceScatter(512, 1), IntraOpProblem.reshardCost(cm, t, p, s1), EPS);
    }

    @Test
    void profileJsonRoundTrips() {
        for (ClusterProfile c : List.of(ClusterProfile.h100(2), ClusterProfile.v100(4), ClusterProfile.localCpu(2))) {
            String json = c.toJson();
            assertEquals(c, ClusterProfile.fromJson(json), json);
        }
        assertEquals(989e12, ClusterProfile.h100(1).flopsFor(OpKind.OpClass.MATMUL));
        assertEquals(16, ClusterProfile.v100(2).devices());
        assertThrows(IllegalArgumentException.class, () -> new ClusterProfile("x", 8, 1, 0, 0, 0, 0,
                Map.of(OpKind.OpClass.MATMUL, 1.0), 1));
    }

    @Test
    void leastSquaresFitRecoversAlphaBeta() {
        List<Profiler.Sample> exact = new ArrayList<>();
        for (double b : new double[] {1e3, 1e5, 1e7}) exact.add(new Profiler.Sample(b, 5e-6 + 2e-10 * b));
        Profiler.AlphaBeta f = Profiler.fit(exact);
        assertEquals(5e-6, f.alpha(), 1e-12);
        assertEquals(2e-10, f.beta(), 1e-18);
        // noisy samples: +-1% multiplicative noise; fit within 3%
        Random rnd = new Random(7);
        List<Profiler.Sample> noisy = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            double b = Math.pow(2, 10 + rnd.nextInt(18));
            noisy.add(new Profiler.Sample(b, (5e-6 + 2e-10 * b) * (1 + 0.01 * (rnd.nextDouble() * 2 - 1))));
        }
        Profiler.AlphaBeta g = Profiler.fit(noisy);
        assertEquals(2e-10, g.beta(), 2e-10 * 0.03);
        assertThrows(IllegalArgumentException.class, () -> Profiler.fit(List.of(new Profiler.Sample(1, 1))));
        assertThrows(IllegalArgumentException.class,
                () -> Profiler.fit(List.of(new Profiler.Sample(4, 1), new Profiler.Sample(4, 2))));
        ClusterProfile measured = Profiler.withMeasuredFlops(ClusterProfile.localCpu(2),
                Map.of(OpKind.OpClass.MATMUL, 3e11, OpKind.OpClass.ELEMENTWISE, 1e10));
        assertEquals(3e11, measured.flopsFor(OpKind.OpClass.MATMUL));
    }

    @Test
    void aMeasuredGroupLinkPricesTheAxisOfThatSizeAndSurvivesJson() {
        ClusterProfile base = ClusterProfile.localCpu(8);
        ClusterProfile p = ClusterProfile.fromJson(base.withGroupLinks(java.util.Map.of(
                8, new ClusterProfile.Link(2e-3, 1e-9))).toJson());
        CostModel cm = new CostModel(p, new MeshShape(8, 1));
        // all-reduce of 1 MB over 8: alpha + 2 beta 7/8 B
        assertEquals(2e-3 + 2 * 1e-9 * 7.0 / 8 * 1e6, cm.allReduce(1e6, 0), 1e-12);
        // a 2 x 4 mesh has no measured link for 2 or 4: the profile's intra link
        CostModel other = new CostModel(p, new MeshShape(2, 4));
        assertEquals(base.intraAlpha() + base.intraBeta() * 3.0 / 4 * 1e6, other.allGather(1e6, 1), 1e-12);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> base.withGroupLinks(java.util.Map.of(16, new ClusterProfile.Link(1e-6, 1e-9))));
    }
}
