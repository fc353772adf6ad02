package dev.shard4j.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When ZeRO gathers parameters and launches reductions, and what it rejects. */
class ZeroScheduleTest {
  private static Variable localLoss(ClassifierMlp mlp, int rank, int world, ClassifierMlp.BlockRunner runner) {
    int per = MlpRuns.BATCH / world;
    Tensor x = MlpRuns.inputs(0).slice(0, rank * per, (rank + 1) * per);
    int[] t = java.util.Arrays.copyOfRange(MlpRuns.targets(0), rank * per, (rank + 1) * per);
    return mlp.loss(x, Tensor.fromIntArray(t, per), runner);
  }

  /**
   * Stage 3: while a block runs (forward and recomputation), its own parameters are whole and every other block's
   * are empty placeholders; each unit's reduce-scatter is launched as soon as its gradients are complete.
   */
  @Test
  void stageThreeGathersOneBlockAtATimeAndReducesDuringBackward() {
    int world = 2;
    List<List<String>> perRank = new ArrayList<>(List.of(new ArrayList<>(), new ArrayList<>()));
    LocalCluster.run(world, c -> {
      List<String> events = perRank.get(c.rank());
      try (ClassifierMlp mlp = new ClassifierMlp(MlpRuns.CONFIG);
          ZeroOptimizer zero = new ZeroOptimizer(mlp.parameters(), mlp.blocks(), c,
              ZeroOptimizer.Options.of(ZeroOptimizer.Stage.THREE), s -> new AdamWOptimizer(s, MlpRuns.ADAM))) {
        zero.onUnitLaunched(u -> events.add("launch " + u));
        List<List<Parameter>> blocks = mlp.blocks();
        ClassifierMlp.BlockRunner observing = (index, x, body) -> zero.runBlock(index, x, in -> {
          StringBuilder whole = new StringBuilder("run " + index + " whole:");
          for (int b = 0; b < blocks.size(); b++) {
            if (blocks.get(b).get(0).value().numel() > 0) {
              whole.append(' ').append(b);
            }
          }
          events.add(whole.toString());
          return body.apply(in);
        });
        zero.beginStep();
        try (Scope scope = Scope.open()) {
          Variable loss = localLoss(mlp, c.rank(), world, observing);
          loss.backward();
          events.add("backward returned");
          zero.finishGradients();
          zero.step();
        }
        List<Parameter> ps = mlp.parameters();
        assertEquals(List.of(List.of(ps.get(6), ps.get(7)), List.of(ps.get(4), ps.get(5)),
            List.of(ps.get(2), ps.get(3)), List.of(ps.get(0), ps.get(1))), zero.units(),
            "units in the order backward completes them: the root (the head) first, then the blocks from the last");
      }
    });
    for (List<String> events : perRank) {
      // forward runs blocks 0, 1, 2; backward completes the head (unit 0) first, then recomputes block 2, 1, 0,
      // each unit launching as soon as its recomputation's backward is done
      assertEquals(List.of("run 0 whole: 0", "run 1 whole: 1", "run 2 whole: 2", "launch 0", "run 2 whole: 2",
          "launch 1", "run 1 whole: 1", "launch 2", "run 0 whole: 0", "launch 3", "backward returned"), events);
    }
  }

  @Test
  void stageTwoLaunchesBucketsInsideBackward() {
    List<String> events = new ArrayList<>();
    LocalCluster.run(2, c -> {
      try (ClassifierMlp mlp = new ClassifierMlp(MlpRuns.CONFIG);
          ZeroOptimizer zero = new ZeroOptimizer(mlp.parameters(), List.of(), c,
              new ZeroOptimizer.Options(ZeroOptimizer.Stage.TWO, 1024, true),
              s -> new AdamWOptimizer(s, MlpRuns.ADAM))) {
        List<String> mine = c.rank() == 0 ? events : new ArrayList<>();
        zero.onUnitLaunched(u -> mine.add("launch " + u));
        zero.beginStep();
        try (Scope scope = Scope.open()) {
          localLoss(mlp, c.rank(), 2, ClassifierMlp.BlockRunner.DIRECT).backward();
          mine.add("backward returned " + zero.units().size());
          zero.finishGradients();
        }
      }
    });
    int units = Integer.parseInt(events.get(events.size() - 1).substring("backward returned ".length()));
    assertTrue(units >= 4, events.toString());
    assertEquals(units + 1, events.size(), "every unit launched before backward returned: " + events);
  }

  @Test
  void badBlocksAreRejected() {
    LocalCluster.run(1, c -> {
      try (ClassifierMlp mlp = new ClassifierMlp(MlpRuns.CONFIG)) {
        List<List<Parameter>> overlapping = List.of(mlp.blocks().get(0), mlp.blocks().get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new ZeroOptimizer(mlp.parameters(), overlapping, c,
                ZeroOptimizer.Options.of(ZeroOptimizer.Stage.THREE),
                s -> new AdamWOptimizer(s, MlpRuns.ADAM)));
        assertEquals("ZeroOptimizer: parameter blocks.0.weight is in two blocks", e.getMessage());
      }
    });
  }
}
