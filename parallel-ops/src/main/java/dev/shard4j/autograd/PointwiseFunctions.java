package dev.shard4j.autograd;

import dev.shard4j.ops.Elementwise;
import dev.shard4j.ops.Reductions;
import dev.shard4j.tensor.Tensor;

/**
 * Differentiable elementwise operations on tensors of one shape: add (residual connections), mul, scale and GELU
 * (tanh approximation, as the kernel and GPT-2). Results belong to the current {@code Scope}; call on the thread that
 * owns the graph.
 */
public final class PointwiseFunctions {
  private PointwiseFunctions() {}

  /** {@code a + b} (same shape); backward passes the gradient to both. */
  public static Variable add(Variable a, Variable b) {
    requireSameShape("add", a, b);
    return Autograd.record("add", Elementwise.add(a.value(), b.value()), g -> new Tensor[] {g, g}, a, b);
  }

  /**
   * {@code x + bias} with bias (C) broadcast over the rows of x (..., C); backward: dx = g, dbias = column sums of g
   * (accumulated in place for a parameter).
   */
  public static Variable biasAdd(Variable x, Variable bias) {
    Tensor xv = x.value();
    long c = xv.dim(-1);
    if (bias.value().rank() != 1 || bias.value().dim(0) != c) {
      throw new IllegalArgumentException("bias_add: bias " + bias.value().describe() + " does not match input "
          + xv.describe());
    }
    return Autograd.record("bias_add", Elementwise.biasAdd(xv, bias.value()), g -> {
      Tensor colSum = Reductions.sum(g.reshape(g.numel() / c, c), 0);
      if (Grads.accumulatesInPlace(bias)) {
        Tensor acc = ((Parameter) bias).grad;
        Elementwise.add(acc, acc, colSum);
        colSum = null;
      }
      return new Tensor[] {g, colSum};
    }, x, bias);
  }

  /** {@code a * b} elementwise (same shape); backward: da = g b, db = g a. */
  public static Variable mul(Variable a, Variable b) {
    requireSameShape("mul", a, b);
    return Autograd.record("mul", Elementwise.mul(a.value(), b.value()), g -> new Tensor[] {
        a.requiresGrad() ? Elementwise.mul(g, b.value()) : null,
        b.requiresGrad() ? Elementwise.mul(g, a.value()) : null}, a, b);
  }

  /** {@code alpha * x}; backward: alpha * g. */
  public static Variable scale(Variable x, float alpha) {
    return Autograd.record("scale", Elementwise.scale(x.value(), alpha),
        g -> new Tensor[] {Elementwise.scale(g, alpha)}, x);
  }

  /** GELU, tanh approximation: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}; backward uses the kernel. */
  public static Variable gelu(Variable x) {
    Tensor xv = x.value();
    return Autograd.record("gelu", Elementwise.geluForward(xv),
        g -> new Tensor[] {Elementwise.geluBackward(xv, g)}, x);
  }

  static void requireSameShape(String op, Variable a, Variable b) {
    if (!a.shape().equals(b.shape())) {
      throw new IllegalArgumentException(op + ": shapes differ: a is " + a.value().describe() + ", b is "
          + b.value().describe());
    }
  }
}
