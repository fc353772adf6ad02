package dev.shard4j.layers;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.ops.AdamW;
import dev.shard4j.tensor.Tensor;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** A minimal AdamW over the fused kernel, with moment buffers per parameter, for tests. */
public final class FusedAdamW implements Trainer.Update, AutoCloseable {
  private final float lr;
  private final float weightDecay;
  private final Map<Parameter, Tensor[]> state = new IdentityHashMap<>();

  /** Allocates the moments of {@code parameters}; call outside any short-lived scope. */
  public FusedAdamW(List<Parameter> parameters, float lr, float weightDecay) {
    this.lr = lr;
    this.weightDecay = weightDecay;
    for (Parameter p : parameters) {
      state.put(p, new Tensor[] {Tensor.zeros(p.shape(), p.value().dtype(), p.value().device()),
          Tensor.zeros(p.shape(), p.value().dtype(), p.value().device())});
    }
  }

  @Override
  public void apply(List<Parameter> parameters, long step) {
    for (Parameter p : parameters) {
      Tensor[] mv = state.get(p);
      AdamW.step(p.value(), p.grad(), mv[0], mv[1], lr, 0.9f, 0.999f, 1e-8f, weightDecay, step, 1f);
    }
  }

  @Override
  public void close() {
    for (Tensor[] mv : state.values()) {
      mv[0].close();
      mv[1].close();
    }
  }
}
