package dev.shard4j.layers;

import dev.shard4j.autograd.LinearFunctions;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.PointwiseFunctions;
import dev.shard4j.autograd.Variable;
import dev.shard4j.tensor.Shape;

/**
 * Megatron's RowParallelLinear: the input features are split over the tensor-parallel group, so each rank holds
 * columns of W (out, in/tp), multiplies its input slice and produces a partial sum that leaves the region with
 * {@code exitRegion} (all-reduce, or reduce-scatter along the sequence under sequence parallelism); the replicated
 * bias is added after the reduction. At tp=1 it is a plain linear layer. Owns its parameters; one rank's thread.
 */
public final class RowParallelLinear extends Module {
  private final Parameter weight;
  private final Parameter bias;

  /** A row-parallel layer {@code name} from {@code in} (full) to {@code out} features. */
  public RowParallelLinear(ParameterFactory f, String name, long in, long out, boolean withBias, float std) {
    super(f, name);
    weight = parameter("weight", Shape.of(out, in), ParameterInit.normal(std), ParameterSharding.split(1));
    bias = withBias ? parameter("bias", Shape.of(out), ParameterInit.constant(0f), ParameterSharding.REPLICATED)
        : null;
  }

  /** This rank's x (..., in/tp) -> (..., out), replicated (or this rank's sequence shard). */
  public Variable forward(Variable x) {
    Variable y = tensorParallel().exitRegion(LinearFunctions.linear(x, weight, null));
    return bias == null ? y : PointwiseFunctions.biasAdd(y, tensorParallel().replicatedParameter(bias));
  }

  /** This rank's (out, in/tp) weight. */
  public Parameter weight() {
    return weight;
  }

  /** The replicated (out) bias, or null. */
  public Parameter bias() {
    return bias;
  }
}
