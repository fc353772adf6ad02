package dev.shard4j.autograd;

import dev.shard4j.ops.Softmax;
import dev.shard4j.tensor.Tensor;

/**
 * Differentiable pieces of causal self-attention and their composition. Activations are sequence-major,
 * (T, B, C) flattened to (T*B, C) rows, as in Megatron-LM, so a sequence shard is a contiguous block of rows.
 * Results belong to the current {@code Scope}; call on the thread that owns the graph.
 */
public final class AttentionFunctions {
  private AttentionFunctions() {}

  /** Softmax over the last axis, with the causal mask of (..., T, T) scores when {@code causal}. */
  public static Variable softmax(Variable x, boolean causal) {
    Tensor y = Softmax.forward(x.value(), causal);
    return Autograd.record(causal ? "causal_softmax" : "softmax", y,
        g -> new Tensor[] {Softmax.backward(y, g)}, x);
  }

  /**
   * {@link #causalSelfAttention(Variable, int, int, int)} for sequence-major {@code qkv} (T, B, 3*H*hd); the result
   * is (T, B, H*hd).
   */
  public static Variable causalSelfAttention(Variable qkv, int heads) {
    Tensor v = qkv.value();
    if (v.rank() != 3) {
      throw new IllegalArgumentException("causal_self_attention: qkv " + v.describe() + " is not (T, B, 3*H*hd)");
    }
    int t = (int) v.dim(0);
    int b = (int) v.dim(1);
    Variable flat = ShapeFunctions.reshape(qkv, (long) t * b, v.dim(2));
    Variable y = causalSelfAttention(flat, t, b, heads);
    return ShapeFunctions.reshape(y, t, b, v.dim(2) / 3);
  }

  /**
   * Multi-head causal self-attention from packed projections: {@code qkv} is (T*B, 3*H*hd) holding, per row, the
   * queries of the H heads, then their keys, then their values; the result is (T*B, H*hd), heads side by side.
   * Composed of differentiable pieces: permute to (3, B*H, T, hd), slices, {@code q k^T / sqrt(hd)}, causal softmax,
   * {@code att v}, permute back.
   */
  public static Variable causalSelfAttention(Variable qkv, int seqLen, int batch, int heads) {
    Tensor v0 = qkv.value();
    if (v0.rank() != 2 || v0.dim(0) != (long) seqLen * batch || v0.dim(1) % (3L * heads) != 0) {
      throw new IllegalArgumentException("causal_self_attention: qkv " + v0.describe() + " is not (T*B, 3*H*hd) for T="
          + seqLen + ", B=" + batch + ", H=" + heads);
    }
    long hd = v0.dim(1) / (3L * heads);
    long bh = (long) batch * heads;
    Variable x = ShapeFunctions.reshape(qkv, seqLen, batch, 3, heads, hd);
    Variable split = ShapeFunctions.reshape(ShapeFunctions.permute(x, 2, 1, 3, 0, 4), 3, bh, seqLen, hd);
    Variable q = ShapeFunctions.reshape(ShapeFunctions.slice(split, 0, 0, 1), bh, seqLen, hd);
    Variable k = ShapeFunctions.reshape(ShapeFunctions.slice(split, 0, 1, 2), bh, seqLen, hd);
    Variable v = ShapeFunctions.reshape(ShapeFunctions.slice(split, 0, 2, 3), bh, seqLen, hd);
    Variable scores = LinearFunctions.batchedMatmul(q, k, false, true, (float) (1.0 / Math.sqrt(hd)));
    Variable att = softmax(scores, true);
    Variable y = LinearFunctions.batchedMatmul(att, v, false, false, 1f);
    Variable merged = ShapeFunctions.permute(ShapeFunctions.reshape(y, batch, heads, seqLen, hd), 2, 0, 1, 3);
    return ShapeFunctions.reshape(merged, (long) seqLen * batch, heads * hd);
  }
}
