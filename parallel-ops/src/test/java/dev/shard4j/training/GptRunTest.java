package dev.shard4j.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The run description both backends share: its batches are rows of one global batch of the generated text, and bad
 * runs are rejected with messages naming the option.
 */
class GptRunTest {
  @Test
  void ranksAskingForTheirRowsSeeOneGlobalBatchOfShiftedText() {
    TextCorpus corpus = new TextCorpus(4096, 7);
    int batch = 4;
    int seq = 16;
    int[] ids = new int[batch * seq];
    int[] targets = new int[batch * seq];
    corpus.batch(3, batch, seq, 11, ids, targets);
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t + 1 < seq; t++) {
        assertEquals(ids[b * seq + t + 1], targets[b * seq + t], "targets are the inputs shifted by one");
      }
    }
    assertTrue(Arrays.stream(ids).allMatch(c -> c >= ' ' && c < 128), "ASCII text");
    BatchSource source = corpus.batches(batch, seq, 11);
    try (Scope scope = Scope.open()) {
      Tensor[] low = source.rows(3, 0, 2);
      Tensor[] high = source.rows(3, 2, 4);
      assertArrayEquals(new long[] {2, seq}, low[0].shape().toArray());
      assertArrayEquals(Arrays.copyOfRange(ids, 0, 2 * seq), low[0].toIntArray());
      assertArrayEquals(Arrays.copyOfRange(ids, 2 * seq, 4 * seq), high[0].toIntArray());
      assertArrayEquals(Arrays.copyOfRange(targets, 2 * seq, 4 * seq), high[1].toIntArray());
      int[] other = source.rows(4, 0, 2)[0].toIntArray();
      assertTrue(!Arrays.equals(other, low[0].toIntArray()), "another step, other text");
    }
    assertThrows(IllegalArgumentException.class, () -> source.rows(0, 3, 5));
  }

  @Test
  void presetsAndOptionsFollowTheRun() {
    GptRun run = new GptRun("gpt-mini", 2, 2, true, 1, true, 50, 8, 3e-3f, 1);
    assertEquals(4, run.config().layers());
    assertEquals(256, run.config().dModel());
    assertEquals(4096, run.config().vocab());
    assertEquals(128, run.config().seq());
    assertEquals(4, run.ranks());
    assertEquals(8L * 128, run.tokensPerStep());
    GptTrainingOptions o = run.options();
    assertEquals(2, o.dp());
    assertEquals(2, o.tp());
    assertTrue(o.sequenceParallel() && o.mixedPrecision());
    assertEquals(1, o.zeroStage());
    assertEquals(5, o.schedule().warmupSteps());
    assertEquals(3e-4f, o.schedule().minLr(), 1e-9f);
  }

  @Test
  void badRunsAreRejectedNamingTheOption() {
    String tp = assertThrows(IllegalArgumentException.class,
        () -> new GptRun("gpt-tiny", 1, 3, false, 0, false, 5, 8, 3e-3f, 1)).getMessage();
    assertTrue(tp.contains("heads=4 is not divisible by axis tp=3"), tp);
    String batch = assertThrows(IllegalArgumentException.class,
        () -> new GptRun("gpt-tiny", 3, 1, false, 0, false, 5, 8, 3e-3f, 1)).getMessage();
    assertTrue(batch.contains("--batch 8 is not divisible by axis dp=3"), batch);
    String model = assertThrows(IllegalArgumentException.class,
        () -> new GptRun("gpt-huge", 1, 1, false, 0, false, 5, 8, 3e-3f, 1)).getMessage();
    assertTrue(model.contains("unknown GPT 'gpt-huge'"), model);
  }
}
