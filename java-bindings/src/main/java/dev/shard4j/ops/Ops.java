package dev.shard4j.ops;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * The short front door to every kernel family: each method delegates to the family class that checks the arguments
 * and dispatches on the device ({@link Gemm}, {@link Elementwise}, {@link Reductions}, {@link Softmax},
 * {@link LayerNorm}, {@link Embedding}, {@link CrossEntropy}, {@link AdamW}, {@link TensorOps}, {@link Init}). The
 * family classes hold the out-variants and the less common options. Results are new tensors owned by the caller or
 * the current {@link dev.shard4j.tensor.Scope}. Thread-safe; CUDA calls run on the calling thread's current stream.
 */
public final class Ops {
  private Ops() {}

  /** {@code a @ b}: (m,k) x (k,n) or batched (B,m,k) x (B,k,n). */
  public static Tensor matmul(Tensor a, Tensor b) {
    return Gemm.matmul(a, b);
  }

  /** {@code a + b}. */
  public static Tensor add(Tensor a, Tensor b) {
    return Elementwise.add(a, b);
  }

  /** {@code a - b}. */
  public static Tensor sub(Tensor a, Tensor b) {
    return Elementwise.sub(a, b);
  }

  /** {@code a * b} element-wise. */
  public static Tensor mul(Tensor a, Tensor b) {
    return Elementwise.mul(a, b);
  }

  /** {@code alpha * x}. */
  public static Tensor scale(Tensor x, float alpha) {
    return Elementwise.scale(x, alpha);
  }

  /** GELU, tanh approximation. */
  public static Tensor gelu(Tensor x) {
    return Elementwise.geluForward(x);
  }

  /** {@code x + bias} over the last axis. */
  public static Tensor biasAdd(Tensor x, Tensor bias) {
    return Elementwise.biasAdd(x, bias);
  }

  /** {@code gelu(x + bias)}, fused. */
  public static Tensor biasGelu(Tensor x, Tensor bias) {
    return Elementwise.biasGeluForward(x, bias);
  }

  /** Sum over {@code axis}. */
  public static Tensor sum(Tensor x, int axis) {
    return Reductions.sum(x, axis);
  }

  /** Maximum over {@code axis}. */
  public static Tensor max(Tensor x, int axis) {
    return Reductions.max(x, axis);
  }

  /** Softmax over the last axis, optionally with a causal mask over square (T, T) trailing dims. */
  public static Tensor softmax(Tensor x, boolean causal) {
    return Softmax.forward(x, causal);
  }

  /** Embedding lookup: {@code table[ids]}, ids are I32. */
  public static Tensor embedding(Tensor table, Tensor ids) {
    return Embedding.forward(table, ids);
  }

  /** Concatenation along {@code axis}. */
  public static Tensor concat(int axis, Tensor... inputs) {
    return TensorOps.concat(axis, inputs);
  }

  /** A contiguous copy of {@code [start, end)} along {@code axis}. */
  public static Tensor slice(Tensor x, int axis, long start, long end) {
    return TensorOps.slice(x, axis, start, end);
  }

  /** {@code x.index_select(axis, idx)} with I32 indices. */
  public static Tensor gather(Tensor x, int axis, Tensor idx) {
    return TensorOps.gather(x, axis, idx);
  }

  /** A tensor filled with {@code value}. */
  public static Tensor full(Shape shape, DType dtype, Device device, float value) {
    return TensorOps.full(shape, dtype, device, value);
  }

  /** Seeded normal fp32 CPU tensor; the same seed gives the same values on every device and thread count. */
  public static Tensor normal(Shape shape, float mean, float std, long seed) {
    return Init.normal(shape, DType.F32, Device.CPU, seed, mean, std);
  }

  /** Seeded uniform fp32 CPU tensor in {@code [lo, hi)}. */
  public static Tensor uniform(Shape shape, float lo, float hi, long seed) {
    return Init.uniform(shape, DType.F32, Device.CPU, seed, lo, hi);
  }
}
