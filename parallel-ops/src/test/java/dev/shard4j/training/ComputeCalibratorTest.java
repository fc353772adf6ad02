package dev.shard4j.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autoshard.ComputeCalibration;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.tensor.Device;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

class ComputeCalibratorTest {
  @Test
  void everyRankGetsTheSameMeasuredCalibration() {
    CommunicatorProfiler timing = CommunicatorProfiler.defaults();
    AtomicReferenceArray<ComputeCalibration> got = new AtomicReferenceArray<>(2);
    LocalCluster.run(2, comm -> got.set(comm.rank(), new ComputeCalibrator(timing).measure(comm, Device.CPU)));
    ComputeCalibration c = got.get(0);
    assertEquals(c, got.get(1));
    assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / timing.kernelThreads()), c.coresPerNode());
    assertTrue(c.kernelSeconds() > 1e-8 && c.kernelSeconds() < 1e-2, "seconds per kernel call: " + c.kernelSeconds());
    assertEquals(java.util.List.of(16, 32, 64, 128, 256, 512), java.util.List.copyOf(c.matmulEfficiency().keySet()));
    assertEquals(1.0, c.matmulEfficiency().get(512), 0);
    // a 16-wide GEMM cannot beat the 512 cube by much; every figure is a positive, finite ratio
    c.matmulEfficiency().values().forEach(e -> assertTrue(e > 0.01 && e < 3, "efficiency " + e));
  }

  @Test
  void profilesCarryTheCalibration() {
    CommunicatorProfiler.Result r = new LocalProfiler(CommunicatorProfiler.defaults().withSizes(64 << 10, 1 << 20))
        .measure(2);
    assertTrue(r.calibration().kernelSeconds() > 0);
    assertEquals(r.calibration(), r.applyTo(dev.shard4j.autoshard.ClusterProfile.localCpu(2)).calibration());
    assertTrue(r.report().contains("per kernel call"), r.report());
  }
}
