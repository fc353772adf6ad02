/**
 * Tracing real models into the planner's graph IR: {@link dev.shard4j.autoshard.trace.GptTracer} runs one forward
 * of a {@link dev.shard4j.layers.Gpt} and turns the recorded autograd operations into a
 * {@link dev.shard4j.autoshard.Graph}, so the planner plans the layer classes that are trained, not a separate
 * description of them.
 */
package dev.shard4j.autoshard.trace;
