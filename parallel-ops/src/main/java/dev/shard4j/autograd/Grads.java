package dev.shard4j.autograd;

import dev.shard4j.tensor.Tensor;

/**
 * Helpers for backward rules that accumulate a weight gradient directly: when the input is a {@link Parameter}, the
 * rule adds into its gradient buffer (GEMM with beta 1, kernels that accumulate) and returns null to the engine,
 * which then only counts the parameter as done; otherwise the rule allocates a fresh zeroed gradient and returns it.
 * Used on the backward thread only.
 */
public final class Grads {
  private Grads() {}

  /** The buffer to accumulate {@code v}'s gradient into: a parameter's own gradient, or a new zero tensor. */
  public static Tensor accumulator(Variable v) {
    if (v instanceof Parameter p) {
      return p.grad;
    }
    return Tensor.zeros(v.shape(), v.value().dtype(), v.value().device());
  }

  /** What the rule returns for {@code v} after accumulating into {@code acc}: null for a parameter, else acc. */
  public static Tensor result(Variable v, Tensor acc) {
    return v instanceof Parameter ? null : acc;
  }

  /** Whether {@code v}'s gradient is accumulated in place (it is a parameter). */
  public static boolean accumulatesInPlace(Variable v) {
    return v instanceof Parameter;
  }
}
