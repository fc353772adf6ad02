package dev.shard4j.autograd;

import dev.shard4j.ops.Gemm;
import dev.shard4j.ops.Softmax;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Map;

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
   * Permutes to (3, B*H, T, hd), runs {@link #causalAttentionCore}, permutes back.
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
    Variable y = causalAttentionCore(split, heads);
    Variable merged = ShapeFunctions.permute(ShapeFunctions.reshape(y, batch, heads, seqLen, hd), 2, 0, 1, 3);
    return ShapeFunctions.reshape(merged, (long) seqLen * batch, heads * hd);
  }

  /**
   * {@code softmax_causal(q k^T / sqrt(hd)) v} per (batch*head) for {@code qkv} (3, BH, T, hd) holding q, k and v;
   * the result is (BH, T, hd). One recorded operation built from the same kernels as {@link #softmax} and
   * {@link LinearFunctions#batchedMatmul} (batched GEMMs with transposed views), whose backward writes dq, dk and dv
   * straight into one (3, BH, T, hd) gradient: dv = att^T dy, datt = dy v^T, ds = softmax_bwd(att, datt),
   * dq = ds k / sqrt(hd), dk = ds^T q / sqrt(hd).
   */
  public static Variable causalAttentionCore(Variable qkv) {
    return causalAttentionCore(qkv, 0);
  }

  /** {@link #causalAttentionCore(Variable)}, recording the number of heads (when known, > 0) as {@code heads}. */
  private static Variable causalAttentionCore(Variable qkv, int heads) {
    Tensor v0 = qkv.value();
    if (v0.rank() != 4 || v0.dim(0) != 3 || !v0.isContiguous()) {
      throw new IllegalArgumentException("causal_attention: qkv " + v0.describe()
          + " is not a contiguous (3, BH, T, hd)");
    }
    long bh = v0.dim(1);
    long t = v0.dim(2);
    long hd = v0.dim(3);
    float scale = (float) (1.0 / Math.sqrt(hd));
    Tensor q = v0.slice(0, 0, 1).reshape(bh, t, hd);
    Tensor k = v0.slice(0, 1, 2).reshape(bh, t, hd);
    Tensor v = v0.slice(0, 2, 3).reshape(bh, t, hd);
    Tensor att = Tensor.empty(Shape.of(bh, t, t), v0.dtype(), v0.device());
    Gemm.gemm(att, q, k.transpose(1, 2), scale, 0f);
    Softmax.forward(att, att, true);
    Tensor y = Tensor.empty(Shape.of(bh, t, hd), v0.dtype(), v0.device());
    Gemm.gemm(y, att, v, 1f, 0f);
    Map<String, Long> attributes = heads > 0 ? Map.of("heads", (long) heads) : Map.of();
    return Autograd.record("causal_attention", attributes, y, g -> {
      Tensor dqkv = Tensor.empty(v0.shape(), v0.dtype(), v0.device());
      Tensor dq = dqkv.slice(0, 0, 1).reshape(bh, t, hd);
      Tensor dk = dqkv.slice(0, 1, 2).reshape(bh, t, hd);
      Tensor dv = dqkv.slice(0, 2, 3).reshape(bh, t, hd);
      Gemm.gemm(dv, att.transpose(1, 2), g, 1f, 0f);
      Tensor datt = Tensor.empty(att.shape(), att.dtype(), att.device());
      Gemm.gemm(datt, g, v.transpose(1, 2), 1f, 0f);
      Softmax.backward(datt, att, datt);
      Gemm.gemm(dq, datt, k, scale, 0f);
      Gemm.gemm(dk, datt.transpose(1, 2), q, scale, 0f);
      return new Tensor[] {dqkv};
    }, qkv);
  }
}
