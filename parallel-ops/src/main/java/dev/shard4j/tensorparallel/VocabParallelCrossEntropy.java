package dev.shard4j.tensorparallel;

import dev.shard4j.autograd.Autograd;
import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.ops.CrossEntropy;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Mean cross-entropy over logits split along the vocabulary (Megatron-LM {@code cross_entropy.py}): each rank holds
 * columns [vocabStart, vocabStart + V/tp) of the (N, V) logits. The loss needs one all-reduce(max) of the row maxima
 * and one all-reduce(sum) of the row sums of exponentials and target logits (packed into one buffer); the full
 * logits are never gathered and the backward needs no communication. At group size 1 it is the plain mean
 * cross-entropy. Results belong to the current {@code Scope}; call on the rank's thread.
 */
public final class VocabParallelCrossEntropy {
  private VocabParallelCrossEntropy() {}

  /**
   * The mean loss over rows whose target is not {@link CrossEntropy#IGNORE_INDEX}, as a one-element (1) variable,
   * equal on every rank. {@code logits} is this rank's (N, V/tp) shard, {@code targets} the (N) I32 global ids.
   */
  public static Variable apply(TensorParallel tp, Variable logits, Tensor targets, long vocabStart) {
    Tensor lv = logits.value();
    if (lv.rank() != 2 || targets.rank() != 1 || targets.dim(0) != lv.dim(0)) {
      throw new IllegalArgumentException("vocab_parallel_cross_entropy: logits " + lv.describe() + " and targets "
          + targets.describe() + " must be (N, V/tp) and (N)");
    }
    int n = (int) lv.dim(0);
    int[] t = targets.toIntArray();
    int count = 0;
    for (int id : t) {
      if (id != CrossEntropy.IGNORE_INDEX) {
        count++;
      }
    }
    if (count == 0) {
      throw new IllegalArgumentException("vocab_parallel_cross_entropy: every target of " + targets.describe()
          + " is ignored");
    }
    Tensor globalMax = Tensor.empty(Shape.of(n), DType.F32, lv.device());
    CrossEntropy.localMax(globalMax, lv);
    if (tp.active()) {
      tp.communicator().allReduce(globalMax, ReduceOp.MAX);
    }
    Tensor stats = Tensor.empty(Shape.of(2, n), DType.F32, lv.device());
    Tensor sumExp = stats.slice(0, 0, 1).reshape(n);
    Tensor targetLogit = stats.slice(0, 1, 2).reshape(n);
    CrossEntropy.localStats(sumExp, targetLogit, lv, globalMax, targets, vocabStart);
    if (tp.active()) {
      tp.communicator().allReduce(stats, ReduceOp.SUM);
    }
    float[] max = globalMax.toFloatArray();
    float[] st = stats.toFloatArray();
    double total = 0;
    for (int r = 0; r < n; r++) {
      if (t[r] != CrossEntropy.IGNORE_INDEX) {
        total += Math.log(st[r]) + max[r] - st[n + r];
      }
    }
    float scale = 1f / count;
    Tensor loss = Tensor.fromArray(new float[] {(float) (total / count)}, Shape.of(1), DType.F32, lv.device());
    return Autograd.record("vocab_parallel_cross_entropy", loss, g -> {
      Tensor dlogits = Tensor.empty(lv.shape(), lv.dtype(), lv.device());
      CrossEntropy.vocabParallelBackward(dlogits, lv, globalMax, sumExp, targets, g, scale, vocabStart,
          CrossEntropy.IGNORE_INDEX);
      return new Tensor[] {dlogits};
    }, logits);
  }
}
