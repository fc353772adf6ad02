package dev.shard4j.collectives.tcp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import dev.shard4j.tensor.DType;
import org.bytedeco.javacpp.Pointer;

/**
 * A direct staging buffer and its native address, so the native copy and reduce kernels can work on it: either a
 * private buffer allocated once per communicator and reused for every message, or the view of one slot of a
 * shared-memory ring ({@link ShmRing}), which the receiver reduces or copies from in place and hands back to the
 * ring when done. Internal; used by one thread at a time.
 */
final class Slab {
  final ByteBuffer buf;
  final long addr;
  /** The same memory as f32 and as bf16 bit patterns, for the element-wise MIN/MAX loop. */
  final FloatBuffer f32;
  final ShortBuffer bf16;
  /** The shared-memory ring this slab is a slot of, or null for a private buffer. */
  final ShmRing ring;
  /** The slot index in {@link #ring}. */
  final int slot;
  /** The frame number whose payload the slot holds (ring slabs). */
  long frame;
  /**
   * Non-zero: the address of the operand still to be reduced into this slab (SUM, AVG, PROD) before its payload
   * is used; the forwarding send applies it, straight into the next shared slot when it can (one pass).
   */
  long pendingAcc;

  Slab(int bytes) {
    this(ByteBuffer.allocateDirect(bytes), null, -1);
  }

  Slab(ByteBuffer direct, ShmRing ring, int slot) {
    buf = direct.order(ByteOrder.nativeOrder());
    addr = new Pointer(buf).address();
    f32 = buf.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
    bf16 = buf.duplicate().order(ByteOrder.nativeOrder()).asShortBuffer();
    this.ring = ring;
    this.slot = slot;
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
