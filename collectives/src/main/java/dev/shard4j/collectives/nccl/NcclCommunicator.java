package dev.shard4j.collectives.nccl;

import static dev.shard4j.collectives.nccl.NcclErrors.checkCuda;
import static dev.shard4j.collectives.nccl.NcclErrors.checkNccl;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.CommunicatorOptions;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.Store;
import dev.shard4j.collectives.Work;
import dev.shard4j.tensor.CudaRuntime;
import dev.shard4j.tensor.CudaStream;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.RawPointer;
import dev.shard4j.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nccl;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclUniqueId;
import org.bytedeco.javacpp.Pointer;

/**
 * One rank of a group whose CUDA tensors are exchanged by NCCL, through the JavaCPP bindings
 * ({@code org.bytedeco.cuda.global.nccl}). Create it with {@link dev.shard4j.collectives.Communicators#create(String,
 * CommunicatorOptions)} (backend {@code "nccl"}) or {@link #create}: rank 0 makes the NCCL unique id and publishes
 * it in the options' {@link Store}; every rank then calls {@code ncclCommInitRank} on the options' device.
 *
 * <p>How calls run: every public operation fills an {@link NcclCall} through {@link NcclCallValidator} (all
 * argument checks happen in Java, before any native call), then goes through one enqueue path: the communicator's
 * own CUDA stream waits for the calling thread's current stream ({@link CudaStream#currentHandle}) with an event,
 * the NCCL call is issued on the communicator's stream (all-to-all and send/recv inside
 * {@code ncclGroupStart/ncclGroupEnd}; all-to-all as {@code size} send/recv pairs), and a completion event is
 * recorded. Blocking calls poll that event until it completes; {@code *Async} calls return an {@link NcclWork}
 * over it. Because one stream carries every call of a communicator, calls complete in issue order.
 *
 * <p>Failures: while waiting, the communicator polls {@code ncclCommGetAsyncError} and the group's failure flag in
 * the store; when the timeout passes first it raises that flag and calls {@code ncclCommAbort}, and the call fails
 * with a {@link CommunicatorException} naming the operation, the rank and (for send/recv) the peer. Other ranks see
 * the flag within about 50 ms of polling and fail too. {@link #abort()} does the same from any thread. Calls whose
 * arguments differ between ranks (counts, roots, reduce ops) are detected only with the option
 * {@link NcclBackend#VERIFY_CALLS} (a store round trip per call); without it, as in NCCL
 * itself, they end in a timeout or in wrong results.
 *
 * <p>Known limit: NCCL runs in blocking mode, so a native call that blocks on the host (communicator setup, split,
 * the first send/recv between two ranks, which connects them) cannot be interrupted; the rendezvous before init
 * and split checks through the store, with the timeout, that every rank arrived.
 *
 * <p>Threading: one thread at a time issues calls (see {@link Communicator}); {@link #abort()} and the methods of
 * returned {@link Work}s may be called from any thread. The calling thread's current CUDA device is set to this
 * communicator's device by every call.
 */
public final class NcclCommunicator implements Communicator {
  private final int rank;
  private final int size;
  private final Device device;
  private final Duration timeout;
  private final Store store;
  private final GroupSignal signal;
  private final CallVerifier verifier;
  private final FailureGuard guard = new FailureGuard(this::abortHandle);
  private ncclComm comm;
  private final CudaStream stream;
  private final CUstream_st streamPtr;
  private final CUevent_st inputsReady;
  private final Pointer barrierBuffer;
  private final Set<NcclWork> pending = ConcurrentHashMap.newKeySet();
  private final List<NcclCommunicator> children = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private int splits;

  private NcclCommunicator(ncclComm comm, int rank, int size, Device device, Duration timeout, Store store,
      GroupSignal signal, boolean verify, CudaStream stream, CUevent_st inputsReady, Pointer barrierBuffer) {
    this.comm = comm;
    this.rank = rank;
    this.size = size;
    this.device = device;
    this.timeout = timeout;
    this.store = store;
    this.signal = signal;
    this.verifier = verify ? new CallVerifier(store, signal.group(), rank, size, timeout) : null;
    this.stream = stream;
    this.streamPtr = streamOf(stream.handle());
    this.inputsReady = inputsReady;
    this.barrierBuffer = barrierBuffer;
  }

  /**
   * Joins rank {@code options.rank()} of {@code options.size()} on {@code options.device()} (a CUDA device) to the
   * group {@code options.group()}. Blocks until every rank arrived (failing after the timeout, naming the missing
   * ranks' keys) and NCCL is set up. Throws {@link dev.shard4j.collectives.BackendUnavailableException} saying what
   * is missing when CUDA or NCCL cannot run here. The caller owns the result and must close it.
   */
  public static NcclCommunicator create(CommunicatorOptions options) {
    String what = "nccl: rank " + options.rank() + " of " + options.size();
    if (!options.device().isCuda()) {
      throw new IllegalArgumentException(what + ": the nccl backend needs a CUDA device, got " + options.device());
    }
    NcclLibrary.require(what);
    CudaRuntime.require(options.device(), what);
    setDevice(options.device(), what);
    Store store = options.store();
    String group = options.group();
    arrive(store, group + "/nccl/arrive", options.rank(), options.size(), options.timeout(), what + ": init");
    byte[] id;
    if (options.rank() == 0) {
      try (ncclUniqueId made = new ncclUniqueId()) {
        checkNccl(nccl.ncclGetUniqueId(made), what, "ncclGetUniqueId", null);
        id = new byte[nccl.NCCL_UNIQUE_ID_BYTES];
        made.internal().get(id);
      }
      store.set(group + "/nccl/id", id);
    } else {
      id = store.get(group + "/nccl/id", options.timeout());
    }
    if (id.length != nccl.NCCL_UNIQUE_ID_BYTES) {
      throw new CommunicatorException(what + ": the NCCL id in the store at '" + group + "/nccl/id' has " + id.length
          + " bytes, expected " + nccl.NCCL_UNIQUE_ID_BYTES);
    }
    ncclComm c = new ncclComm();
    try (ncclUniqueId uid = new ncclUniqueId()) {
      uid.internal().put(id);
      checkNccl(nccl.ncclCommInitRank(c, options.size(), uid, options.rank()), what, "ncclCommInitRank", null);
    }
    return open(c, options.rank(), options.size(), options.device(), options.timeout(), store,
        new GroupSignal(store, group), Boolean.parseBoolean(options.property(NcclBackend.VERIFY_CALLS, "false")),
        what);
  }

  /** Wraps an initialized NCCL communicator; aborts it when the CUDA resources cannot be made. */
  private static NcclCommunicator open(ncclComm c, int rank, int size, Device device, Duration timeout, Store store,
      GroupSignal signal, boolean verify, String what) {
    CudaStream s = null;
    CUevent_st ready = null;
    Pointer buffer = null;
    try {
      s = CudaStream.create(device);
      ready = newEvent(what);
      buffer = new Pointer();
      checkCuda(cudart.cudaMalloc(buffer, Float.BYTES), what, "cudaMalloc");
      return new NcclCommunicator(c, rank, size, device, timeout, store, signal, verify, s, ready, buffer);
    } catch (RuntimeException e) {
      nccl.ncclCommAbort(c);
      if (buffer != null && !buffer.isNull()) {
        cudart.cudaFree(buffer);
      }
      if (ready != null) {
        cudart.cudaEventDestroy(ready);
      }
      if (s != null) {
        s.close();
      }
      throw e;
    }
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  /** The CUDA device this communicator's tensors must live on. */
  public Device device() {
    return device;
  }

  /** The timeout after which a call waiting for its peers fails. */
  public Duration timeout() {
    return timeout;
  }

  // ---- public operations: thin wrappers that fill a call ------------------------------------------------------

  @Override
  public void allReduce(Tensor t, ReduceOp op) {
    run(check(NcclOp.ALL_REDUCE, t, t, op, -1));
  }

  @Override
  public void allReduce(Tensor in, Tensor out, ReduceOp op) {
    run(check(NcclOp.ALL_REDUCE, in, out, op, -1));
  }

  @Override
  public void allGather(Tensor in, Tensor out) {
    run(check(NcclOp.ALL_GATHER, in, out, null, -1));
  }

  @Override
  public void reduceScatter(Tensor in, Tensor out, ReduceOp op) {
    run(check(NcclOp.REDUCE_SCATTER, in, out, op, -1));
  }

  @Override
  public void broadcast(Tensor t, int root) {
    run(check(NcclOp.BROADCAST, t, t, null, root));
  }

  @Override
  public void reduce(Tensor t, int root, ReduceOp op) {
    run(check(NcclOp.REDUCE, t, t, op, root));
  }

  @Override
  public void allToAll(Tensor in, Tensor out) {
    run(check(NcclOp.ALL_TO_ALL, in, out, null, -1));
  }

  @Override
  public void send(Tensor t, int peer) {
    run(check(NcclOp.SEND, t, t, null, peer));
  }

  @Override
  public void recv(Tensor t, int peer) {
    run(check(NcclOp.RECV, t, t, null, peer));
  }

  @Override
  public void barrier() {
    checkUsable("barrier");
    run(new NcclCall(NcclOp.BARRIER, 1, DType.F32, ReduceOp.SUM, -1, barrierBuffer.address(),
        barrierBuffer.address()));
  }

  @Override
  public Work allReduceAsync(Tensor t, ReduceOp op) {
    return start(check(NcclOp.ALL_REDUCE, t, t, op, -1));
  }

  @Override
  public Work allReduceAsync(Tensor in, Tensor out, ReduceOp op) {
    return start(check(NcclOp.ALL_REDUCE, in, out, op, -1));
  }

  @Override
  public Work allGatherAsync(Tensor in, Tensor out) {
    return start(check(NcclOp.ALL_GATHER, in, out, null, -1));
  }

  @Override
  public Work reduceScatterAsync(Tensor in, Tensor out, ReduceOp op) {
    return start(check(NcclOp.REDUCE_SCATTER, in, out, op, -1));
  }

  @Override
  public Work broadcastAsync(Tensor t, int root) {
    return start(check(NcclOp.BROADCAST, t, t, null, root));
  }

  @Override
  public Work reduceAsync(Tensor t, int root, ReduceOp op) {
    return start(check(NcclOp.REDUCE, t, t, op, root));
  }

  @Override
  public Work allToAllAsync(Tensor in, Tensor out) {
    return start(check(NcclOp.ALL_TO_ALL, in, out, null, -1));
  }

  @Override
  public Work sendAsync(Tensor t, int peer) {
    return start(check(NcclOp.SEND, t, t, null, peer));
  }

  @Override
  public Work recvAsync(Tensor t, int peer) {
    return start(check(NcclOp.RECV, t, t, null, peer));
  }

  /**
   * Collective over this group: {@code ncclCommSplit} after a store rendezvous of all ranks (so a missing rank makes
   * the others fail after the timeout instead of blocking in NCCL). Negative colors map to
   * {@code NCCL_SPLIT_NOCOLOR}. The sub-group's failure flag lives at {@code <group>/split<n>/color<c>} in the same
   * store; it also watches this group's flag.
   */
  @Override
  public Communicator split(int color, int key) {
    checkUsable("split");
    String what = "split(color " + color + ", key " + key + ") on rank " + rank + " of " + size;
    setDevice(device, what);
    String base = signal.group() + "/split" + splits++;
    try {
      arrive(store, base + "/arrive", rank, size, timeout, what);
    } catch (CommunicatorException e) {
      fail(e, true);
      throw e;
    }
    ncclComm child = new ncclComm();
    guard.lock();
    try {
      checkHealthy("split");
      checkNccl(nccl.ncclCommSplit(comm, color < 0 ? nccl.NCCL_SPLIT_NOCOLOR : color, key, child, null), what,
          "ncclCommSplit", comm);
    } catch (CommunicatorException e) {
      fail(e, true);
      throw e;
    } finally {
      guard.unlock();
    }
    if (color < 0 || child.isNull()) {
      return null;
    }
    int[] childRank = new int[1];
    int[] childSize = new int[1];
    try {
      checkNccl(nccl.ncclCommUserRank(child, childRank), what, "ncclCommUserRank", child);
      checkNccl(nccl.ncclCommCount(child, childSize), what, "ncclCommCount", child);
    } catch (CommunicatorException e) {
      nccl.ncclCommAbort(child);
      throw e;
    }
    NcclCommunicator sub = open(child, childRank[0], childSize[0], device, timeout, store,
        signal.child(base + "/color" + color), verifier != null, what);
    children.add(sub);
    CommunicatorException f = guard.failure();
    if (f != null) {
      sub.fail(new CommunicatorException("parent group failed: " + f.getMessage(), f), false);
    }
    return sub;
  }

  /**
   * Fails every pending and future call of every rank: raises the group's failure flag in the store (peers fail
   * within about 50 ms of polling it) and aborts the NCCL communicator, also of sub-groups split from this one.
   * Any thread may call it.
   */
  @Override
  public void abort() {
    fail(new CommunicatorException("communicator aborted by rank " + rank + " of " + size), true);
  }

  /**
   * Waits for pending async calls (their failures stay with their {@link Work}), destroys the NCCL communicator
   * ({@code ncclCommDestroy}, or {@code ncclCommAbort} after a failure), then the stream, events and the barrier
   * buffer. Idempotent; sub-groups stay open and must be closed by their owners.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (NcclWork w : new ArrayList<>(pending)) {
      try {
        w.await();
      } catch (RuntimeException ignored) {
        // reported by that Work
      }
    }
    int previous = currentDevice();
    cudart.cudaSetDevice(device.index());
    guard.lock();
    try {
      if (comm != null) {
        if (guard.failure() == null) {
          nccl.ncclCommDestroy(comm);
        } else {
          nccl.ncclCommAbort(comm);
        }
        comm = null;
      }
    } finally {
      guard.unlock();
    }
    cudart.cudaEventDestroy(inputsReady);
    cudart.cudaFree(barrierBuffer);
    try {
      stream.close();
    } catch (RuntimeException ignored) {
      // the stream is gone either way; close() does not fail
    }
    if (previous >= 0) {
      cudart.cudaSetDevice(previous);
    }
  }

  @Override
  public String toString() {
    return "NcclCommunicator(rank " + rank + " of " + size + ", " + device + ", group '" + signal.group() + "')";
  }

  // ---- the shared check-and-enqueue path ----------------------------------------------------------------------

  private NcclCall check(NcclOp op, Tensor in, Tensor out, ReduceOp reduceOp, int rootOrPeer) {
    checkUsable(op.label);
    BufferView vin = BufferView.of(in);
    BufferView vout = in == out ? vin : BufferView.of(out);
    return NcclCallValidator.validate(op, vin, vout, reduceOp, rootOrPeer, rank, size, device);
  }

  private void run(NcclCall call) {
    long deadline = System.nanoTime() + timeout.toNanos();
    verify(call);
    CUevent_st done = enqueue(call);
    try {
      waitFor(done, call, deadline, Long.MAX_VALUE);
    } finally {
      cudart.cudaEventDestroy(done);
    }
  }

  private Work start(NcclCall call) {
    long deadline = System.nanoTime() + timeout.toNanos();
    verify(call);
    NcclWork w = new NcclWork(this, call, enqueue(call), deadline);
    pending.add(w);
    return w;
  }

  /** With {@link NcclBackend#VERIFY_CALLS}: checks through the store that the peers issue the same call. */
  private void verify(NcclCall call) {
    if (verifier == null) {
      return;
    }
    try {
      verifier.verify(call);
    } catch (CommunicatorException e) {
      fail(e, true);
      throw e;
    }
  }

  /** Called by a {@link NcclWork} once it observed completion or failure. */
  void finished(NcclWork w, CUevent_st event) {
    pending.remove(w);
    cudart.cudaEventDestroy(event);
  }

  private String context(NcclCall call) {
    return call.describe() + " on rank " + rank + " of " + size + " (" + device + ")";
  }

  /** Orders the call after the caller's stream, issues it on this communicator's stream, records its event. */
  private CUevent_st enqueue(NcclCall call) {
    String ctx = context(call);
    setDevice(device, ctx);
    guard.lock();
    CUevent_st done = null;
    try {
      checkHealthy(call.op().label);
      try {
        long caller = CudaStream.currentHandle(device);
        if (caller != stream.handle()) {
          checkCuda(cudart.cudaEventRecord(inputsReady, streamOf(caller)), ctx, "cudaEventRecord");
          checkCuda(cudart.cudaStreamWaitEvent(streamPtr, inputsReady, 0), ctx, "cudaStreamWaitEvent");
        }
        if (call.count() > 0) {
          issue(call, ctx); // zero-element calls match on every rank, so all of them skip NCCL alike
        }
        done = newEvent(ctx);
        checkCuda(cudart.cudaEventRecord(done, streamPtr), ctx, "cudaEventRecord");
        return done;
      } catch (CommunicatorException e) {
        if (done != null) {
          cudart.cudaEventDestroy(done);
        }
        fail(e, true);
        throw e;
      }
    } finally {
      guard.unlock();
    }
  }

  private void issue(NcclCall c, String ctx) {
    int es = c.dtype().byteSize();
    int dt = c.dtype() == DType.F32 ? nccl.ncclFloat32 : nccl.ncclBfloat16;
    long n = c.count();
    switch (c.op()) {
      case ALL_REDUCE, BARRIER -> checkNccl(nccl.ncclAllReduce(ptr(c.sendAddr(), n * es), ptr(c.recvAddr(), n * es),
          n, dt, redOp(c.reduceOp()), comm, streamPtr), ctx, "ncclAllReduce", comm);
      case ALL_GATHER -> checkNccl(nccl.ncclAllGather(ptr(c.sendAddr(), n * es), ptr(c.recvAddr(), n * es * size),
          n, dt, comm, streamPtr), ctx, "ncclAllGather", comm);
      case REDUCE_SCATTER -> checkNccl(nccl.ncclReduceScatter(ptr(c.sendAddr(), n * es * size),
          ptr(c.recvAddr(), n * es), n, dt, redOp(c.reduceOp()), comm, streamPtr), ctx, "ncclReduceScatter", comm);
      case BROADCAST -> checkNccl(nccl.ncclBroadcast(ptr(c.sendAddr(), n * es), ptr(c.recvAddr(), n * es), n, dt,
          c.rootOrPeer(), comm, streamPtr), ctx, "ncclBroadcast", comm);
      case REDUCE -> checkNccl(nccl.ncclReduce(ptr(c.sendAddr(), n * es), ptr(c.recvAddr(), n * es), n, dt,
          redOp(c.reduceOp()), c.rootOrPeer(), comm, streamPtr), ctx, "ncclReduce", comm);
      case ALL_TO_ALL, SEND, RECV -> issueGrouped(c, ctx, dt, es);
      default -> throw new IllegalStateException("unknown op " + c.op());
    }
  }

  /** All-to-all ({@code size} send/recv pairs) and send/recv, inside {@code ncclGroupStart/ncclGroupEnd}. */
  private void issueGrouped(NcclCall c, String ctx, int dt, int es) {
    long n = c.count();
    checkNccl(nccl.ncclGroupStart(), ctx, "ncclGroupStart", comm);
    int first = nccl.ncclSuccess;
    String firstCall = null;
    try {
      if (c.op() == NcclOp.ALL_TO_ALL) {
        for (int peer = 0; peer < size && first == nccl.ncclSuccess; peer++) {
          long off = peer * n * es;
          first = nccl.ncclSend(ptr(c.sendAddr() + off, n * es), n, dt, peer, comm, streamPtr);
          firstCall = "ncclSend(peer " + peer + ")";
          if (first == nccl.ncclSuccess) {
            first = nccl.ncclRecv(ptr(c.recvAddr() + off, n * es), n, dt, peer, comm, streamPtr);
            firstCall = "ncclRecv(peer " + peer + ")";
          }
        }
      } else if (c.op() == NcclOp.SEND) {
        first = nccl.ncclSend(ptr(c.sendAddr(), n * es), n, dt, c.rootOrPeer(), comm, streamPtr);
        firstCall = "ncclSend";
      } else {
        first = nccl.ncclRecv(ptr(c.recvAddr(), n * es), n, dt, c.rootOrPeer(), comm, streamPtr);
        firstCall = "ncclRecv";
      }
    } finally {
      int end = nccl.ncclGroupEnd();
      checkNccl(first, ctx, firstCall, comm);
      checkNccl(end, ctx, "ncclGroupEnd", comm);
    }
  }

  /**
   * Waits for the call whose completion {@code event} marks: true when it completed, false when {@code until}
   * passes first; throws when it fails (see {@link CompletionPoller#await}).
   */
  boolean waitFor(CUevent_st event, NcclCall call, long deadline, long until) {
    String ctx = context(call);
    CompletionPoller.Watched watched = new CompletionPoller.Watched() {
      @Override
      public boolean completed() {
        int q = cudart.cudaEventQuery(event);
        if (q != cudart.cudaSuccess && q != cudart.cudaErrorNotReady) {
          throw NcclErrors.cuda(ctx, "cudaEventQuery", q);
        }
        return q == cudart.cudaSuccess;
      }

      @Override
      public void checkAsyncError() {
        pollAsyncError(ctx);
      }

      @Override
      public CommunicatorException failure() {
        return guard.failure();
      }

      @Override
      public String failedElsewhere() {
        return signal.raised();
      }

      @Override
      public void fail(CommunicatorException e, boolean propagate) {
        NcclCommunicator.this.fail(e, propagate);
      }
    };
    return CompletionPoller.await(watched, ctx, deadline, until, timedOut(call), System::nanoTime);
  }

  private CommunicatorException timedOut(NcclCall call) {
    String who = switch (call.op()) {
      case SEND -> "rank " + call.rootOrPeer() + " did not post the matching recv";
      case RECV -> "rank " + call.rootOrPeer() + " did not post the matching send";
      default -> "some rank of the group did not issue it, issued different arguments, or failed";
    };
    return new CommunicatorException(context(call) + ": timed out after " + timeout.toMillis() + " ms; " + who
        + "; the group is aborted");
  }

  /** Throws when NCCL reports an asynchronous error; skips a round when another thread holds the handle. */
  private void pollAsyncError(String ctx) {
    if (!guard.tryLock()) {
      return;
    }
    try {
      if (comm == null) {
        return;
      }
      int[] result = new int[1];
      int status = nccl.ncclCommGetAsyncError(comm, result);
      if (status != nccl.ncclSuccess) {
        throw NcclErrors.nccl(ctx, "ncclCommGetAsyncError", status, comm);
      }
      if (result[0] != nccl.ncclSuccess && result[0] != nccl.ncclInProgress) {
        throw NcclErrors.nccl(ctx, "asynchronous NCCL error", result[0], comm);
      }
    } finally {
      guard.unlock();
    }
  }

  /**
   * Records the group's first failure, raises the store flag when {@code propagate}, aborts the NCCL communicator
   * (now if no native call holds it, else when that call returns) and fails the sub-groups.
   */
  private void fail(CommunicatorException e, boolean propagate) {
    if (!guard.record(e)) {
      return;
    }
    if (propagate) {
      signal.raise(e.getMessage());
    }
    for (NcclCommunicator child : children) {
      child.fail(new CommunicatorException("parent group failed: " + e.getMessage(), e), false);
    }
  }

  /** The abort action of the {@link FailureGuard}: aborts and forgets the NCCL handle (runs under the guard). */
  private void abortHandle() {
    if (comm != null) {
      int previous = currentDevice();
      cudart.cudaSetDevice(device.index());
      nccl.ncclCommAbort(comm);
      comm = null;
      if (previous >= 0 && previous != device.index()) {
        cudart.cudaSetDevice(previous);
      }
    }
  }

  private void checkUsable(String op) {
    if (closed) {
      throw new CommunicatorException(op + ": communicator (rank " + rank + " of " + size + ") is closed");
    }
    checkHealthy(op);
  }

  private void checkHealthy(String op) {
    CommunicatorException f = guard.failure();
    if (f != null) {
      throw new CommunicatorException(op + " on rank " + rank + " of " + size + ": the group failed earlier: "
          + f.getMessage(), f);
    }
  }

  // ---- rendezvous and CUDA utilities -------------------------------------------------------------------------------

  /**
   * Store rendezvous: sets {@code <prefix>/<rank>} and waits for the keys of all ranks, failing after
   * {@code timeout} with the missing keys (the rank is the last path element) in the message.
   */
  private static void arrive(Store store, String prefix, int rank, int size, Duration timeout, String what) {
    store.set(prefix + "/" + rank, "1".getBytes(StandardCharsets.US_ASCII));
    List<String> keys = new ArrayList<>(size);
    for (int r = 0; r < size; r++) {
      keys.add(prefix + "/" + r);
    }
    try {
      store.await(keys, timeout);
    } catch (CommunicatorException e) {
      throw new CommunicatorException(what + ": not every rank arrived within " + timeout.toMillis() + " ms ("
          + e.getMessage() + ")", e);
    }
  }

  private static void setDevice(Device device, String what) {
    checkCuda(cudart.cudaSetDevice(device.index()), what, "cudaSetDevice(" + device.index() + ")");
  }

  private static int currentDevice() {
    int[] d = new int[1];
    return cudart.cudaGetDevice(d) == cudart.cudaSuccess ? d[0] : -1;
  }

  private static CUevent_st newEvent(String what) {
    CUevent_st e = new CUevent_st();
    checkCuda(cudart.cudaEventCreateWithFlags(e, cudart.cudaEventDisableTiming), what, "cudaEventCreateWithFlags");
    return e;
  }

  private static CUstream_st streamOf(long handle) {
    return new CUstream_st(new RawPointer(handle, 0));
  }

  private static Pointer ptr(long address, long bytes) {
    return new RawPointer(address, bytes);
  }

  private static int redOp(ReduceOp op) {
    return switch (op) {
      case SUM -> nccl.ncclSum;
      case AVG -> nccl.ncclAvg;
      case MAX -> nccl.ncclMax;
      case MIN -> nccl.ncclMin;
      case PROD -> nccl.ncclProd;
    };
  }
}
