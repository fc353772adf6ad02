package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.DType;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Layout of the 48-byte header that starts every frame between two ranks (a flyweight over a direct buffer:
 * absolute gets and puts, no objects). Big-endian:
 *
 * <pre>
 *  0 int  magic 0x53344A46 ("S4JF")     24 long inCount   (elements of the whole call)
 *  4 byte type (DATA, FAIL, DATA_SHM)  32 long outCount
 *  5 byte op code                       40 int  slice     (index inside the step)
 *  6 byte dtype (0 f32, 1 bf16)         44 int  payload bytes (following the header, or in the shared slot)
 *  7 byte reduce op (ordinal + 1, 0 none)
 *  8 int  root (or -1)
 * 12 int  step      (the sender's; for diagnostics)
 * 16 long seq (collective number of the group; per-pair number for send/recv)
 * </pre>
 *
 * A receiver compares op, dtype, reduce op, root, counts and seq with its own call before reading the payload, so
 * ranks issuing different collectives fail with a message naming both calls instead of corrupting data. A FAIL
 * frame carries a UTF-8 reason as payload. A DATA_SHM frame's payload is not on the socket but in the next slot of
 * the pair's shared-memory ring ({@link ShmRing}). Internal.
 */
final class Frame {
  static final int HEADER = 48;
  static final int MAGIC = 0x53344A46;
  static final byte DATA = 1;
  static final byte FAIL = 2;
  /** A data frame whose payload is in the pair's shared-memory ring ({@link ShmRing}), not on the socket. */
  static final byte DATA_SHM = 3;
  static final int MAX_FAIL_BYTES = 4096;

  static final byte ALL_REDUCE = 1;
  static final byte ALL_GATHER = 2;
  static final byte REDUCE_SCATTER = 3;
  static final byte BROADCAST = 4;
  static final byte REDUCE = 5;
  static final byte ALL_TO_ALL = 6;
  static final byte SEND = 7;
  static final byte ACK = 8;
  static final byte BARRIER = 9;
  static final byte SPLIT = 10;
  static final byte RECV = 11; // a call kind only; on the wire the data frame of send/recv is SEND

  private static final String[] NAMES = {"?", "allReduce", "allGather", "reduceScatter", "broadcast", "reduce",
      "allToAll", "send", "ack", "barrier", "split", "recv"};

  private Frame() {}

  static String opName(int op) {
    return op > 0 && op < NAMES.length ? NAMES[op] : "op#" + op;
  }

  static byte dtypeCode(DType dt) {
    return (byte) (dt == DType.BF16 ? 1 : 0);
  }

  static DType dtype(int code) {
    return code == 1 ? DType.BF16 : DType.F32;
  }

  static byte ropCode(ReduceOp op) {
    return (byte) (op == null ? 0 : op.ordinal() + 1);
  }

  static void put(ByteBuffer h, byte type, byte op, byte dtype, byte rop, int root, int step, long seq, long inCount,
      long outCount, int slice, int payload) {
    h.clear();
    h.putInt(0, MAGIC);
    h.put(4, type);
    h.put(5, op);
    h.put(6, dtype);
    h.put(7, rop);
    h.putInt(8, root);
    h.putInt(12, step);
    h.putLong(16, seq);
    h.putLong(24, inCount);
    h.putLong(32, outCount);
    h.putInt(40, slice);
    h.putInt(44, payload);
  }

  static int magic(ByteBuffer h) {
    return h.getInt(0);
  }

  static byte type(ByteBuffer h) {
    return h.get(4);
  }

  static byte op(ByteBuffer h) {
    return h.get(5);
  }

  static byte dtypeByte(ByteBuffer h) {
    return h.get(6);
  }

  static byte rop(ByteBuffer h) {
    return h.get(7);
  }

  static int root(ByteBuffer h) {
    return h.getInt(8);
  }

  static int step(ByteBuffer h) {
    return h.getInt(12);
  }

  static long seq(ByteBuffer h) {
    return h.getLong(16);
  }

  static long inCount(ByteBuffer h) {
    return h.getLong(24);
  }

  static long outCount(ByteBuffer h) {
    return h.getLong(32);
  }

  static int slice(ByteBuffer h) {
    return h.getInt(40);
  }

  static int payload(ByteBuffer h) {
    return h.getInt(44);
  }

  /** A call as the local backend prints it: {@code allReduce(f32, in 7 elements, out 7 elements, SUM, root 0)}. */
  static String describe(int op, int dtype, int rop, int root, long inCount, long outCount) {
    StringBuilder b = new StringBuilder(opName(op)).append('(');
    if (op != BARRIER && op != SPLIT && op != ACK) {
      b.append(dtype(dtype).name().toLowerCase(Locale.ROOT)).append(", in ").append(inCount)
          .append(" elements, out ").append(outCount).append(" elements");
      if (rop > 0) {
        b.append(", ").append(ReduceOp.values()[rop - 1]);
      }
      if (root >= 0) {
        b.append(", root ").append(root);
      }
    }
    return b.append(')').toString();
  }

  /** {@link #describe} of the header in {@code h}. */
  static String describe(ByteBuffer h) {
    int rop = rop(h);
    return describe(op(h), dtypeByte(h), rop >= 0 && rop <= ReduceOp.values().length ? rop : 0, root(h),
        inCount(h), outCount(h));
  }
}
