package dev.shard4j.autograd;

import dev.shard4j.ops.CrossEntropy;
import dev.shard4j.ops.Elementwise;
import dev.shard4j.ops.Reductions;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Differentiable losses. Results belong to the current {@code Scope}; call on the thread that owns the graph.
 */
public final class LossFunctions {
  private LossFunctions() {}

  /**
   * Mean cross-entropy over the rows of {@code logits} (N, V) with I32 {@code targets} (N); rows whose target is
   * {@link CrossEntropy#IGNORE_INDEX} are left out of the sum and of the count. Returns a one-element (1) loss.
   */
  public static Variable crossEntropy(Variable logits, Tensor targets) {
    Tensor lv = logits.value();
    if (lv.rank() != 2 || targets.rank() != 1 || targets.dim(0) != lv.dim(0)) {
      throw new IllegalArgumentException("cross_entropy: logits " + lv.describe() + " and targets "
          + targets.describe() + " must be (N, V) and (N)");
    }
    long n = lv.dim(0);
    int count = CrossEntropy.countValid(targets, CrossEntropy.IGNORE_INDEX);
    if (count == 0) {
      throw new IllegalArgumentException("cross_entropy: every target of " + targets.describe() + " is ignored");
    }
    float scale = 1f / count;
    Tensor lse = Tensor.empty(Shape.of(n), DType.F32, lv.device());
    Tensor rowLoss = CrossEntropy.forward(lse, lv, targets);
    Tensor loss = Elementwise.scale(Reductions.sum(rowLoss.reshape(1, n), 1), scale);
    return Autograd.record("cross_entropy", loss, g -> {
      Tensor dlogits = Tensor.empty(lv.shape(), lv.dtype(), lv.device());
      CrossEntropy.backward(dlogits, lv, lse, targets, g, scale, CrossEntropy.IGNORE_INDEX);
      return new Tensor[] {dlogits};
    }, logits);
  }
}
