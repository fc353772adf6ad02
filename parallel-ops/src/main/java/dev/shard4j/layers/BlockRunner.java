package dev.shard4j.layers;

import dev.shard4j.autograd.Variable;

/**
 * How {@link Gpt} runs one transformer block: the default calls {@link TransformerBlock#forward}; sharded-parameter
 * schemes (ZeRO-3 / FSDP) wrap it to gather the block's parameters before and release them after. Called on the
 * rank's thread, once per block per forward (and again for checkpointed blocks during the backward recomputation).
 */
@FunctionalInterface
public interface BlockRunner {
  /** Runs {@code block} on {@code x} (T, B, C) and returns its output. */
  Variable run(TransformerBlock block, Variable x);
}
