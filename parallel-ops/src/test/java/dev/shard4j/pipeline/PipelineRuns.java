package dev.shard4j.pipeline;

import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.layers.Gpt;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.optim.GradNorm;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Training runs of a small GPT (4 heads, d=64, vocab 512, seq 32; AdamW, global-norm clipping at 1.0): the
 * single-device reference over the whole batch with the ordinary {@link Gpt}, and pipeline runs on local ranks.
 */
final class PipelineRuns {
  static final AdamWOptimizer.Config ADAM = new AdamWOptimizer.Config(3e-3f, 0.9f, 0.95f, 1e-8f, 0.1f);
  static final int BATCH = 8;
  static final int SEQ = 32;
  static final double MAX_NORM = 1.0;
  private static final String TEXT = "it was the best of times, it was the worst of times, it was the age of wisdom, "
      + "it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity. ";

  private PipelineRuns() {}

  static GptConfig model(int layers) {
    return GptConfig.of(layers, 4, 64, 512, SEQ, 1234);
  }

  /** The global batch of {@code step}: ids and next-token targets (BATCH, SEQ) i32. */
  static Tensor[] batch(int step, int vocab) {
    int[] ids = new int[BATCH * SEQ];
    int[] targets = new int[BATCH * SEQ];
    for (int r = 0; r < BATCH; r++) {
      int start = (step * 37 + r * 53) % (TEXT.length() - SEQ - 1);
      for (int j = 0; j < SEQ; j++) {
        ids[r * SEQ + j] = TEXT.charAt(start + j) % vocab;
        targets[r * SEQ + j] = TEXT.charAt(start + j + 1) % vocab;
      }
    }
    return new Tensor[] {Tensor.fromIntArray(ids, BATCH, SEQ), Tensor.fromIntArray(targets, BATCH, SEQ)};
  }

  /** The loss of every step of the single-device model. */
  static double[] single(GptConfig config, int steps) {
    double[] losses = new double[steps];
    CpuRuntime.setThreads(1);
    try (Gpt model = new Gpt(config, TensorParallel.single());
        AdamWOptimizer opt = new AdamWOptimizer(model.parameters(), ADAM)) {
      for (int s = 0; s < steps; s++) {
        opt.zeroGrad();
        try (Scope scope = Scope.open()) {
          Tensor[] b = batch(s, config.vocab());
          Variable loss = model.loss(b[0], b[1]);
          loss.backward();
          losses[s] = loss.value().item();
          List<Tensor> grads = new ArrayList<>();
          model.parameters().forEach(p -> grads.add(p.grad()));
          opt.step(GradNorm.clipScale(GradNorm.globalNorm(List.of(GradNorm.Part.replicated(grads))), MAX_NORM));
        }
      }
    }
    return losses;
  }

  static PipelineConfig config(GptConfig model, PipelineMesh mesh, String schedule, int chunks, int m) {
    return PipelineConfig.of(model, mesh, schedule, chunks, m, BATCH, ADAM, MAX_NORM);
  }

  /** The loss each world rank saw at every step; {@code afterRun} sees every rank's trainer after the last step. */
  static double[][] pipeline(PipelineConfig config, int steps, Consumer<PipelineTrainer> afterRun) {
    int world = config.mesh().worldSize();
    double[][] losses = new double[world][steps];
    LocalCluster.run(world, comm -> {
      CpuRuntime.setThreads(1);
      try (PipelineTrainer trainer = new PipelineTrainer(comm, config)) {
        for (int s = 0; s < steps; s++) {
          try (Scope scope = Scope.open()) {
            Tensor[] b = batch(s, config.model().vocab());
            losses[comm.rank()][s] = trainer.step(b[0], b[1]);
          }
        }
        if (afterRun != null) {
          afterRun.accept(trainer);
        }
      }
    });
    return losses;
  }
}
