package dev.shard4j.collectives.local;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.nativelib.ElementwiseBinding;
import dev.shard4j.nativelib.MemoryBinding;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.RawPointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * The element-wise work of the local backend on raw CPU addresses: copies with the native memcpy, SUM and PROD
 * with the native add and mul kernels, AVG's scaling with the native scale kernel, MAX and MIN with a blocked
 * Java loop (bulk copy into a heap block, a simple loop the JIT vectorizes, bulk copy back). Public only so that
 * the other CPU backends (TCP) share it; not part of the API. Stateless; any thread may call it.
 */
public final class Kernels {
  private static final int BLOCK = 4096;

  private Kernels() {}

  /** Copies {@code n} elements from {@code src} to {@code dst} (nothing when they are the same address). */
  public static void copy(long dst, long src, long n, DType dt) {
    if (n == 0 || dst == src) {
      return;
    }
    NativeStatus.check(MemoryBinding.s4j_memcpy_cpu(dst, src, n * dt.byteSize()), "collective copy");
  }

  /** {@code dst = dst (op) src} over {@code n} elements; AVG accumulates like SUM (see {@link #finish}). */
  public static void accumulate(ReduceOp op, long dst, long src, long n, DType dt) {
    if (n == 0) {
      return;
    }
    switch (op) {
      case SUM, AVG -> NativeStatus.check(ElementwiseBinding.s4j_add_cpu(dst, dst, src, n, dt.code()), "collective sum");
      case PROD -> NativeStatus.check(ElementwiseBinding.s4j_mul_cpu(dst, dst, src, n, dt.code()), "collective prod");
      case MAX, MIN -> minMax(op == ReduceOp.MAX, dst, src, n, dt);
      default -> throw new IllegalStateException("unknown reduce op " + op);
    }
  }

  /** {@code dst = a (op) b} over {@code n} elements; {@code dst} may be {@code a}. AVG combines like SUM. */
  public static void combine(ReduceOp op, long dst, long a, long b, long n, DType dt) {
    if (n == 0) {
      return;
    }
    switch (op) {
      case SUM, AVG -> NativeStatus.check(ElementwiseBinding.s4j_add_cpu(dst, a, b, n, dt.code()), "collective sum");
      case PROD -> NativeStatus.check(ElementwiseBinding.s4j_mul_cpu(dst, a, b, n, dt.code()), "collective prod");
      case MAX, MIN -> {
        copy(dst, a, n, dt);
        minMax(op == ReduceOp.MAX, dst, b, n, dt);
      }
      default -> throw new IllegalStateException("unknown reduce op " + op);
    }
  }

  /** Final step after all peers were accumulated: AVG divides by {@code size}. */
  public static void finish(ReduceOp op, long dst, long n, DType dt, int size) {
    if (op == ReduceOp.AVG && n > 0 && size > 1) {
      NativeStatus.check(ElementwiseBinding.s4j_scale_cpu(dst, dst, 1.0f / size, n, dt.code()), "collective avg");
    }
  }

  private static void minMax(boolean max, long dst, long src, long n, DType dt) {
    if (dt == DType.F32) {
      FloatPointer d = new FloatPointer(new RawPointer(dst, n * 4));
      FloatPointer s = new FloatPointer(new RawPointer(src, n * 4));
      float[] a = new float[(int) Math.min(BLOCK, n)];
      float[] b = new float[a.length];
      for (long off = 0; off < n; off += BLOCK) {
        int len = (int) Math.min(BLOCK, n - off);
        d.position(off).get(a, 0, len);
        s.position(off).get(b, 0, len);
        if (max) {
          for (int i = 0; i < len; i++) {
            a[i] = Math.max(a[i], b[i]);
          }
        } else {
          for (int i = 0; i < len; i++) {
            a[i] = Math.min(a[i], b[i]);
          }
        }
        d.position(off).put(a, 0, len);
      }
    } else if (dt == DType.BF16) {
      ShortPointer d = new ShortPointer(new RawPointer(dst, n * 2));
      ShortPointer s = new ShortPointer(new RawPointer(src, n * 2));
      short[] a = new short[(int) Math.min(BLOCK, n)];
      short[] b = new short[a.length];
      for (long off = 0; off < n; off += BLOCK) {
        int len = (int) Math.min(BLOCK, n - off);
        d.position(off).get(a, 0, len);
        s.position(off).get(b, 0, len);
        for (int i = 0; i < len; i++) {
          float x = DType.fromBf16(a[i]);
          float y = DType.fromBf16(b[i]);
          // Picking one of the two inputs keeps the exact bf16 bits: no rounding happens.
          if (max ? y > x || Float.isNaN(y) : y < x || Float.isNaN(y)) {
            a[i] = b[i];
          }
        }
        d.position(off).put(a, 0, len);
      }
    } else {
      throw new IllegalArgumentException("collective " + (max ? "max" : "min") + ": unsupported dtype " + dt);
    }
  }
}
