package dev.shard4j.collectives.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ranks as real JVM processes started by {@link ProcessLauncher}: every collective on 2 and 4 processes, with the
 * shared-memory path on and with sockets forced (one launch per case running all checks, each rank reporting
 * through its exit code and a result file, including how many payloads went through shared memory), a rank killed
 * with SIGKILL by the test mid-job (no ring file may exist while the job runs nor after it), and the documented
 * example.
 */
class TcpProcessTest {
  /** Short-lived rank JVMs on a busy 2-core machine start faster with the client compiler only. */
  private static final String FAST_START = "-XX:TieredStopAtLevel=1";

  @ParameterizedTest
  @CsvSource({"2, true", "4, true", "2, false", "4, false"})
  void everyCollectiveOnRealProcesses(int ranks, boolean shm, @TempDir Path dir) throws Exception {
    Set<String> before = ringFiles();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ProcessLauncher.Result r = ProcessLauncher.forMain(TcpRankMain.class.getName()).ranks(ranks).jvmArg(FAST_START)
        .args("all", dir.toString()).env(TcpCommunicator.ENV_TIMEOUT_MS, "30000").sharedMemory(shm)
        .timeout(Duration.ofSeconds(150)).output(new PrintStream(log, true, StandardCharsets.UTF_8)).launch();
    String out = log.toString(StandardCharsets.UTF_8);
    assertTrue(r.ok(), r + "\n" + out);
    for (int rank = 0; rank < ranks; rank++) {
      String res = Files.readString(dir.resolve("rank" + rank + ".txt"));
      assertTrue(res.startsWith("ok "), "rank " + rank + ": " + res + "\n" + out);
      String[] f = res.split(" ");
      assertTrue(Long.parseLong(f[1]) > 100_000, res);
      // every peer is on this host: all of them through shared memory, or none with sockets forced
      assertEquals(shm ? ranks - 1 : 0, Integer.parseInt(f[3]), "rank " + rank + ": " + res);
      assertEquals(shm, Long.parseLong(f[5]) > 0, "rank " + rank + ": " + res);
      assertTrue(out.contains("[rank " + rank + "] ok "), out);
    }
    assertEquals(before, ringFiles(), "shared-memory files left behind");
  }

  /** The ring files in the shared-memory directory (other jobs' included). */
  static Set<String> ringFiles() throws IOException {
    try (Stream<Path> s = Files.list(ShmSetup.directory())) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(ShmSetup.PREFIX))
          .collect(Collectors.toSet());
    }
  }

  @Test
  void theLauncherRemovesRingFilesAKilledRankLeftBehind() throws Exception {
    String token = Handshake.newToken();
    Path left = ShmSetup.directory().resolve(ShmSetup.PREFIX + ShmSetup.jobHash(token) + "-"
        + "0123456789abcdef0123456789abcdef");
    Path other = ShmSetup.directory().resolve(ShmSetup.PREFIX + ShmSetup.jobHash(Handshake.newToken()) + "-"
        + "0123456789abcdef0123456789abcdef");
    Files.createFile(left);
    Files.createFile(other);
    try {
      assertEquals(1, ShmSetup.removeLeftovers(token));
      assertFalse(Files.exists(left));
      assertTrue(Files.exists(other), "another job's file must stay");
    } finally {
      Files.deleteIfExists(left);
      Files.deleteIfExists(other);
    }
  }

  @Test
  void killedRankFailsTheOthersPromptlyNamingIt(@TempDir Path dir) throws Exception {
    Set<String> before = ringFiles();
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
    // the ranks mapped their rings at rendezvous and unlinked the files at once: none exists while they run
    assertEquals(before, ringFiles(), "shared-memory files exist while the job runs");
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
    assertEquals(before, ringFiles(), "shared-memory files left behind");
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
