package dev.shard4j.pipeline;

/**
 * The sub-mesh of one pipeline stage: {@code dp x tp} ranks, optionally sequence parallel over tp. Local rank
 * {@code l} of the stage is data-parallel rank {@code l / tp} and tensor-parallel rank {@code l % tp}. Immutable;
 * any thread.
 */
public record StageShape(int dp, int tp, boolean sequenceParallel) {
  /** Checks the sizes. */
  public StageShape {
    if (dp < 1 || tp < 1) {
      throw new IllegalArgumentException("StageShape: dp=" + dp + " tp=" + tp + " must be >= 1");
    }
    if (sequenceParallel && tp == 1) {
      throw new IllegalArgumentException("StageShape: sequence parallelism needs tp > 1");
    }
  }

  /** Ranks in the stage. */
  public int size() {
    return dp * tp;
  }

  /**
   * The part of a micro-batch activation (seq, rows, C) that local rank {@code local} holds, as
   * {seqStart, seqCount, rowStart, rowCount}: its data-parallel rows and, under sequence parallelism, its sequence
   * shard.
   */
  public long[] block(int local, long seq, long rows) {
    int d = local / tp;
    int t = local % tp;
    long r = rows / dp;
    long s = sequenceParallel ? seq / tp : seq;
    return new long[] {sequenceParallel ? t * s : 0, s, d * r, r};
  }

  @Override
  public String toString() {
    return "dp=" + dp + ",tp=" + tp + (sequenceParallel ? ",sp" : "");
  }
}
