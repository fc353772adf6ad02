package dev.shard4j.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.OpKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIf;
import org.junit.jupiter.api.io.TempDir;

/** {@link ProcessProfiler} over real TCP processes on this host, and its refusals. */
class ProcessProfilerTest {
  /** Sizes 64x apart, 5 calls each: small enough for seconds, far enough apart for a positive beta under load. */
  static final CommunicatorProfiler SMALL = CommunicatorProfiler.defaults().withSizes(64 << 10, 4 << 20)
      .withIterations(5);

  /** Checks a measured link: alpha >= 0 and a bus bandwidth between 10 MB/s and 1 TB/s. */
  static void plausible(ClusterProfile p) {
    assertTrue(p.intraAlpha() >= 0, "alpha " + p.intraAlpha());
    assertTrue(p.intraBeta() > 0, "beta " + p.intraBeta());
    double busBandwidth = 1 / p.intraBeta();
    assertTrue(busBandwidth > 10e6 && busBandwidth < 1e12, "bus bandwidth " + busBandwidth + " B/s");
    assertEquals(p.intraAlpha(), p.interAlpha(), 0);
    assertEquals(p.intraBeta(), p.interBeta(), 0);
    for (OpKind.OpClass c : OpKind.OpClass.values()) {
      assertTrue(p.flopsFor(c) > 1e6, c + " " + p.flops());
    }
  }

  @Test
  void tcpProfileOfTwoProcessesIsMeasuredAndWritten(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Path file = dir.resolve("tcp-profile.json");
    // the client compiler only: short-lived rank JVMs on a busy 2-core machine start faster
    ClusterProfile p = ProcessProfiler.forBackend("tcp", 2).profiler(SMALL).jvmArg("-XX:TieredStopAtLevel=1")
        .timeout(Duration.ofMinutes(2)).output(new PrintStream(log, true, StandardCharsets.UTF_8)).profile(file);
    String out = log.toString(StandardCharsets.UTF_8);
    assertEquals("tcp-cpu", p.name(), out);
    assertEquals(2, p.devices());
    assertEquals(1, p.nodes());
    plausible(p);
    assertEquals(p, ClusterProfile.fromJson(Files.readString(file)), "the written JSON round-trips");
    for (String c : new String[] {"all-reduce", "all-gather", "reduce-scatter", "compute"}) {
      assertTrue(out.contains("[rank 0] " + c), "rank 0 reports " + c + ":\n" + out);
    }
    assertTrue(out.contains("2 ranks computing at once"), out);
  }

  @Test
  void fourProcessesAsTwoNodesGetALinkPerLevel(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ClusterProfile p = ProcessProfiler.forBackend("tcp", 4).ranksPerNode(2).profiler(SMALL.withCollectives(
        java.util.EnumSet.of(CommunicatorProfiler.Collective.ALL_REDUCE))).jvmArg("-XX:TieredStopAtLevel=1")
        .timeout(Duration.ofMinutes(2)).output(new PrintStream(log, true, StandardCharsets.UTF_8))
        .profile(dir.resolve("p.json"));
    String out = log.toString(StandardCharsets.UTF_8);
    assertEquals(2, p.devicesPerNode(), out);
    assertEquals(2, p.nodes(), out);
    plausible(new ClusterProfile(p.name(), 2, 2, p.intraAlpha(), p.intraBeta(), p.intraAlpha(), p.intraBeta(),
        p.flops(), p.memoryBytes()));
    plausible(new ClusterProfile(p.name(), 2, 2, p.interAlpha(), p.interBeta(), p.interAlpha(), p.interBeta(),
        p.flops(), p.memoryBytes()));
    assertTrue(out.contains("in a node") && out.contains("across nodes"), out);
    assertTrue(out.contains("4 ranks computing at once"), out);
  }

  @Test
  void nodesMustTileTheRanksAndAreForTcpOnly() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ProcessProfiler.forBackend("tcp", 4).ranksPerNode(3));
    assertTrue(e.getMessage().contains("ranks per node 3 does not divide --ranks 4"), e.getMessage());
  }

  @Test
  void processBackendsNeedTwoRanksAndAKnownName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ProcessProfiler.forBackend("tcp", 1));
    assertTrue(e.getMessage().contains("--ranks must be >= 2") && e.getMessage().contains("got 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ProcessProfiler.forBackend("gloo", 4));
    assertTrue(e.getMessage().contains("unknown backend 'gloo'") && e.getMessage().contains("[tcp, nccl]"),
        e.getMessage());
  }

  @Test
  @DisabledIf("dev.shard4j.tensor.CudaRuntime#isAvailable")
  void ncclWithoutAGpuSaysWhatIsMissing() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ProcessProfiler.forBackend("nccl", 2));
    assertTrue(e.getMessage().contains("--backend nccl") && e.getMessage().contains("no CUDA device is visible"),
        e.getMessage());
  }
}
