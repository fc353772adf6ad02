package dev.shard4j.collectives;

import dev.shard4j.tensor.Tensor;

/**
 * A group of {@link #size()} ranks that exchange tensors, in the spirit of an NCCL communicator or a
 * torch.distributed process group. Each rank holds its own Communicator object.
 *
 * <p><b>Calling rules.</b> Collectives must be issued by every rank of the group in the same order with matching
 * arguments (same operation, element count, dtype, reduce op and root); a mismatch is detected and fails the
 * operation on all ranks. A Communicator is used by one thread at a time (its owning rank's thread); the
 * {@code *Async} variants run in issue order on a per-communicator worker and return a {@link Work}. Blocking
 * calls wait for earlier async calls of the same communicator first, so ordering is always the issue order.
 *
 * <p><b>Tensors.</b> Every tensor must be contiguous, open, of a floating dtype (f32 or bf16), and all tensors
 * of one call must share dtype and device. The caller keeps ownership of every tensor; the communicator never
 * closes or retains them beyond the call (or beyond {@link Work#await()} for async calls). "Flat" means the
 * tensors are treated as flat element arrays whatever their shapes; chunk {@code j} of a tensor with {@code size *
 * m} elements is elements {@code [j*m, (j+1)*m)}.
 *
 * <p><b>Failures.</b> A rank that does not arrive within the communicator's timeout makes the others fail with a
 * {@link CommunicatorException} naming the missing ranks; {@link #abort()} makes every pending and future
 * operation of every rank fail promptly. After any such failure the group is broken for good.
 */
public interface Communicator extends AutoCloseable {
  /** This rank's index in {@code [0, size())}. */
  int rank();

  /** The number of ranks in the group. */
  int size();

  /**
   * In place: every rank's {@code t} becomes the element-wise reduction of all ranks' {@code t}. Any element count
   * is allowed (also 0 and counts not divisible by {@link #size()}); every rank gets bit-identical results.
   */
  void allReduce(Tensor t, ReduceOp op);

  /**
   * {@code out} on every rank becomes the reduction of all ranks' {@code in}; {@code in} and {@code out} have the
   * same number of elements; {@code in} is not modified unless it is {@code out}.
   */
  void allReduce(Tensor in, Tensor out, ReduceOp op);

  /** {@code out} (size * in elements) becomes the concatenation of every rank's {@code in} in rank order. */
  void allGather(Tensor in, Tensor out);

  /**
   * {@code in} has {@code size * out} elements; {@code out} on rank r becomes the reduction over ranks of chunk r
   * of their {@code in}.
   */
  void reduceScatter(Tensor in, Tensor out, ReduceOp op);

  /** Every rank's {@code t} becomes a copy of rank {@code root}'s {@code t}. */
  void broadcast(Tensor t, int root);

  /** Rank {@code root}'s {@code t} becomes the reduction of all ranks' {@code t}; the others' are unchanged. */
  void reduce(Tensor t, int root, ReduceOp op);

  /**
   * {@code in} and {@code out} both have {@code size} equal chunks; chunk j of rank i's {@code in} lands in chunk i
   * of rank j's {@code out}. {@code in} and {@code out} must not overlap.
   */
  void allToAll(Tensor in, Tensor out);

  /** Sends {@code t} to rank {@code peer}, blocking until {@code peer} has received it with {@link #recv}. */
  void send(Tensor t, int peer);

  /** Receives into {@code t} the tensor that rank {@code peer} sends; the element counts and dtypes must match. */
  void recv(Tensor t, int peer);

  /** Blocks until every rank has called barrier. */
  void barrier();

  /** Asynchronous {@link #allReduce(Tensor, ReduceOp)}. */
  Work allReduceAsync(Tensor t, ReduceOp op);

  /** Asynchronous {@link #allReduce(Tensor, Tensor, ReduceOp)}. */
  Work allReduceAsync(Tensor in, Tensor out, ReduceOp op);

  /** Asynchronous {@link #allGather(Tensor, Tensor)}. */
  Work allGatherAsync(Tensor in, Tensor out);

  /** Asynchronous {@link #reduceScatter(Tensor, Tensor, ReduceOp)}. */
  Work reduceScatterAsync(Tensor in, Tensor out, ReduceOp op);

  /** Asynchronous {@link #broadcast(Tensor, int)}. */
  Work broadcastAsync(Tensor t, int root);

  /** Asynchronous {@link #reduce(Tensor, int, ReduceOp)}. */
  Work reduceAsync(Tensor t, int root, ReduceOp op);

  /** Asynchronous {@link #allToAll(Tensor, Tensor)}. */
  Work allToAllAsync(Tensor in, Tensor out);

  /**
   * Asynchronous {@link #send(Tensor, int)}. Like every async call it runs in issue order with the other calls of
   * this communicator, so a rank that posts a send and then a receive waits for the send to be matched first.
   */
  Work sendAsync(Tensor t, int peer);

  /** Asynchronous {@link #recv(Tensor, int)}; runs in issue order like {@link #sendAsync}. */
  Work recvAsync(Tensor t, int peer);

  /**
   * Collective: splits the group into sub-communicators, one per distinct non-negative {@code color}; ranks with
   * the same color form a group ordered by {@code key}, then by their rank here. A rank passing a negative color
   * takes part in the call but joins no group and gets {@code null}. The caller owns the returned communicator
   * and must close it; it has its own barriers and channels and the same timeout. Aborting (or a failure of)
   * this group also fails the sub-group, so no rank hangs in a sub-group after its parent broke; aborting the
   * sub-group does not affect this one.
   */
  Communicator split(int color, int key);

  /**
   * Aborts the group: every pending and future operation on every rank fails promptly with a
   * {@link CommunicatorException}. Any thread may call it, also while another thread is blocked in a collective.
   */
  void abort();

  /**
   * Releases this rank's resources (its async worker) after waiting for its pending async operations. Further
   * calls on this communicator fail. Idempotent. Closing does not affect the other ranks.
   */
  @Override
  void close();
}
