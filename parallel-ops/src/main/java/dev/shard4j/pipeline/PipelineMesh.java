package dev.shard4j.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * The shape of a pipeline job: {@code pp} stages, each a {@link StageShape} sub-mesh ({@code dp x tp}, optionally
 * sequence parallel); stages may differ in shape. World ranks are numbered stage by stage: stage s holds ranks
 * {@code offset(s) .. offset(s) + size(s) - 1}. Immutable; any thread.
 */
public final class PipelineMesh {
  private final List<StageShape> stages;
  private final int[] offsets;

  /** A mesh of {@code pp} stages of the same shape. */
  public PipelineMesh(int pp, int dp, int tp, boolean sequenceParallel) {
    this(uniform(pp, new StageShape(dp, tp, sequenceParallel)));
  }

  private PipelineMesh(List<StageShape> stages) {
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("PipelineMesh: no stages");
    }
    this.stages = List.copyOf(stages);
    offsets = new int[stages.size() + 1];
    for (int s = 0; s < stages.size(); s++) {
      offsets[s + 1] = offsets[s] + stages.get(s).size();
    }
  }

  private static List<StageShape> uniform(int pp, StageShape shape) {
    if (pp < 1) {
      throw new IllegalArgumentException("PipelineMesh: pp=" + pp + " must be >= 1");
    }
    List<StageShape> l = new ArrayList<>();
    for (int i = 0; i < pp; i++) {
      l.add(shape);
    }
    return l;
  }

  /** A mesh of {@code pp} stages of {@code dp x tp} ranks, without sequence parallelism. */
  public static PipelineMesh of(int pp, int dp, int tp) {
    return new PipelineMesh(pp, dp, tp, false);
  }

  /** A mesh whose stage s has shape {@code stages.get(s)}. */
  public static PipelineMesh ofStages(List<StageShape> stages) {
    return new PipelineMesh(stages);
  }

  /**
   * Parses {@code pp=2,dp=2,tp=2[,sp]} (absent axes are 1; every stage the same shape). Rejects unknown axes and
   * bad numbers, naming them.
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

  /** Number of pipeline stages. */
  public int pp() {
    return stages.size();
  }

  /** The shape of stage {@code s}. */
  public StageShape stage(int s) {
    return stages.get(s);
  }

  /** The first world rank of stage {@code s}. */
  public int offset(int s) {
    return offsets[s];
  }

  /** Total ranks. */
  public int worldSize() {
    return offsets[stages.size()];
  }

  /** The pipeline stage of world rank {@code rank}. */
  public int stageOf(int rank) {
    if (rank < 0 || rank >= worldSize()) {
      throw new IllegalArgumentException("PipelineMesh.stageOf: rank " + rank + " outside [0, " + worldSize() + ")");
    }
    int s = 0;
    while (offsets[s + 1] <= rank) {
      s++;
    }
    return s;
  }

  /** Whether every stage has the same shape. */
  public boolean isUniform() {
    return stages.stream().distinct().count() == 1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PipelineMesh m && m.stages.equals(stages);
  }

  @Override
  public int hashCode() {
    return stages.hashCode();
  }

  @Override
  public String toString() {
    if (isUniform()) {
      StageShape s = stages.get(0);
      return "pp=" + pp() + ",dp=" + s.dp() + ",tp=" + s.tp() + (s.sequenceParallel() ? ",sp" : "");
    }
    StringBuilder b = new StringBuilder("pp=" + pp() + "[");
    for (int i = 0; i < stages.size(); i++) {
      b.append(i == 0 ? "" : " | ").append(stages.get(i));
    }
    return b.append(']').toString();
  }
}
