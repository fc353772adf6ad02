package dev.shard4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.shard4j.autoshard.InfeasiblePlanException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCommandTest {
  @TempDir Path dir;

  private PlanCommand command(String model, String cluster) {
    PlanCommand c = new PlanCommand();
    c.model = model;
    c.cluster = cluster;
    c.out = dir.resolve("plan.json");
    return c;
  }

  @Test
  void unknownClusterIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> command("gpt-mini", "tpu-v9x8").call());
    assertTrue(e.getMessage().contains("unknown cluster profile 'tpu-v9x8'"), e.getMessage());
  }

  @Test
  void deviceCountThatDoesNotTileNodesIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> command("gpt-mini", "h100x12").call());
    assertTrue(e.getMessage().contains("multiple of 8, got 12"), e.getMessage());
  }

  @Test
  void unknownModelListsTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> command("gpt3-175x", "h100x8").call());
    assertTrue(e.getMessage().contains("gpt3-39b"), e.getMessage());
  }

  @Test
  void modelTooLargeEvenFullyShardedReportsNeedAndBudget() {
    PlanCommand c = command("gpt3-39b", "h100x8");
    c.memory = "16GiB";
    InfeasiblePlanException e = assertThrows(InfeasiblePlanException.class, c::call);
    // 39B parameters x 16 bytes / 8 devices > 72 GiB
    assertTrue(e.getMessage().matches(".*needs [0-9.]+ GiB per device \\(fully sharded over all 8 devices\\), "
        + "budget 14\\.40 GiB.*"), e.getMessage());
  }

  @Test
  void smallModelPlansAndWritesJson() throws Exception {
    PlanCommand c = command("gpt-mini", "h100x8");
    c.compare = true;
    assertEquals(0, c.call());
    String json = Files.readString(dir.resolve("plan.json"));
    assertTrue(json.contains("\"stages\""), json);
  }
}
