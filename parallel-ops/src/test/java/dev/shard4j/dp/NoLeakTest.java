package dev.shard4j.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shard4j.tensor.NativeMemory;
import org.junit.jupiter.api.Test;

/** Training with every scheme and closing everything returns the native allocator to where it was. */
class NoLeakTest {
  @Test
  void everySchemeFreesWhatItAllocates() {
    // warm-up: anything allocated once per process (kernel workspaces) is allocated here
    MlpRuns.zero(2, 1, ZeroOptimizer.Options.of(ZeroOptimizer.Stage.THREE));
    long before = NativeMemory.hostLiveBytes();
    MlpRuns.dataParallel(2, 2, new GradientReducer.Options(1024, true), 2);
    for (ZeroOptimizer.Stage stage : ZeroOptimizer.Stage.values()) {
      MlpRuns.zero(2, 2, new ZeroOptimizer.Options(stage, 1024, true), 2);
    }
    assertEquals(before, NativeMemory.hostLiveBytes(), "live native bytes after closing everything");
  }
}
