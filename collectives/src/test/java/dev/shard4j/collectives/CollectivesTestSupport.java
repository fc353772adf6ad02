package dev.shard4j.collectives;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;

/** Inputs from rank arithmetic and plain-Java references for the collective tests. */
final class CollectivesTestSupport {
  static final int[] SIZES = {1, 2, 3, 4, 8};
  static final long[] LENGTHS = {0, 1, 7, 1001};
  static final DType[] DTYPES = {DType.F32, DType.BF16};

  private CollectivesTestSupport() {}

  /** Element i of rank r's input: small integers, exact in the dtype, with sums/products exact as well. */
  static float val(ReduceOp op, DType dt, int rank, long i) {
    if (op == ReduceOp.PROD) {
      return dt == DType.BF16 ? 1 + (rank + i) % 2 : 1 + (rank + i) % 3;
    }
    if (dt == DType.BF16) {
      return (float) ((rank * 7 + i * 3) % 32) - 8;
    }
    return rank * 1000 + i - 500;
  }

  static float[] input(ReduceOp op, DType dt, int rank, long n) {
    float[] a = new float[(int) n];
    for (int i = 0; i < n; i++) {
      a[i] = val(op, dt, rank, i);
    }
    return a;
  }

  /** The reduction over ranks of element i (double precision, then rounded to the dtype). */
  static float ref(ReduceOp op, DType dt, int size, long i) {
    double acc = val(op, dt, 0, i);
    for (int r = 1; r < size; r++) {
      double v = val(op, dt, r, i);
      acc = switch (op) {
        case SUM, AVG -> acc + v;
        case PROD -> acc * v;
        case MAX -> Math.max(acc, v);
        case MIN -> Math.min(acc, v);
      };
    }
    if (op == ReduceOp.AVG) {
      acc /= size;
    }
    float f = (float) acc;
    return dt == DType.BF16 ? DType.fromBf16(DType.toBf16(f)) : f;
  }

  static Tensor tensor(float[] data, DType dt) {
    return Tensor.fromArray(data, Shape.of((long) data.length), dt, Device.CPU);
  }

  static Tensor empty(long n, DType dt) {
    return Tensor.zeros(Shape.of(n), dt, Device.CPU);
  }

  /** Exact except AVG (the scale by 1/size rounds): tolerance 1e-6 + |ref| * eps (eps 1e-6 f32, 8e-3 bf16). */
  static void check(String what, ReduceOp op, DType dt, float expected, float actual) {
    double eps = op == ReduceOp.AVG ? (dt == DType.BF16 ? 8e-3 : 1e-6) : 0;
    double tol = op == ReduceOp.AVG ? 1e-6 + Math.abs(expected) * eps : 0;
    if (Math.abs(expected - actual) > tol) {
      assertEquals(expected, actual, tol, what);
    }
  }
}
