package dev.shard4j.dp;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.layers.Gpt;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.optim.GradNorm;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.ArrayList;
import java.util.List;

/**
 * Training runs of the small GPT (2 layers, 4 heads, d=64, vocab 512, seq 32) with AdamW and global-norm clipping:
 * one device over the whole batch, and data parallel (plain or ZeRO), optionally on a dp x tp mesh, each dp rank
 * taking its contiguous rows of the same global batch.
 */
final class GptRuns {
  static final GptConfig CONFIG = GptConfig.of(2, 4, 64, 512, 32, 1234);
  static final AdamWOptimizer.Config ADAM = new AdamWOptimizer.Config(3e-3f, 0.9f, 0.95f, 1e-8f, 0.1f);
  static final int BATCH = 8;
  static final int SEQ = 32;
  static final double MAX_NORM = 1.0;
  private static final String TEXT = "it was the best of times, it was the worst of times, it was the age of wisdom, "
      + "it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity. ";

  /** Which data-parallel scheme a run uses. */
  enum Scheme { DDP, ZERO1, ZERO2, ZERO3 }

  record Result(double[] losses, List<float[]> params) {}

  private GptRuns() {}

  /** Rows {@code [from, to)} of the global batch of {@code step}: ids and next-token targets (rows, SEQ) i32. */
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

  static Result single(int steps) {
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
          List<Tensor> grads = new ArrayList<>();
          model.parameters().forEach(p -> grads.add(p.grad()));
          opt.step(GradNorm.clipScale(GradNorm.globalNorm(List.of(GradNorm.Part.replicated(grads))), MAX_NORM));
        }
      }
      List<float[]> params = new ArrayList<>();
      model.parameters().forEach(p -> params.add(p.value().toFloatArray()));
      return new Result(losses, params);
    }
  }

  /** {@code dpSize * tpSize} ranks; rank r is tp rank r % tpSize of dp rank r / tpSize. */
  static Result run(int dpSize, int tpSize, Scheme scheme, int steps, long bucketBytes) {
    double[] losses = new double[steps];
    List<float[]> finalParams = new ArrayList<>();
    LocalCluster.run(dpSize * tpSize, world -> {
      int r = world.rank();
      try (Communicator tpComm = world.split(r / tpSize, r); Communicator dp = world.split(r % tpSize, r)) {
        TensorParallel tp = tpSize == 1 ? TensorParallel.single() : TensorParallel.of(tpComm, false);
        try (Gpt model = new Gpt(CONFIG, tp)) {
          List<Communicator> tpGroup = List.of(tpComm);
          java.util.function.Function<Parameter, List<Communicator>> tpSharded =
              p -> tpSize > 1 && !model.sharding(p).replicated() ? tpGroup : List.of();
          List<Tensor> local = scheme == Scheme.DDP
              ? trainDdp(model, dp, tpSharded, steps, bucketBytes, losses)
              : trainZero(model, dp, tpSharded, scheme, steps, bucketBytes, losses);
          List<float[]> full = new ArrayList<>();
          List<Parameter> ps = model.parameters();
          for (int i = 0; i < ps.size(); i++) {
            try (Tensor t = model.sharding(ps.get(i)).gather(local.get(i), tp)) {
              full.add(t.toFloatArray());
            }
            local.get(i).close();
          }
          if (r == world.size() - 1) {
            finalParams.addAll(full);
          }
        }
      }
    });
    return new Result(losses, finalParams);
  }

  private static List<Tensor> trainDdp(Gpt model, Communicator dp,
      java.util.function.Function<Parameter, List<Communicator>> tpSharded, int steps, long bucketBytes,
      double[] losses) {
    try (GradientReducer reducer = new GradientReducer(model.parameters(), dp,
            new GradientReducer.Options(bucketBytes, true));
        AdamWOptimizer opt = new AdamWOptimizer(model.parameters(), ADAM)) {
      for (int s = 0; s < steps; s++) {
        reducer.zeroGrad();
        try (Scope scope = Scope.open()) {
          Variable loss = localLoss(model, dp, s);
          loss.backward();
          reducer.finish();
          List<GradNorm.Part> parts = new ArrayList<>();
          for (Parameter p : model.parameters()) {
            parts.add(new GradNorm.Part(List.of(p.grad()), tpSharded.apply(p)));
          }
          opt.step(GradNorm.clipScale(GradNorm.globalNorm(parts), MAX_NORM));
          record(dp, loss, losses, s);
        }
      }
      List<Tensor> out = new ArrayList<>();
      model.parameters().forEach(p -> out.add(p.value().copy()));
      return out;
    }
  }

  private static List<Tensor> trainZero(Gpt model, Communicator dp,
      java.util.function.Function<Parameter, List<Communicator>> tpSharded, Scheme scheme, int steps, long bucketBytes,
      double[] losses) {
    ZeroOptimizer.Stage stage = ZeroOptimizer.Stage.values()[scheme.ordinal() - 1];
    List<List<Parameter>> blocks = new ArrayList<>();
    model.blocks().forEach(b -> blocks.add(b.parameters()));
    try (ZeroOptimizer zero = new ZeroOptimizer(model.parameters(), blocks, dp,
        new ZeroOptimizer.Options(stage, bucketBytes, true), shards -> new AdamWOptimizer(shards, ADAM))) {
      model.setBlockRunner((block, x) -> zero.runBlock(model.blocks().indexOf(block), x, block::forward));
      for (int s = 0; s < steps; s++) {
        zero.beginStep();
        try (Scope scope = Scope.open()) {
          Variable loss = localLoss(model, dp, s);
          loss.backward();
          zero.finishGradients();
          zero.clipGradNorm(MAX_NORM, tpSharded);
          zero.step();
          record(dp, loss, losses, s);
        }
      }
      return zero.gatherParameters();
    }
  }

  private static Variable localLoss(Gpt model, Communicator dp, int step) {
    int per = BATCH / dp.size();
    Tensor[] b = batch(step, dp.rank() * per, (dp.rank() + 1) * per);
    return model.loss(b[0], b[1]);
  }

  private static void record(Communicator dp, Variable loss, double[] losses, int step) {
    Tensor l = loss.value().copy();
    dp.allReduce(l, ReduceOp.AVG);
    if (dp.rank() == 0) {
      losses[step] = l.item();
    }
  }
}
