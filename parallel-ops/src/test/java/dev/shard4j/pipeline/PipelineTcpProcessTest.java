package dev.shard4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.tcp.ProcessLauncher;
import dev.shard4j.collectives.tcp.TcpCommunicator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PP=2 with 1F1B across two JVM processes over TCP: every process's loss equals the single-device model's. */
class PipelineTcpProcessTest {
  private static final int STEPS = 5;

  @Test
  void twoProcessPipelineMatchesSingleDevice(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ProcessLauncher.Result r = ProcessLauncher.forMain(PipelineTcpRankMain.class.getName()).ranks(2)
        .args(dir.toString(), Integer.toString(STEPS)).env(TcpCommunicator.ENV_TIMEOUT_MS, "60000")
        .timeout(Duration.ofSeconds(120)).output(new PrintStream(log, true, StandardCharsets.UTF_8)).launch();
    String out = log.toString(StandardCharsets.UTF_8);
    assertTrue(r.ok(), r + "\n" + out);
    double[] want = PipelineRuns.single(PipelineRuns.model(4), STEPS);
    for (int rank = 0; rank < 2; rank++) {
      List<String> got = Files.readAllLines(dir.resolve("rank" + rank + ".txt"));
      assertEquals(STEPS, got.size());
      for (int s = 0; s < STEPS; s++) {
        assertEquals(want[s], Double.parseDouble(got.get(s)), 1e-5 * Math.abs(want[s]), "rank " + rank + " step " + s);
      }
    }
  }
}
