package dev.shard4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a real run holds and records: GPipe keeps all m micro-batches' activations on every stage, 1F1B at most
 * p - r on rank r; the Chrome trace has one event per executed instruction on the right rank's track, and the
 * Gantt chart is a readable PNG.
 */
class PipelineMemoryAndTraceTest {
  private static final int STEPS = 2;

  private static PipelineRun.Result run(String schedule, int pp, int m, Path trace) {
    PipelineConfig c = PipelineRuns.config(PipelineRuns.model(4), PipelineMesh.of(pp, 1, 1), schedule, 1, m);
    return PipelineRun.runLocal(c, STEPS, s -> PipelineRuns.batch(s, 512), trace);
  }

  @Test
  void gpipeHoldsEveryMicroBatchAndOneForwardOneBackwardAtMostTheStageCount() {
    int p = 4;
    int m = 8;
    PipelineRun.Result gpipe = run("gpipe", p, m, null);
    PipelineRun.Result oneF = run("1f1b", p, m, null);
    for (int r = 0; r < p; r++) {
      assertEquals(m, gpipe.peakMicroBatches()[r], "gpipe rank " + r);
      assertEquals(p - r, oneF.peakMicroBatches()[r], "1f1b rank " + r);
      assertTrue(oneF.peakMicroBatches()[r] <= p);
    }
    for (int s = 0; s < STEPS; s++) {
      assertEquals(gpipe.losses()[s], oneF.losses()[s], 1e-5 * Math.abs(gpipe.losses()[s]), "step " + s);
    }
  }

  private static int[] heldTensors(String schedule, int p, int m) {
    PipelineConfig c = PipelineRuns.config(PipelineRuns.model(4), PipelineMesh.of(p, 1, 1), schedule, 1, m);
    int[] peaks = new int[p];
    LocalCluster.run(p, comm -> {
      CpuRuntime.setThreads(1);
      try (PipelineTrainer t = new PipelineTrainer(comm, c); Scope scope = Scope.open()) {
        t.executor().setCountTensors(true);
        Tensor[] b = PipelineRuns.batch(0, 512);
        t.step(b[0], b[1]);
        peaks[comm.rank()] = t.executor().peakHeldTensors();
      }
    });
    return peaks;
  }

  @Test
  void savedActivationTensorsScaleWithTheMicroBatchesInFlight() {
    // every micro-batch's forward saves the same k tensors; on the first stage GPipe's peak comes after all 8
    // forwards (8k), 1F1B's with p = 4 in flight, plus at most the one gradient buffer pre-posted for the next
    // backward (4k or 4k + 1)
    int[] gpipe = heldTensors("gpipe", 4, 8);
    int[] oneF = heldTensors("1f1b", 4, 8);
    String both = "gpipe " + java.util.Arrays.toString(gpipe) + " 1f1b " + java.util.Arrays.toString(oneF);
    assertEquals(0, gpipe[0] % 8, both);
    int k = gpipe[0] / 8;
    assertTrue(k > 0 && (oneF[0] == 4 * k || oneF[0] == 4 * k + 1), both);
    for (int r = 0; r < 4; r++) {
      assertTrue(gpipe[r] > oneF[r], "rank " + r + ": gpipe " + gpipe[r] + " 1f1b " + oneF[r]);
    }
  }

  @Test
  void traceJsonHasEveryInstructionAndTheGanttChartIsAPng(@TempDir Path dir) throws Exception {
    int p = 2;
    int m = 4;
    Path json = dir.resolve("trace.json");
    PipelineRun.Result r = run("1f1b", p, m, json);
    JsonNode root = new ObjectMapper().readTree(Files.readString(json));
    Map<Integer, Integer> forwards = new HashMap<>();
    int complete = 0;
    for (JsonNode e : root.get("traceEvents")) {
      if (e.get("ph").asText().equals("X")) {
        complete++;
        assertTrue(e.get("dur").asDouble() >= 0);
        if (e.get("cat").asText().equals("forward")) {
          forwards.merge(e.get("tid").asInt(), 1, Integer::sum);
        }
      }
    }
    Schedule s = Schedules.oneForwardOneBackward(p, m);
    assertEquals((s.program(0).size() + s.program(1).size()) * STEPS, complete);
    assertEquals(Map.of(0, m * STEPS, 1, m * STEPS), forwards);
    BufferedImage png = ImageIO.read(dir.resolve("trace.png").toFile());
    assertEquals(1400, png.getWidth());
    assertTrue(png.getHeight() > 2 * 28);
    assertTrue(r.measuredBubble() > 0 && Double.isFinite(r.measuredBubble()), "bubble " + r.measuredBubble());
    assertEquals(0.25, r.theoreticalBubble(), 1e-12);
  }
}
