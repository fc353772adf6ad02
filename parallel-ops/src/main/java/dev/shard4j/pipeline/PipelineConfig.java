package dev.shard4j.pipeline;

import dev.shard4j.layers.GptConfig;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.optim.WarmupCosineSchedule;
import java.util.List;

/**
 * Everything a pipeline trainer needs: the model, the mesh, the schedule ({@code gpipe}, {@code 1f1b},
 * {@code interleaved} with {@code chunks} model chunks per rank), the number of micro-batches, the global batch
 * (rows per step, split over dp ranks, then into micro-batches), AdamW and global-norm clipping ({@code maxGradNorm}
 * 0 for none), an optional explicit stage map ({@code null}: blocks balanced over the virtual stages) and an
 * optional learning-rate schedule ({@code null}: AdamW's learning rate at every step; else step s, counted from 0,
 * uses {@code learningRates.lr(s)}, as the dp x tp trainer does). Immutable; any thread.
 */
public record PipelineConfig(GptConfig model, PipelineMesh mesh, String schedule, int chunks, int microBatches,
    int batch, AdamWOptimizer.Config adam, double maxGradNorm, List<List<Integer>> stageMap,
    WarmupCosineSchedule learningRates) {
  /** A config with balanced stages and a constant learning rate. */
  public static PipelineConfig of(GptConfig model, PipelineMesh mesh, String schedule, int chunks, int microBatches,
      int batch, AdamWOptimizer.Config adam, double maxGradNorm) {
    return new PipelineConfig(model, mesh, schedule, chunks, microBatches, batch, adam, maxGradNorm, null, null);
  }

  /** This config with an explicit stage map (see {@link StageMap#of}). */
  public PipelineConfig withStageMap(List<List<Integer>> map) {
    return new PipelineConfig(model, mesh, schedule, chunks, microBatches, batch, adam, maxGradNorm, map,
        learningRates);
  }

  /** This config with a learning rate per step ({@code null}: constant). */
  public PipelineConfig withLearningRates(WarmupCosineSchedule lr) {
    return new PipelineConfig(model, mesh, schedule, chunks, microBatches, batch, adam, maxGradNorm, stageMap, lr);
  }

  /**
   * Checks everything that can be checked before the first step and returns the schedule and stage map: the
   * micro-batch count divides each data-parallel rank's rows, there are no more virtual stages than blocks, the
   * stage map covers every layer once, and the schedule is valid.
   */
  public Plan validate() {
    if (microBatches < 1 || batch < 1) {
      throw new IllegalArgumentException("pipeline: microBatches=" + microBatches + " and batch=" + batch
          + " must be >= 1");
    }
    for (int st = 0; st < mesh.pp(); st++) {
      int dp = mesh.stage(st).dp();
      String where = mesh.isUniform() ? "" : " on stage " + st;
      if (batch % dp != 0) {
        throw new IllegalArgumentException("pipeline: batch=" + batch + " is not divisible by dp=" + dp + where);
      }
      int perRank = batch / dp;
      if (perRank % microBatches != 0) {
        throw new IllegalArgumentException("pipeline: microBatches=" + microBatches + " does not divide the "
            + perRank + " rows per data-parallel rank (batch=" + batch + ", dp=" + dp + ")" + where);
      }
    }
    if (model.tiedLmHead() && mesh.pp() > 1 && !mesh.stage(0).equals(mesh.stage(mesh.pp() - 1))) {
      throw new IllegalArgumentException("pipeline: a tied LM head needs the first and last stage to have the same "
          + "shape, got " + mesh.stage(0) + " and " + mesh.stage(mesh.pp() - 1) + "; untie the head or match them");
    }
    if (maxGradNorm < 0 || Double.isNaN(maxGradNorm)) {
      throw new IllegalArgumentException("pipeline: maxGradNorm=" + maxGradNorm + " must be >= 0 (0: no clipping)");
    }
    Schedule s = Schedules.byName(schedule, mesh.pp(), chunks, microBatches);
    if (s.chunks() > 1 && mesh.pp() < 2) {
      throw new IllegalArgumentException("pipeline: the interleaved schedule needs pp >= 2, got pp=" + mesh.pp());
    }
    StageMap map;
    if (stageMap == null) {
      if (s.virtualStages() > model.layers()) {
        throw new IllegalArgumentException("pipeline: " + s.virtualStages() + " virtual stages (pp=" + mesh.pp()
            + " x chunks=" + s.chunks() + ") but the model has only " + model.layers() + " transformer blocks");
      }
      map = StageMap.balanced(model, s.virtualStages());
    } else {
      map = StageMap.of(model, stageMap);
      if (map.stages() != s.virtualStages()) {
        throw new IllegalArgumentException("pipeline: the stage map has " + map.stages() + " stages, the schedule "
            + s + " has " + s.virtualStages() + " virtual stages");
      }
    }
    ScheduleSimulator.run(s);
    return new Plan(s, map);
  }

  /** The validated schedule and stage map. */
  public record Plan(Schedule schedule, StageMap stageMap) {}
}
