package dev.shard4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The warm-up + cosine schedule, the clipping factor, and the global norm over sharded and replicated gradients. */
class ScheduleAndNormTest {
  @Test
  void warmupThenCosineThenFloor() {
    WarmupCosineSchedule s = new WarmupCosineSchedule(1.0f, 0.1f, 4, 12);
    assertEquals(0.25f, s.lr(0), 1e-7);
    assertEquals(1.0f, s.lr(3), 1e-7);
    assertEquals(1.0f, s.lr(4), 1e-7, "decay starts at the peak");
    assertEquals(0.55f, s.lr(8), 1e-6, "half-way through the decay: the mean of peak and floor");
    assertEquals(0.1f + 0.9f * 0.5f * (1 + Math.cos(Math.PI * 0.25)), s.lr(6), 1e-6);
    assertEquals(0.1f, s.lr(12), 1e-7);
    assertEquals(0.1f, s.lr(1000), 1e-7);
    assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(0.1f, 1f, 0, 10));
  }

  @Test
  void clipScaleFollowsTorch() {
    assertEquals(1f, GradNorm.clipScale(0.5, 1.0));
    assertEquals(1.0 / (4.0 + 1e-6), GradNorm.clipScale(4.0, 1.0), 1e-7);
    assertThrows(IllegalArgumentException.class, () -> GradNorm.clipScale(Double.NaN, 1.0));
  }

  /**
   * A 2x2 mesh: tensor A is sharded over "tp" and over "dp" (each rank one quarter), tensor B is sharded over tp and
   * replicated over dp, tensor C is replicated everywhere. The norm must count every global element once.
   */
  @Test
  void globalNormCountsShardsOnceAndReplicasOnce() {
    float[] a = new float[16];
    float[] b = new float[6];
    float[] c = {3, -4};
    double expected = 0;
    for (int i = 0; i < a.length; i++) {
      a[i] = (i % 5) - 2.5f;
      expected += a[i] * a[i];
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = 0.5f * i;
      expected += b[i] * b[i];
    }
    expected += 25;
    double want = Math.sqrt(expected);
    double[] got = new double[4];
    LocalCluster.run(4, world -> {
      int r = world.rank();
      int dpRank = r / 2;
      int tpRank = r % 2;
      try (Communicator tp = world.split(dpRank, r); Communicator dp = world.split(tpRank, r)) {
        int q = (tpRank * 2 + dpRank) * 4;
        float[] aq = java.util.Arrays.copyOfRange(a, q, q + 4);
        float[] bh = java.util.Arrays.copyOfRange(b, tpRank * 3, tpRank * 3 + 3);
        try (Tensor ta = Tensor.fromArray(aq, 4); Tensor tb = Tensor.fromArray(bh, 3);
            Tensor tc = Tensor.fromArray(c, 2)) {
          got[r] = GradNorm.globalNorm(List.of(GradNorm.Part.sharded(List.of(ta), tp, dp),
              GradNorm.Part.sharded(List.of(tb), tp), GradNorm.Part.replicated(List.of(tc))));
        }
      }
    });
    for (int r = 0; r < 4; r++) {
      assertEquals(want, got[r], 1e-5 * want, "rank " + r);
    }
  }
}
