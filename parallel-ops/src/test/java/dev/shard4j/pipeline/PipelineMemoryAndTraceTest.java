package dev.shard4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
