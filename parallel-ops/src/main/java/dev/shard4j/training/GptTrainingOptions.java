package dev.shard4j.training;

import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.optim.WarmupCosineSchedule;

/**
 * How a GPT is trained on a dp x tp mesh of ranks.
 *
 * @param dp               data-parallel size: ranks that hold replicas (or ZeRO shards) and split the batch
 * @param tp               tensor-parallel size: ranks that split each layer (Megatron)
 * @param sequenceParallel whether the tensor-parallel group also splits the sequence around layer norms
 * @param zeroStage        0 (plain data parallel with bucketed all-reduce) or ZeRO stage 1, 2 or 3 over dp
 * @param bucketBytes      gradient bucket size for the data-parallel reductions (PyTorch's default is 25 MiB)
 * @param globalBatch      sequences per optimizer step over all dp ranks; must be divisible by dp
 * @param adam             AdamW hyper-parameters (its learning rate is overridden by {@code schedule})
 * @param schedule         learning rate per step
 * @param maxGradNorm      global-norm clipping threshold (computed across all shards), or 0 for none
 * @param mixedPrecision   bf16 GEMM inputs with fp32 master weights, gradients and reductions ({@code Autocast})
 */
public record GptTrainingOptions(int dp, int tp, boolean sequenceParallel, int zeroStage, long bucketBytes,
    int globalBatch, AdamWOptimizer.Config adam, WarmupCosineSchedule schedule, double maxGradNorm, boolean mixedPrecision) {
  public GptTrainingOptions {
    if (dp < 1 || tp < 1) {
      throw new IllegalArgumentException("training: dp and tp must be >= 1, got dp=" + dp + " tp=" + tp);
    }
    if (zeroStage < 0 || zeroStage > 3) {
      throw new IllegalArgumentException("training: ZeRO stage must be 0, 1, 2 or 3, got " + zeroStage);
    }
    if (globalBatch < 1 || globalBatch % dp != 0) {
      throw new IllegalArgumentException("training: global batch " + globalBatch + " is not divisible by dp=" + dp);
    }
    if (sequenceParallel && tp == 1) {
      throw new IllegalArgumentException("training: sequence parallelism needs tp > 1");
    }
    if (bucketBytes < 1) {
      throw new IllegalArgumentException("training: bucket size must be positive, got " + bucketBytes);
    }
  }

  /** The same options in fp32 (no mixed precision). */
  public GptTrainingOptions(int dp, int tp, boolean sequenceParallel, int zeroStage, long bucketBytes,
      int globalBatch, AdamWOptimizer.Config adam, WarmupCosineSchedule schedule, double maxGradNorm) {
    this(dp, tp, sequenceParallel, zeroStage, bucketBytes, globalBatch, adam, schedule, maxGradNorm, false);
  }

  /** A copy with mixed precision switched on or off. */
  public GptTrainingOptions withMixedPrecision(boolean on) {
    return new GptTrainingOptions(dp, tp, sequenceParallel, zeroStage, bucketBytes, globalBatch, adam, schedule,
        maxGradNorm, on);
  }

  /** Ranks the mesh needs. */
  public int ranks() {
    return dp * tp;
  }

  /** Sequences each data-parallel rank processes per step. */
  public int localBatch() {
    return globalBatch / dp;
  }
}
