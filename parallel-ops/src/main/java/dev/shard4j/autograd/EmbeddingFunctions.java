package dev.shard4j.autograd;

import dev.shard4j.ops.Embedding;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Tensor;

/**
 * Differentiable embedding lookup, plain and vocab-parallel (a table that holds rows [vocabStart, vocabStart + rows)
 * and gives zero rows for other ids, Megatron's VocabParallelEmbedding before its all-reduce). Results belong to the
 * current {@code Scope}; call on the thread that owns the graph.
 */
public final class EmbeddingFunctions {
  private EmbeddingFunctions() {}

  /** {@code table[ids]}: table (rows, dim), ids I32 of any shape; the result is ids.shape + (dim). */
  public static Variable embedding(Variable table, Tensor ids) {
    return lookup(table, ids, 0, false);
  }

  /** Lookup in a table holding rows for ids [vocabStart, vocabStart + rows); other ids give zero rows. */
  public static Variable vocabParallelEmbedding(Variable table, Tensor ids, long vocabStart) {
    return lookup(table, ids, vocabStart, true);
  }

  private static Variable lookup(Variable table, Tensor ids, long vocabStart, boolean parallel) {
    if (ids.dtype() != DType.I32) {
      throw new IllegalArgumentException("embedding: ids must be i32, got " + ids.describe());
    }
    Tensor t = table.value();
    Tensor out = parallel ? Embedding.forwardVocabParallel(t, ids, vocabStart) : Embedding.forward(t, ids);
    return Autograd.record(parallel ? "vocab_parallel_embedding" : "embedding", out, g -> {
      Tensor acc = Grads.accumulator(table);
      if (parallel) {
        Embedding.backwardVocabParallel(acc, g, ids, vocabStart);
      } else {
        Embedding.backward(acc, g, ids);
      }
      return new Tensor[] {Grads.result(table, acc)};
    }, table);
  }
}
