/**
 * Layers as {@link dev.shard4j.layers.Module}s with deterministic parameter order and seeded, shard-independent
 * initialization: Linear, Embedding, LayerNorm, the Megatron column/row-parallel linear and vocab-parallel embedding,
 * attention, MLP, the pre-LN transformer block and the {@link dev.shard4j.layers.Gpt} model, plus a
 * {@link dev.shard4j.layers.Trainer} step and safetensors I/O. See docs/layers.md.
 */
package dev.shard4j.layers;
