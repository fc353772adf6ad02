package dev.shard4j.autoshard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedCoreStepTest {
    private static ClusterProfile node(int devices, int cores) {
        return TestGraphs.simpleCluster(devices, 1, 1L << 30)
                .withCalibration(new ComputeCalibration(cores, 0, Map.of(), 0));
    }

    @Test
    void oneStageOverTheNodeKeepsItsTime() {
        assertEquals(0.3, Simulator.sharedCoreStep(0.3, new double[] {0.3}, new int[] {4}, 1, node(4, 2)), 1e-12);
    }

    @Test
    void bubblesOnSharedCoresCostOnlyTheIdleCores() {
        // four one-device stages of 1 s per micro-batch, 4 micro-batches, 4 devices on 2 cores: the pipeline alone
        // would take 7 s; the 16 device-seconds of work on 4 devices bound it at 4 s, the critical path at double
        // speed at 3.5 s
        double[] t = {1, 1, 1, 1};
        int[] devices = {1, 1, 1, 1};
        double pipeline = InterOpSolver.pipelineTime(t, 4);
        assertEquals(7, pipeline, 1e-12);
        assertEquals(4, Simulator.sharedCoreStep(pipeline, t, devices, 4, node(4, 2)), 1e-12);
        // with 8 micro-batches: work 32/4 = 8 s, critical path 11 s at half time = 5.5 s
        assertEquals(8, Simulator.sharedCoreStep(InterOpSolver.pipelineTime(t, 8), t, devices, 8, node(4, 2)), 1e-12);
    }

    @Test
    void criticalPathBoundWinsForUnevenStages() {
        // a 3 s stage on 1 device and a 0.1 s stage on 3 devices, 2 micro-batches, 4 devices on 2 cores: work
        // (1*2*3 + 3*2*0.1)/4 = 1.65 s; alone, the first runs on a core of its own (half time, 1.5 s) and the
        // second's 3 devices share 2 cores (0.075 s): (1.5 + 0.075) + 1.5 = 3.075 s
        double[] t = {3, 0.1};
        int[] devices = {1, 3};
        assertEquals(3.075, Simulator.sharedCoreStep(InterOpSolver.pipelineTime(t, 2), t, devices, 2, node(4, 2)),
                1e-12);
        // one core: alone the stages take a quarter and three quarters of their time (1.575 s of critical path), so
        // the work bound of 1.65 s decides
        assertEquals(1.65,
                Simulator.sharedCoreStep(InterOpSolver.pipelineTime(t, 2), t, devices, 2, node(4, 1)), 1e-12);
    }

    @Test
    void dedicatedDevicesAndSeveralNodesKeepThePipelineTime() {
        double[] t = {1, 1};
        int[] devices = {1, 1};
        assertEquals(5, Simulator.sharedCoreStep(5, t, devices, 4, node(2, 2)), 0);
        assertEquals(5, Simulator.sharedCoreStep(5, t, devices, 4, TestGraphs.simpleCluster(2, 1, 1L << 30)), 0);
        ClusterProfile twoNodes = TestGraphs.simpleCluster(4, 2, 1L << 30)
                .withCalibration(new ComputeCalibration(2, 0, Map.of(), 0));
        assertEquals(5, Simulator.sharedCoreStep(5, t, devices, 4, twoNodes), 0);
    }
}
