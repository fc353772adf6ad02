package dev.shard4j.layers;

import dev.shard4j.autograd.AttentionFunctions;
import dev.shard4j.autograd.Variable;

/**
 * GPT-2's multi-head causal self-attention: a packed q/k/v projection (column-parallel with three blocks, so each
 * rank gets the q, k and v of heads/tp whole heads), attention over the local heads, and a row-parallel output
 * projection. Owns its layers; one rank's thread.
 */
public final class CausalSelfAttention extends Module {
  private final ColumnParallelLinear qkv;
  private final RowParallelLinear proj;
  private final int localHeads;

  /** The attention {@code name} with {@code heads} heads over {@code dModel} features. */
  public CausalSelfAttention(ParameterFactory f, String name, long dModel, int heads, float std, float projStd) {
    super(f, name);
    localHeads = (int) tensorParallel().localSize("heads", heads);
    qkv = child(new ColumnParallelLinear(f, qualify("qkv"), dModel, 3 * dModel, true, std, 3));
    proj = child(new RowParallelLinear(f, qualify("proj"), dModel, dModel, true, projStd));
  }

  /** x (T, B, dModel) (or its sequence shard) -> the same shape. */
  public Variable forward(Variable x) {
    return proj.forward(AttentionFunctions.causalSelfAttention(qkv.forward(x), localHeads));
  }
}
