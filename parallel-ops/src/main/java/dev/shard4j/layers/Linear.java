package dev.shard4j.layers;

import dev.shard4j.autograd.LinearFunctions;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.tensor.Shape;

/**
 * A replicated affine layer {@code y = x W^T + b}: weight (out, in) from N(0, std^2), bias (out) zero or absent.
 * Owns its parameters; one rank's thread.
 */
public final class Linear extends Module {
  private final Parameter weight;
  private final Parameter bias;

  /** A linear layer {@code name} from {@code in} to {@code out} features. */
  public Linear(ParameterFactory f, String name, long in, long out, boolean withBias, float std) {
    super(f, name);
    weight = parameter("weight", Shape.of(out, in), ParameterInit.normal(std), ParameterSharding.REPLICATED);
    bias = withBias ? parameter("bias", Shape.of(out), ParameterInit.constant(0f), ParameterSharding.REPLICATED)
        : null;
  }

  /** x (..., in) -> (..., out). */
  public Variable forward(Variable x) {
    return LinearFunctions.linear(x, weight, bias);
  }

  /** The (out, in) weight. */
  public Parameter weight() {
    return weight;
  }

  /** The (out) bias, or null. */
  public Parameter bias() {
    return bias;
  }
}
