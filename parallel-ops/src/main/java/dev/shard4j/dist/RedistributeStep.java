package dev.shard4j.dist;

import dev.shard4j.collectives.ReduceOp;

/**
 * One step of a redistribution: along mesh axis {@code axis}, the placement changes {@code from -> to} while the
 * other axes keep theirs. {@link #collective()} names the one collective the step issues on that axis's group (or
 * none). An immutable value; any thread may use it.
 */
public record RedistributeStep(int axis, Placement from, Placement to) {

  /** The collective a step issues on its axis's group. */
  public enum Collective {
    /** A local copy, slice or zero fill; no communication. */
    NONE,
    /** {@code P -> R}. */
    ALL_REDUCE,
    /** {@code P -> S(d)}. */
    REDUCE_SCATTER,
    /** {@code S(d) -> R}. */
    ALL_GATHER,
    /** {@code S(d) -> S(e)}. */
    ALL_TO_ALL
  }

  /** Checks the step is a supported direct transition. */
  public RedistributeStep {
    if (from == null || to == null || from.equals(to)) {
      throw new IllegalArgumentException("RedistributeStep: from and to must be different placements, got " + from
          + " -> " + to + " on axis " + axis);
    }
    if (from.isPartial() && to.isPartial()
        || from.isShard() && to instanceof Placement.Partial p && p.op() != ReduceOp.SUM) {
      throw new IllegalArgumentException("RedistributeStep: " + from + " -> " + to
          + " is not a direct transition; it goes through R");
    }
  }

  /** The collective this step issues. */
  public Collective collective() {
    if (from.isPartial()) {
      return to.isReplicate() ? Collective.ALL_REDUCE : Collective.REDUCE_SCATTER;
    }
    if (from.isShard()) {
      if (to.isReplicate()) {
        return Collective.ALL_GATHER;
      }
      return to.isShard() ? Collective.ALL_TO_ALL : Collective.NONE;
    }
    return Collective.NONE;
  }

  /** For example {@code axis 1: S(0) -> R}. */
  @Override
  public String toString() {
    return "axis " + axis + ": " + from + " -> " + to;
  }
}
