package dev.shard4j.collectives.nccl;

import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.Work;
import java.time.Duration;
import org.bytedeco.cuda.cudart.CUevent_st;

/**
 * The {@link Work} of one asynchronous NCCL operation: a CUDA event recorded on the communicator's stream right
 * after the operation. Waiting polls the event, NCCL's asynchronous error and the group's failure flag until the
 * event completes or the operation's deadline (issue time plus the communicator's timeout) passes. The event is
 * destroyed as soon as completion or failure is observed. Any thread may call these methods; they synchronize on
 * this object.
 */
final class NcclWork implements Work {
  private final NcclCommunicator owner;
  private final NcclCall call;
  private final long deadline;
  private CUevent_st event;
  private boolean done;
  private RuntimeException failure;

  NcclWork(NcclCommunicator owner, NcclCall call, CUevent_st event, long deadline) {
    this.owner = owner;
    this.call = call;
    this.event = event;
    this.deadline = deadline;
  }

  @Override
  public synchronized void await() {
    poll(Long.MAX_VALUE);
    if (failure != null) {
      throw copy(failure);
    }
  }

  @Override
  public synchronized boolean await(Duration timeout) {
    long now = System.nanoTime();
    long limit = timeout.toNanos();
    boolean finished = poll(limit >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + limit);
    if (failure != null) {
      throw copy(failure);
    }
    return finished;
  }

  @Override
  public synchronized boolean isDone() {
    poll(System.nanoTime());
    return done;
  }

  @Override
  public synchronized Throwable exception() {
    if (!done) {
      poll(System.nanoTime());
    }
    return failure;
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
    done = true;
    owner.finished(this, event);
    event = null;
    return true;
  }

  private static RuntimeException copy(RuntimeException e) {
    return e instanceof CommunicatorException ? new CommunicatorException(e.getMessage(), e) : e;
  }

  @Override
  public String toString() {
    return "NcclWork(" + call.describe() + (done ? failure == null ? ", done" : ", failed" : ", pending") + ")";
  }
}
