package dev.shard4j.layers;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;

/**
 * Creates the parameters of a model on one rank: each parameter's full tensor is generated from (seed, name) and the
 * rank keeps its shard, so a model sharded any way holds slices of exactly the numbers of the unsharded model.
 * Parameters belong to the module that asked for them. Used by one thread while the model is built.
 */
public final class ParameterFactory {
  private final TensorParallel tp;
  private final long seed;
  private final Device device;

  /** Parameters for the group {@code tp} on {@code device}, initialized from {@code seed}. */
  public ParameterFactory(TensorParallel tp, long seed, Device device) {
    this.tp = tp;
    this.seed = seed;
    this.device = device;
  }

  /** The tensor-parallel group the parameters are sharded over. */
  public TensorParallel tensorParallel() {
    return tp;
  }

  /** The initialization seed. */
  public long seed() {
    return seed;
  }

  /** This rank's shard of the parameter {@code name} with the given full shape, fp32. */
  public Parameter create(String name, Shape fullShape, ParameterInit init, ParameterSharding sharding) {
    sharding.localShape(name, fullShape, tp.size());
    Tensor local;
    try (Scope scope = Scope.open()) {
      Tensor full = Tensor.empty(fullShape, DType.F32, device);
      init.fill(full, seed, name);
      local = sharding.shard(full, tp.rank(), tp.size());
      scope.keep(local);
    }
    return new Parameter(name, local);
  }
}
