package dev.shard4j.ray;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shard4j.tensor.CpuRuntime;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The rank function the Ray tests run, on threads of this JVM instead: only the launcher differs. */
class RankContextLocalTest {
  @Test
  void theSameFunctionTrainsOnLocalRanksLikeOneDevice() {
    CpuRuntime.setThreads(1);
    int steps = 4;
    double[] reference = GptRankFunctions.singleDevice(steps);
    List<Progress> seen = new CopyOnWriteArrayList<>();
    List<double[]> results = RankContext.runLocal(4, new int[] {2, 2}, new String[] {"dp", "tp"},
        GptRankFunctions.meshTraining(steps), seen::add);
    for (int r = 0; r < 4; r++) {
      for (int s = 0; s < steps; s++) {
        assertEquals(reference[s], results.get(r)[s], 1e-5, "rank " + r + " step " + s + ": "
            + Arrays.toString(results.get(r)) + " vs " + Arrays.toString(reference));
      }
    }
    assertEquals(4 * steps, seen.size());
  }
}
