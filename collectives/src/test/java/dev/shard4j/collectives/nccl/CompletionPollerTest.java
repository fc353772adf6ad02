package dev.shard4j.collectives.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.CommunicatorException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** The wait loop of the NCCL backend against a scripted call and a fake clock. */
class CompletionPollerTest {
  private static final long MS = 1_000_000;

  /** A call that completes after {@code completeAfter} polls (never when negative). */
  private static final class Scripted implements CompletionPoller.Watched {
    int polls;
    int completeAfter = -1;
    int asyncErrorAfter = -1;
    int deviceErrorAfter = -1;
    String elsewhere;
    CommunicatorException failure;
    CommunicatorException failed;
    Boolean propagated;

    @Override
    public boolean completed() {
      polls++;
      if (deviceErrorAfter >= 0 && polls > deviceErrorAfter) {
        throw new CommunicatorException("cudaEventQuery failed: an illegal memory access was encountered");
      }
      return completeAfter >= 0 && polls > completeAfter;
    }

    @Override
    public void checkAsyncError() {
      if (asyncErrorAfter >= 0 && polls > asyncErrorAfter) {
        throw new CommunicatorException("asynchronous NCCL error returned ncclRemoteError");
      }
    }

    @Override
    public CommunicatorException failure() {
      return failure;
    }

    @Override
    public String failedElsewhere() {
      return elsewhere;
    }

    @Override
    public void fail(CommunicatorException e, boolean propagate) {
      failed = e;
      propagated = propagate;
      failure = e;
    }
  }

  /** A clock that advances {@code step} nanoseconds per reading. */
  private static LongSupplier clock(long step) {
    AtomicLong t = new AtomicLong();
    return () -> t.addAndGet(step);
  }

  private static final CommunicatorException TIMED_OUT =
      new CommunicatorException("allReduce(f32, count 4, SUM) on rank 0 of 2 (cuda:0): timed out after 100 ms");

  @Test
  void completionReturnsTrueWithoutFailing() {
    Scripted s = new Scripted();
    s.completeAfter = 300;
    assertTrue(CompletionPoller.await(s, "ctx", 1000 * MS, Long.MAX_VALUE, TIMED_OUT, clock(1000)));
    assertEquals(301, s.polls);
    assertNull(s.failed);
  }

  @Test
  void theDeadlineFailsTheGroupForEveryRank() {
    Scripted s = new Scripted();
    CommunicatorException e = assertThrows(CommunicatorException.class,
        () -> CompletionPoller.await(s, "ctx", 100 * MS, Long.MAX_VALUE, TIMED_OUT, clock(MS)));
    assertSame(TIMED_OUT, e);
    assertSame(TIMED_OUT, s.failed);
    assertTrue(s.propagated);
  }

  @Test
  void aWaitLimitBeforeTheDeadlineReturnsFalseWithoutFailing() {
    Scripted s = new Scripted();
    assertFalse(CompletionPoller.await(s, "ctx", 100 * MS, 5 * MS, TIMED_OUT, clock(MS)));
    assertNull(s.failed);
  }

  @Test
  void aFailureOnAnotherRankIsSeenThroughTheStoreAndNotReRaised() {
    Scripted s = new Scripted();
    s.elsewhere = "communicator aborted by rank 1 of 2";
    CommunicatorException e = assertThrows(CommunicatorException.class,
        () -> CompletionPoller.await(s, "broadcast(f32, count 8, root 1) on rank 0 of 2 (cuda:0)", 100_000 * MS,
            Long.MAX_VALUE, TIMED_OUT, clock(MS)));
    assertEquals("broadcast(f32, count 8, root 1) on rank 0 of 2 (cuda:0): the group failed on another rank: "
        + "communicator aborted by rank 1 of 2", e.getMessage());
    assertFalse(s.propagated);
  }

  @Test
  void aLocalFailureEndsTheWaitNamingTheCall() {
    Scripted s = new Scripted();
    s.failure = new CommunicatorException("communicator aborted by rank 0 of 1");
    CommunicatorException e = assertThrows(CommunicatorException.class,
        () -> CompletionPoller.await(s, "ctx", 100 * MS, Long.MAX_VALUE, TIMED_OUT, clock(1)));
    assertEquals("ctx: the group failed: communicator aborted by rank 0 of 1", e.getMessage());
    assertSame(s.failure, e.getCause());
  }

  @Test
  void ncclAndCudaErrorsFailTheGroup() {
    Scripted nccl = new Scripted();
    nccl.asyncErrorAfter = 100;
    CommunicatorException a = assertThrows(CommunicatorException.class,
        () -> CompletionPoller.await(nccl, "ctx", 100_000 * MS, Long.MAX_VALUE, TIMED_OUT, clock(1)));
    assertTrue(a.getMessage().contains("ncclRemoteError"), a.getMessage());
    assertTrue(nccl.propagated);
    Scripted cuda = new Scripted();
    cuda.deviceErrorAfter = 3;
    CommunicatorException c = assertThrows(CommunicatorException.class,
        () -> CompletionPoller.await(cuda, "ctx", 100_000 * MS, Long.MAX_VALUE, TIMED_OUT, clock(1)));
    assertTrue(c.getMessage().contains("illegal memory access"), c.getMessage());
    assertSame(c, cuda.failed);
  }

  @Test
  void anInterruptedWaiterFailsTheGroupAndKeepsItsInterrupt() {
    Scripted s = new Scripted();
    Thread.currentThread().interrupt();
    try {
      CommunicatorException e = assertThrows(CommunicatorException.class,
          () -> CompletionPoller.await(s, "ctx", 100_000 * MS, Long.MAX_VALUE, TIMED_OUT, clock(1)));
      assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
      assertTrue(Thread.currentThread().isInterrupted());
      assertTrue(s.propagated);
    } finally {
      Thread.interrupted();
    }
  }
}
