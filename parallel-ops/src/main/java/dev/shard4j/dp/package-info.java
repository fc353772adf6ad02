/**
 * Data parallelism: gradient buckets averaged during backward ({@link dev.shard4j.dp.GradientReducer}, PyTorch
 * DDP's reducer) and ZeRO stages 1-3 ({@link dev.shard4j.dp.ZeroOptimizer}: sharded optimizer state, gradients and
 * parameters over flat, padded units). See {@code docs/zero.md}.
 */
package dev.shard4j.dp;
