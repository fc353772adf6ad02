package dev.shard4j.collectives.nccl;

import dev.shard4j.collectives.CommunicatorException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Waits for one enqueued call: polls its completion, NCCL's asynchronous error, this process's record of a group
 * failure and, every 50 ms (first after 10 ms), the group's failure flag in the store, until the call completes, a
 * wait limit passes, or the call fails. Backs off from spinning to yielding to parking 100 microseconds. Stateless.
 */
final class CompletionPoller {
  static final long FIRST_SIGNAL_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  static final long SIGNAL_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private CompletionPoller() {}

  /** What is polled; implemented by {@link NcclCommunicator} for one call. */
  interface Watched {
    /** True when the call completed, false while it runs; throws {@link CommunicatorException} on a device error. */
    boolean completed();

    /** Throws {@link CommunicatorException} when NCCL reports an asynchronous error. */
    void checkAsyncError();

    /** The group failure recorded in this process, or null. */
    CommunicatorException failure();

    /** The reason another rank gave when it failed the group, or null. */
    String failedElsewhere();

    /** Records a failure found while polling; {@code propagate} raises the group's flag for the other ranks. */
    void fail(CommunicatorException e, boolean propagate);
  }

  /**
   * Polls {@code w} until the call completes (true) or {@code until} passes (false). Throws, naming
   * {@code context}: when the group failed here or elsewhere, on a device or NCCL error, when the thread is
   * interrupted, or when {@code deadline} passes ({@code timedOut} is the exception; the group is failed). Times are
   * {@code clock} readings in nanoseconds.
   */
  static boolean await(Watched w, String context, long deadline, long until, CommunicatorException timedOut,
      LongSupplier clock) {
    long nextSignalPoll = clock.getAsLong() + FIRST_SIGNAL_POLL_NANOS;
    for (int spins = 0;; spins++) {
      boolean completed;
      try {
        completed = w.completed();
        if (!completed && spins >= 64) {
          w.checkAsyncError();
        }
      } catch (CommunicatorException e) {
        w.fail(e, true);
        throw e;
      }
      CommunicatorException f = w.failure();
      if (f != null) {
        throw new CommunicatorException(context + ": the group failed: " + f.getMessage(), f);
      }
      if (completed) {
        return true;
      }
      long now = clock.getAsLong();
      if (now - deadline >= 0) {
        w.fail(timedOut, true);
        throw timedOut;
      }
      if (now - until >= 0) {
        return false;
      }
      if (now - nextSignalPoll >= 0) {
        nextSignalPoll = now + SIGNAL_POLL_NANOS;
        String why = w.failedElsewhere();
        if (why != null) {
          CommunicatorException e = new CommunicatorException(context + ": the group failed on another rank: " + why);
          w.fail(e, false);
          throw e;
        }
      }
      if (Thread.currentThread().isInterrupted()) {
        CommunicatorException e = new CommunicatorException(context + ": interrupted while waiting; the group is"
            + " aborted");
        w.fail(e, true);
        throw e;
      }
      if (spins < 32) {
        Thread.onSpinWait();
      } else if (spins < 256) {
        Thread.yield();
      } else {
        LockSupport.parkNanos(100_000);
      }
    }
  }
}
