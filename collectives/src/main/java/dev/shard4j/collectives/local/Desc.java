package dev.shard4j.collectives.local;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.DType;

/**
 * What one rank asked for in one collective: the operation, element counts, dtype, reduce op, root, and the
 * addresses of its buffers, published to peers between barriers. Internal to the local backend.
 */
record Desc(String op, long inCount, long outCount, DType dtype, ReduceOp reduceOp, int root, long inAddr,
    long outAddr, int color, int key) {

  /** True when {@code o} describes the same collective call (buffers excluded). */
  boolean matches(Desc o) {
    return op.equals(o.op) && inCount == o.inCount && outCount == o.outCount && dtype == o.dtype
        && reduceOp == o.reduceOp && root == o.root;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(op).append('(');
    if (!op.equals("barrier") && !op.equals("split")) {
      b.append(dtype.name().toLowerCase(java.util.Locale.ROOT)).append(", in ").append(inCount)
          .append(" elements, out ").append(outCount).append(" elements");
      if (reduceOp != null) {
        b.append(", ").append(reduceOp);
      }
      if (root >= 0) {
        b.append(", root ").append(root);
      }
    }
    return b.append(')').toString();
  }
}
