package dev.shard4j.collectives;

/**
 * The element-wise reduction applied by {@link Communicator#allReduce}, {@link Communicator#reduceScatter} and
 * {@link Communicator#reduce}. {@link #AVG} is the sum divided by the group size. For bf16 tensors every partial
 * result is rounded to bf16 (storage type), so results may differ in the last bit from an fp32 reference.
 */
public enum ReduceOp {
  /** Element-wise sum (computed with the native add kernel). */
  SUM,
  /** Element-wise mean over the ranks: the sum scaled by {@code 1 / size}. */
  AVG,
  /** Element-wise maximum. */
  MAX,
  /** Element-wise minimum. */
  MIN,
  /** Element-wise product. */
  PROD
}
