package dev.shard4j.layers;

import dev.shard4j.autograd.EmbeddingFunctions;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * A replicated embedding table (rows, dim) from N(0, std^2), e.g. GPT-2's position embedding. Under sequence
 * parallelism each rank looks up its own positions, so the table's gradient is summed over the group
 * ({@code replicatedParameter}). Owns its parameter; one rank's thread.
 */
public final class Embedding extends Module {
  private final Parameter weight;

  /** A table {@code name} of {@code rows} vectors of {@code dim}. */
  public Embedding(ParameterFactory f, String name, long rows, long dim, float std) {
    super(f, name);
    weight = parameter("weight", Shape.of(rows, dim), ParameterInit.normal(std), ParameterSharding.REPLICATED);
  }

  /** ids (I32, any shape) -> ids.shape + (dim). */
  public Variable forward(Tensor ids) {
    return EmbeddingFunctions.embedding(tensorParallel().replicatedParameter(weight), ids);
  }

  /** The (rows, dim) table. */
  public Parameter weight() {
    return weight;
  }
}
