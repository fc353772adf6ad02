package dev.shard4j.collectives.nccl;

import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.Work;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import org.bytedeco.cuda.cudart.CUevent_st;

/**
 * The {@link Work} of one asynchronous NCCL operation: a CUDA event recorded on the communicator's stream right
 * after the operation. Waiting polls the event, NCCL's asynchronous error and the group's failure flag until the
 * event completes or the operation's deadline (issue time plus the communicator's timeout) passes. The event is
 * destroyed as soon as completion or failure is observed. Any thread may call these methods; while one thread
 * waits, {@link #isDone()} and {@link #exception()} on other threads answer without waiting.
 */
final class NcclWork implements Work {
  private final NcclCommunicator owner;
  private final NcclCall call;
  private final long deadline;
  private final ReentrantLock lock = new ReentrantLock();
  private CUevent_st event;
  private volatile boolean done;
  private volatile RuntimeException failure;

  NcclWork(NcclCommunicator owner, NcclCall call, CUevent_st event, long deadline) {
    this.owner = owner;
    this.call = call;
    this.event = event;
    this.deadline = deadline;
  }

  @Override
  public void await() {
    lock.lock();
    try {
      poll(Long.MAX_VALUE);
    } finally {
      lock.unlock();
    }
    rethrow();
  }

  @Override
  public boolean await(Duration timeout) {
    long now = System.nanoTime();
    long limit = timeout.toNanos();
    boolean finished;
    lock.lock();
    try {
      finished = poll(limit >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + limit);
    } finally {
      lock.unlock();
    }
    rethrow();
    return finished;
  }

  @Override
  public boolean isDone() {
    if (!done && lock.tryLock()) {
      try {
        poll(System.nanoTime());
      } finally {
        lock.unlock();
      }
    }
    return done;
  }

  @Override
  public Throwable exception() {
    return isDone() ? failure : null;
  }

  /** Waits until {@code until} (System.nanoTime) at most; returns true when the operation finished. */
  private boolean poll(long until) {
    if (done) {
      return true;
    }
    try {
      if (!owner.waitFor(event, call, deadline, until)) {
        return false;
      }
    } catch (RuntimeException e) {
      failure = e;
    }
    owner.finished(this, event);
    event = null;
    done = true;
    return true;
  }

  private void rethrow() {
    RuntimeException e = failure;
    if (e != null) {
      throw e instanceof CommunicatorException ? new CommunicatorException(e.getMessage(), e) : e;
    }
  }

  @Override
  public String toString() {
    return "NcclWork(" + call.describe() + (done ? failure == null ? ", done" : ", failed" : ", pending") + ")";
  }
}
