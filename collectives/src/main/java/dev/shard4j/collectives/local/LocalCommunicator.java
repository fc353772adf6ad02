package dev.shard4j.collectives.local;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.FutureWork;
import dev.shard4j.collectives.Work;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One rank of a group of ranks that are threads of this JVM, exchanging CPU tensors through shared memory (see
 * {@link LocalCluster} to create a group). Each collective publishes a descriptor of its buffers; peers read and
 * write each other's buffers directly between barriers, so there are no staging copies:
 *
 * <ul>
 *   <li>all-reduce: rank r owns chunk r; block by block ({@link #BLOCK_BYTES}) it reduces that block of every
 *       rank's input into its own output and, while the block is still in cache, copies it into every peer's
 *       output. Every element is reduced once and read from memory once per input, so every rank gets
 *       bit-identical results and the memory traffic is one read of each input and one write of each output;
 *   <li>reduce-scatter: rank r reduces chunk r of every peer's input into its output, block by block;
 *   <li>all-gather, all-to-all, broadcast: direct copies from the owners' buffers; reduce: the root reduces;
 *   <li>send/recv: a per-ordered-pair rendezvous; the receiver copies from the sender's buffer.
 * </ul>
 *
 * <p>Every public collective fills a descriptor and goes through one validate-and-run path; the descriptors of all
 * ranks are compared at the first barrier and a mismatch fails the call on every rank. Barriers spin briefly,
 * then park, and fail after the group's timeout naming the ranks that did not arrive. A CPU-only backend: f32 and
 * bf16 tensors. Threading: one thread at a time per communicator (see {@link Communicator}); {@link #abort()}
 * may be called from any thread.
 */
public final class LocalCommunicator implements Communicator {
  /**
   * Reductions work in blocks of this many bytes so that a block stays in the core's cache between its combine
   * steps and, for all-reduce, while it is written to every rank's output.
   */
  static final long BLOCK_BYTES = 256 * 1024;

  private final LocalGroup group;
  private final int rank;
  private ExecutorService worker;
  private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
  private volatile boolean closed;

  LocalCommunicator(LocalGroup group, int rank) {
    this.group = group;
    this.rank = rank;
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return group.size;
  }

  /** The timeout after which a rank waiting for missing peers fails. */
  public Duration timeout() {
    return group.timeout;
  }

  // ---- public collectives: thin wrappers that fill a descriptor ----------------------------------------------

  @Override
  public void allReduce(Tensor t, ReduceOp op) {
    call(validate("allReduce", t, t, op, -1), false);
  }

  @Override
  public void allReduce(Tensor in, Tensor out, ReduceOp op) {
    call(validate("allReduce", in, out, op, -1), false);
  }

  @Override
  public void allGather(Tensor in, Tensor out) {
    call(validate("allGather", in, out, null, -1), false);
  }

  @Override
  public void reduceScatter(Tensor in, Tensor out, ReduceOp op) {
    call(validate("reduceScatter", in, out, op, -1), false);
  }

  @Override
  public void broadcast(Tensor t, int root) {
    call(validate("broadcast", t, t, null, root), false);
  }

  @Override
  public void reduce(Tensor t, int root, ReduceOp op) {
    call(validate("reduce", t, t, op, root), false);
  }

  @Override
  public void allToAll(Tensor in, Tensor out) {
    call(validate("allToAll", in, out, null, -1), false);
  }

  @Override
  public void send(Tensor t, int peer) {
    call(validate("send", t, t, null, peer), false);
  }

  @Override
  public void recv(Tensor t, int peer) {
    call(validate("recv", t, t, null, peer), false);
  }

  @Override
  public void barrier() {
    call(validate("barrier", null, null, null, -1), false);
  }

  @Override
  public Work allReduceAsync(Tensor t, ReduceOp op) {
    return call(validate("allReduce", t, t, op, -1), true);
  }

  @Override
  public Work allReduceAsync(Tensor in, Tensor out, ReduceOp op) {
    return call(validate("allReduce", in, out, op, -1), true);
  }

  @Override
  public Work allGatherAsync(Tensor in, Tensor out) {
    return call(validate("allGather", in, out, null, -1), true);
  }

  @Override
  public Work reduceScatterAsync(Tensor in, Tensor out, ReduceOp op) {
    return call(validate("reduceScatter", in, out, op, -1), true);
  }

  @Override
  public Work broadcastAsync(Tensor t, int root) {
    return call(validate("broadcast", t, t, null, root), true);
  }

  @Override
  public Work reduceAsync(Tensor t, int root, ReduceOp op) {
    return call(validate("reduce", t, t, op, root), true);
  }

  @Override
  public Work allToAllAsync(Tensor in, Tensor out) {
    return call(validate("allToAll", in, out, null, -1), true);
  }

  @Override
  public Work sendAsync(Tensor t, int peer) {
    return call(validate("send", t, t, null, peer), true);
  }

  @Override
  public Work recvAsync(Tensor t, int peer) {
    return call(validate("recv", t, t, null, peer), true);
  }

  @Override
  public Communicator split(int color, int key) {
    checkUsable("split");
    Desc d = new Desc("split", 0, 0, DType.F32, null, -1, 0, 0, color, key);
    drainAsync();
    group.checkHealthy();
    group.slots[rank] = d;
    group.await(rank, "split", g -> {
      String m = matchCheck(g);
      if (m != null) {
        return m;
      }
      Map<Integer, List<Integer>> byColor = new TreeMap<>();
      for (int r = 0; r < g.size; r++) {
        if (g.slots[r].color() >= 0) {
          byColor.computeIfAbsent(g.slots[r].color(), c -> new ArrayList<>()).add(r);
        }
      }
      java.util.Arrays.fill(g.results, null);
      for (List<Integer> members : byColor.values()) {
        members.sort(Comparator.<Integer>comparingInt(r -> g.slots[r].key()).thenComparingInt(r -> r));
        LocalGroup sub = new LocalGroup(members.size(), g.timeout);
        g.addChild(sub);
        for (int i = 0; i < members.size(); i++) {
          g.results[members.get(i)] = new LocalCommunicator(sub, i);
        }
      }
      return null;
    });
    return (Communicator) group.results[rank];
  }

  @Override
  public void abort() {
    group.fail(new CommunicatorException("communicator aborted by rank " + rank + " of " + group.size));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    drainAsync();
    group.memberClosed();
    if (worker != null) {
      worker.shutdown();
      try {
        if (!worker.awaitTermination(group.timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
          worker.shutdownNow();
        }
      } catch (InterruptedException e) {
        worker.shutdownNow();
        Thread.currentThread().interrupt();
      }
      worker = null;
    }
  }

  @Override
  public String toString() {
    return "LocalCommunicator(rank " + rank + " of " + group.size + ")";
  }

  // ---- the shared validate-and-run path --------------------------------------------------------------------

  private void checkUsable(String op) {
    if (closed) {
      throw new CommunicatorException(op + ": communicator (rank " + rank + " of " + group.size + ") is closed");
    }
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
          + ", the local backend supports cpu tensors only: " + t.describe());
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

  /** Checks the arguments of one call on this rank and returns its descriptor. */
  private Desc validate(String op, Tensor in, Tensor out, ReduceOp rop, int root) {
    checkUsable(op);
    int p = group.size;
    if (op.equals("barrier")) {
      return new Desc(op, 0, 0, DType.F32, null, -1, 0, 0, 0, 0);
    }
    boolean single = in == out;
    checkTensor(op, single ? "t" : "in", in);
    if (!single) {
      checkTensor(op, "out", out);
      if (in.dtype() != out.dtype()) {
        throw new IllegalArgumentException(op + ": in is " + in.dtype() + " but out is " + out.dtype());
      }
    }
    if ((op.equals("reduce") || op.equals("allReduce") || op.equals("reduceScatter")) && rop == null) {
      throw new IllegalArgumentException(op + ": reduce op is null");
    }
    long ni = in.numel();
    long no = out.numel();
    switch (op) {
      case "allReduce" -> {
        if (ni != no) {
          throw new IllegalArgumentException(op + ": out has " + no + " elements, expected in = " + ni);
        }
      }
      case "allGather" -> {
        if (no != p * ni) {
          throw new IllegalArgumentException(op + ": out has " + no + " elements, expected size * in = " + p
              + " * " + ni + " = " + p * ni);
        }
      }
      case "reduceScatter" -> {
        if (ni != p * no) {
          throw new IllegalArgumentException(op + ": in has " + ni + " elements, expected size * out = " + p
              + " * " + no + " = " + p * no);
        }
      }
      case "allToAll" -> {
        if (ni != no) {
          throw new IllegalArgumentException(op + ": out has " + no + " elements, expected in = " + ni);
        }
        if (ni % p != 0) {
          throw new IllegalArgumentException(op + ": in has " + ni + " elements, not divisible by size " + p);
        }
      }
      case "broadcast", "reduce" -> {
        if (root < 0 || root >= p) {
          throw new IllegalArgumentException(op + ": root " + root + " is out of range [0, " + p + ")");
        }
      }
      case "send", "recv" -> {
        if (root < 0 || root >= p || root == rank) {
          throw new IllegalArgumentException(op + ": peer " + root + " is invalid for rank " + rank + " of size " + p
              + " (must be in [0, " + p + ") and not self)");
        }
      }
      default -> throw new IllegalStateException("unknown op " + op);
    }
    int es = in.dtype().byteSize();
    if (!single && in.dataAddress() != out.dataAddress()
        && overlap(in.dataAddress(), ni * es, out.dataAddress(), no * es)) {
      if (!(op.equals("allGather") && in.dataAddress() == out.dataAddress() + rank * ni * es)
          && !(op.equals("reduceScatter") && out.dataAddress() == in.dataAddress() + rank * no * es)) {
        throw new IllegalArgumentException(op + ": in and out overlap (only identical buffers, or in = chunk "
            + rank + " of out for allGather / out = chunk " + rank + " of in for reduceScatter, are allowed)");
      }
    }
    if (op.equals("allToAll") && in.dataAddress() == out.dataAddress() && ni > 0) {
      throw new IllegalArgumentException(op + ": in and out must be different buffers");
    }
    return new Desc(op, ni, no, in.dtype(), rop, op.equals("send") || op.equals("recv") ? -1 : root,
        in.dataAddress(), out.dataAddress(), root, 0);
  }

  private Work call(Desc d, boolean async) {
    if (!async) {
      drainAsync();
      execute(d);
      return null;
    }
    if (worker == null) {
      worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "shard4j-local-rank" + rank + "-of" + group.size);
        t.setDaemon(true);
        return t;
      });
    }
    CompletableFuture<Void> f = last.handle((v, e) -> null).thenRunAsync(() -> execute(d), worker);
    last = f;
    return new FutureWork(f);
  }

  /** Waits for this communicator's earlier async operations (their failures are reported by their Work). */
  private void drainAsync() {
    try {
      last.handle((v, e) -> null).join();
    } catch (CompletionException ignored) {
      // handled by the Work of that operation
    }
  }

  static String matchCheck(LocalGroup g) {
    for (int r = 1; r < g.size; r++) {
      if (!g.slots[r].matches(g.slots[0])) {
        return "mismatched collectives: rank 0 called " + g.slots[0] + ", rank " + r + " called " + g.slots[r];
      }
    }
    return null;
  }

  private void execute(Desc d) {
    group.checkHealthy();
    if (d.op().equals("send")) {
      send(d);
      return;
    }
    if (d.op().equals("recv")) {
      recv(d);
      return;
    }
    group.slots[rank] = d;
    group.await(rank, d.op(), LocalCommunicator::matchCheck);
    try {
      int p = group.size;
      DType dt = d.dtype();
      int es = dt.byteSize();
      Desc[] s = group.slots;
      switch (d.op()) {
        case "barrier" -> {
          return;
        }
        case "allReduce" -> {
          long n = d.inCount();
          long lo = n * rank / p;
          long hi = n * (rank + 1) / p;
          long block = BLOCK_BYTES / es;
          for (long b = lo; b < hi; b += block) {
            long len = Math.min(block, hi - b);
            long off = b * es;
            long acc = d.outAddr() + off;
            reduceInto(acc, s, off, len, d);
            for (int k = 1; k < p; k++) {
              Kernels.copy(s[(rank + k) % p].outAddr() + off, acc, len, dt);
            }
          }
        }
        case "reduceScatter" -> {
          long m = d.outCount();
          long block = BLOCK_BYTES / es;
          for (long b = 0; b < m; b += block) {
            long len = Math.min(block, m - b);
            reduceInto(d.outAddr() + b * es, s, (rank * m + b) * es, len, d);
          }
        }
        case "allGather" -> {
          long m = d.inCount();
          for (int j = 0; j < p; j++) {
            Kernels.copy(d.outAddr() + j * m * es, s[j].inAddr(), m, dt);
          }
        }
        case "allToAll" -> {
          long m = d.inCount() / p;
          for (int i = 0; i < p; i++) {
            Kernels.copy(d.outAddr() + i * m * es, s[i].inAddr() + rank * m * es, m, dt);
          }
        }
        case "broadcast" -> {
          if (rank != d.root()) {
            Kernels.copy(d.outAddr(), s[d.root()].inAddr(), d.inCount(), dt);
          }
        }
        case "reduce" -> {
          if (rank == d.root()) {
            long n = d.inCount();
            long block = BLOCK_BYTES / es;
            for (long b = 0; b < n; b += block) {
              reduceInto(d.outAddr() + b * es, s, b * es, Math.min(block, n - b), d);
            }
          }
        }
        default -> throw new IllegalStateException("unknown op " + d.op());
      }
    } catch (RuntimeException e) {
      if (!(e instanceof CommunicatorException)) {
        group.fail(new CommunicatorException(d.op() + " failed on rank " + rank + ": " + e, e));
      }
      throw e;
    }
    group.await(rank, d.op(), null);
  }

  /**
   * {@code dst[0, len)} becomes the reduction over all ranks of their input at byte offset {@code off}, combined in
   * the order rank, rank + 1, ..., then finished (AVG's scaling). Each element is computed by exactly one rank, so
   * every copy of it is bit-identical. {@code dst} may be this rank's own input there.
   */
  private void reduceInto(long dst, Desc[] s, long off, long len, Desc d) {
    int p = group.size;
    if (p == 1) {
      Kernels.copy(dst, s[rank].inAddr() + off, len, d.dtype());
    } else {
      Kernels.combine(d.reduceOp(), dst, s[rank].inAddr() + off, s[(rank + 1) % p].inAddr() + off, len, d.dtype());
      for (int k = 2; k < p; k++) {
        Kernels.accumulate(d.reduceOp(), dst, s[(rank + k) % p].inAddr() + off, len, d.dtype());
      }
    }
    Kernels.finish(d.reduceOp(), dst, len, d.dtype(), p);
  }

  private void send(Desc d) {
    int peer = d.color();
    Transfer t = new Transfer(d.inAddr(), d.inCount(), d.dtype(), new CompletableFuture<>());
    group.channels.get(rank * group.size + peer).add(t);
    long deadline = System.nanoTime() + group.timeout.toNanos();
    while (true) {
      group.checkHealthy();
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        CommunicatorException e = new CommunicatorException("send: timed out after " + group.timeout.toMillis()
            + " ms on rank " + rank + " waiting for rank " + peer + " to receive");
        group.fail(e);
        throw e;
      }
      try {
        t.done().get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)), TimeUnit.NANOSECONDS);
        return;
      } catch (TimeoutException ignored) {
        // re-check failure and deadline
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        throw new CommunicatorException("send to rank " + peer + " failed on rank " + rank + ": " + c.getMessage(), c);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommunicatorException("send: interrupted on rank " + rank, e);
      }
    }
  }

  private void recv(Desc d) {
    int peer = d.color();
    Transfer t = group.take(peer, rank, "recv");
    if (t.count() != d.inCount() || t.dtype() != d.dtype()) {
      CommunicatorException e = new CommunicatorException("mismatched send/recv: rank " + peer + " sent "
          + t.count() + " elements " + t.dtype() + ", rank " + rank + " receives " + d.inCount() + " elements "
          + d.dtype());
      group.fail(e);
      t.done().completeExceptionally(e);
      throw e;
    }
    try {
      Kernels.copy(d.inAddr(), t.addr(), t.count(), t.dtype());
      t.done().complete(null);
    } catch (RuntimeException e) {
      t.done().completeExceptionally(e);
      throw e;
    }
  }
}
