package dev.shard4j.training;

import dev.shard4j.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A character-level training corpus generated from a small English grammar with a fixed seed, so every run and every
 * rank sees the same text without shipping a data file. Token ids are the bytes of the ASCII text (below 128, so any
 * vocabulary of at least 128 holds them). Immutable; any thread may use it.
 */
public final class TextCorpus {
  private static final String[] SUBJECTS = {"the model", "a rank", "every worker", "the optimizer", "the planner",
      "each stage", "the mesh", "a tensor", "the gradient", "our cluster"};
  private static final String[] VERBS = {"reduces", "gathers", "scatters", "trains", "splits", "sends", "receives",
      "shards", "plans", "checks"};
  private static final String[] OBJECTS = {"the weights", "its shard", "the activations", "a bucket", "the loss",
      "every layer", "the batch", "two heads", "the sequence", "the cache"};
  private static final String[] TAILS = {" quickly", " in order", " on four ranks", " with care", " again", "", "",
      " before the next step", " across the ring", " in place"};

  private final byte[] text;

  /** Generates {@code bytes} characters of text from {@code seed}. */
  public TextCorpus(int bytes, long seed) {
    if (bytes < 2) {
      throw new IllegalArgumentException("TextCorpus: needs at least 2 bytes, got " + bytes);
    }
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

  /** Characters of text. */
  public int length() {
    return text.length;
  }

  /**
   * Fills {@code inputs} and {@code targets} (each {@code batch * seq}) with batch {@code step}: sequence b starts at
   * a position drawn from (seed, step, b); targets are the inputs shifted by one character.
   */
  public void batch(long step, int batch, int seq, long seed, int[] inputs, int[] targets) {
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

  /**
   * The corpus as a {@link BatchSource}: step {@code s} is {@link #batch} ({@code s}, {@code globalBatch}, {@code seq},
   * {@code seed}), and each caller gets its rows of it, so ranks that ask for different rows of the same step see
   * one consistent global batch.
   */
  public BatchSource batches(int globalBatch, int seq, long seed) {
    if (globalBatch < 1 || seq < 1) {
      throw new IllegalArgumentException("TextCorpus.batches: batch and seq must be >= 1, got batch=" + globalBatch
          + " seq=" + seq);
    }
    return (step, from, to) -> {
      if (from < 0 || to > globalBatch || from >= to) {
        throw new IllegalArgumentException("TextCorpus.batches: rows [" + from + ", " + to + ") outside the batch of "
            + globalBatch);
      }
      int[] all = new int[globalBatch * seq];
      int[] allTargets = new int[globalBatch * seq];
      batch(step, globalBatch, seq, seed, all, allTargets);
      int[] ids = Arrays.copyOfRange(all, from * seq, to * seq);
      int[] targets = Arrays.copyOfRange(allTargets, from * seq, to * seq);
      return new Tensor[] {Tensor.fromIntArray(ids, to - from, seq), Tensor.fromIntArray(targets, to - from, seq)};
    };
  }
}
