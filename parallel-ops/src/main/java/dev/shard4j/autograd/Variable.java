package dev.shard4j.autograd;

import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * A tensor value in a differentiable computation. A variable either is a leaf (an input or a {@link Parameter}) or
 * was produced by an operation recorded with {@link Autograd#record}, which links it to its inputs so that
 * {@link #backward()} can compute gradients in reverse order.
 *
 * <p>Ownership: a plain variable does not own its value; the value belongs to the {@code Scope} (or caller) that
 * created it, and so do the gradients the engine computes for non-parameter leaves. {@link Parameter}s own their
 * value and gradient. A variable and the graph behind it belong to one thread.
 */
public class Variable {
  private Tensor value;
  private final boolean requiresGrad;
  final Node producer;
  Tensor grad;

  Variable(Tensor value, boolean requiresGrad, Node producer) {
    if (value == null) {
      throw new IllegalArgumentException("Variable: value is null");
    }
    this.value = value;
    this.requiresGrad = requiresGrad;
    this.producer = producer;
  }

  /** A leaf that needs no gradient: inputs, targets, masks. */
  public static Variable constant(Tensor value) {
    return new Variable(value, false, null);
  }

  /** A leaf whose gradient is accumulated into {@link #grad()} by {@link #backward()} when requested. */
  public static Variable leaf(Tensor value, boolean requiresGrad) {
    return new Variable(value, requiresGrad, null);
  }

  /** The current value. */
  public Tensor value() {
    return value;
  }

  /** Replaces the value of a leaf (used by parameter sharding to swap a shard for a gathered copy). */
  protected void setValue(Tensor value) {
    if (producer != null) {
      throw new IllegalStateException("Variable.setValue: only leaves can change value, this one comes from "
          + producer.name);
    }
    this.value = value;
  }

  /** The shape of the value. */
  public Shape shape() {
    return value.shape();
  }

  /** Whether gradients flow into or through this variable. */
  public boolean requiresGrad() {
    return requiresGrad;
  }

  /** True for inputs and parameters, false for results of recorded operations. */
  public boolean isLeaf() {
    return producer == null;
  }

  /** The name of the operation that produced this variable, or null for a leaf. */
  public String producerName() {
    return producer == null ? null : producer.name;
  }

  /** The accumulated gradient of a leaf after {@link #backward()}, or null when none has arrived. */
  public Tensor grad() {
    return grad;
  }

  /** A leaf with the same value that is cut off from this variable's graph. */
  public Variable detach() {
    return new Variable(value, false, null);
  }

  /** Back-propagates from this one-element variable (the loss) with a seed gradient of one. */
  public void backward() {
    Autograd.backward(this, null);
  }

  /** Back-propagates from this variable with the given seed gradient (same shape as the value). */
  public void backward(Tensor seed) {
    Autograd.backward(this, seed);
  }

  @Override
  public String toString() {
    return "Variable(" + value.describe() + (producer == null ? ", leaf" : ", from " + producer.name)
        + (requiresGrad ? ", requires grad)" : ")");
  }
}
