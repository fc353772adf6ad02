package dev.shard4j.collectives.local;

import dev.shard4j.collectives.CommunicatorException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * State shared by the ranks of one local group: the published descriptors, a reusable generation-counted barrier
 * with timeout and abort, and the point-to-point channels. Internal to the local backend.
 */
final class LocalGroup {
  final int size;
  final Duration timeout;
  /** slots[r]: the descriptor rank r published for the current collective; read by peers between barriers. */
  final Desc[] slots;
  /** results[r]: per-rank output of a barrier action (used by split). */
  final Object[] results;
  /** channels[src * size + dst]: messages from src to dst. */
  final List<LinkedBlockingQueue<Transfer>> channels;

  /** Groups created from this one by split; a failure of this group fails them too. */
  private final List<LocalGroup> children = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile LocalGroup parent;
  private final java.util.concurrent.atomic.AtomicInteger open;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition tripped = lock.newCondition();
  private final boolean[] arrived;
  private int count;
  private volatile long generation;
  private volatile CommunicatorException failure;

  LocalGroup(int size, Duration timeout) {
    this.size = size;
    this.timeout = timeout;
    this.slots = new Desc[size];
    this.results = new Object[size];
    this.arrived = new boolean[size];
    this.open = new java.util.concurrent.atomic.AtomicInteger(size);
    this.channels = new ArrayList<>(size * size);
    for (int i = 0; i < size * size; i++) {
      channels.add(new LinkedBlockingQueue<>());
    }
  }

  /** Registers a group split from this one, so that aborting or breaking this group also breaks it. */
  void addChild(LocalGroup child) {
    child.parent = this;
    children.add(child);
    CommunicatorException f = failure;
    if (f != null) {
      child.fail(new CommunicatorException("parent group failed: " + f.getMessage(), f));
    }
  }

  /** Called once per member on close; the last close detaches this group from its parent. */
  void memberClosed() {
    if (open.decrementAndGet() == 0 && parent != null) {
      parent.children.remove(this);
    }
  }

  /** The failure that broke this group, or null. */
  CommunicatorException failure() {
    return failure;
  }

  void checkHealthy() {
    CommunicatorException f = failure;
    if (f != null) {
      throw new CommunicatorException(f.getMessage(), f);
    }
  }

  /** Breaks the group with {@code cause} (first failure wins) and wakes every waiter. */
  void fail(CommunicatorException cause) {
    lock.lock();
    try {
      if (failure == null) {
        failure = cause;
      }
      tripped.signalAll();
    } finally {
      lock.unlock();
    }
    for (LocalGroup child : children) {
      if (child.failure == null) {
        child.fail(new CommunicatorException("parent group failed: " + failure.getMessage(), failure));
      }
    }
    for (LinkedBlockingQueue<Transfer> q : channels) {
      Transfer t;
      while ((t = q.poll()) != null) {
        t.done().completeExceptionally(failure);
      }
    }
  }

  /**
   * Waits until all ranks arrive. The last arriver runs {@code action} (under the barrier lock, so its writes
   * happen-before every rank's return); a non-null string it returns fails the group with that message. Spins
   * briefly, then parks; throws when the group fails, is aborted, or a rank is missing after the timeout.
   */
  void await(int rank, String what, Function<LocalGroup, String> action) {
    checkHealthy();
    long myGen;
    lock.lock();
    try {
      checkHealthy();
      myGen = generation;
      arrived[rank] = true;
      count++;
      if (count == size) {
        String error = null;
        if (action != null) {
          try {
            error = action.apply(this);
          } catch (RuntimeException e) {
            error = what + ": " + e;
          }
        }
        count = 0;
        java.util.Arrays.fill(arrived, false);
        if (error != null) {
          failure = new CommunicatorException(error);
          tripped.signalAll();
          throw new CommunicatorException(error);
        }
        generation = myGen + 1;
        tripped.signalAll();
        return;
      }
    } finally {
      lock.unlock();
    }
    // Spin briefly: peers usually arrive within microseconds.
    for (int i = 0; i < 2000 && generation == myGen && failure == null; i++) {
      Thread.onSpinWait();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (generation == myGen) {
        checkHealthy();
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          List<Integer> missing = new ArrayList<>();
          for (int r = 0; r < size; r++) {
            if (!arrived[r]) {
              missing.add(r);
            }
          }
          CommunicatorException e = new CommunicatorException(what + ": timed out after " + timeout.toMillis()
              + " ms on rank " + rank + " waiting for rank(s) " + missing + " of " + size);
          failure = e;
          tripped.signalAll();
          throw e;
        }
        try {
          tripped.awaitNanos(left);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new CommunicatorException(what + ": interrupted on rank " + rank, ie);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Poll a channel for a message, honouring timeout and failure. */
  Transfer take(int src, int dst, String what) {
    LinkedBlockingQueue<Transfer> q = channels.get(src * size + dst);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      checkHealthy();
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        CommunicatorException e = new CommunicatorException(what + ": timed out after " + timeout.toMillis()
            + " ms on rank " + dst + " waiting for rank " + src + " to send");
        fail(e);
        throw e;
      }
      try {
        Transfer t = q.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)), TimeUnit.NANOSECONDS);
        if (t != null) {
          return t;
        }
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new CommunicatorException(what + ": interrupted on rank " + dst, ie);
      }
    }
  }
}
