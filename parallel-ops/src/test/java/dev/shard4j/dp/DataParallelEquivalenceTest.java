package dev.shard4j.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Data parallel and ZeRO training against one device seeing the whole batch: 20 AdamW steps with global-norm
 * clipping; the loss of every step within 1e-5 (relative) and the final parameters within 1e-4.
 */
class DataParallelEquivalenceTest {
  private static final int STEPS = 20;
  private static final long SMALL_BUCKETS = 1024;
  private static MlpRuns.Result reference;

  @BeforeAll
  static void runSingleDevice() {
    reference = MlpRuns.single(STEPS);
  }

  private static void assertMatches(MlpRuns.Result got, String what) {
    for (int s = 0; s < STEPS; s++) {
      double want = reference.losses()[s];
      assertEquals(want, got.losses()[s], 1e-5 * Math.abs(want), what + ": loss of step " + s);
    }
    assertEquals(reference.params().size(), got.params().size(), what + ": parameter count");
    for (int i = 0; i < reference.params().size(); i++) {
      float[] want = reference.params().get(i);
      float[] have = got.params().get(i);
      assertEquals(want.length, have.length, what + ": parameter " + i + " size");
      for (int j = 0; j < want.length; j++) {
        assertEquals(want[j], have[j], 1e-4 * Math.max(1, Math.abs(want[j])),
            what + ": parameter " + i + "[" + j + "]");
      }
    }
  }

  @Test
  void lossActuallyFalls() {
    double[] l = reference.losses();
    assertEquals(true, l[STEPS - 1] < l[0] - 0.1, "loss " + l[0] + " -> " + l[STEPS - 1]);
  }

  @Test
  void dataParallelTwoRanksWithOverlappedBuckets() {
    assertMatches(MlpRuns.dataParallel(2, STEPS, new GradientReducer.Options(SMALL_BUCKETS, true)), "DP=2");
  }

  @Test
  void dataParallelFourRanksBothWays() {
    assertMatches(MlpRuns.dataParallel(4, STEPS, new GradientReducer.Options(SMALL_BUCKETS, true)), "DP=4 overlap");
    assertMatches(MlpRuns.dataParallel(4, STEPS, new GradientReducer.Options(SMALL_BUCKETS, false)),
        "DP=4 one reduction");
  }

  @Test
  void zeroStagesOneTwoThreeOnFourRanks() {
    for (ZeroOptimizer.Stage stage : List.of(ZeroOptimizer.Stage.ONE, ZeroOptimizer.Stage.TWO,
        ZeroOptimizer.Stage.THREE)) {
      assertMatches(MlpRuns.zero(4, STEPS, new ZeroOptimizer.Options(stage, SMALL_BUCKETS, true)), "ZeRO-" + stage);
    }
  }

  @Test
  void zeroWithoutOverlapAndOddWorld() {
    assertMatches(MlpRuns.zero(2, STEPS, new ZeroOptimizer.Options(ZeroOptimizer.Stage.TWO, SMALL_BUCKETS, false)),
        "ZeRO-2 no overlap, DP=2");
    assertMatches(MlpRuns.zero(2, STEPS, new ZeroOptimizer.Options(ZeroOptimizer.Stage.THREE, SMALL_BUCKETS, true)),
        "ZeRO-3 DP=2");
  }

  /** Gradient accumulation: each rank's slice as 2 micro-batches, all but the last backward under noSync. */
  @Test
  void accumulatingMicroBatches() {
    assertMatches(MlpRuns.dataParallel(2, STEPS, new GradientReducer.Options(SMALL_BUCKETS, true), 2),
        "DP=2, 2 micro-batches");
    for (ZeroOptimizer.Stage stage : ZeroOptimizer.Stage.values()) {
      assertMatches(MlpRuns.zero(2, STEPS, new ZeroOptimizer.Options(stage, SMALL_BUCKETS, true), 2),
          "ZeRO-" + stage + " DP=2, 2 micro-batches");
    }
  }
}
