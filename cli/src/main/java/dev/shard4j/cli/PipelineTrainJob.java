package dev.shard4j.cli;

import dev.shard4j.pipeline.PipelineConfig;
import dev.shard4j.pipeline.PipelineMesh;
import dev.shard4j.pipeline.PipelineRun;
import dev.shard4j.training.BatchSource;
import dev.shard4j.training.GptRun;
import dev.shard4j.training.TextCorpus;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trains a GPT with pipeline parallelism on the local backend (a {@code pp=...} mesh): runs the chosen schedule, then
 * prints the loss per step, the measured bubble beside the theoretical one, the peak micro-batches each rank held,
 * and writes the loss curve and, when asked, the Chrome/Perfetto trace with its Gantt PNG.
 */
final class PipelineTrainJob {
  private PipelineTrainJob() {}

  static int run(String model, MeshSpec mesh, boolean sp, String schedule, int chunks, int microBatches, int batch,
      int steps, float lr, Path trace, Path plot, PrintStream out) throws IOException {
    GptRun shape = new GptRun(model, 1, 1, false, 0, false, steps, batch, lr, 1);
    PipelineConfig cfg = PipelineConfig.of(shape.config(), new PipelineMesh(mesh.pp(), mesh.dp(), mesh.tp(), sp),
        schedule, chunks, microBatches, batch, shape.options().adam(), shape.options().maxGradNorm())
        .withLearningRates(shape.options().schedule());
    return run(cfg, steps, trace, plot, out);
  }

  /** Runs an already built configuration (e.g. a lowered plan's) for {@code steps} steps. */
  static int run(PipelineConfig cfg, int steps, Path trace, Path plot, PrintStream out) throws IOException {
    cfg.validate();
    String schedule = cfg.schedule();
    int chunks = cfg.chunks();
    int microBatches = cfg.microBatches();
    int batch = cfg.batch();
    out.printf(Locale.ROOT, "model   : GPT %d layers, %d heads, d=%d, vocab %d, seq %d%n", cfg.model().layers(),
        cfg.model().heads(), cfg.model().dModel(), cfg.model().vocab(), cfg.model().seq());
    out.printf(Locale.ROOT, "pipeline: %s, schedule %s%s, %d micro-batches of %d sequences, %d local ranks%n",
        cfg.mesh(), schedule, chunks > 1 ? " (" + chunks + " chunks per rank)" : "", microBatches,
        batch / microBatches, cfg.mesh().worldSize());
    int seq = cfg.model().seq();
    BatchSource rows = new TextCorpus(GptRun.CORPUS_BYTES, GptRun.CORPUS_SEED).batches(batch, seq, GptRun.BATCH_SEED);
    PipelineRun.Result r = PipelineRun.runLocal(cfg, steps, step -> rows.rows(step, 0, batch), trace);
    List<Float> losses = new ArrayList<>();
    ProgressBar bar = new ProgressBar(out, steps, Math.max(1, steps / 20));
    double elapsed = 0;
    for (int s = 0; s < steps; s++) {
      losses.add((float) r.losses()[s]);
      elapsed += r.stepMillis()[s] / 1e3;
      bar.update(s + 1, r.losses()[s], (s + 1) * (double) batch * seq / elapsed, "tok");
    }
    out.printf(Locale.ROOT, "bubble  : measured %.3f, theoretical %.3f%n", r.measuredBubble(), r.theoreticalBubble());
    out.println("peak    : micro-batches held per rank " + java.util.Arrays.toString(r.peakMicroBatches()));
    out.printf(Locale.ROOT, "loss    : %.4f -> %.4f%n", losses.get(0), losses.get(losses.size() - 1));
    if (trace != null) {
      out.println("trace   : " + trace.toAbsolutePath() + " (open in ui.perfetto.dev or chrome://tracing), Gantt "
          + "chart beside it as PNG");
    }
    if (plot != null) {
      LossCurvePng.write(plot, "GPT loss, " + cfg.mesh() + " " + schedule, losses);
      out.println("plot    : " + plot.toAbsolutePath());
    }
    return 0;
  }
}
