/**
 * Optimizers over lists of {@link dev.shard4j.autograd.Parameter}s (SGD with momentum, AdamW, both fused kernels),
 * global-norm gradient clipping across sharded groups, and the warm-up + cosine learning-rate schedule.
 */
package dev.shard4j.optim;
