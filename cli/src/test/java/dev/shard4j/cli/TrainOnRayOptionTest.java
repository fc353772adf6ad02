package dev.shard4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.training.GptRunBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code shard4j train --ray} when the optional ray module is not on the class path (as in this module's tests):
 * the command fails before training with a message that says how to run it with Ray.
 */
class TrainOnRayOptionTest {
  private record Run(int code, String out, String err) {}

  private static Run train(String... args) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    PrintStream saved = System.out;
    int code;
    try {
      System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
      code = Shard4jCommand.commandLine().setErr(new PrintWriter(err)).execute(args);
    } finally {
      System.setOut(saved);
    }
    return new Run(code, buffer.toString(StandardCharsets.UTF_8), err.toString());
  }

  @Test
  void withoutTheRayModuleTheCommandSaysHowToGetIt() {
    assertNull(GptRunBackend.find("ray", getClass().getClassLoader()), "the cli tests must run without the ray module");
    Run r = train("train", "--ray", "127.0.0.1:6390", "--model", "gpt-tiny", "--mesh", "dp=2", "--steps", "2");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("shard4j: train --ray:"), r.err());
    assertTrue(!r.err().contains("\tat "), "a message, not a stack trace:\n" + r.err());
    for (String hint : new String[] {"ray backend is not on the class path", "SHARD4J_RAY_DIST_JAR",
        "docs/ray.md", "java -cp", "dev.shard4j.cli.Shard4jCommand train --ray"}) {
      assertTrue(r.err().contains(hint), "missing '" + hint + "' in:\n" + r.err());
    }
    assertEquals("", r.out(), "nothing trains");
  }

  @Test
  void rayRunsGptsOnlyAndChecksTheMeshFirst() {
    Run mlp = train("train", "--ray", "127.0.0.1:6390", "--model", "mlp");
    assertNotEquals(0, mlp.code());
    assertTrue(mlp.err().contains("--ray runs GPTs only"), mlp.err());
    Run mesh = train("train", "--ray", "127.0.0.1:6390", "--model", "gpt-tiny", "--mesh", "tp=3");
    assertTrue(mesh.err().contains("heads=4 is not divisible by axis tp=3"), mesh.err());
  }
}
