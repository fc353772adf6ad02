package dev.shard4j.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.OpKind;
import dev.shard4j.autoshard.Profiler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalProfilerTest {
  // 5 calls per size: the median of each rank is then robust to one descheduled call, which the maximum over ranks
  // would otherwise keep on a loaded 2-core machine
  private final LocalProfiler profiler = new LocalProfiler(new long[] {64 << 10, 4 << 20}, 5);

  @Test
  void allReduceSamplesCarryBusBytesAndRealTimes() {
    List<Profiler.Sample> samples = profiler.measureAllReduce(4, false);
    assertEquals(2, samples.size());
    assertEquals(2.0 * 3 / 4 * (64 << 10), samples.get(0).bytes(), 1e-9, "bus bytes are 2(n-1)/n of the buffer");
    assertEquals(2.0 * 3 / 4 * (4 << 20), samples.get(1).bytes(), 1e-9);
    for (Profiler.Sample s : samples) {
      assertTrue(s.seconds() > 0 && s.seconds() < 10, s.toString());
    }
    // 64x the bytes cannot be cheaper than the small call: moving 6 MiB takes at least a memory copy's time
    assertTrue(samples.get(1).seconds() > samples.get(0).seconds(), samples.toString());
  }

  @Test
  void flopsAndProfileAreMeasuredNotDefaults() {
    Map<OpKind.OpClass, Double> flops = profiler.measureFlops();
    assertTrue(flops.get(OpKind.OpClass.MATMUL) > 1e9, flops.toString());
    assertTrue(flops.get(OpKind.OpClass.ELEMENTWISE) > 1e8, flops.toString());
    assertTrue(flops.get(OpKind.OpClass.MATMUL) > flops.get(OpKind.OpClass.ELEMENTWISE), flops.toString());
    ClusterProfile p = profiler.profile(2);
    assertEquals(2, p.devices());
    assertTrue(p.intraBeta() > 0 && p.intraAlpha() >= 0, p.toString());
    ClusterProfile back = ClusterProfile.fromJson(p.toJson());
    assertEquals(p.intraBeta(), back.intraBeta(), 0);
  }

  @Test
  void badRequestsAreRejected() {
    assertThrows(UnsupportedOperationException.class, () -> profiler.measureAllReduce(2, true));
    assertThrows(IllegalArgumentException.class, () -> profiler.measureAllReduce(1, false));
    assertThrows(IllegalArgumentException.class, () -> new LocalProfiler(new long[] {1024}, 3));
  }
}
