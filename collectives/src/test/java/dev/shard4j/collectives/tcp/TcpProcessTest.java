package dev.shard4j.collectives.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ranks as real JVM processes started by {@link ProcessLauncher}: every collective on 2 and 4 processes (one launch
 * per rank count running all checks, each rank reporting through its exit code and a result file), a rank killed
 * with SIGKILL by the test mid-job, and the documented example.
 */
class TcpProcessTest {
  /** Short-lived rank JVMs on a busy 2-core machine start faster with the client compiler only. */
  private static final String FAST_START = "-XX:TieredStopAtLevel=1";

  @ParameterizedTest
  @ValueSource(ints = {2, 4})
  void everyCollectiveOnRealProcesses(int ranks, @TempDir Path dir) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ProcessLauncher.Result r = ProcessLauncher.forMain(TcpRankMain.class.getName()).ranks(ranks).jvmArg(FAST_START)
        .args("all", dir.toString()).env(TcpCommunicator.ENV_TIMEOUT_MS, "30000").timeout(Duration.ofSeconds(90))
        .output(new PrintStream(log, true, StandardCharsets.UTF_8)).launch();
    String out = log.toString(StandardCharsets.UTF_8);
    assertTrue(r.ok(), r + "\n" + out);
    for (int rank = 0; rank < ranks; rank++) {
      String res = Files.readString(dir.resolve("rank" + rank + ".txt"));
      assertTrue(res.startsWith("ok "), "rank " + rank + ": " + res + "\n" + out);
      assertTrue(Long.parseLong(res.substring(3)) > 100_000, res);
      assertTrue(out.contains("[rank " + rank + "] ok "), out);
    }
  }

  @Test
  void killedRankFailsTheOthersPromptlyNamingIt(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    CompletableFuture<ProcessLauncher.Result> launch = CompletableFuture.supplyAsync(
        () -> ProcessLauncher.forMain(TcpRankMain.class.getName()).ranks(3).jvmArg(FAST_START).args("kill", dir.toString())
            .env(TcpCommunicator.ENV_TIMEOUT_MS, "60000").timeout(Duration.ofSeconds(90))
            .output(new PrintStream(log, true, StandardCharsets.UTF_8)).launch());
    Path pidFile = dir.resolve("pid1");
    for (int i = 0; i < 6000 && !Files.exists(pidFile) && !launch.isDone(); i++) {
      Thread.sleep(10);
    }
    assertTrue(Files.exists(pidFile), "rank 1 never reached the kill point:\n" + log);
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    long start = System.nanoTime();
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL
    ProcessLauncher.Result r = launch.get(120, TimeUnit.SECONDS);
    long ms = (System.nanoTime() - start) / 1_000_000;
    String out = log.toString(StandardCharsets.UTF_8);
    assertEquals(List.of(1), r.failedRanks(), r + "\n" + out);
    assertEquals(137, r.exitCodes()[1], r.toString());
    assertTrue(out.contains("[launcher]") && out.contains("failed rank(s) [1]"), out);
    for (int rank : new int[] {0, 2}) {
      String res = Files.readString(dir.resolve("rank" + rank + ".txt"));
      assertTrue(res.startsWith("failed-as-expected") && res.contains("rank 1"), "rank " + rank + ": " + res);
    }
    // detected through the closed connections, long before the 60 s timeout
    assertTrue(ms < 30_000, "took " + ms + " ms");
  }

  @Test
  void documentedExampleAllReducesAcrossFourProcesses() {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ProcessLauncher.Result r = ProcessLauncher.forMain(TcpAllReduceExample.class.getName()).ranks(4).jvmArg(FAST_START)
        .timeout(Duration.ofSeconds(90)).output(new PrintStream(log, true, StandardCharsets.UTF_8)).launch();
    String out = log.toString(StandardCharsets.UTF_8);
    assertTrue(r.ok(), r + "\n" + out);
    for (int rank = 0; rank < 4; rank++) {
      assertTrue(out.contains("[rank " + rank + "] rank " + rank + " of 4: [6.0, 4.0, 8.0, 12.0]"), out);
    }
  }
}
