package dev.shard4j.collectives.nccl;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.DType;

/**
 * One checked call, ready for NCCL: the operation, the element count NCCL is given (per rank for all-gather,
 * reduce-scatter and all-to-all, as in the NCCL API), dtype, reduce op, root or peer (-1 when none) and the device
 * addresses of the send and receive buffers. Made only by {@link NcclCallValidator}. Immutable.
 */
record NcclCall(NcclOp op, long count, DType dtype, ReduceOp reduceOp, int rootOrPeer, long sendAddr,
    long recvAddr) {

  /** Text for messages, e.g. {@code allReduce(f32, count 1024, SUM)} or {@code send(bf16, count 8, peer 3)}. */
  String describe() {
    StringBuilder b = new StringBuilder(op.label).append('(')
        .append(dtype.name().toLowerCase(java.util.Locale.ROOT)).append(", count ").append(count);
    if (reduceOp != null) {
      b.append(", ").append(reduceOp);
    }
    if (op.rooted()) {
      b.append(", root ").append(rootOrPeer);
    }
    if (op.pointToPoint()) {
      b.append(", peer ").append(rootOrPeer);
    }
    return b.append(')').toString();
  }
}
