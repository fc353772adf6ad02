package dev.shard4j.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.collectives.tcp.ProcessLauncher;
import dev.shard4j.collectives.tcp.TcpCommunicator;
import dev.shard4j.training.GptTrainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GPT training across two real processes over TCP (data parallel, tensor parallel, data parallel with ZeRO-2)
 * produces, at every one of 20 steps, the loss of single-device training on the whole batch within 1e-5 relative.
 */
class TcpGptEquivalenceTest {
  private static double[] single;

  @BeforeAll
  static void singleDevice() {
    single = new double[GptTrainingFixture.STEPS];
    LocalCluster.run(1, world -> {
      try (GptTrainer t = new GptTrainer(world, GptTrainingFixture.CONFIG, GptTrainingFixture.options(1, 1, 0))) {
        for (int s = 0; s < single.length; s++) {
          single[s] = t.step(GptTrainingFixture.DATA);
        }
      }
    });
    assertTrue(single[single.length - 1] < single[0] * 0.8, "the reference run does not learn");
  }

  @ParameterizedTest(name = "dp={0} tp={1} zero={2}")
  @CsvSource({"2,1,0", "1,2,0", "2,1,2"})
  void twoProcessesMatchSingleDevice(int dp, int tp, int zero, @TempDir Path dir) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ProcessLauncher.Result r = ProcessLauncher.forMain(TcpGptRankMain.class.getName()).ranks(2)
        .args(Integer.toString(dp), Integer.toString(tp), Integer.toString(zero), dir.toString())
        .env(TcpCommunicator.ENV_TIMEOUT_MS, "60000").timeout(Duration.ofSeconds(240))
        .output(new PrintStream(log, true, StandardCharsets.UTF_8)).launch();
    String out = log.toString(StandardCharsets.UTF_8);
    assertTrue(r.ok(), r + "\n" + out);
    List<String> lines = Files.readAllLines(dir.resolve("losses.txt"));
    assertEquals(single.length, lines.size(), out);
    for (int s = 0; s < single.length; s++) {
      double got = Double.parseDouble(lines.get(s));
      assertEquals(single[s], got, 1e-5 * Math.abs(single[s]), "step " + s + ": single " + single[s] + ", 2 processes "
          + got);
    }
  }
}
