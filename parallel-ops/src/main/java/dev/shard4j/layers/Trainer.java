package dev.shard4j.layers;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.List;

/**
 * One training step of a {@link Gpt}: zero the gradients, forward and backward inside a scope that frees every
 * activation and temporary gradient, then apply the update to the parameters. The update (an optimizer, possibly
 * sharded, possibly reducing gradients over data-parallel ranks first) is supplied by the caller. One rank's thread.
 */
public final class Trainer {
  /** Applies one optimizer step to the parameters, whose gradients are complete. */
  @FunctionalInterface
  public interface Update {
    /** Updates {@code parameters} in place; {@code step} counts from 1. */
    void apply(List<Parameter> parameters, long step);
  }

  private final Gpt model;
  private final Update update;
  private final List<Parameter> parameters;
  private long step;

  /** Trains {@code model} with {@code update}. The trainer does not own either. */
  public Trainer(Gpt model, Update update) {
    this.model = model;
    this.update = update;
    this.parameters = model.parameters();
  }

  /** Runs one step on (B, T) I32 {@code ids} and {@code targets}; returns the loss before the update. */
  public float step(Tensor ids, Tensor targets) {
    model.zeroGrad();
    float loss;
    try (Scope scope = Scope.open()) {
      Variable l = model.loss(ids, targets);
      loss = l.value().item();
      l.backward();
    }
    step++;
    update.apply(parameters, step);
    return loss;
  }

  /** Number of steps taken. */
  public long steps() {
    return step;
  }
}
