package dev.shard4j.collectives.tcp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import dev.shard4j.tensor.DType;
import org.bytedeco.javacpp.Pointer;

/**
 * A direct staging buffer and its native address, so the native copy and reduce kernels can work on it. Allocated
 * once per communicator and reused for every message. Internal; used by one thread at a time.
 */
final class Slab {
  final ByteBuffer buf;
  final long addr;
  /** The same memory as f32 and as bf16 bit patterns, for the element-wise MIN/MAX loop. */
  final FloatBuffer f32;
  final ShortBuffer bf16;

  Slab(int bytes) {
    buf = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    addr = new Pointer(buf).address();
    f32 = buf.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
    bf16 = buf.duplicate().order(ByteOrder.nativeOrder()).asShortBuffer();
  }

  /**
   * {@code this = max(this, o)} (or min) over the first {@code n} elements, element by element without allocating;
   * the same semantics as the local backend's kernels (f32: Math.max/min; bf16: the other value wins when it is
   * larger/smaller or NaN, so the result is always one of the two inputs' exact bits).
   */
  void minMax(boolean max, Slab o, int n, DType dt) {
    if (dt == DType.F32) {
      for (int i = 0; i < n; i++) {
        float x = f32.get(i);
        float y = o.f32.get(i);
        f32.put(i, max ? Math.max(x, y) : Math.min(x, y));
      }
    } else {
      for (int i = 0; i < n; i++) {
        short a = bf16.get(i);
        short b = o.bf16.get(i);
        float x = DType.fromBf16(a);
        float y = DType.fromBf16(b);
        if (max ? y > x || Float.isNaN(y) : y < x || Float.isNaN(y)) {
          bf16.put(i, b);
        }
      }
    }
  }
}
