package dev.shard4j.layers;

import dev.shard4j.autograd.PointwiseFunctions;
import dev.shard4j.autograd.Variable;

/**
 * GPT-2's MLP: {@code proj(gelu(fc(x)))} with fc (dModel -> 4 dModel) column-parallel and proj (4 dModel -> dModel)
 * row-parallel, so the hidden activation stays split and the block needs one reduction forward and one backward.
 * Owns its layers; one rank's thread.
 */
public final class Mlp extends Module {
  private final ColumnParallelLinear fc;
  private final RowParallelLinear proj;

  /** The MLP {@code name}; {@code projStd} is the (residual-scaled) std of the output projection. */
  public Mlp(ParameterFactory f, String name, long dModel, float std, float projStd) {
    super(f, name);
    fc = child(new ColumnParallelLinear(f, qualify("fc"), dModel, 4 * dModel, true, std, 1));
    proj = child(new RowParallelLinear(f, qualify("proj"), 4 * dModel, dModel, true, projStd));
  }

  /** x (T, B, dModel) (or its sequence shard) -> the same shape. */
  public Variable forward(Variable x) {
    return proj.forward(PointwiseFunctions.gelu(fc.forward(x)));
  }
}
