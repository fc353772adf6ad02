package dev.shard4j.layers;

import dev.shard4j.autograd.LinearFunctions;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.tensor.Shape;

/**
 * Megatron's ColumnParallelLinear: the output features are split over the tensor-parallel group, so each rank holds
 * rows of W (out/tp, in) and of b, and computes its slice of {@code y = x W^T + b}. The input enters the region with
 * {@code enterRegion} (copy-to-region, or all-gather along the sequence under sequence parallelism); the output
 * stays split (the following row-parallel layer consumes it). With {@code stride > 1} the outputs are packed blocks
 * (q, k, v) split block by block. At tp=1 it is a plain linear layer. Owns its parameters; one rank's thread.
 */
public final class ColumnParallelLinear extends Module {
  private final Parameter weight;
  private final Parameter bias;

  /** A column-parallel layer {@code name} from {@code in} to {@code out} (full) features. */
  public ColumnParallelLinear(ParameterFactory f, String name, long in, long out, boolean withBias, float std,
      int stride) {
    super(f, name);
    ParameterSharding rows = ParameterSharding.strided(0, stride);
    weight = parameter("weight", Shape.of(out, in), ParameterInit.normal(std), rows);
    bias = withBias ? parameter("bias", Shape.of(out), ParameterInit.constant(0f), rows) : null;
  }

  /** x (..., in), replicated or sequence-split -> this rank's (..., out/tp). */
  public Variable forward(Variable x) {
    return LinearFunctions.linear(tensorParallel().enterRegion(x), weight, bias);
  }

  /** This rank's (out/tp, in) weight. */
  public Parameter weight() {
    return weight;
  }

  /** This rank's (out/tp) bias, or null. */
  public Parameter bias() {
    return bias;
  }
}
