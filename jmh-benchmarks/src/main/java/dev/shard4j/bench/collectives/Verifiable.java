package dev.shard4j.bench.collectives;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Tensor;

/**
 * Inputs whose collective results are exactly predictable, in the spirit of nccl-tests' {@code verifiable}: element
 * {@code i} of rank {@code r}'s input is the small integer {@code base(i) + r - size/2} (for PROD: 1 or 2), so
 * sums, minima, maxima and products are exact in fp32 and, up to 8 ranks, in bf16; every rank's input differs from
 * every other's at every index, and the pattern does not repeat within 97 elements, so misplaced chunks are caught.
 * Expected values come from closed forms here, never from the code under test. Static; any thread.
 */
final class Verifiable {
  /** Elements filled or checked per bulk transfer between the Java heap and a tensor. */
  private static final int BLOCK = 1 << 20;

  private Verifiable() {}

  /** In [-20, 20]; varies with i with no short period. */
  static int base(long i) {
    return (int) ((i * 7 + i / 97) % 41) - 20;
  }

  /** Element {@code i} of rank {@code rank}'s input in a group of {@code size}. */
  static float value(ReduceOp op, int rank, int size, long i) {
    if (op == ReduceOp.PROD) {
      return 1 + (int) ((i + rank) & 1);
    }
    return base(i) + rank - size / 2;
  }

  /** The reduction over all ranks of element {@code i}, rounded to {@code dt} as the backend rounds it. */
  static float reduced(ReduceOp op, DType dt, int size, long i) {
    int shift = size / 2;
    float v = switch (op) {
      case SUM -> sum(size, i);
      case AVG -> round(dt, sum(size, i)) * (1.0f / size);
      case MIN -> base(i) - shift;
      case MAX -> base(i) + size - 1 - shift;
      case PROD -> {
        float p = 1;
        for (int r = 0; r < size; r++) {
          p *= value(op, r, size, i);
        }
        yield p;
      }
    };
    return round(dt, v);
  }

  private static float sum(int size, long i) {
    long offsets = 0;
    for (int r = 0; r < size; r++) {
      offsets += r - size / 2;
    }
    return (float) ((long) size * base(i) + offsets);
  }

  /**
   * True when every partial result of {@code op} over {@code size} ranks is an integer the dtype holds exactly
   * (|x| <= 256 for bf16, 2^24 for fp32), so a bit-exact check is meaningful; otherwise #wrong reads N/A.
   */
  static boolean exact(ReduceOp op, DType dt, int size) {
    if (op == ReduceOp.MIN || op == ReduceOp.MAX) {
      return true;
    }
    if (op == ReduceOp.PROD) {
      return size <= 100; // powers of two below 2^100 are exact in both dtypes
    }
    double bound = size * (20.0 + size);
    return bound <= (dt == DType.BF16 ? 256 : 1 << 24);
  }

  static float round(DType dt, float v) {
    return dt == DType.BF16 ? DType.fromBf16(DType.toBf16(v)) : v;
  }

  /** The value element {@code i} of a buffer must hold after the collective. */
  @FunctionalInterface
  interface Expected {
    float at(long i);
  }

  /** Writes {@code value(op, rank, size, first + i)} into element {@code i} of the contiguous tensor {@code t}. */
  static void fill(Tensor t, ReduceOp op, int rank, int size, long first) {
    fill(t, i -> value(op, rank, size, first + i));
  }

  /** Writes {@code e.at(i)} into element {@code i} of the contiguous tensor {@code t}, in bulk blocks. */
  static void fill(Tensor t, Expected e) {
    long n = t.numel();
    float[] block = new float[(int) Math.min(BLOCK, n)];
    for (long off = 0; off < n; off += BLOCK) {
      int len = (int) Math.min(BLOCK, n - off);
      float[] b = len == block.length ? block : new float[len];
      for (int i = 0; i < len; i++) {
        b[i] = e.at(off + i);
      }
      try (Tensor view = t.slice(0, off, off + len)) {
        view.copyFrom(b);
      }
    }
  }

  /** The number of elements of {@code t} that differ from {@code expected} (a NaN never matches). */
  static long countWrong(Tensor t, Expected expected) {
    long n = t.numel();
    long wrong = 0;
    for (long off = 0; off < n; off += BLOCK) {
      int len = (int) Math.min(BLOCK, n - off);
      float[] got;
      try (Tensor view = t.slice(0, off, off + len)) {
        got = view.toFloatArray();
      }
      for (int i = 0; i < len; i++) {
        if (!(got[i] == expected.at(off + i))) {
          wrong++;
        }
      }
    }
    return wrong;
  }
}
