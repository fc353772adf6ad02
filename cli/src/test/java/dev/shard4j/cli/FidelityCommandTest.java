package dev.shard4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fidelity report joins JMH results with the simulator's predictions by plan name. */
class FidelityCommandTest {
  private static String result(String plan, double... scores) {
    StringBuilder raw = new StringBuilder();
    for (double s : scores) {
      raw.append(raw.length() == 0 ? "" : ",").append(s);
    }
    return "{\"benchmark\":\"dev.shard4j.bench.PlanStepBenchmark.trainStep\",\"params\":{\"plan\":\"" + plan
        + "\",\"profile\":\"\",\"ranks\":\"4\"},\"primaryMetric\":{\"rawData\":[[" + raw + "]]}}";
  }

  @Test
  void reportsMediansSpearmanAndTheAutoPlansDistanceFromTheFastest(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("jmh.json");
    // medians: dp4 100, dp2-tp2 200, dp1-tp4 300, auto 110 (a deliberately slow outlier in each list)
    Files.writeString(json, "[" + String.join(",", result("dp4-tp1", 100, 90, 500), result("dp2-tp2", 200, 210, 190),
        result("dp1-tp4", 300, 1, 310), result("auto", 110, 105, 120)) + "]");
    FidelityCommand c = new FidelityCommand();
    c.ranks = 4;
    c.jmh = json;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    try {
      System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
      assertEquals(0, c.call());
    } finally {
      System.setOut(saved);
    }
    String out = buffer.toString(StandardCharsets.UTF_8);
    assertTrue(out.matches("(?s).*dp4-tp1 +[0-9.]+ +100\\.0 .*"), out);
    assertTrue(out.contains("spearman: ") && out.contains("over 4 plans"), out);
    assertTrue(out.contains("auto / fastest = 1.100"), out);
  }
}
