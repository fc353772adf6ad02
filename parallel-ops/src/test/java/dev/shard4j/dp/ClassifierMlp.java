package dev.shard4j.dp;

import dev.shard4j.autograd.Autograd;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.ops.CrossEntropy;
import dev.shard4j.ops.Elementwise;
import dev.shard4j.ops.Gemm;
import dev.shard4j.ops.Init;
import dev.shard4j.ops.Reductions;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A small differentiable classifier, {@code logits = head(gelu(linear_{L-1}(... gelu(linear_0(x)))))} with a mean
 * cross-entropy loss, built on the autograd engine. Each hidden layer is one block (run through a
 * {@link BlockRunner}, so ZeRO-3 can gather its parameters just in time); the head is outside the blocks. It
 * exercises data parallelism and ZeRO with sizes that do not divide the group size, and with the head (outside the
 * blocks) completing first in backward.
 *
 * <p>Owns its parameters (created from a seed with the counter-based initializer, so every rank builds identical
 * values) and frees them in {@link #close()}; build it outside any short-lived Scope. Used by one rank's thread.
 */
final class ClassifierMlp implements AutoCloseable {
  /** Runs one block: {@code run(index, x, body)} instead of {@code body.apply(x)}, e.g. ZeroOptimizer::runBlock. */
  @FunctionalInterface
  interface BlockRunner {
    /** Runs the block directly. */
    BlockRunner DIRECT = (index, x, body) -> body.apply(x);

    Variable run(int index, Variable x, java.util.function.UnaryOperator<Variable> body);
  }

  /** Sizes: input features, hidden width, number of hidden layers (blocks), classes, and the init seed. */
  public record Config(int inputs, int hidden, int layers, int classes, long seed) {
    /** Checks the sizes. */
    public Config {
      if (inputs < 1 || hidden < 1 || layers < 1 || classes < 2) {
        throw new IllegalArgumentException("ClassifierMlp: need inputs, hidden, layers >= 1 and classes >= 2; got "
            + this);
      }
    }
  }

  private final Config cfg;
  private final List<Parameter> params = new ArrayList<>();
  private final List<List<Parameter>> blocks = new ArrayList<>();
  private final Parameter headWeight;
  private final Parameter headBias;

  /** Builds the parameters on the CPU. */
  public ClassifierMlp(Config cfg) {
    this.cfg = cfg;
    long seed = cfg.seed();
    for (int l = 0; l < cfg.layers(); l++) {
      int in = l == 0 ? cfg.inputs() : cfg.hidden();
      Parameter w = new Parameter("blocks." + l + ".weight", Init.normal(Shape.of(in, cfg.hidden()), DType.F32,
          Device.CPU, seed++, 0f, (float) (1 / Math.sqrt(in))));
      Parameter b = new Parameter("blocks." + l + ".bias", Init.normal(Shape.of(cfg.hidden()), DType.F32,
          Device.CPU, seed++, 0f, 0.1f));
      params.add(w);
      params.add(b);
      blocks.add(List.of(w, b));
    }
    headWeight = new Parameter("head.weight", Init.normal(Shape.of(cfg.hidden(), cfg.classes()), DType.F32,
        Device.CPU, seed++, 0f, (float) (1 / Math.sqrt(cfg.hidden()))));
    headBias = new Parameter("head.bias", Tensor.zeros(Shape.of(cfg.classes()), DType.F32, Device.CPU));
    params.add(headWeight);
    params.add(headBias);
  }

  /** The configuration. */
  public Config config() {
    return cfg;
  }

  /** All parameters in registration order (blocks first, head last). */
  public List<Parameter> parameters() {
    return params;
  }

  /** The parameters of each block, in model order. */
  public List<List<Parameter>> blocks() {
    return blocks;
  }

  /**
   * The mean cross-entropy loss of {@code x} (N, inputs) f32 against {@code targets} (N) i32, a one-element
   * variable; tensors it creates belong to the current Scope.
   */
  public Variable loss(Tensor x, Tensor targets, BlockRunner runner) {
    Variable h = Variable.constant(x);
    for (int l = 0; l < blocks.size(); l++) {
      List<Parameter> block = blocks.get(l);
      h = runner.run(l, h, in -> gelu(linear(in, block.get(0), block.get(1))));
    }
    return crossEntropyMean(linear(h, headWeight, headBias), targets);
  }

  /** {@code x @ w + b}: x (N, in), w (in, out), b (out). */
  static Variable linear(Variable x, Variable w, Variable b) {
    Tensor y = Gemm.matmul(x.value(), w.value());
    Elementwise.biasAdd(y, y, b.value());
    return Autograd.record("linear", y, g -> new Tensor[] {
        x.requiresGrad() ? Gemm.matmul(g, w.value().transpose(0, 1)) : null,
        w.requiresGrad() ? Gemm.matmul(x.value().transpose(0, 1), g) : null,
        b.requiresGrad() ? Reductions.sum(g, 0) : null}, x, w, b);
  }

  /** Element-wise GELU (tanh approximation). */
  static Variable gelu(Variable x) {
    return Autograd.record("gelu", Elementwise.geluForward(x.value()),
        g -> new Tensor[] {Elementwise.geluBackward(x.value(), g)}, x);
  }

  /** Mean over rows of the cross-entropy of logits (N, C) against targets (N) i32. */
  static Variable crossEntropyMean(Variable logits, Tensor targets) {
    long n = logits.value().dim(0);
    Tensor lse = Tensor.empty(Shape.of(n), DType.F32, logits.value().device());
    Tensor rows = CrossEntropy.forward(lse, logits.value(), targets);
    Tensor mean = Elementwise.scale(Reductions.sum(rows.reshape(1, n), 1), 1f / n);
    return Autograd.record("cross_entropy_mean", mean, g -> {
      Tensor d = Tensor.empty(logits.shape(), DType.F32, logits.value().device());
      CrossEntropy.backward(d, logits.value(), lse, targets, g, 1f / n, CrossEntropy.IGNORE_INDEX);
      return new Tensor[] {d};
    }, logits);
  }

  /** Frees the parameters. */
  @Override
  public void close() {
    params.forEach(Parameter::close);
  }
}
