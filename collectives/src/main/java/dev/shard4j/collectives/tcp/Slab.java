package dev.shard4j.collectives.tcp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.Pointer;

/**
 * A direct staging buffer and its native address, so the native copy and reduce kernels can work on it. Allocated
 * once per communicator and reused for every message. Internal; used by one thread at a time.
 */
final class Slab {
  final ByteBuffer buf;
  final long addr;

  Slab(int bytes) {
    buf = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    addr = new Pointer(buf).address();
  }
}
