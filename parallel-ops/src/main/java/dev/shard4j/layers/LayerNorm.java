package dev.shard4j.layers;

import dev.shard4j.autograd.NormFunctions;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.tensor.Shape;

/**
 * Layer normalization over the last axis with a replicated weight (ones) and bias (zeros). Owns its parameters;
 * one rank's thread.
 */
public final class LayerNorm extends Module {
  private final Parameter weight;
  private final Parameter bias;
  private final float eps;

  /** A layer norm {@code name} over {@code dim} features. */
  public LayerNorm(ParameterFactory f, String name, long dim, float eps) {
    super(f, name);
    this.eps = eps;
    weight = parameter("weight", Shape.of(dim), ParameterInit.constant(1f), ParameterSharding.REPLICATED);
    bias = parameter("bias", Shape.of(dim), ParameterInit.constant(0f), ParameterSharding.REPLICATED);
  }

  /** x (..., dim) -> normalized (..., dim). */
  public Variable forward(Variable x) {
    return NormFunctions.layerNorm(x, tensorParallel().replicatedParameter(weight),
        tensorParallel().replicatedParameter(bias), eps);
  }

  /** The (dim) weight. */
  public Parameter weight() {
    return weight;
  }

  /** The (dim) bias. */
  public Parameter bias() {
    return bias;
  }
}
