package dev.shard4j.autoshard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ComputeCalibrationTest {
    private static final ComputeCalibration CAL =
            new ComputeCalibration(2, 10e-6, Map.of(32, 0.5, 128, 0.8, 512, 1.0), 0);

    @Test
    void efficiencyInterpolatesInLogDimAndClamps() {
        assertEquals(0.5, CAL.matmulEfficiency(8), 1e-12);
        assertEquals(0.5, CAL.matmulEfficiency(32), 1e-12);
        assertEquals(0.65, CAL.matmulEfficiency(64), 1e-12); // halfway between 32 and 128 in log2
        assertEquals(0.8, CAL.matmulEfficiency(128), 1e-12);
        assertEquals(0.9, CAL.matmulEfficiency(256), 1e-12);
        assertEquals(1.0, CAL.matmulEfficiency(4096), 1e-12);
        assertEquals(1.0, ComputeCalibration.NONE.matmulEfficiency(3), 0);
    }

    @Test
    void sharesCoresOnlyWithFewerCoresThanDevices() {
        assertTrue(CAL.sharesCores(4));
        assertFalse(CAL.sharesCores(2));
        assertFalse(ComputeCalibration.NONE.sharesCores(8));
    }

    @Test
    void rejectsBadNumbers() {
        assertThrows(IllegalArgumentException.class, () -> new ComputeCalibration(-1, 0, Map.of(), 0));
        assertThrows(IllegalArgumentException.class, () -> new ComputeCalibration(0, -1e-6, Map.of(), 0));
        assertThrows(IllegalArgumentException.class, () -> new ComputeCalibration(0, 0, Map.of(0, 1.0), 0));
        assertThrows(IllegalArgumentException.class, () -> new ComputeCalibration(0, 0, Map.of(64, 0.0), 0));
        assertThrows(IllegalArgumentException.class, () -> new ComputeCalibration(0, 0, Map.of(), -1e-6));
    }

    @Test
    void profileJsonKeepsCalibrationAndOldFilesReadAsNone() {
        ClusterProfile p = ClusterProfile.localCpu(4).withCalibration(CAL);
        ClusterProfile back = ClusterProfile.fromJson(p.toJson());
        assertEquals(p, back);
        com.fasterxml.jackson.databind.node.ObjectNode tree;
        try {
            tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(ClusterProfile.localCpu(4).toJson());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        tree.remove("calibration");
        String old = tree.toString();
        assertFalse(old.contains("calibration"), old);
        assertEquals(ComputeCalibration.NONE, ClusterProfile.fromJson(old).calibration());
    }

    @Test
    void opSecondsChargesKernelCallsAndGemmEfficiency() {
        ClusterProfile p = TestGraphs.simpleCluster(4, 1, 1L << 30).withCalibration(CAL);
        CostModel cm = new CostModel(p, new MeshShape(2, 2));
        assertEquals(4 * 10e-6 + 1e9 / (1e12 * 0.8), cm.opSeconds(OpKind.MATMUL, 1e9, 128), 1e-15);
        assertEquals(2 * 10e-6 + 1e9 / 1e11, cm.opSeconds(OpKind.LAYERNORM, 1e9, Double.POSITIVE_INFINITY), 1e-15);
        CostModel plain = new CostModel(TestGraphs.simpleCluster(4, 1, 1L << 30), new MeshShape(2, 2));
        assertEquals(plain.compute(1e9, OpKind.OpClass.MATMUL), plain.opSeconds(OpKind.MATMUL, 1e9, 16), 1e-15);
    }

    @Test
    void optimizerUpdateStreamsTheStateOncePerStep() {
        ClusterProfile p = TestGraphs.simpleCluster(4, 1, 1L << 30).withCalibration(CAL);
        CostModel cm = new CostModel(p, new MeshShape(2, 2));
        assertEquals(10e-6 + 1e6 * CostModel.UPDATE_FLOPS_PER_PARAMETER / 1e11, cm.optimizerUpdate(1e6), 1e-15);
        assertEquals(0, cm.optimizerUpdate(0), 0);
        // ZeRO shards the state over the data axis: the update of a dp-replicated weight costs 1/dp of it
        Graph g = TestGraphs.matmul(4, 32, 256, 768);
        StrategyGenerator gen = new StrategyGenerator(cm, AutoShardOptions.defaults());
        Strategy dp = null, zero = null;
        for (Strategy st : gen.strategies(g, g.op("fc"))) {
            if (st.axisIndex().equals("b-") && !st.zero()) dp = st;
            if (st.axisIndex().equals("b-") && st.zero()) zero = st;
        }
        assertEquals(cm.optimizerUpdate(256 * 768), dp.update(), 1e-15);
        assertEquals(cm.optimizerUpdate(256 * 768 / 2.0), zero.update(), 1e-15);
    }

    @Test
    void arrivalSkewAddsToEveryCollectiveAndHandOff() {
        ClusterProfile plain = TestGraphs.simpleCluster(4, 1, 1L << 30);
        ClusterProfile skewed = plain.withCalibration(new ComputeCalibration(0, 0, Map.of(), 3e-4));
        CostModel a = new CostModel(plain, new MeshShape(2, 2));
        CostModel b = new CostModel(skewed, new MeshShape(2, 2));
        assertEquals(a.allReduce(1 << 20, 0) + 3e-4, b.allReduce(1 << 20, 0), 1e-15);
        assertEquals(a.allGather(1 << 20, 1) + 3e-4, b.allGather(1 << 20, 1), 1e-15);
        assertEquals(a.sendRecv(1 << 20) + 3e-4, b.sendRecv(1 << 20), 1e-15);
        assertEquals(0, new CostModel(skewed, new MeshShape(1, 4)).allReduce(1 << 20, 0), 0);
    }

    @Test
    void localGemmDimsFollowTheStrategy() {
        Graph g = TestGraphs.matmul(4, 32, 256, 768); // rows b*s = 128, inner 256, cols 768
        Op fc = g.op("fc");
        MeshShape mesh = new MeshShape(2, 4);
        assertEquals(128, LocalGemm.minDim(g, fc, "--", mesh), 0);
        assertEquals(64, LocalGemm.minDim(g, fc, "b-", mesh), 0);       // batch over 2: 64 rows
        assertEquals(64, LocalGemm.minDim(g, fc, "-k", mesh), 0);       // contracted 256 over 4
        assertEquals(128, LocalGemm.minDim(g, fc, "-n", mesh), 0);      // 768 / 4 = 192 columns, rows 128
        assertEquals(Double.POSITIVE_INFINITY, LocalGemm.minDim(TestGraphs.mlp(2, 8, 16, 64),
                TestGraphs.mlp(2, 8, 16, 64).ops().get(0), "--", mesh), 0);
    }
}
