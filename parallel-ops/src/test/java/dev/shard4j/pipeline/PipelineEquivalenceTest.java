package dev.shard4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.layers.GptConfig;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pipeline-parallel training against the single-device GPT from the same seed and data: the loss at every step, on
 * every rank, must equal the reference within 1e-5 relative (fp32), for each schedule, stage count and micro-batch
 * count, and with data and tensor parallelism inside the stages.
 */
class PipelineEquivalenceTest {
  private static final Map<String, double[]> REFERENCE = new HashMap<>();

  private static synchronized double[] reference(GptConfig model, int steps) {
    return REFERENCE.computeIfAbsent(model.layers() + "/" + model.tiedLmHead() + "/" + steps,
        k -> PipelineRuns.single(model, steps));
  }

  private static void check(int layers, PipelineMesh mesh, String schedule, int chunks, int m, int steps) {
    GptConfig model = PipelineRuns.model(layers);
    double[] want = reference(model, steps);
    double[][] got = PipelineRuns.pipeline(PipelineRuns.config(model, mesh, schedule, chunks, m), steps, null);
    String what = schedule + " v=" + chunks + " m=" + m + " mesh " + mesh;
    for (double[] rank : got) {
      for (int s = 0; s < steps; s++) {
        assertEquals(want[s], rank[s], 1e-5 * Math.abs(want[s]), what + " step " + s + ": " + Arrays.toString(rank)
            + " vs " + Arrays.toString(want));
      }
    }
    assertTrue(want[steps - 1] < want[0], "the model trains: " + Arrays.toString(want));
  }

  @Test
  void pp2OneForwardOneBackward() {
    check(4, PipelineMesh.of(2, 1, 1), "1f1b", 1, 4, 20);
  }
}
