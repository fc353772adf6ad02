package dev.shard4j.cli;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * A character-level training corpus generated from a small English grammar with a fixed seed, so every run and every
 * rank sees the same text without shipping a data file. Token ids are the bytes of the ASCII text.
 */
final class TextCorpus {
  private static final String[] SUBJECTS = {"the model", "a rank", "every worker", "the optimizer", "the planner",
      "each stage", "the mesh", "a tensor", "the gradient", "our cluster"};
  private static final String[] VERBS = {"reduces", "gathers", "scatters", "trains", "splits", "sends", "receives",
      "shards", "plans", "checks"};
  private static final String[] OBJECTS = {"the weights", "its shard", "the activations", "a bucket", "the loss",
      "every layer", "the batch", "two heads", "the sequence", "the cache"};
  private static final String[] TAILS = {" quickly", " in order", " on four ranks", " with care", " again", "", "",
      " before the next step", " across the ring", " in place"};

  private final byte[] text;

  TextCorpus(int bytes, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder(bytes + 128);
    while (sb.length() < bytes) {
      sb.append(SUBJECTS[rnd.nextInt(SUBJECTS.length)]).append(' ')
          .append(VERBS[rnd.nextInt(VERBS.length)]).append(' ')
          .append(OBJECTS[rnd.nextInt(OBJECTS.length)])
          .append(TAILS[rnd.nextInt(TAILS.length)]).append(". ");
    }
    text = sb.substring(0, bytes).getBytes(StandardCharsets.US_ASCII);
  }

  int length() {
    return text.length;
  }

  /**
   * Fills {@code inputs} and {@code targets} (each {@code batch * seq}) with batch {@code step}: sequence b starts at
   * a position drawn from (seed, step, b); targets are the inputs shifted by one character.
   */
  void batch(long step, int batch, int seq, long seed, int[] inputs, int[] targets) {
    if (seq + 1 > text.length) {
      throw new IllegalArgumentException("corpus of " + text.length + " bytes is shorter than seq+1=" + (seq + 1));
    }
    SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + step);
    for (int b = 0; b < batch; b++) {
      int start = rnd.nextInt(text.length - seq - 1);
      for (int t = 0; t < seq; t++) {
        inputs[b * seq + t] = text[start + t];
        targets[b * seq + t] = text[start + t + 1];
      }
    }
  }
}
