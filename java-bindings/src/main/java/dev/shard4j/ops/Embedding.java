package dev.shard4j.ops;

import dev.shard4j.nativelib.EmbeddingBinding;
import dev.shard4j.tensor.CudaStream;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/**
 * Embedding lookup and its backward. The table is (rows, dim) f32 or bf16; ids are an I32 tensor of any shape (e.g.
 * (B, T)); the output is ids.shape + (dim), e.g. (B, T, dim). The vocab-parallel variants hold rows for the ids
 * [vocabStart, vocabStart + rows) only and give zero rows (and no gradient) for other ids, as Megatron's
 * VocabParallelEmbedding; the plain variants reject any id outside [0, rows) with an exception naming the id.
 */
public final class Embedding {
  private Embedding() {}

  /** Looks up {@code ids} in {@code table}; returns a new tensor ids.shape + (dim) owned by the caller/scope. */
  public static Tensor forward(Tensor table, Tensor ids) {
    return forwardImpl(null, table, ids, 0, true);
  }

  /** Looks up {@code ids} into {@code out} (ids.shape + (dim), same dtype and device as the table). */
  public static void forward(Tensor out, Tensor table, Tensor ids) {
    forwardImpl(out, table, ids, 0, true);
  }

  /** Vocab-parallel lookup: this table holds ids [vocabStart, vocabStart + rows); returns a new tensor. */
  public static Tensor forwardVocabParallel(Tensor table, Tensor ids, long vocabStart) {
    return forwardImpl(null, table, ids, vocabStart, false);
  }

  /** Vocab-parallel lookup into {@code out}. */
  public static void forwardVocabParallel(Tensor out, Tensor table, Tensor ids, long vocabStart) {
    forwardImpl(out, table, ids, vocabStart, false);
  }

  /**
   * Accumulates {@code dtable[ids[i], :] += dout[i, :]}. dtable is (rows, dim) f32 (zero it before the first
   * accumulation); dout is ids.shape + (dim) f32 or bf16. Deterministic on CPU; on CUDA repeated ids are summed with
   * atomics in a varying order.
   */
  public static void backward(Tensor dtable, Tensor dout, Tensor ids) {
    backwardImpl(dtable, dout, ids, 0, true);
  }

  /** Vocab-parallel backward: ids outside [vocabStart, vocabStart + rows) contribute nothing. */
  public static void backwardVocabParallel(Tensor dtable, Tensor dout, Tensor ids, long vocabStart) {
    backwardImpl(dtable, dout, ids, vocabStart, false);
  }

  private static Tensor forwardImpl(Tensor out, Tensor table, Tensor ids, long vocabStart, boolean strict) {
    String op = strict ? "embedding" : "embedding (vocab-parallel)";
    Device dev = Checks.sameDevice(op, table, ids);
    checkTableIds(op, table, ids, vocabStart);
    if (table.dtype() == DType.I32) {
      throw new IllegalArgumentException(op + ": table must be F32 or BF16, got " + table.describe());
    }
    Shape outShape = outShape(ids, table.dim(1));
    boolean allocated = out == null;
    if (allocated) {
      out = Tensor.empty(outShape, table.dtype(), dev);
    } else {
      Checks.sameDevice(op, out, table);
      Checks.shape(op, "out", out, outShape);
      Checks.dtype(op, "out", out, table.dtype());
      Checks.contiguous(op, "out", out);
    }
    final Tensor o = out;
    try {
      long rows = table.dim(0);
      run(op, dev, ids, rows, vocabStart, (flag, stream) -> dev.isCpu()
          ? EmbeddingBinding.s4j_embedding_forward_cpu(o.dataAddress(), table.dataAddress(), ids.dataAddress(),
              flag, ids.numel(), table.dim(1), vocabStart, vocabStart + rows, strict ? 1 : 0, table.dtype().code())
          : EmbeddingBinding.s4j_embedding_forward_cuda(o.dataAddress(), table.dataAddress(), ids.dataAddress(),
              flag, ids.numel(), table.dim(1), vocabStart, vocabStart + rows, strict ? 1 : 0, table.dtype().code(),
              stream));
    } catch (RuntimeException e) {
      if (allocated) {
        out.close();
      }
      throw e;
    }
    return out;
  }

  private static void backwardImpl(Tensor dtable, Tensor dout, Tensor ids, long vocabStart, boolean strict) {
    String op = strict ? "embedding backward" : "embedding backward (vocab-parallel)";
    Device dev = Checks.sameDevice(op, dtable, dout, ids);
    checkTableIds(op, dtable, ids, vocabStart);
    Checks.dtype(op, "dtable", dtable, DType.F32);
    Checks.shape(op, "dout", dout, outShape(ids, dtable.dim(1)));
    Checks.contiguous(op, "dout", dout);
    if (dout.dtype() == DType.I32) {
      throw new IllegalArgumentException(op + ": dout must be F32 or BF16, got " + dout.describe());
    }
    long rows = dtable.dim(0);
    run(op, dev, ids, rows, vocabStart, (flag, stream) -> dev.isCpu()
        ? EmbeddingBinding.s4j_embedding_backward_cpu(dtable.dataAddress(), dout.dataAddress(), ids.dataAddress(),
            flag, ids.numel(), dtable.dim(1), vocabStart, vocabStart + rows, strict ? 1 : 0, dout.dtype().code())
        : EmbeddingBinding.s4j_embedding_backward_cuda(dtable.dataAddress(), dout.dataAddress(), ids.dataAddress(),
            flag, ids.numel(), dtable.dim(1), vocabStart, vocabStart + rows, strict ? 1 : 0, dout.dtype().code(),
            stream));
  }

  private static void checkTableIds(String op, Tensor table, Tensor ids, long vocabStart) {
    Checks.rank(op, "table", table, 2);
    Checks.contiguous(op, "table", table);
    Checks.dtype(op, "ids", ids, DType.I32);
    Checks.contiguous(op, "ids", ids);
    if (vocabStart < 0) {
      throw new IllegalArgumentException(op + ": vocabStart must be >= 0, got " + vocabStart);
    }
  }

  private static Shape outShape(Tensor ids, long dim) {
    long[] d = java.util.Arrays.copyOf(ids.shape().toArray(), ids.rank() + 1);
    d[ids.rank()] = dim;
    return Shape.of(d);
  }

  /** A kernel call given the address of the bad-id slot and the stream. */
  interface Call {
    int invoke(long flagAddress, long stream);
  }

  /** Runs a kernel that reports a bad id through an I32[2] slot (host on CPU, device on CUDA). */
  static void run(String op, Device dev, Tensor ids, long rows, long vocabStart, Call call) {
    try (Tensor flag = Tensor.zeros(Shape.of(2), DType.I32, dev)) {
      long stream = dev.isCpu() ? 0 : CudaStream.currentHandle(dev);
      int status = call.invoke(flag.dataAddress(), stream);
      if (status == NativeStatus.OK || status == NativeStatus.INVALID_ARGUMENT) {
        int[] f = flag.toIntArray();
        if (f[0] != 0) {
          throw new IndexOutOfBoundsException(op + ": id " + f[1] + " is out of range for a vocab of size " + rows
              + (vocabStart != 0 ? " starting at " + vocabStart : "") + " (ids " + ids.describe() + ")");
        }
      }
      NativeStatus.check(status, op);
    }
  }
}
