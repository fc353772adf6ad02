package dev.shard4j.autograd;

import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * Activation checkpointing: runs a function of one activation without keeping its intermediate tensors, and
 * recomputes it during the backward pass to back-propagate through it. Loss and gradients equal those of running
 * the function directly, provided it is deterministic (the kernels are) and issues the same collectives on every
 * rank in both passes. Call on the thread that owns the graph.
 */
public final class Checkpoint {
  private Checkpoint() {}

  /**
   * {@code fn(x)}, recorded as one operation named {@code name}. The forward runs under {@link Autograd#noGrad()} in
   * its own scope and keeps only the output; the backward reruns {@code fn} on a fresh leaf with recording on, then
   * back-propagates the incoming gradient through the recomputed graph, which accumulates parameter gradients
   * (and fires their grad-ready hooks) and yields x's gradient. {@code hasParameters} says that {@code fn} uses
   * parameters, so the operation must be recorded even when x itself needs no gradient.
   */
  public static Variable apply(String name, UnaryOperator<Variable> fn, Variable x, boolean hasParameters) {
    if (!Autograd.isEnabled()) {
      return fn.apply(x);
    }
    Tensor out;
    try (Autograd.Guard g = Autograd.noGrad(); Scope scope = Scope.open()) {
      out = scope.keep(fn.apply(x.detach()).value());
    }
    Tensor xv = x.value();
    Variable[] inputs = !x.requiresGrad() && hasParameters
        ? new Variable[] {x, Variable.leaf(xv, true)} : new Variable[] {x};
    return Autograd.record(name, out, gradOut -> {
      Tensor[] grads = new Tensor[inputs.length];
      try (Autograd.Guard g = Autograd.enableGrad(); Scope scope = Scope.open()) {
        Variable leaf = Variable.leaf(xv, x.requiresGrad());
        Variable y = fn.apply(leaf);
        if (y.requiresGrad()) {
          y.backward(gradOut);
        }
        if (leaf.grad() != null) {
          grads[0] = scope.keep(leaf.grad());
        }
      }
      return grads;
    }, inputs);
  }
}
