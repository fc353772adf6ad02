package dev.shard4j.collectives.nccl;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;

/**
 * Every argument check of {@link NcclCommunicator}, in plain Java, run before any native call so that a bad call
 * throws {@link IllegalArgumentException} naming the operation and the offending value instead of reaching NCCL:
 * tensors present, open, on the communicator's device, f32 or bf16, contiguous, one dtype per call; element counts
 * related as the operation requires; root and peer in range; send and receive buffers either identical, in NCCL's
 * in-place layout (all-gather: the input is chunk {@code rank} of the output; reduce-scatter: the output is chunk
 * {@code rank} of the input) or disjoint. Stateless; any thread may call it.
 */
final class NcclCallValidator {
  private NcclCallValidator() {}

  /**
   * Checks one call of rank {@code rank} in a group of {@code size} on {@code device} and returns it ready for NCCL.
   * Single-tensor operations (in-place all-reduce, broadcast, reduce, send, recv) pass the same view as {@code in}
   * and {@code out}. {@code rootOrPeer} is the root of broadcast/reduce, the peer of send/recv, ignored otherwise.
   */
  static NcclCall validate(NcclOp op, BufferView in, BufferView out, ReduceOp reduceOp, int rootOrPeer, int rank,
      int size, Device device) {
    boolean single = in == out;
    check(op, single ? "t" : "in", in, device);
    if (!single) {
      check(op, "out", out, device);
      if (in.dtype() != out.dtype()) {
        throw new IllegalArgumentException(op.label + ": in is " + in.dtype() + " but out is " + out.dtype());
      }
    }
    if (op.reduces() && reduceOp == null) {
      throw new IllegalArgumentException(op.label + ": reduce op is null");
    }
    long ni = in.numel();
    long no = out.numel();
    long count = ni;
    switch (op) {
      case ALL_REDUCE -> requireEqual(op, ni, no);
      case ALL_GATHER -> {
        if (no != (long) size * ni) {
          throw new IllegalArgumentException(op.label + ": out has " + no + " elements, expected size * in = " + size
              + " * " + ni + " = " + (long) size * ni);
        }
      }
      case REDUCE_SCATTER -> {
        if (ni != (long) size * no) {
          throw new IllegalArgumentException(op.label + ": in has " + ni + " elements, expected size * out = " + size
              + " * " + no + " = " + (long) size * no);
        }
        count = no;
      }
      case ALL_TO_ALL -> {
        requireEqual(op, ni, no);
        if (ni % size != 0) {
          throw new IllegalArgumentException(op.label + ": in has " + ni + " elements, not divisible by size " + size);
        }
        count = ni / size;
      }
      case BROADCAST, REDUCE -> {
        if (rootOrPeer < 0 || rootOrPeer >= size) {
          throw new IllegalArgumentException(op.label + ": root " + rootOrPeer + " is out of range [0, " + size + ")");
        }
      }
      case SEND, RECV -> {
        if (rootOrPeer < 0 || rootOrPeer >= size || rootOrPeer == rank) {
          throw new IllegalArgumentException(op.label + ": peer " + rootOrPeer + " is invalid for rank " + rank
              + " of size " + size + " (must be in [0, " + size + ") and not self)");
        }
      }
      default -> throw new IllegalStateException("unknown op " + op);
    }
    if (!single) {
      checkOverlap(op, in, out, rank);
    }
    return new NcclCall(op, count, in.dtype(), op.reduces() ? reduceOp : null,
        op.rooted() || op.pointToPoint() ? rootOrPeer : -1, in.address(), out.address());
  }

  private static void check(NcclOp op, String name, BufferView t, Device device) {
    if (t == null) {
      throw new IllegalArgumentException(op.label + ": " + name + " is null");
    }
    if (t.closed()) {
      throw new IllegalArgumentException(op.label + ": " + name + " is closed");
    }
    if (!t.device().equals(device)) {
      throw new IllegalArgumentException(op.label + ": " + name + " is on " + t.device() + " but this communicator"
          + " runs on " + device + ": " + t.description());
    }
    if (t.dtype() != DType.F32 && t.dtype() != DType.BF16) {
      throw new IllegalArgumentException(op.label + ": " + name + " has dtype " + t.dtype() + ", expected F32 or BF16: "
          + t.description());
    }
    if (!t.contiguous()) {
      throw new IllegalArgumentException(op.label + ": " + name + " must be contiguous: " + t.description());
    }
  }

  private static void requireEqual(NcclOp op, long ni, long no) {
    if (ni != no) {
      throw new IllegalArgumentException(op.label + ": out has " + no + " elements, expected in = " + ni);
    }
  }

  private static void checkOverlap(NcclOp op, BufferView in, BufferView out, int rank) {
    long a = in.address();
    long b = out.address();
    long aBytes = in.bytes();
    long bBytes = out.bytes();
    if (aBytes == 0 || bBytes == 0 || a >= b + bBytes || b >= a + aBytes) {
      return;
    }
    if (a == b && aBytes == bBytes && (op == NcclOp.ALL_REDUCE)) {
      return;
    }
    if (op == NcclOp.ALL_GATHER && a == b + rank * aBytes) {
      return;
    }
    if (op == NcclOp.REDUCE_SCATTER && b == a + rank * bBytes) {
      return;
    }
    throw new IllegalArgumentException(op.label + ": in and out overlap (allowed: identical buffers for allReduce, in"
        + " = chunk " + rank + " of out for allGather, out = chunk " + rank + " of in for reduceScatter)");
  }
}
