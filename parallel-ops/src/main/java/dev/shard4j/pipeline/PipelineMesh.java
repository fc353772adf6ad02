package dev.shard4j.pipeline;

/**
 * The shape of a pipeline job: {@code pp} stages, each a {@code dp x tp} sub-mesh (optionally with sequence
 * parallelism over tp). World rank {@code r} is stage {@code r / (dp*tp)}, data-parallel rank
 * {@code (r / tp) % dp}, tensor-parallel rank {@code r % tp}. Immutable; any thread.
 */
public record PipelineMesh(int pp, int dp, int tp, boolean sequenceParallel) {
  /** Checks the sizes. */
  public PipelineMesh {
    if (pp < 1 || dp < 1 || tp < 1) {
      throw new IllegalArgumentException("PipelineMesh: pp=" + pp + " dp=" + dp + " tp=" + tp + " must all be >= 1");
    }
    if (sequenceParallel && tp == 1) {
      throw new IllegalArgumentException("PipelineMesh: sequence parallelism needs tp > 1");
    }
  }

  /** A mesh without sequence parallelism. */
  public static PipelineMesh of(int pp, int dp, int tp) {
    return new PipelineMesh(pp, dp, tp, false);
  }

  /**
   * Parses {@code pp=2,dp=2,tp=2[,sp]}; absent axes are 1. Rejects unknown axes and bad numbers, naming them.
   */
  public static PipelineMesh parse(String spec) {
    int pp = 1;
    int dp = 1;
    int tp = 1;
    boolean sp = false;
    for (String part : spec.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      if (p.equals("sp")) {
        sp = true;
        continue;
      }
      String[] kv = p.split("=");
      int value;
      try {
        value = kv.length == 2 ? Integer.parseInt(kv[1].trim()) : -1;
      } catch (NumberFormatException e) {
        value = -1;
      }
      if (value < 1) {
        throw new IllegalArgumentException("mesh '" + spec + "': '" + p + "' is not axis=positive-integer");
      }
      switch (kv[0].trim()) {
        case "pp" -> pp = value;
        case "dp" -> dp = value;
        case "tp" -> tp = value;
        default -> throw new IllegalArgumentException("mesh '" + spec + "': unknown axis '" + kv[0].trim()
            + "' (expected pp, dp, tp, sp)");
      }
    }
    return new PipelineMesh(pp, dp, tp, sp);
  }

  /** Ranks per stage: {@code dp * tp}. */
  public int stageSize() {
    return dp * tp;
  }

  /** Total ranks: {@code pp * dp * tp}. */
  public int worldSize() {
    return pp * dp * tp;
  }

  /** The pipeline stage of world rank {@code rank}. */
  public int stageOf(int rank) {
    return rank / stageSize();
  }

  @Override
  public String toString() {
    return "pp=" + pp + ",dp=" + dp + ",tp=" + tp + (sequenceParallel ? ",sp" : "");
  }
}
