package dev.shard4j.pipeline;

import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Runs a pipeline training job on local ranks (threads of this JVM, {@link LocalCluster}): the entry point for the
 * command line and benchmarks. Every rank builds a {@link PipelineTrainer}, takes {@code steps} steps on the batches
 * from a {@link BatchSource}, and the run returns the loss per step, the measured and theoretical bubble and the
 * peak micro-batches each rank held; with a trace path it writes the Chrome trace JSON there and a Gantt chart of
 * the last step beside it ({@code .png}). Ranks share the machine's cores, so each runs its kernels on one thread
 * ({@code CpuRuntime.setThreads(1)}, which stays set after the run). Stateless; any thread (blocks until the run
 * ends).
 */
public final class PipelineRun {
  /** Supplies the global batch of a step: {ids, targets}, both (batch, T) i32, freed by the caller's scope. */
  @FunctionalInterface
  public interface BatchSource {
    /** The batch of step {@code step}; called on every rank's thread, must return the same numbers each time. */
    Tensor[] batch(int step);
  }

  /**
   * The outcome: {@code losses[s]} the mean loss of step s, {@code stepMillis[s]} its wall time (slowest rank), the
   * measured bubble (mean over steps after the first, or step 0 for a one-step run), the theoretical one, and per
   * world rank the peak number of micro-batches whose activations it held.
   */
  public record Result(double[] losses, double[] stepMillis, double measuredBubble, double theoreticalBubble,
      int[] peakMicroBatches, PipelineTrace trace) {}

  private PipelineRun() {}

  /** Runs {@code steps} steps of {@code config}; {@code tracePath} may be null (no files written). */
  public static Result runLocal(PipelineConfig config, int steps, BatchSource data, Path tracePath) {
    if (steps < 1) {
      throw new IllegalArgumentException("PipelineRun: steps=" + steps + " must be >= 1");
    }
    Schedule schedule = config.validate().schedule();
    int world = config.mesh().worldSize();
    double[] losses = new double[steps];
    long[][] stepNs = new long[world][steps];
    int[] peaks = new int[world];
    List<TraceEvent> events = Collections.synchronizedList(new ArrayList<>());
    LocalCluster.run(world, comm -> {
      CpuRuntime.setThreads(1);
      try (PipelineTrainer trainer = new PipelineTrainer(comm, config)) {
        for (int s = 0; s < steps; s++) {
          long t0 = System.nanoTime();
          try (Scope scope = Scope.open()) {
            Tensor[] b = data.batch(s);
            float loss = trainer.step(b[0], b[1]);
            if (comm.rank() == 0) {
              losses[s] = loss;
            }
          }
          stepNs[comm.rank()][s] = System.nanoTime() - t0;
        }
        peaks[comm.rank()] = trainer.executor().peakMicroBatches();
        events.addAll(trainer.executor().trace());
      }
    });
    double[] millis = new double[steps];
    for (int s = 0; s < steps; s++) {
      for (int r = 0; r < world; r++) {
        millis[s] = Math.max(millis[s], stepNs[r][s] / 1e6);
      }
    }
    String title = schedule.name() + " " + config.mesh() + " v=" + schedule.chunks() + " m="
        + schedule.microBatches();
    PipelineTrace trace = new PipelineTrace(title, events);
    double bubble = steps == 1 ? trace.bubble(0) : trace.meanBubble(1, steps);
    if (tracePath != null) {
      trace.writeChromeJson(tracePath);
      String name = tracePath.getFileName().toString();
      String png = (name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".png";
      trace.writeGanttPng(tracePath.resolveSibling(png), steps - 1, schedule.theoreticalBubble());
    }
    return new Result(losses, millis, bubble, schedule.theoreticalBubble(), peaks, trace);
  }
}
