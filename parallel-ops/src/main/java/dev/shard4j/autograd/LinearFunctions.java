package dev.shard4j.autograd;

import dev.shard4j.ops.Elementwise;
import dev.shard4j.ops.Gemm;
import dev.shard4j.ops.Reductions;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Differentiable matrix products: {@link #linear} ({@code y = x W^T + b}, PyTorch's weight layout) and
 * {@link #batchedMatmul} with transposes. Transposes are strided views handed to the GEMM as flags, never copies.
 * Results belong to the current {@code Scope}; call on the thread that owns the graph.
 */
public final class LinearFunctions {
  private LinearFunctions() {}

  /**
   * {@code y = x @ weight^T + bias}: x is (..., in), weight is (out, in), bias is (out) or null; y is (..., out).
   * Backward: dx = dy @ W, dW += dy^T @ x, db += sum over rows of dy. The backward reads W's value and a
   * parameter's gradient buffer when it runs, so a sharded-parameter scheme may free a gathered weight after the
   * forward and gather it again (swapping it in) before the backward reaches this operation.
   */
  public static Variable linear(Variable x, Variable weight, Variable bias) {
    Tensor xv = x.value();
    Tensor w = weight.value();
    if (w.rank() != 2 || xv.rank() < 1 || xv.dim(-1) != w.dim(1)) {
      throw new IllegalArgumentException("linear: input " + xv.describe() + " does not match weight " + w.describe()
          + " (need x (..., in) and weight (out, in))");
    }
    if (bias != null && (bias.value().rank() != 1 || bias.value().dim(0) != w.dim(0))) {
      throw new IllegalArgumentException("linear: bias " + bias.value().describe() + " does not match weight "
          + w.describe());
    }
    long in = w.dim(1);
    long out = w.dim(0);
    long rows = xv.numel() / in;
    long[] outDims = xv.shape().toArray();
    outDims[outDims.length - 1] = out;
    Tensor x2 = xv.reshape(rows, in);
    Tensor y = Tensor.empty(Shape.of(rows, out), xv.dtype(), xv.device());
    Gemm.gemm(y, x2, w.transpose(0, 1), 1f, 0f);
    if (bias != null) {
      Elementwise.biasAdd(y, y, bias.value());
    }
    Tensor yv = y.reshape(outDims);
    BackwardFunction back = g -> {
      Tensor g2 = g.reshape(rows, out);
      Tensor dx = null;
      if (x.requiresGrad()) {
        dx = Tensor.empty(Shape.of(rows, in), xv.dtype(), xv.device());
        Gemm.gemm(dx, g2, weight.value(), 1f, 0f);
        dx = dx.reshape(xv.shape().toArray());
      }
      Tensor dw = null;
      if (weight.requiresGrad()) {
        if (Grads.accumulatesInPlace(weight)) {
          Gemm.gemm(((Parameter) weight).grad, g2.transpose(0, 1), x2, 1f, 1f);
        } else {
          dw = Tensor.empty(w.shape(), w.dtype(), w.device());
          Gemm.gemm(dw, g2.transpose(0, 1), x2, 1f, 0f);
        }
      }
      Tensor db = null;
      if (bias != null && bias.requiresGrad()) {
        Tensor colSum = Reductions.sum(g2, 0);
        if (Grads.accumulatesInPlace(bias)) {
          Elementwise.add(((Parameter) bias).grad, ((Parameter) bias).grad, colSum);
        } else {
          db = colSum;
        }
      }
      return bias == null ? new Tensor[] {dx, dw} : new Tensor[] {dx, dw, db};
    };
    return bias == null
        ? Autograd.record("linear", yv, back, x, weight)
        : Autograd.record("linear", yv, back, x, weight, bias);
  }

  /** {@code a @ b} for 2-D a (m, k) and b (k, n): {@link #batchedMatmul} without batch. */
  public static Variable matmul(Variable a, Variable b) {
    return batchedMatmul(a, b, false, false, 1f);
  }

  /**
   * {@code c = alpha * op(a) @ op(b)} where op transposes the last two axes when asked; a and b are both 2-D or
   * both 3-D (batch, rows, cols) and contiguous. Backward (with transposes as views):
   * d op(a) = alpha dc op(b)^T, d op(b) = alpha op(a)^T dc.
   */
  public static Variable batchedMatmul(Variable a, Variable b, boolean transA, boolean transB, float alpha) {
    Tensor av = a.value();
    Tensor bv = b.value();
    if (av.rank() != bv.rank() || av.rank() < 2 || av.rank() > 3) {
      throw new IllegalArgumentException("batched_matmul: operands must both be 2-D or both 3-D: a is "
          + av.describe() + ", b is " + bv.describe());
    }
    Tensor opA = transA ? av.transpose(-2, -1) : av;
    Tensor opB = transB ? bv.transpose(-2, -1) : bv;
    if (opA.dim(-1) != opB.dim(-2) || (av.rank() == 3 && av.dim(0) != bv.dim(0))) {
      throw new IllegalArgumentException("batched_matmul: shapes do not match: op(a) is " + opA.shape() + ", op(b) is "
          + opB.shape() + " (a " + av.describe() + (transA ? " transposed" : "") + ", b " + bv.describe()
          + (transB ? " transposed" : "") + ")");
    }
    Shape outShape = av.rank() == 2 ? Shape.of(opA.dim(0), opB.dim(1))
        : Shape.of(av.dim(0), opA.dim(1), opB.dim(2));
    Tensor c = Tensor.empty(outShape, av.dtype(), av.device());
    Gemm.gemm(c, opA, opB, alpha, 0f);
    return Autograd.record("batched_matmul", c, g -> {
      Tensor gT = g.transpose(-2, -1);
      Tensor da = null;
      if (a.requiresGrad()) {
        da = Tensor.empty(av.shape(), av.dtype(), av.device());
        if (transA) {
          Gemm.gemm(da, opB, gT, alpha, 0f);
        } else {
          Gemm.gemm(da, g, opB.transpose(-2, -1), alpha, 0f);
        }
      }
      Tensor db = null;
      if (b.requiresGrad()) {
        db = Tensor.empty(bv.shape(), bv.dtype(), bv.device());
        if (transB) {
          Gemm.gemm(db, gT, opA, alpha, 0f);
        } else {
          Gemm.gemm(db, opA.transpose(-2, -1), g, alpha, 0f);
        }
      }
      return new Tensor[] {da, db};
    }, a, b);
  }
}
