package dev.shard4j.ray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * GPT training with DP=2 and TP=2 on rank actors of a real cluster against the single-device model trained here
 * from the same seed on the same global batches: every step's loss agrees within 1e-5.
 */
@Tag("ray")
class RayGptTrainingTest {
  private static final int STEPS = 6;
  private static double[] reference;

  private static synchronized double[] reference() {
    if (reference == null) {
      reference = GptRankFunctions.singleDevice(STEPS);
      assertTrue(reference[STEPS - 1] < reference[0], "the model trains: " + Arrays.toString(reference));
    }
    return reference;
  }

  private static void check(int dp, int tp) {
    RayTestCluster.get();
    double[] reference = reference();
    List<Progress> seen = new ArrayList<>();
    List<double[]> results = RayTestCluster.launcher(dp * tp).mesh(new int[] {dp, tp}, "dp", "tp")
        .progress(seen::add).build().launch(GptRankFunctions.meshTraining(STEPS));
    for (int r = 0; r < results.size(); r++) {
      for (int s = 0; s < STEPS; s++) {
        assertEquals(reference[s], results.get(r)[s], 1e-5, "dp=" + dp + " tp=" + tp + " rank " + r + " step " + s
            + ": " + Arrays.toString(results.get(r)) + " vs single device " + Arrays.toString(reference));
      }
    }
    assertEquals(dp * tp * STEPS, seen.size(), "one progress report per rank and step");
    assertTrue(seen.stream().allMatch(p -> p.tokensPerSecond() > 0), "throughput reported: " + seen);
  }

  @Test
  void dataParallel2MatchesSingleDevice() {
    check(2, 1);
  }

  @Test
  void tensorParallel2MatchesSingleDevice() {
    check(1, 2);
  }
}
