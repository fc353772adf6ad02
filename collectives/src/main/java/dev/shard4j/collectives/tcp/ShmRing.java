package dev.shard4j.collectives.tcp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import org.bytedeco.javacpp.Pointer;

/**
 * A ring of {@link #SLOTS} payload slots in a memory-mapped file shared by one ordered pair of ranks on one host
 * (the sender writes, the receiver reads). Only payloads live here; the 48-byte frame header still travels on the
 * pair's socket, so ordering, mismatch detection, failures and timeouts work as on the socket path.
 *
 * <pre>
 *  0 int magic "S4JM"   4 int slots   8 int slotBytes   16 byte[32] challenge (creator)   48 byte[32] response (peer)
 *  CTRL + 128 i:      long seq  of slot i: frame number + 1 of the payload in it (sender, release)
 *  CTRL + 128 i + 64: long done of slot i: frame number + 1 of the payload the receiver finished with (release)
 *  DATA + slotBytes i: the payload of slot i
 * </pre>
 *
 * Frame {@code f} of the pair uses slot {@code f % SLOTS}; the sender may write it once {@code done >= f - SLOTS + 1}
 * (the receiver has finished with frame {@code f - SLOTS}), publishes it with a release store of {@code seq = f + 1}
 * and then writes the header to the socket; the receiver reads the header, checks {@code seq} with an acquire load
 * and reduces or copies straight from the slot. Slots may be released out of order (each has its own
 * {@code done}). The sequence words are the only synchronisation; no lock, no allocation per frame.
 *
 * <p>Owned by one {@link Engine}; used by the thread holding its lock. {@link #close()} unmaps at once.
 */
final class ShmRing {
  /** Slots per ring: with at most {@link Engine#MAX_SLICES_PER_STEP} slices per step, 2x that cannot deadlock. */
  static final int SLOTS = 2 * Engine.MAX_SLICES_PER_STEP;
  static final int MAGIC = 0x53344A4D; // "S4JM"
  static final int CHALLENGE = 16;
  static final int RESPONSE = 48;
  private static final int CTRL = 128;
  /** Payloads start on the first page after the control words. */
  private static final int DATA = (CTRL + 128 * SLOTS + 4095) & ~4095;
  private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class,
      ByteOrder.nativeOrder());

  private final MappedByteBuffer map;
  final long addr;
  final int slotBytes;
  /** Receiver side: one staging view per slot, made once. */
  private final Slab[] views;
  /** The next frame number to write (sender) or read (receiver). */
  private long next;
  private boolean closed;

  ShmRing(MappedByteBuffer map, int slotBytes, boolean receiver) {
    this.map = map;
    map.order(ByteOrder.nativeOrder());
    this.addr = new Pointer(map).address();
    this.slotBytes = slotBytes;
    if (receiver) {
      views = new Slab[SLOTS];
      for (int i = 0; i < SLOTS; i++) {
        ByteBuffer b = map.duplicate().position(DATA + i * slotBytes).limit(DATA + (i + 1) * slotBytes).slice();
        views[i] = new Slab(b, this, i);
      }
    } else {
      views = null;
    }
  }

  /** Bytes of the file for {@code slotBytes}-byte slots. */
  static long fileBytes(int slotBytes) {
    return DATA + (long) SLOTS * slotBytes;
  }

  /** Writes the layout words and the creator's challenge (before the peer is told the file's name). */
  void format(byte[] challenge) {
    map.putInt(0, MAGIC).putInt(4, SLOTS).putInt(8, slotBytes);
    map.put(CHALLENGE, challenge);
  }

  /** True when the layout words match this process's and the challenge is {@code challenge}. */
  boolean matches(byte[] challenge) {
    if (map.getInt(0) != MAGIC || map.getInt(4) != SLOTS || map.getInt(8) != slotBytes) {
      return false;
    }
    return java.util.Arrays.equals(bytes(CHALLENGE, challenge.length), challenge);
  }

  byte[] bytes(int off, int n) {
    byte[] b = new byte[n];
    map.get(off, b);
    return b;
  }

  void put(int off, byte[] b) {
    map.put(off, b);
  }

  private static int seqOff(int slot) {
    return CTRL + 128 * slot;
  }

  private static int doneOff(int slot) {
    return CTRL + 128 * slot + 64;
  }

  // ---- sender ---------------------------------------------------------------------------------------------

  /** Sender: true when the slot of the next frame is free (its previous frame was released by the receiver). */
  boolean writable() {
    long f = next;
    return f < SLOTS || (long) LONGS.getAcquire(map, doneOff((int) (f % SLOTS))) >= f - SLOTS + 1;
  }

  /** Sender: the native address of the next frame's slot (after {@link #writable()}). */
  long slotAddress() {
    return addr + DATA + (next % SLOTS) * (long) slotBytes;
  }

  /** Sender: the payload of the next frame is in its slot; makes it visible to the receiver. */
  void publish() {
    long f = next++;
    LONGS.setRelease(map, seqOff((int) (f % SLOTS)), f + 1);
  }

  // ---- receiver -------------------------------------------------------------------------------------------

  /**
   * Receiver: the slot of the next frame as a staging buffer holding {@code bytes} (already complete, position =
   * limit), or null when the slot does not hold that frame (a protocol error: the header arrived before its
   * payload was published).
   */
  Slab take(int bytes) {
    long f = next;
    int i = (int) (f % SLOTS);
    if ((long) LONGS.getAcquire(map, seqOff(i)) != f + 1) {
      return null;
    }
    next++;
    Slab v = views[i];
    v.frame = f;
    v.buf.limit(bytes).position(bytes);
    return v;
  }

  /** Receiver: true when the sender has published the next frame (its header may still be on the way). */
  boolean published() {
    long f = next;
    return (long) LONGS.getAcquire(map, seqOff((int) (f % SLOTS))) == f + 1;
  }

  /** Receiver: the frame in {@code v} is finished with; its slot may be reused by the sender. */
  void release(Slab v) {
    LONGS.setRelease(map, doneOff(v.slot), v.frame + 1);
  }

  /** Sequence number the next {@link #take} expects (for error messages). */
  long nextFrame() {
    return next;
  }

  /**
   * Unmaps the file now rather than when the buffer is collected (the file itself was unlinked at rendezvous, so
   * this frees its memory). Idempotent. No view of this ring may be used afterwards.
   */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    Unmapper.unmap(map);
  }

  /** {@code sun.misc.Unsafe.invokeCleaner} when the JDK has it (as Agrona's IoUtil.unmap); otherwise the GC unmaps. */
  private static final class Unmapper {
    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
      Object u = null;
      Method m = null;
      try {
        Class<?> c = Class.forName("sun.misc.Unsafe");
        Field f = c.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        u = f.get(null);
        m = c.getMethod("invokeCleaner", ByteBuffer.class);
      } catch (ReflectiveOperationException | RuntimeException e) {
        u = null;
        m = null;
      }
      UNSAFE = u;
      INVOKE_CLEANER = m;
    }

    static void unmap(MappedByteBuffer b) {
      if (INVOKE_CLEANER == null) {
        return;
      }
      try {
        INVOKE_CLEANER.invoke(UNSAFE, b);
      } catch (ReflectiveOperationException | RuntimeException e) {
        // left to the garbage collector
      }
    }
  }
}
