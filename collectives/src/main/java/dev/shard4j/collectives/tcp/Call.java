package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Tensor;

/**
 * What one rank asked for in one call: op code ({@link Frame}), buffer addresses, element counts, dtype, reduce op
 * and root (the peer for send/recv). {@link #of} checks the arguments at the boundary with messages naming the
 * operation and the values, the same as the local backend. Internal.
 */
record Call(byte op, long in, long out, long inCount, long outCount, DType dtype, ReduceOp rop, int root) {

  static Call of(byte op, Tensor in, Tensor out, ReduceOp rop, int root, TcpCommunicator c) {
    String name = Frame.opName(op);
    c.checkUsable(name);
    int p = c.size();
    if (op == Frame.BARRIER) {
      return new Call(op, 0, 0, 0, 0, DType.F32, null, -1);
    }
    boolean single = in == out;
    checkTensor(name, single ? "t" : "in", in);
    if (!single) {
      checkTensor(name, "out", out);
      if (in.dtype() != out.dtype()) {
        throw new IllegalArgumentException(name + ": in is " + in.dtype() + " but out is " + out.dtype());
      }
    }
    if ((op == Frame.REDUCE || op == Frame.ALL_REDUCE || op == Frame.REDUCE_SCATTER) && rop == null) {
      throw new IllegalArgumentException(name + ": reduce op is null");
    }
    long ni = in.numel();
    long no = out.numel();
    switch (op) {
      case Frame.ALL_REDUCE -> {
        if (ni != no) {
          throw new IllegalArgumentException(name + ": out has " + no + " elements, expected in = " + ni);
        }
      }
      case Frame.ALL_GATHER -> {
        if (no != p * ni) {
          throw new IllegalArgumentException(name + ": out has " + no + " elements, expected size * in = " + p
              + " * " + ni + " = " + p * ni);
        }
      }
      case Frame.REDUCE_SCATTER -> {
        if (ni != p * no) {
          throw new IllegalArgumentException(name + ": in has " + ni + " elements, expected size * out = " + p
              + " * " + no + " = " + p * no);
        }
      }
      case Frame.ALL_TO_ALL -> {
        if (ni != no) {
          throw new IllegalArgumentException(name + ": out has " + no + " elements, expected in = " + ni);
        }
        if (ni % p != 0) {
          throw new IllegalArgumentException(name + ": in has " + ni + " elements, not divisible by size " + p);
        }
      }
      case Frame.BROADCAST, Frame.REDUCE -> {
        if (root < 0 || root >= p) {
          throw new IllegalArgumentException(name + ": root " + root + " is out of range [0, " + p + ")");
        }
      }
      case Frame.SEND, Frame.RECV -> {
        if (root < 0 || root >= p || root == c.rank()) {
          throw new IllegalArgumentException(name + ": peer " + root + " is invalid for rank " + c.rank()
              + " of size " + p + " (must be in [0, " + p + ") and not self)");
        }
      }
      default -> throw new IllegalStateException("unknown op " + op);
    }
    int es = in.dtype().byteSize();
    long ia = in.dataAddress();
    long oa = out.dataAddress();
    if (!single && ia != oa && overlap(ia, ni * es, oa, no * es)) {
      if (!(op == Frame.ALL_GATHER && ia == oa + c.rank() * ni * es)
          && !(op == Frame.REDUCE_SCATTER && oa == ia + c.rank() * no * es)) {
        throw new IllegalArgumentException(name + ": in and out overlap (only identical buffers, or in = chunk "
            + c.rank() + " of out for allGather / out = chunk " + c.rank() + " of in for reduceScatter, are allowed)");
      }
    }
    if (op == Frame.ALL_TO_ALL && ia == oa && ni > 0) {
      throw new IllegalArgumentException(name + ": in and out must be different buffers");
    }
    int r = op == Frame.ALL_REDUCE || op == Frame.ALL_GATHER || op == Frame.REDUCE_SCATTER
        || op == Frame.ALL_TO_ALL ? -1 : root;
    return new Call(op, ia, oa, ni, no, in.dtype(), rop, r);
  }

  private static void checkTensor(String op, String name, Tensor t) {
    if (t == null) {
      throw new IllegalArgumentException(op + ": " + name + " is null");
    }
    if (t.isClosed()) {
      throw new IllegalArgumentException(op + ": " + name + " is closed");
    }
    if (!t.device().isCpu()) {
      throw new IllegalArgumentException(op + ": " + name + " is on " + t.device()
          + ", the TCP backend supports cpu tensors only: " + t.describe());
    }
    if (t.dtype() != DType.F32 && t.dtype() != DType.BF16) {
      throw new IllegalArgumentException(op + ": " + name + " has dtype " + t.dtype()
          + ", expected F32 or BF16: " + t.describe());
    }
    if (!t.isContiguous()) {
      throw new IllegalArgumentException(op + ": " + name + " must be contiguous: " + t.describe());
    }
  }

  private static boolean overlap(long a, long aBytes, long b, long bBytes) {
    return aBytes > 0 && bBytes > 0 && a < b + bBytes && b < a + aBytes;
  }
}
