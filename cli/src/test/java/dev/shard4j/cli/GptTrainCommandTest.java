package dev.shard4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GptTrainCommandTest {
  private static final Pattern LOSS = Pattern.compile("loss    : ([0-9.]+) -> ([0-9.]+)");

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
  void trainsOnATwoByTwoMeshWithZeroAndWritesTheCurve(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("loss.png");
    Run r = train("train", "--model", "gpt-tiny", "--mesh", "dp=2,tp=2", "--zero", "2", "--sp", "--steps", "25",
        "--plot", png.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    Matcher m = LOSS.matcher(r.out());
    assertTrue(m.find(), r.out());
    double first = Double.parseDouble(m.group(1));
    double last = Double.parseDouble(m.group(2));
    assertTrue(last < first * 0.7, "loss went from " + first + " to " + last);
    for (int rank = 0; rank < 4; rank++) {
      assertTrue(r.out().contains("rank " + rank + " "), "memory line of rank " + rank + " missing:\n" + r.out());
    }
    assertTrue(Files.size(png) > 1000);
    assertEquals(800, ImageIO.read(png.toFile()).getWidth());
  }

  @Test
  void meshThatDoesNotDivideTheModelIsRejectedBeforeTraining() {
    Run r = train("train", "--model", "gpt-tiny", "--mesh", "tp=3");
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains("heads=4 is not divisible by axis tp=3"), r.err());
    Run b = train("train", "--model", "gpt-tiny", "--mesh", "dp=3", "--batch", "8");
    assertTrue(b.err().contains("--batch 8 is not divisible by axis dp=3"), b.err());
    Run axis = train("train", "--model", "gpt-tiny", "--mesh", "xp=2");
    assertTrue(axis.err().contains("unknown axis 'xp'"), axis.err());
  }

  @Test
  void autoPlansForTheRanksTrainsAndWritesAReplayablePlan(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("loss.png");
    Run r = train("train", "--model", "gpt-tiny", "--plan", "auto", "--ranks", "4", "--cluster", "cpux4",
        "--steps", "3", "--plot", png.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("B=1 "), r.out());
    assertTrue(r.out().contains("estimate:"), r.out());
    Matcher m = LOSS.matcher(r.out());
    assertTrue(m.find(), r.out());
    Path plan = dir.resolve("plan.json");
    assertTrue(Files.readString(plan).contains("\"stages\""));
    Run again = train("train", "--model", "gpt-tiny", "--plan", plan.toString(), "--steps", "3", "--plot",
        dir.resolve("again.png").toString());
    assertEquals(0, again.code(), again.out() + again.err());
    Matcher m2 = LOSS.matcher(again.out());
    assertTrue(m2.find(), again.out());
    assertEquals(m.group(0), m2.group(0), "replaying the written plan gives the same losses");
  }

  @Test
  void autoPlanWithAProfileOfAnotherSizeIsRejected(@TempDir Path dir) {
    Run r = train("train", "--model", "gpt-tiny", "--plan", "auto", "--ranks", "3", "--cluster", "cpux4",
        "--plot", dir.resolve("l.png").toString());
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains("has 4 devices but --ranks is 3"), r.err());
  }
}
