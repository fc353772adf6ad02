package dev.shard4j.cli;

import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Device;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shard4j train}: trains a model on the embedded CPU backend and shows the loss as it falls. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model.")
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Model to train: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Model model = Model.mlp;

  @Option(names = "--steps", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
  int steps = 300;

  @Option(names = "--device", description = "cpu or cuda[:N] (default: ${DEFAULT-VALUE}).")
  String device = "cpu";

  @Option(names = "--threads", description = "CPU kernel threads (default: all cores).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--lr", description = "Learning rate (default: ${DEFAULT-VALUE}).")
  float learningRate = 0.05f;

  /** Models the command can train. */
  enum Model {
    mlp
  }

  @Override
  public Integer call() {
    if (steps < 1) {
      throw new IllegalArgumentException("train: --steps must be >= 1, got " + steps);
    }
    CpuRuntime.setThreads(threads);
    Device dev = Device.parse(device);
    DeviceReport.print(System.out);
    MlpTrainer.Config d = MlpTrainer.Config.defaults();
    MlpTrainer.Config cfg = new MlpTrainer.Config(d.inputs(), d.hidden(), d.outputs(), d.batch(), learningRate,
        d.momentum(), d.seed());
    System.out.printf(Locale.ROOT, "model   : mlp %d -> %d -> %d (gelu), batch %d, sgd lr %.3g momentum %.2f, on %s%n",
        cfg.inputs(), cfg.hidden(), cfg.outputs(), cfg.batch(), cfg.learningRate(), cfg.momentum(), dev);
    System.out.println("task    : imitate a fixed random teacher MLP on fresh Gaussian inputs (mean squared error)");
    ProgressBar bar = new ProgressBar(System.out, steps, Math.max(1, steps / 20));
    float first = Float.NaN;
    float last = Float.NaN;
    try (MlpTrainer trainer = new MlpTrainer(cfg, dev)) {
      long start = System.nanoTime();
      for (int step = 1; step <= steps; step++) {
        last = trainer.step();
        if (step == 1) {
          first = last;
        }
        if (!Float.isFinite(last)) {
          System.err.println("train: loss became " + last + " at step " + step + "; lower --lr");
          return 1;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        bar.update(step, last, step * (double) cfg.batch() / seconds, "samples");
      }
    }
    System.out.printf(Locale.ROOT, "loss    : %.4f -> %.4f (%.1fx lower)%n", first, last, first / last);
    return 0;
  }
}
