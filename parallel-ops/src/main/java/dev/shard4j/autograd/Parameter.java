package dev.shard4j.autograd;

import dev.shard4j.ops.TensorOps;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A trainable leaf: a named value and a gradient buffer of the same shape that {@link Variable#backward()}
 * accumulates into (gradients add up across backward passes until {@link #zeroGrad()}).
 *
 * <p>Ownership: the parameter owns its value and gradient tensors and frees both in {@link #close()}; create it
 * outside any short-lived {@code Scope} (or {@code keep} the tensors) so they outlive training steps. Hooks added
 * with {@link #onGradReady} run on the backward thread as soon as this parameter's gradient for the current
 * backward pass is complete, before the pass ends: data-parallel bucketing starts its reductions there. A
 * parameter belongs to one rank's thread.
 */
public final class Parameter extends Variable implements AutoCloseable {
  private final String name;
  private final List<Consumer<Parameter>> gradReadyHooks = new ArrayList<>();
  private boolean closed;

  /** Takes ownership of {@code value} and allocates a zero gradient of the same shape, dtype and device. */
  public Parameter(String name, Tensor value) {
    super(value, true, null);
    this.name = name;
    this.grad = Tensor.zeros(value.shape(), value.dtype(), value.device());
  }

  /** The parameter's name, unique within its model (e.g. {@code blocks.0.attn.qkv.weight}). */
  public String name() {
    return name;
  }

  /** Sets the gradient buffer to zero. */
  public void zeroGrad() {
    TensorOps.fill(grad, 0f);
  }

  /**
   * Replaces the value and returns the previous one, whose ownership passes to the caller; the parameter owns
   * {@code newValue} from now on. Sharded-parameter schemes use this to swap a local shard for a gathered copy.
   */
  public Tensor swapValue(Tensor newValue) {
    Tensor old = value();
    setValue(newValue);
    return old;
  }

  /**
   * Replaces the gradient buffer and returns the previous one, whose ownership passes to the caller; the new buffer
   * must have the value's shape whenever a backward pass accumulates into it.
   */
  public Tensor swapGrad(Tensor newGrad) {
    Tensor old = grad;
    grad = newGrad;
    return old;
  }

  /** Registers {@code hook} to run each time this parameter's gradient becomes complete during a backward pass. */
  public void onGradReady(Consumer<Parameter> hook) {
    gradReadyHooks.add(hook);
  }

  /** Removes every grad-ready hook. */
  public void clearGradReadyHooks() {
    gradReadyHooks.clear();
  }

  void fireGradReady() {
    for (Consumer<Parameter> hook : gradReadyHooks) {
      hook.accept(this);
    }
  }

  /** Frees the value and the gradient; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    value().close();
    if (grad != null) {
      grad.close();
    }
  }

  @Override
  public String toString() {
    return "Parameter(" + name + ", " + value().describe() + ")";
  }
}
