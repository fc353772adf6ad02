package dev.shard4j.optim;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.ops.AdamW;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and (coupled, L2) weight decay, as
 * {@code torch.optim.SGD} with dampening 0: {@code g = grad*scale + wd*param; buf = momentum*buf + g} (buf = g on the
 * first step); {@code param -= lr * (nesterov ? g + momentum*buf : buf)}. One fused kernel pass per parameter.
 * Ownership and threading as in {@link Optimizer}.
 */
public final class SgdOptimizer implements Optimizer {
  private final List<Parameter> params;
  private final List<Tensor> momentumBufs;
  private final float momentum;
  private final float weightDecay;
  private final boolean nesterov;
  private float lr;
  private long steps;
  private boolean closed;

  /** SGD over {@code params}; momentum 0 keeps no state. */
  public SgdOptimizer(List<Parameter> params, float lr, float momentum, float weightDecay, boolean nesterov) {
    if (!(lr >= 0 && momentum >= 0 && weightDecay >= 0)) {
      throw new IllegalArgumentException("SgdOptimizer: need lr, momentum, weightDecay >= 0; got lr " + lr
          + ", momentum " + momentum + ", weightDecay " + weightDecay);
    }
    if (nesterov && momentum == 0) {
      throw new IllegalArgumentException("SgdOptimizer: nesterov needs momentum > 0");
    }
    this.params = List.copyOf(params);
    this.lr = lr;
    this.momentum = momentum;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
    this.momentumBufs = new ArrayList<>(params.size());
    for (Parameter p : this.params) {
      Tensor v = p.value();
      momentumBufs.add(momentum == 0 ? null : Tensor.zeros(v.shape(), v.dtype(), v.device()));
    }
  }

  @Override
  public void step(float gradScale) {
    if (closed) {
      throw new IllegalStateException("SgdOptimizer.step: optimizer is closed");
    }
    for (int i = 0; i < params.size(); i++) {
      Parameter p = params.get(i);
      AdamW.sgd(p.value(), p.grad(), momentumBufs.get(i), lr, momentum, weightDecay, nesterov, steps == 0, gradScale);
    }
    steps++;
  }

  @Override
  public float learningRate() {
    return lr;
  }

  @Override
  public void setLearningRate(float lr) {
    if (!(lr >= 0)) {
      throw new IllegalArgumentException("SgdOptimizer: learning rate must be >= 0, got " + lr);
    }
    this.lr = lr;
  }

  @Override
  public long steps() {
    return steps;
  }

  @Override
  public long stateBytes() {
    long b = 0;
    for (Tensor t : momentumBufs) {
      b += t == null ? 0 : t.numel() * t.dtype().byteSize();
    }
    return b;
  }

  @Override
  public List<Parameter> parameters() {
    return params;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      for (Tensor t : momentumBufs) {
        if (t != null) {
          t.close();
        }
      }
    }
  }
}
