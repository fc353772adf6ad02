package dev.shard4j.training;

import dev.shard4j.tensor.Tensor;

/**
 * Where training batches come from: for optimizer step {@code step}, rows {@code [fromRow, toRow)} of that step's
 * global batch as int32 token ids and next-token targets, both {@code (toRow - fromRow, seq)}. Every rank calls it
 * with its own rows, so it must be deterministic in (step, row). Returned tensors belong to the caller's scope.
 */
@FunctionalInterface
public interface BatchSource {
  /** {ids, targets} for the given rows of the given step. */
  Tensor[] rows(long step, int fromRow, int toRow);
}
