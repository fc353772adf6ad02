package dev.shard4j.layers;

import dev.shard4j.tensor.Tensor;

/** A synthetic character corpus and (B, T) next-token batches cut from it deterministically, for tests. */
public final class CharCorpus {
  private static final String TEXT = "the quick brown fox jumps over the lazy dog. "
      + "a stitch in time saves nine. all that glitters is not gold. "
      + "to be or not to be, that is the question. ";
  private final int[] tokens;

  /** The text repeated to {@code length} characters, ids taken modulo {@code vocab}. */
  public CharCorpus(int length, int vocab) {
    tokens = new int[length];
    for (int i = 0; i < length; i++) {
      tokens[i] = TEXT.charAt(i % TEXT.length()) % vocab;
    }
  }

  /** Batch {@code index}: ids and targets (B, T), rows starting at offsets derived from the index. */
  public Tensor[] batch(int index, int b, int t) {
    int[] ids = new int[b * t];
    int[] targets = new int[b * t];
    for (int r = 0; r < b; r++) {
      int start = (int) (((long) index * 7919 + r * 104729L) % (tokens.length - t - 1));
      for (int j = 0; j < t; j++) {
        ids[r * t + j] = tokens[start + j];
        targets[r * t + j] = tokens[start + j + 1];
      }
    }
    return new Tensor[] {Tensor.fromIntArray(ids, b, t), Tensor.fromIntArray(targets, b, t)};
  }
}
