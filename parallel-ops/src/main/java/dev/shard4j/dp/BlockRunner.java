package dev.shard4j.dp;

import dev.shard4j.autograd.Variable;
import java.util.function.UnaryOperator;

/**
 * Runs one block (layer) of a model: a model calls {@code run(index, x, body)} instead of {@code body.apply(x)} so
 * that a wrapper can act around the block, e.g. ZeRO-3 gathering the block's parameters just before it runs and
 * freeing them after ({@link ZeroOptimizer#runBlock}). Called on the rank's thread.
 */
@FunctionalInterface
public interface BlockRunner {
  /** Runs the block directly. */
  BlockRunner DIRECT = (index, x, body) -> body.apply(x);

  /** The output of block {@code index} (in model order, from 0) for input {@code x}; {@code body} computes it. */
  Variable run(int index, Variable x, UnaryOperator<Variable> body);
}
