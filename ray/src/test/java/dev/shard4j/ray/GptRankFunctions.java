package dev.shard4j.ray;

import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.dp.GradientReducer;
import dev.shard4j.layers.Gpt;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;

/**
 * A small GPT (2 layers, 4 heads, d=64, vocab 128, seq 16) trained with AdamW on a fixed text: on one device over the
 * whole batch (the reference), and as a {@link RankFunction} on a dp x tp mesh where each dp rank takes its
 * contiguous rows of the same global batch and gradients are averaged over dp.
 */
final class GptRankFunctions {
  static final GptConfig CONFIG = GptConfig.of(2, 4, 64, 128, 16, 4321);
  static final AdamWOptimizer.Config ADAM = new AdamWOptimizer.Config(3e-3f, 0.9f, 0.95f, 1e-8f, 0.1f);
  static final int BATCH = 4;
  static final int SEQ = 16;
  private static final String TEXT = "it was the best of times, it was the worst of times, it was the age of wisdom, "
      + "it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity. ";

  private GptRankFunctions() {}

  /** Rows {@code [from, to)} of the global batch of {@code step}: ids and next-token targets, (rows, SEQ) i32. */
  static Tensor[] batch(int step, int from, int to) {
    int rows = to - from;
    int[] ids = new int[rows * SEQ];
    int[] targets = new int[rows * SEQ];
    for (int r = 0; r < rows; r++) {
      int start = (step * 37 + (from + r) * 53) % (TEXT.length() - SEQ - 1);
      for (int j = 0; j < SEQ; j++) {
        ids[r * SEQ + j] = TEXT.charAt(start + j) % CONFIG.vocab();
        targets[r * SEQ + j] = TEXT.charAt(start + j + 1) % CONFIG.vocab();
      }
    }
    return new Tensor[] {Tensor.fromIntArray(ids, rows, SEQ), Tensor.fromIntArray(targets, rows, SEQ)};
  }

  /** The reference: one device, the whole batch, {@code steps} AdamW steps; the loss of every step. */
  static double[] singleDevice(int steps) {
    double[] losses = new double[steps];
    try (Gpt model = new Gpt(CONFIG, TensorParallel.single());
        AdamWOptimizer opt = new AdamWOptimizer(model.parameters(), ADAM)) {
      for (int s = 0; s < steps; s++) {
        opt.zeroGrad();
        try (Scope scope = Scope.open()) {
          Tensor[] b = batch(s, 0, BATCH);
          Variable loss = model.loss(b[0], b[1]);
          loss.backward();
          losses[s] = loss.value().item();
          opt.step(1f);
        }
      }
    }
    return losses;
  }

  /**
   * Training on a mesh with axes {@code dp} and {@code tp}: Megatron tensor parallel over tp, gradients averaged
   * over dp; returns the global (dp-averaged) loss of every step and reports it as progress.
   */
  static RankFunction<double[]> meshTraining(int steps) {
    return ctx -> {
      Communicator dp = ctx.mesh().axisCommunicator("dp");
      Communicator tpComm = ctx.mesh().axisCommunicator("tp");
      TensorParallel tp = tpComm.size() == 1 ? TensorParallel.single() : TensorParallel.of(tpComm, false);
      double[] losses = new double[steps];
      int rows = BATCH / dp.size();
      try (Gpt model = new Gpt(CONFIG, tp);
          GradientReducer reducer = new GradientReducer(model.parameters(), dp,
              new GradientReducer.Options(1 << 20, false));
          AdamWOptimizer opt = new AdamWOptimizer(model.parameters(), ADAM)) {
        for (int s = 0; s < steps; s++) {
          long t0 = System.nanoTime();
          reducer.zeroGrad();
          try (Scope scope = Scope.open()) {
            Tensor[] b = batch(s, dp.rank() * rows, (dp.rank() + 1) * rows);
            Variable loss = model.loss(b[0], b[1]);
            loss.backward();
            reducer.finish();
            opt.step(1f);
            Tensor l = loss.value().copy();
            dp.allReduce(l, ReduceOp.AVG);
            losses[s] = l.item();
          }
          double seconds = (System.nanoTime() - t0) / 1e9;
          ctx.progress(s, losses[s], rows * SEQ / seconds);
        }
      }
      return losses;
    };
  }
}
