package dev.shard4j.training;

import dev.shard4j.autoshard.Plan;
import dev.shard4j.pipeline.PipelineConfig;
import dev.shard4j.pipeline.PipelineMesh;
import dev.shard4j.pipeline.PipelineRun;
import java.nio.file.Path;

/**
 * Executes a {@link Plan} for a {@link GptRun} on local ranks (threads of this JVM): a single-stage plan on the
 * dp x tp trainer ({@link GptTrainer}, with its sequence parallelism and ZeRO stage), a plan of several stages on the
 * pipeline runtime with the plan's stage shapes, layer slicing, micro-batches and schedule. Both use the run's AdamW,
 * learning-rate schedule, clipping and batches, so every plan of a run trains the same model with the same losses as
 * {@code run} on one rank. The plan fixes the mesh: the run's own dp, tp, sequence parallelism and ZeRO stage are
 * ignored. Stateless; blocks until the run ends.
 */
public final class PlanExecution {
  /** The loss of every step and the wall time of every step (slowest rank), in milliseconds. */
  public record Result(double[] losses, double[] stepMillis) {}

  private PlanExecution() {}

  /** Ranks {@code plan} needs. */
  public static int ranks(Plan plan) {
    return PlanLowering.lowerPipeline(plan).ranks();
  }

  /** Runs {@code run.steps()} steps of {@code plan}; a pipeline writes its trace to {@code trace} unless null. */
  public static Result runLocal(GptRun run, Plan plan, Path trace) {
    if (plan.stages().size() == 1) {
      double[] losses = new double[run.steps()];
      double[] millis = new double[run.steps()];
      try (LocalPlanSession session = new LocalPlanSession(run, plan)) {
        for (int s = 0; s < losses.length; s++) {
          long t0 = System.nanoTime();
          losses[s] = session.step();
          millis[s] = (System.nanoTime() - t0) / 1e6;
        }
      }
      return new Result(losses, millis);
    }
    PipelineRun.Result r = PipelineRun.runLocal(pipelineConfig(run, plan), run.steps(),
        step -> run.batches().rows(step, 0, run.batch()), trace);
    return new Result(r.losses(), r.stepMillis());
  }

  /** The pipeline configuration of a plan of any number of stages for {@code run}. */
  public static PipelineConfig pipelineConfig(GptRun run, Plan plan) {
    PlanLowering.Pipeline p = PlanLowering.lowerPipeline(plan);
    GptTrainingOptions o = run.options();
    return new PipelineConfig(run.config(), PipelineMesh.ofStages(p.stages()), p.schedule(), 1, p.microBatches(),
        run.batch(), o.adam(), o.maxGradNorm(), p.stageMap(), o.schedule());
  }

  /** {@code run} on the single-stage plan's mesh. */
  public static GptRun asPlanned(GptRun run, PlanLowering.Lowered l) {
    return new GptRun(run.model(), l.dp(), l.tp(), l.sequenceParallel(), l.zeroStage(), run.bf16(), run.steps(),
        run.batch(), run.learningRate(), run.threadsPerRank());
  }
}
