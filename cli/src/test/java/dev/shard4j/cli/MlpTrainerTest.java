package dev.shard4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeMemory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MlpTrainerTest {
  @Test
  void lossFallsSeveralFoldAndNothingLeaks() {
    long live = NativeMemory.hostLiveCount();
    float first;
    float last = Float.NaN;
    try (MlpTrainer trainer = new MlpTrainer(MlpTrainer.Config.defaults(), Device.CPU)) {
      first = trainer.step();
      for (int i = 0; i < 150; i++) {
        last = trainer.step();
      }
    }
    assertTrue(Float.isFinite(last), "loss " + last);
    assertTrue(last < first / 3, "loss went from " + first + " to " + last);
    assertEquals(live, NativeMemory.hostLiveCount(), "native allocations leaked");
  }

  @Test
  void trainCommandRunsAndReportsTheLoss() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    int code;
    try {
      System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
      code = Shard4jCommand.commandLine().execute("train", "--model", "mlp", "--steps", "20");
    } finally {
      System.setOut(saved);
    }
    String out = buffer.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, out);
    assertTrue(out.contains("step 20/20") && out.contains("loss    :"), out);
  }

  @Test
  void badStepCountIsRejected() {
    int code = Shard4jCommand.commandLine().setErr(new java.io.PrintWriter(new java.io.StringWriter()))
        .execute("train", "--steps", "0");
    assertTrue(code != 0);
  }
}
