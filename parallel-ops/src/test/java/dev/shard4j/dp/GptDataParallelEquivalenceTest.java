package dev.shard4j.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The small GPT (2 layers, 4 heads, d=64, vocab 512, seq 32) trained 20 AdamW steps with clipping, data parallel and
 * with ZeRO, against one device seeing the whole batch: every step's loss within 1e-5 (relative), the final
 * (gathered) parameters within 1e-4.
 */
class GptDataParallelEquivalenceTest {
  private static final int STEPS = 20;
  private static final long BUCKET_BYTES = 64 << 10;
  private static GptRuns.Result reference;

  @BeforeAll
  static void runSingleDevice() {
    reference = GptRuns.single(STEPS);
  }

  private static void assertMatches(GptRuns.Result got, String what) {
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
  void referenceLearns() {
    assertTrue(reference.losses()[STEPS - 1] < reference.losses()[0] - 1.0,
        java.util.Arrays.toString(reference.losses()));
  }

  @Test
  void dataParallelTwoAndFour() {
    assertMatches(GptRuns.run(2, 1, GptRuns.Scheme.DDP, STEPS, BUCKET_BYTES), "DP=2");
    assertMatches(GptRuns.run(4, 1, GptRuns.Scheme.DDP, STEPS, BUCKET_BYTES), "DP=4");
  }

  @Test
  void zeroOneTwoThreeOnFour() {
    assertMatches(GptRuns.run(4, 1, GptRuns.Scheme.ZERO1, STEPS, BUCKET_BYTES), "ZeRO-1 DP=4");
    assertMatches(GptRuns.run(4, 1, GptRuns.Scheme.ZERO2, STEPS, BUCKET_BYTES), "ZeRO-2 DP=4");
    assertMatches(GptRuns.run(4, 1, GptRuns.Scheme.ZERO3, STEPS, BUCKET_BYTES), "ZeRO-3 DP=4");
  }

  @Test
  void twoByTwoMeshWithTensorParallelism() {
    assertMatches(GptRuns.run(2, 2, GptRuns.Scheme.DDP, STEPS, BUCKET_BYTES), "DP=2 x TP=2");
    assertMatches(GptRuns.run(2, 2, GptRuns.Scheme.ZERO2, STEPS, BUCKET_BYTES), "DP=2 x TP=2, ZeRO-2");
    assertMatches(GptRuns.run(2, 2, GptRuns.Scheme.ZERO3, STEPS, BUCKET_BYTES), "DP=2 x TP=2, ZeRO-3");
  }
}
