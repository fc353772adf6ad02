/**
 * Megatron-style tensor and sequence parallelism: the {@link dev.shard4j.tensorparallel.TensorParallel} group
 * context, the region {@link dev.shard4j.tensorparallel.Mappings} and the vocab-parallel cross-entropy. The sharded
 * layers that compose them live in {@code dev.shard4j.layers}.
 */
package dev.shard4j.tensorparallel;
