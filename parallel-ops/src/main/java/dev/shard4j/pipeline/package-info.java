/**
 * Pipeline parallelism for the GPT: a {@link dev.shard4j.pipeline.StageMap} partitions the layers into virtual
 * stages, {@link dev.shard4j.pipeline.Schedules} generates per-rank instruction lists (GPipe, 1F1B, interleaved
 * 1F1B) that {@link dev.shard4j.pipeline.ScheduleSimulator} checks, one {@link dev.shard4j.pipeline.PipelineExecutor}
 * runs any list with point-to-point sends between stage sub-meshes, {@link dev.shard4j.pipeline.PipelineTrainer}
 * adds data/tensor parallelism inside the stages, gradient reduction and AdamW, and
 * {@link dev.shard4j.pipeline.PipelineTrace} writes the timeline. See {@code docs/pipeline.md}.
 */
package dev.shard4j.pipeline;
