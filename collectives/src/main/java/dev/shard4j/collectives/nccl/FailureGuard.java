package dev.shard4j.collectives.nccl;

import dev.shard4j.collectives.CommunicatorException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock around a native communicator handle together with the group's first failure. Native calls on the handle
 * run between {@link #lock()} (or a successful {@link #tryLock()}) and {@link #unlock()}. After a failure is
 * {@link #record recorded}, the abort action (which aborts and forgets the handle) runs exactly once, under the
 * lock: at once when the lock is free, otherwise when its holder unlocks, so an abort requested from another thread
 * is never lost and never runs while a native call uses the handle. Thread-safe.
 */
final class FailureGuard {
  private final ReentrantLock lock = new ReentrantLock();
  private final Runnable abortAction;
  private volatile CommunicatorException failure;
  private volatile boolean aborted;

  /** {@code abortAction} aborts the native handle; it runs at most once, under the lock. */
  FailureGuard(Runnable abortAction) {
    this.abortAction = abortAction;
  }

  /** Blocks until this thread holds the lock (reentrant). */
  void lock() {
    lock.lock();
  }

  /** Takes the lock when it is free (or already held by this thread); returns whether it did. */
  boolean tryLock() {
    return lock.tryLock();
  }

  /**
   * Releases the lock, running the abort action first when a failure is recorded. A failure recorded by another
   * thread while this one held the lock is acted on after unlocking.
   */
  void unlock() {
    try {
      abortIfFailed();
    } finally {
      lock.unlock();
    }
    if (failure != null && !aborted && lock.tryLock()) {
      try {
        abortIfFailed();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Records {@code e} as the group's failure unless one is recorded already, then aborts (now, or when the lock's
   * holder unlocks). Returns true when {@code e} became the failure.
   */
  boolean record(CommunicatorException e) {
    synchronized (this) {
      if (failure != null) {
        return false;
      }
      failure = e;
    }
    if (lock.tryLock()) {
      unlock();
    }
    return true;
  }

  /** The first failure, or null while the group is healthy. */
  CommunicatorException failure() {
    return failure;
  }

  /** True once the abort action ran. */
  boolean aborted() {
    return aborted;
  }

  private void abortIfFailed() {
    if (failure != null && !aborted) {
      aborted = true;
      abortAction.run();
    }
  }
}
