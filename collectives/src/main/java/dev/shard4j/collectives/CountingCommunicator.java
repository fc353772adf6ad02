package dev.shard4j.collectives;

import dev.shard4j.tensor.Tensor;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A {@link Communicator} decorator that counts the operations issued through it, by {@link Kind}, and the bytes of
 * the tensors this rank passes to them, then forwards every call unchanged. It lets tests and tools assert exactly
 * which collectives an operation issues (in the spirit of PyTorch's {@code CommDebugMode}).
 *
 * <p>Counting happens when a call is issued (also for the async variants), before the wrapped communicator runs it,
 * so a call that then fails is still counted. Communicators returned by {@link #split} are counting decorators too
 * and add to the same counters, so the counts of a rank cover its whole tree of sub-groups.
 *
 * <p>Bytes: all-reduce, broadcast, reduce, send and recv count the bytes of {@code t} (or {@code in}); all-gather,
 * reduce-scatter and all-to-all count the bytes of {@code in}; barrier and split count no bytes.
 *
 * <p>Ownership and threads: the decorator owns the wrapped communicator and closes it in {@link #close()}. It follows
 * the threading rules of {@link Communicator}; the counters themselves may be read and reset from any thread.
 */
public final class CountingCommunicator implements Communicator {
  /** The kinds of operations that are counted. */
  public enum Kind {
    ALL_REDUCE, ALL_GATHER, REDUCE_SCATTER, BROADCAST, REDUCE, ALL_TO_ALL, SEND, RECV, BARRIER, SPLIT
  }

  private static final Kind[] KINDS = Kind.values();

  private final Communicator inner;
  private final AtomicLongArray calls;
  private final AtomicLongArray bytes;

  /** Wraps {@code inner} (which this decorator then owns) with fresh counters. */
  public CountingCommunicator(Communicator inner) {
    this(inner, new AtomicLongArray(KINDS.length), new AtomicLongArray(KINDS.length));
  }

  private CountingCommunicator(Communicator inner, AtomicLongArray calls, AtomicLongArray bytes) {
    if (inner == null) {
      throw new IllegalArgumentException("CountingCommunicator: the wrapped communicator is null");
    }
    this.inner = inner;
    this.calls = calls;
    this.bytes = bytes;
  }

  /** The wrapped communicator (still owned by this decorator). */
  public Communicator inner() {
    return inner;
  }

  /** The number of operations of {@code kind} issued since creation or the last {@link #reset()}. */
  public long count(Kind kind) {
    return calls.get(kind.ordinal());
  }

  /** The bytes passed to operations of {@code kind} since creation or the last {@link #reset()}. */
  public long bytes(Kind kind) {
    return bytes.get(kind.ordinal());
  }

  /** The number of operations of every kind, summed. */
  public long totalCount() {
    long s = 0;
    for (int i = 0; i < KINDS.length; i++) {
      s += calls.get(i);
    }
    return s;
  }

  /** The non-zero counts, by kind, as a new map the caller owns. */
  public Map<Kind, Long> snapshot() {
    Map<Kind, Long> m = new EnumMap<>(Kind.class);
    for (Kind k : KINDS) {
      long c = calls.get(k.ordinal());
      if (c != 0) {
        m.put(k, c);
      }
    }
    return m;
  }

  /** Sets every counter (shared with the communicators split from this one) to zero. */
  public void reset() {
    for (int i = 0; i < KINDS.length; i++) {
      calls.set(i, 0);
      bytes.set(i, 0);
    }
  }

  private void record(Kind kind, Tensor t) {
    calls.incrementAndGet(kind.ordinal());
    if (t != null && !t.isClosed()) {
      bytes.addAndGet(kind.ordinal(), t.numel() * t.dtype().byteSize());
    }
  }

  @Override
  public int rank() {
    return inner.rank();
  }

  @Override
  public int size() {
    return inner.size();
  }

  @Override
  public void allReduce(Tensor t, ReduceOp op) {
    record(Kind.ALL_REDUCE, t);
    inner.allReduce(t, op);
  }

  @Override
  public void allReduce(Tensor in, Tensor out, ReduceOp op) {
    record(Kind.ALL_REDUCE, in);
    inner.allReduce(in, out, op);
  }

  @Override
  public void allGather(Tensor in, Tensor out) {
    record(Kind.ALL_GATHER, in);
    inner.allGather(in, out);
  }

  @Override
  public void reduceScatter(Tensor in, Tensor out, ReduceOp op) {
    record(Kind.REDUCE_SCATTER, in);
    inner.reduceScatter(in, out, op);
  }

  @Override
  public void broadcast(Tensor t, int root) {
    record(Kind.BROADCAST, t);
    inner.broadcast(t, root);
  }

  @Override
  public void reduce(Tensor t, int root, ReduceOp op) {
    record(Kind.REDUCE, t);
    inner.reduce(t, root, op);
  }

  @Override
  public void allToAll(Tensor in, Tensor out) {
    record(Kind.ALL_TO_ALL, in);
    inner.allToAll(in, out);
  }

  @Override
  public void send(Tensor t, int peer) {
    record(Kind.SEND, t);
    inner.send(t, peer);
  }

  @Override
  public void recv(Tensor t, int peer) {
    record(Kind.RECV, t);
    inner.recv(t, peer);
  }

  @Override
  public void barrier() {
    record(Kind.BARRIER, null);
    inner.barrier();
  }

  @Override
  public Work allReduceAsync(Tensor t, ReduceOp op) {
    record(Kind.ALL_REDUCE, t);
    return inner.allReduceAsync(t, op);
  }

  @Override
  public Work allReduceAsync(Tensor in, Tensor out, ReduceOp op) {
    record(Kind.ALL_REDUCE, in);
    return inner.allReduceAsync(in, out, op);
  }

  @Override
  public Work allGatherAsync(Tensor in, Tensor out) {
    record(Kind.ALL_GATHER, in);
    return inner.allGatherAsync(in, out);
  }

  @Override
  public Work reduceScatterAsync(Tensor in, Tensor out, ReduceOp op) {
    record(Kind.REDUCE_SCATTER, in);
    return inner.reduceScatterAsync(in, out, op);
  }

  @Override
  public Work broadcastAsync(Tensor t, int root) {
    record(Kind.BROADCAST, t);
    return inner.broadcastAsync(t, root);
  }

  @Override
  public Work reduceAsync(Tensor t, int root, ReduceOp op) {
    record(Kind.REDUCE, t);
    return inner.reduceAsync(t, root, op);
  }

  @Override
  public Work allToAllAsync(Tensor in, Tensor out) {
    record(Kind.ALL_TO_ALL, in);
    return inner.allToAllAsync(in, out);
  }

  @Override
  public Work sendAsync(Tensor t, int peer) {
    record(Kind.SEND, t);
    return inner.sendAsync(t, peer);
  }

  @Override
  public Work recvAsync(Tensor t, int peer) {
    record(Kind.RECV, t);
    return inner.recvAsync(t, peer);
  }

  /** Splits the wrapped communicator; the sub-communicator counts into this decorator's counters. */
  @Override
  public Communicator split(int color, int key) {
    record(Kind.SPLIT, null);
    Communicator sub = inner.split(color, key);
    return sub == null ? null : new CountingCommunicator(sub, calls, bytes);
  }

  @Override
  public void abort() {
    inner.abort();
  }

  @Override
  public void close() {
    inner.close();
  }

  @Override
  public String toString() {
    return "CountingCommunicator" + snapshot() + " over " + inner;
  }
}
