package dev.shard4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autoshard.ClusterProfile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIf;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ProfileCommandTest {
  @TempDir Path dir;

  private ProfileCommand command(String backend, int ranks) {
    ProfileCommand c = new ProfileCommand();
    c.backend = backend;
    c.ranks = ranks;
    c.out = dir.resolve(backend + "-profile.json");
    return c;
  }

  @Test
  void unknownBackendIsNamedWithTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command("gloo", 4).call());
    assertEquals("profile: unknown --backend 'gloo'; expected local, tcp or nccl", e.getMessage());
  }

  @Test
  void tcpNeedsTwoRanks() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command("tcp", 1).call());
    assertTrue(e.getMessage().contains("profile --backend tcp: --ranks must be >= 2"), e.getMessage());
    assertTrue(e.getMessage().contains("got 1"), e.getMessage());
  }

  @Test
  void kernelThreadsMustBePositive() {
    ProfileCommand c = command("local", 2);
    c.kernelThreads = 0;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::call);
    assertTrue(e.getMessage().contains("--kernel-threads must be >= 1, got 0"), e.getMessage());
  }

  @Test
  @DisabledIf("dev.shard4j.tensor.CudaRuntime#isAvailable")
  void ncclWithoutAGpuSaysWhatIsMissing() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> command("nccl", 2).call());
    assertTrue(e.getMessage().contains("--backend nccl (2 ranks): no CUDA device is visible"), e.getMessage());
  }

  @Test
  void badRequestsExitWithOneAndTheMessageOnTheCommandLine() {
    StringWriter err = new StringWriter();
    CommandLine cl = Shard4jCommand.commandLine();
    cl.setErr(new PrintWriter(err, true));
    assertEquals(1, cl.execute("profile", "--backend", "tcp", "--ranks", "1", "-o", dir.resolve("x.json").toString()));
    assertTrue(err.toString().contains("shard4j: profile --backend tcp: --ranks must be >= 2"), err.toString());
    assertTrue(!Files.exists(dir.resolve("x.json")));
  }

  @Test
  void localProfileOfTwoRanksIsWritten() throws Exception {
    ProfileCommand c = command("local", 2);
    assertEquals(0, c.call());
    ClusterProfile p = ClusterProfile.fromJson(Files.readString(c.out));
    assertEquals("local-cpu", p.name());
    assertEquals(2, p.devices());
    assertTrue(p.intraBeta() > 0 && p.intraAlpha() >= 0, p.toString());
  }
}
