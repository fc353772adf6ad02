package dev.shard4j.integration;

import dev.shard4j.layers.GptConfig;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.optim.WarmupCosineSchedule;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.training.BatchSource;
import dev.shard4j.training.GptTrainingOptions;

/** The small GPT, its data and its optimizer settings, shared by the single-device and multi-process runs. */
final class GptTrainingFixture {
  static final GptConfig CONFIG = GptConfig.of(2, 4, 64, 512, 32, 4321);
  static final int BATCH = 8;
  static final int STEPS = 20;
  private static final String TEXT = "all happy families are alike; each unhappy family is unhappy in its own way. "
      + "everything was in confusion in the oblonskys' house. the wife had discovered that the husband was ";

  private GptTrainingFixture() {}

  static GptTrainingOptions options(int dp, int tp, int zero) {
    return new GptTrainingOptions(dp, tp, false, zero, 64 << 10, BATCH,
        new AdamWOptimizer.Config(3e-3f, 0.9f, 0.95f, 1e-8f, 0.1f), new WarmupCosineSchedule(3e-3f, 3e-4f, 3, STEPS),
        1.0);
  }

  static final BatchSource DATA = (step, from, to) -> {
    int seq = CONFIG.seq();
    int rows = to - from;
    int[] ids = new int[rows * seq];
    int[] targets = new int[rows * seq];
    for (int r = 0; r < rows; r++) {
      int start = (int) ((step * 29 + (from + r) * 61) % (TEXT.length() - seq - 1));
      for (int j = 0; j < seq; j++) {
        ids[r * seq + j] = TEXT.charAt(start + j);
        targets[r * seq + j] = TEXT.charAt(start + j + 1);
      }
    }
    return new Tensor[] {Tensor.fromIntArray(ids, rows, seq), Tensor.fromIntArray(targets, rows, seq)};
  };
}
