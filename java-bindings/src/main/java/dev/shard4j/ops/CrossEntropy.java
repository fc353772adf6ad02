package dev.shard4j.ops;

import dev.shard4j.nativelib.CrossEntropyBinding;
import dev.shard4j.tensor.CudaStream;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Cross-entropy over rows of logits (N, V) (f32 or bf16) with I32 targets (N), computed with a stable log-softmax.
 * Rows whose target is {@link #IGNORE_INDEX} (or the given ignore index) get loss 0 and zero gradient. The forward
 * saves the per-row logsumexp (N) f32 that the backward needs.
 *
 * <p>Vocab-parallel pieces (Megatron): a shard holds columns [vocabStart, vocabStart + V) of the logits. The loss is
 * computed without gathering logits: {@link #localMax}, all-reduce(max); {@link #localStats}, all-reduce(sum) of
 * both outputs; then loss = log(sumExp) + globalMax - targetLogit; {@link #vocabParallelBackward} gives the shard's
 * dlogits.
 */
public final class CrossEntropy {
  /** PyTorch's default ignore_index. */
  public static final int IGNORE_INDEX = -100;

  private CrossEntropy() {}

  /** Per-row loss (N) f32 of a new tensor; writes the row logsumexp into {@code lse} (N) f32. */
  public static Tensor forward(Tensor lse, Tensor logits, Tensor targets) {
    Tensor loss = Tensor.empty(Shape.of(logits.dim(0)), DType.F32, logits.device());
    try {
      forward(loss, lse, logits, targets, IGNORE_INDEX);
    } catch (RuntimeException e) {
      loss.close();
      throw e;
    }
    return loss;
  }

  /** Writes per-row loss (N) f32 and logsumexp (N) f32 for logits (N, V) and targets (N) I32. */
  public static void forward(Tensor loss, Tensor lse, Tensor logits, Tensor targets, int ignoreIndex) {
    String op = "cross_entropy";
    Device dev = Checks.sameDevice(op, loss, lse, logits, targets);
    long n = checkLogits(op, logits, targets);
    checkRowStat(op, "loss", loss, n);
    checkRowStat(op, "lse", lse, n);
    int status = dev.isCpu()
        ? CrossEntropyBinding.s4j_cross_entropy_forward_cpu(loss.dataAddress(), lse.dataAddress(),
            logits.dataAddress(), targets.dataAddress(), n, logits.dim(1), ignoreIndex, logits.dtype().code())
        : CrossEntropyBinding.s4j_cross_entropy_forward_cuda(loss.dataAddress(), lse.dataAddress(),
            logits.dataAddress(), targets.dataAddress(), n, logits.dim(1), ignoreIndex, logits.dtype().code(),
            CudaStream.currentHandle(dev));
    if (status == NativeStatus.INVALID_ARGUMENT) {
      throw new IllegalArgumentException(op + ": a target is outside [0, " + logits.dim(1) + ") and is not the ignore"
          + " index " + ignoreIndex + " (logits " + logits.describe() + ", targets " + targets.describe() + ")");
    }
    NativeStatus.check(status, op);
  }

  /** Number of targets different from {@code ignoreIndex}: the divisor of the mean loss (reads targets on the host). */
  public static int countValid(Tensor targets, int ignoreIndex) {
    Checks.dtype("cross_entropy count", "targets", targets, DType.I32);
    int c = 0;
    for (int t : targets.toIntArray()) {
      if (t != ignoreIndex) {
        c++;
      }
    }
    return c;
  }

  /**
   * dlogits (N, V) (dtype of logits) = (softmax(logits) - onehot(target)) * dloss * scale. dloss is (N) f32 per row or
   * a one-element f32 tensor broadcast to every row; for the mean loss pass dloss = 1 and scale = 1 / countValid.
   */
  public static void backward(Tensor dlogits, Tensor logits, Tensor lse, Tensor targets, Tensor dloss, float scale,
      int ignoreIndex) {
    String op = "cross_entropy backward";
    Device dev = Checks.sameDevice(op, dlogits, logits, lse, targets, dloss);
    long n = checkLogits(op, logits, targets);
    Checks.sameShape(op, dlogits, logits);
    Checks.dtype(op, "dlogits", dlogits, logits.dtype());
    Checks.contiguous(op, "dlogits", dlogits);
    checkRowStat(op, "lse", lse, n);
    long dstride = dlossStride(op, dloss, n);
    int status = dev.isCpu()
        ? CrossEntropyBinding.s4j_cross_entropy_backward_cpu(dlogits.dataAddress(), logits.dataAddress(),
            lse.dataAddress(), targets.dataAddress(), dloss.dataAddress(), dstride, scale, n, logits.dim(1),
            ignoreIndex, logits.dtype().code())
        : CrossEntropyBinding.s4j_cross_entropy_backward_cuda(dlogits.dataAddress(), logits.dataAddress(),
            lse.dataAddress(), targets.dataAddress(), dloss.dataAddress(), dstride, scale, n, logits.dim(1),
            ignoreIndex, logits.dtype().code(), CudaStream.currentHandle(dev));
    NativeStatus.check(status, op + " of " + logits.describe() + " with targets " + targets.describe());
  }

  /** Vocab-parallel step 1: rowMax (N) f32 = max of this shard's logits (N, V) per row. */
  public static void localMax(Tensor rowMax, Tensor logits) {
    String op = "vocab_parallel_cross_entropy local max";
    Device dev = Checks.sameDevice(op, rowMax, logits);
    Checks.rank(op, "logits", logits, 2);
    Checks.contiguous(op, "logits", logits);
    floatingPoint(op, logits);
    checkRowStat(op, "rowMax", rowMax, logits.dim(0));
    int status = dev.isCpu()
        ? CrossEntropyBinding.s4j_vp_cross_entropy_local_max_cpu(rowMax.dataAddress(), logits.dataAddress(),
            logits.dim(0), logits.dim(1), logits.dtype().code())
        : CrossEntropyBinding.s4j_vp_cross_entropy_local_max_cuda(rowMax.dataAddress(), logits.dataAddress(),
            logits.dim(0), logits.dim(1), logits.dtype().code(), CudaStream.currentHandle(dev));
    NativeStatus.check(status, op);
  }

  /**
   * Vocab-parallel step 2: sumExp (N) = sum exp(x - globalMax) over the shard, targetLogit (N) = the target's logit
   * when the target lies in [vocabStart, vocabStart + V), else 0. All of (N) f32.
   */
  public static void localStats(Tensor sumExp, Tensor targetLogit, Tensor logits, Tensor globalMax, Tensor targets,
      long vocabStart) {
    String op = "vocab_parallel_cross_entropy local stats";
    Device dev = Checks.sameDevice(op, sumExp, targetLogit, logits, globalMax, targets);
    long n = checkLogits(op, logits, targets);
    checkRowStat(op, "sumExp", sumExp, n);
    checkRowStat(op, "targetLogit", targetLogit, n);
    checkRowStat(op, "globalMax", globalMax, n);
    int status = dev.isCpu()
        ? CrossEntropyBinding.s4j_vp_cross_entropy_local_stats_cpu(sumExp.dataAddress(), targetLogit.dataAddress(),
            logits.dataAddress(), globalMax.dataAddress(), targets.dataAddress(), n, logits.dim(1), vocabStart,
            logits.dtype().code())
        : CrossEntropyBinding.s4j_vp_cross_entropy_local_stats_cuda(sumExp.dataAddress(), targetLogit.dataAddress(),
            logits.dataAddress(), globalMax.dataAddress(), targets.dataAddress(), n, logits.dim(1), vocabStart,
            logits.dtype().code(), CudaStream.currentHandle(dev));
    NativeStatus.check(status, op);
  }

  /** Vocab-parallel backward: this shard's dlogits (N, V) from the global max and sum (N) f32 and dloss. */
  public static void vocabParallelBackward(Tensor dlogits, Tensor logits, Tensor globalMax, Tensor globalSum,
      Tensor targets, Tensor dloss, float scale, long vocabStart, int ignoreIndex) {
    String op = "vocab_parallel_cross_entropy backward";
    Device dev = Checks.sameDevice(op, dlogits, logits, globalMax, globalSum, targets, dloss);
    long n = checkLogits(op, logits, targets);
    Checks.sameShape(op, dlogits, logits);
    Checks.dtype(op, "dlogits", dlogits, logits.dtype());
    Checks.contiguous(op, "dlogits", dlogits);
    checkRowStat(op, "globalMax", globalMax, n);
    checkRowStat(op, "globalSum", globalSum, n);
    long dstride = dlossStride(op, dloss, n);
    int status = dev.isCpu()
        ? CrossEntropyBinding.s4j_vp_cross_entropy_backward_cpu(dlogits.dataAddress(), logits.dataAddress(),
            globalMax.dataAddress(), globalSum.dataAddress(), targets.dataAddress(), dloss.dataAddress(), dstride,
            scale, n, logits.dim(1), vocabStart, ignoreIndex, logits.dtype().code())
        : CrossEntropyBinding.s4j_vp_cross_entropy_backward_cuda(dlogits.dataAddress(), logits.dataAddress(),
            globalMax.dataAddress(), globalSum.dataAddress(), targets.dataAddress(), dloss.dataAddress(), dstride,
            scale, n, logits.dim(1), vocabStart, ignoreIndex, logits.dtype().code(), CudaStream.currentHandle(dev));
    NativeStatus.check(status, op);
  }

  private static long checkLogits(String op, Tensor logits, Tensor targets) {
    Checks.rank(op, "logits", logits, 2);
    Checks.contiguous(op, "logits", logits);
    floatingPoint(op, logits);
    Checks.dtype(op, "targets", targets, DType.I32);
    Checks.contiguous(op, "targets", targets);
    if (targets.numel() != logits.dim(0) || targets.rank() != 1) {
      throw new IllegalArgumentException(op + ": targets must be (" + logits.dim(0) + ") for logits "
          + logits.describe() + ", got " + targets.describe());
    }
    return logits.dim(0);
  }

  private static void floatingPoint(String op, Tensor t) {
    if (t.dtype() == DType.I32) {
      throw new IllegalArgumentException(op + ": logits must be F32 or BF16, got " + t.describe());
    }
  }

  private static void checkRowStat(String op, String name, Tensor t, long n) {
    Checks.shape(op, name, t, Shape.of(n));
    Checks.dtype(op, name, t, DType.F32);
    Checks.contiguous(op, name, t);
  }

  private static long dlossStride(String op, Tensor dloss, long n) {
    Checks.dtype(op, "dloss", dloss, DType.F32);
    Checks.contiguous(op, "dloss", dloss);
    if (dloss.numel() == 1) {
      return 0;
    }
    Checks.shape(op, "dloss", dloss, Shape.of(n));
    return 1;
  }
}
