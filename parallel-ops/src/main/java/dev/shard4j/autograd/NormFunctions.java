package dev.shard4j.autograd;

import dev.shard4j.ops.LayerNorm;
import dev.shard4j.tensor.Tensor;

/**
 * Differentiable layer normalization over the last axis (llm.c's layernorm_forward/backward pair). Results belong to
 * the current {@code Scope}; call on the thread that owns the graph.
 */
public final class NormFunctions {
  /** GPT-2's epsilon. */
  public static final float DEFAULT_EPS = 1e-5f;

  private NormFunctions() {}

  /**
   * {@code (x - mean) / sqrt(var + eps) * weight + bias} over the last axis of x (..., C); weight and bias are (C).
   * The forward saves the row mean and reciprocal standard deviation for the backward; the backward reads the
   * weight's value when it runs (see {@link LinearFunctions#linear}).
   */
  public static Variable layerNorm(Variable x, Variable weight, Variable bias, float eps) {
    Tensor xv = x.value();
    long c = xv.dim(-1);
    if (weight.value().rank() != 1 || weight.value().dim(0) != c || !bias.shape().equals(weight.shape())) {
      throw new IllegalArgumentException("layer_norm: input " + xv.describe() + " needs weight and bias of (" + c
          + "), got weight " + weight.value().describe() + ", bias " + bias.value().describe());
    }
    Tensor x2 = xv.reshape(xv.numel() / c, c);
    Tensor b = bias.value();
    LayerNorm.Forward f = LayerNorm.forward(x2, weight.value(), b, eps);
    Tensor out = f.out.reshape(xv.shape().toArray());
    return Autograd.record("layer_norm", out, g -> {
      boolean paramsNeedGrad = weight.requiresGrad() || bias.requiresGrad();
      boolean inPlace = Grads.accumulatesInPlace(weight) && Grads.accumulatesInPlace(bias);
      Tensor dw = paramsNeedGrad ? (inPlace ? ((Parameter) weight).grad : Grads.accumulator(weight.detach())) : null;
      Tensor db = paramsNeedGrad ? (inPlace ? ((Parameter) bias).grad : Grads.accumulator(bias.detach())) : null;
      Tensor dx = LayerNorm.backward(dw, db, g.reshape(x2.shape().toArray()), x2, weight.value(), f.mean, f.rstd);
      return new Tensor[] {x.requiresGrad() ? dx.reshape(xv.shape().toArray()) : null,
          inPlace ? null : dw, inPlace ? null : db};
    }, x, weight, bias);
  }
}
