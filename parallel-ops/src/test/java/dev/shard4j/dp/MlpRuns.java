package dev.shard4j.dp;

import dev.shard4j.autograd.Autograd;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.ops.Elementwise;
import dev.shard4j.ops.Init;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.optim.GradNorm;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Training runs of {@link ClassifierMlp} with AdamW and global-norm clipping: on one device over the whole batch, and
 * data parallel (plain, or ZeRO 1-3) with each rank taking its contiguous slice of the same global batch.
 */
final class MlpRuns {
  static final ClassifierMlp.Config CONFIG = new ClassifierMlp.Config(13, 27, 3, 10, 42);
  static final AdamWOptimizer.Config ADAM = new AdamWOptimizer.Config(3e-3f, 0.9f, 0.95f, 1e-8f, 0.1f);
  static final int BATCH = 16;
  static final double MAX_NORM = 1.0;

  /** Per-step losses (mean over the global batch) and the final parameters in registration order. */
  record Result(double[] losses, List<float[]> params) {}

  private MlpRuns() {}

  /** The global batch of a step: inputs (BATCH, inputs) and targets (BATCH). */
  static Tensor inputs(int step) {
    return Init.normal(Shape.of(BATCH, CONFIG.inputs()), DType.F32, Device.CPU, 1000 + step, 0f, 1f);
  }

  /** Labels a fixed random linear "teacher" assigns to the step's inputs, so there is something to learn. */
  static int[] targets(int step) {
    float[] x;
    try (Tensor t = inputs(step)) {
      x = t.toFloatArray();
    }
    int in = CONFIG.inputs();
    int k = CONFIG.classes();
    int[] t = new int[BATCH];
    for (int i = 0; i < BATCH; i++) {
      double best = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        double score = 0;
        for (int f = 0; f < in; f++) {
          score += x[i * in + f] * Math.sin(1.7 * f + 2.3 * j + 0.5 * f * j);
        }
        if (score > best) {
          best = score;
          t[i] = j;
        }
      }
    }
    return t;
  }

  static Result single(int steps) {
    double[] losses = new double[steps];
    try (ClassifierMlp mlp = new ClassifierMlp(CONFIG);
        AdamWOptimizer opt = new AdamWOptimizer(mlp.parameters(), ADAM)) {
      for (int s = 0; s < steps; s++) {
        opt.zeroGrad();
        try (Scope scope = Scope.open()) {
          Variable loss = mlp.loss(inputs(s), Tensor.fromIntArray(targets(s), BATCH), ClassifierMlp.BlockRunner.DIRECT);
          loss.backward();
          losses[s] = loss.value().item();
          List<Tensor> grads = new ArrayList<>();
          for (Parameter p : mlp.parameters()) {
            grads.add(p.grad());
          }
          double norm = GradNorm.globalNorm(List.of(GradNorm.Part.replicated(grads)));
          opt.step(GradNorm.clipScale(norm, MAX_NORM));
        }
      }
      return new Result(losses, values(mlp.parameters()));
    }
  }

  /** Plain data parallel over {@code world} ranks with the given bucket cap and overlap switch. */
  static Result dataParallel(int world, int steps, GradientReducer.Options options) {
    return dataParallel(world, steps, options, 1);
  }

  /** As above, each rank's slice split into {@code micro} micro-batches whose gradients accumulate. */
  static Result dataParallel(int world, int steps, GradientReducer.Options options, int micro) {
    double[] losses = new double[steps];
    List<float[]> finalParams = new ArrayList<>();
    LocalCluster.run(world, c -> {
      try (ClassifierMlp mlp = new ClassifierMlp(CONFIG);
          GradientReducer reducer = new GradientReducer(mlp.parameters(), c, options);
          AdamWOptimizer opt = new AdamWOptimizer(mlp.parameters(), ADAM)) {
        for (int s = 0; s < steps; s++) {
          reducer.zeroGrad();
          try (Scope scope = Scope.open()) {
            Tensor loss = backward(mlp, c, s, ClassifierMlp.BlockRunner.DIRECT, micro, reducer::noSync);
            reducer.finish();
            List<Tensor> grads = new ArrayList<>();
            for (Parameter p : mlp.parameters()) {
              grads.add(p.grad());
            }
            double norm = GradNorm.globalNorm(List.of(GradNorm.Part.replicated(grads)));
            opt.step(GradNorm.clipScale(norm, MAX_NORM));
            record(c, loss, losses, s);
          }
        }
        if (c.rank() == world - 1) {
          finalParams.addAll(values(mlp.parameters()));
        }
      }
    });
    return new Result(losses, finalParams);
  }

  /** ZeRO over {@code world} ranks; the final parameters are gathered on the last rank. */
  static Result zero(int world, int steps, ZeroOptimizer.Options options) {
    return zero(world, steps, options, 1);
  }

  /** As above, each rank's slice split into {@code micro} micro-batches whose gradients accumulate. */
  static Result zero(int world, int steps, ZeroOptimizer.Options options, int micro) {
    double[] losses = new double[steps];
    List<float[]> finalParams = new ArrayList<>();
    LocalCluster.run(world, c -> {
      try (ClassifierMlp mlp = new ClassifierMlp(CONFIG);
          ZeroOptimizer zero = new ZeroOptimizer(mlp.parameters(), mlp.blocks(), c, options,
              shards -> new AdamWOptimizer(shards, ADAM))) {
        for (int s = 0; s < steps; s++) {
          zero.beginStep();
          try (Scope scope = Scope.open()) {
            Tensor loss = backward(mlp, c, s, zero::runBlock, micro, zero::noSync);
            zero.finishGradients();
            zero.clipGradNorm(MAX_NORM);
            zero.step();
            record(c, loss, losses, s);
          }
        }
        List<Tensor> gathered = zero.gatherParameters();
        if (c.rank() == world - 1) {
          for (Tensor t : gathered) {
            finalParams.add(t.toFloatArray());
          }
        }
        gathered.forEach(Tensor::close);
      }
    });
    return new Result(losses, finalParams);
  }

  /**
   * Back-propagates the rank's slice of step {@code step} as {@code micro} micro-batches, each loss scaled by
   * 1 / micro, all but the last under {@code noSync}; returns the rank's mean loss (one element).
   */
  private static Tensor backward(ClassifierMlp mlp, Communicator c, int step, ClassifierMlp.BlockRunner runner,
      int micro, Supplier<SyncGuard> noSync) {
    int per = BATCH / c.size();
    int rows = per / micro;
    float[] total = new float[1];
    for (int m = 0; m < micro; m++) {
      int from = c.rank() * per + m * rows;
      Tensor x = inputs(step).slice(0, from, from + rows);
      int[] t = java.util.Arrays.copyOfRange(targets(step), from, from + rows);
      Variable loss = scaled(mlp.loss(x, Tensor.fromIntArray(t, rows), runner), 1f / micro);
      total[0] += loss.value().item();
      if (m < micro - 1) {
        try (SyncGuard g = noSync.get()) {
          loss.backward();
        }
      } else {
        loss.backward();
      }
    }
    return Tensor.fromArray(total, 1);
  }

  private static Variable scaled(Variable v, float factor) {
    return Autograd.record("scale", Elementwise.scale(v.value(), factor),
        g -> new Tensor[] {Elementwise.scale(g, factor)}, v);
  }

  private static void record(Communicator c, Tensor loss, double[] losses, int step) {
    Tensor l = loss.copy();
    c.allReduce(l, ReduceOp.AVG);
    if (c.rank() == 0) {
      losses[step] = l.item();
    }
  }

  private static List<float[]> values(List<Parameter> params) {
    List<float[]> out = new ArrayList<>();
    for (Parameter p : params) {
      out.add(p.value().toFloatArray());
    }
    return out;
  }
}
