package dev.shard4j.optim;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.ops.AdamW;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW (decoupled weight decay) as {@code torch.optim.AdamW} with {@code amsgrad=False}, one fused kernel pass per
 * parameter ({@link AdamW#step}). Keeps two fp32 moments per element: 8 bytes of state per fp32 parameter element.
 * Ownership and threading as in {@link Optimizer}.
 */
public final class AdamWOptimizer implements Optimizer {
  /** Hyper-parameters; torch's defaults are {@code (1e-3, 0.9, 0.999, 1e-8, 1e-2)}. */
  public record Config(float lr, float beta1, float beta2, float eps, float weightDecay) {
    /** Checks the ranges. */
    public Config {
      if (!(lr >= 0 && beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps >= 0 && weightDecay >= 0)) {
        throw new IllegalArgumentException("AdamWOptimizer: need lr >= 0, 0 <= beta1, beta2 < 1, eps >= 0, "
            + "weightDecay >= 0; got " + this);
      }
    }

    /** torch.optim.AdamW's defaults with the given learning rate. */
    public static Config defaults(float lr) {
      return new Config(lr, 0.9f, 0.999f, 1e-8f, 1e-2f);
    }
  }

  private final List<Parameter> params;
  private final List<Tensor> m;
  private final List<Tensor> v;
  private final Config cfg;
  private float lr;
  private long steps;
  private boolean closed;

  /** AdamW over {@code params}; the moments start at zero. */
  public AdamWOptimizer(List<Parameter> params, Config cfg) {
    this.params = List.copyOf(params);
    this.cfg = cfg;
    this.lr = cfg.lr();
    this.m = new ArrayList<>(params.size());
    this.v = new ArrayList<>(params.size());
    for (Parameter p : this.params) {
      Tensor x = p.value();
      m.add(Tensor.zeros(x.shape(), x.dtype(), x.device()));
      v.add(Tensor.zeros(x.shape(), x.dtype(), x.device()));
    }
  }

  @Override
  public void step(float gradScale) {
    if (closed) {
      throw new IllegalStateException("AdamWOptimizer.step: optimizer is closed");
    }
    long t = steps + 1;
    for (int i = 0; i < params.size(); i++) {
      Parameter p = params.get(i);
      AdamW.step(p.value(), p.grad(), m.get(i), v.get(i), lr, cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.weightDecay(),
          t, gradScale);
    }
    steps = t;
  }

  @Override
  public float learningRate() {
    return lr;
  }

  @Override
  public void setLearningRate(float lr) {
    if (!(lr >= 0)) {
      throw new IllegalArgumentException("AdamWOptimizer: learning rate must be >= 0, got " + lr);
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
    for (int i = 0; i < m.size(); i++) {
      b += (m.get(i).numel() + v.get(i).numel()) * m.get(i).dtype().byteSize();
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
      m.forEach(Tensor::close);
      v.forEach(Tensor::close);
    }
  }
}
