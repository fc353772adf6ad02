package dev.shard4j.layers;

import dev.shard4j.autograd.EmbeddingFunctions;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Megatron's VocabParallelEmbedding: the (vocab, dim) table is split by rows over the tensor-parallel group; each
 * rank looks up the ids it holds (zero rows for the others) and the partial results leave the region with
 * {@code exitRegion} (all-reduce, or reduce-scatter along the sequence). At tp=1 it is a plain embedding. Owns its
 * parameter; one rank's thread.
 */
public final class VocabParallelEmbedding extends Module {
  private final Parameter weight;
  private final long vocabStart;

  /** A table {@code name} of {@code vocab} vectors of {@code dim}, split by rows. */
  public VocabParallelEmbedding(ParameterFactory f, String name, long vocab, long dim, float std) {
    super(f, name);
    weight = parameter("weight", Shape.of(vocab, dim), ParameterInit.normal(std), ParameterSharding.split(0));
    vocabStart = tensorParallel().rank() * (vocab / tensorParallel().size());
  }

  /** Sequence-major ids (T, B) I32 -> (T, B, dim), or this rank's sequence shard (T/tp, B, dim). */
  public Variable forward(Tensor ids) {
    Variable partial = EmbeddingFunctions.vocabParallelEmbedding(weight, ids, vocabStart);
    return tensorParallel().exitRegion(partial);
  }

  /** This rank's (vocab/tp, dim) rows. */
  public Parameter weight() {
    return weight;
  }

  /** The first vocabulary id this rank holds. */
  public long vocabStart() {
    return vocabStart;
  }
}
