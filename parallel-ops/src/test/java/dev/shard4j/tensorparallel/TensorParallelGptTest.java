package dev.shard4j.tensorparallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.layers.CharCorpus;
import dev.shard4j.layers.FusedAdamW;
import dev.shard4j.layers.Gpt;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.layers.Trainer;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Megatron tensor (and sequence) parallel GPT against the single-device model from the same seed: the loss at every
 * one of 20 AdamW steps and the final parameters (gathered from the shards) must agree.
 */
class TensorParallelGptTest {
  private static final GptConfig CONFIG = GptConfig.of(2, 4, 64, 512, 32, 99).withTiedLmHead(true);
  private static final GptConfig UNTIED = CONFIG.withTiedLmHead(false);
  private static final int STEPS = 20;
  private static final int BATCH = 4;
  private static final int SEQ = 32;

  private record Run(List<Float> losses, Map<String, float[]> parameters) {}

  private static Run single;
  private static Run singleUntied;

  @BeforeAll
  static void singleDevice() {
    single = train(CONFIG, TensorParallel.single());
    singleUntied = train(UNTIED, TensorParallel.single());
  }

  private static Run train(GptConfig config, TensorParallel tp) {
    return train(config, tp, false);
  }

  private static Run train(GptConfig config, TensorParallel tp, boolean checkpointed) {
    CharCorpus corpus = new CharCorpus(4096, config.vocab());
    List<Float> losses = new ArrayList<>();
    Map<String, float[]> params = new LinkedHashMap<>();
    try (Gpt model = new Gpt(config, tp); FusedAdamW adam = new FusedAdamW(model.parameters(), 1e-3f, 0.01f)) {
      model.setCheckpointedAll(checkpointed);
      Trainer trainer = new Trainer(model, adam);
      for (int step = 0; step < STEPS; step++) {
        try (Scope s = Scope.open()) {
          Tensor[] batch = corpus.batch(step, BATCH, SEQ);
          losses.add(trainer.step(batch[0], batch[1]));
        }
      }
      try (Scope s = Scope.open()) {
        for (Parameter p : model.parameters()) {
          params.put(p.name(), model.sharding(p).gather(p.value(), tp).toFloatArray());
        }
      }
    }
    return new Run(losses, params);
  }

  private static void compareWithSingle(int tpSize, boolean sequenceParallel, GptConfig config, Run reference) {
    compareWithSingle(tpSize, sequenceParallel, config, reference, false);
  }

  private static void compareWithSingle(int tpSize, boolean sequenceParallel, GptConfig config, Run reference,
      boolean checkpointed) {
    Run[] runs = new Run[tpSize];
    LocalCluster.run(tpSize, comm -> {
      CpuRuntime.setThreads(1);
      runs[comm.rank()] = train(config, TensorParallel.of(comm, sequenceParallel), checkpointed);
    });
    for (Run run : runs) {
      for (int step = 0; step < STEPS; step++) {
        float want = reference.losses.get(step);
        assertEquals(want, run.losses.get(step), 1e-5 * Math.abs(want),
            "tp=" + tpSize + " sp=" + sequenceParallel + " loss at step " + step + ": " + run.losses + " vs "
                + reference.losses);
      }
      assertEquals(reference.parameters.keySet(), run.parameters.keySet());
      for (var e : reference.parameters.entrySet()) {
        float[] want = e.getValue();
        float[] got = run.parameters.get(e.getKey());
        assertEquals(want.length, got.length, e.getKey());
        for (int i = 0; i < want.length; i++) {
          assertEquals(want[i], got[i], 1e-4, "tp=" + tpSize + " sp=" + sequenceParallel + " " + e.getKey() + "[" + i
              + "]");
        }
      }
    }
    assertTrue(reference.losses.get(STEPS - 1) < reference.losses.get(0) - 0.5, "the model trains: "
        + reference.losses);
  }

  @Test
  void tensorParallel2MatchesSingleDevice() {
    compareWithSingle(2, false, CONFIG, single);
  }

  @Test
  void tensorParallel4MatchesSingleDevice() {
    compareWithSingle(4, false, CONFIG, single);
  }

  @Test
  void tensorParallel2WithSequenceParallelMatchesSingleDevice() {
    compareWithSingle(2, true, CONFIG, single);
  }

  @Test
  void untiedHeadWithSequenceParallelMatchesSingleDevice() {
    compareWithSingle(2, true, UNTIED, singleUntied);
  }

  @Test
  void checkpointedBlocksUnderSequenceParallelMatchSingleDevice() {
    compareWithSingle(2, true, CONFIG, single, true);
  }

  @Test
  void sizesThatTpDoesNotDivideAreRejectedWhenTheModelIsBuilt() {
    LocalCluster.run(3, comm -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new Gpt(GptConfig.of(1, 4, 48, 48, 6, 1), TensorParallel.of(comm, false)));
      assertEquals("heads=4 is not divisible by tp=3", e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> new Gpt(GptConfig.of(1, 3, 48, 50, 6, 1), TensorParallel.of(comm, false)));
      assertEquals("vocab=50 is not divisible by tp=3", e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> new Gpt(GptConfig.of(1, 3, 48, 48, 7, 1), TensorParallel.of(comm, true)));
      assertEquals("seq=7 is not divisible by tp=3", e.getMessage());
    });
  }
}
