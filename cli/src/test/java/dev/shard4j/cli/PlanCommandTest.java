package dev.shard4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PlanCommandTest {
  @Test
  void clusterAndMemoryErrorsNameTheInput() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterPresets.parse("a100x8"));
    assertTrue(e.getMessage().contains("unknown cluster profile 'a100x8'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ClusterPresets.parse("h100x12"));
    assertTrue(e.getMessage().contains("multiple of 8, got 12"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MemorySize.parse("lots", "--memory"));
    assertTrue(e.getMessage().contains("--memory"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ModelPresets.gpt("gpt5"));
    assertTrue(e.getMessage().contains("gpt3-39b"), e.getMessage());
  }

  @Test
  void presetsMatchTheirPublishedSizes() {
    assertEquals(80L << 30, MemorySize.parse("80GiB", "m"));
    assertEquals(16_000_000_000L, MemorySize.parse("16GB", "m"));
    assertEquals(64, ClusterPresets.parse("h100x64").devices());
    // GPT-3 paper: 1.3B and the 39B configuration Alpa benchmarks
    assertEquals(1.3e9, ModelPresets.gpt("gpt3-1.3b").parameters(), 0.05e9);
    assertEquals(39e9, ModelPresets.gpt("gpt3-39b").parameters(), 1.0e9);
  }
}
