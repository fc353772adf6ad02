package dev.shard4j.collectives.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.CommunicatorException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The abort of a native handle happens exactly once, never while another thread's native call holds it. */
class FailureGuardTest {
  @Test
  void noFailureMeansNoAbort() {
    AtomicInteger aborts = new AtomicInteger();
    FailureGuard g = new FailureGuard(aborts::incrementAndGet);
    g.lock();
    g.unlock();
    assertEquals(0, aborts.get());
    assertFalse(g.aborted());
  }

  @Test
  void aFailureOnAFreeGuardAbortsAtOnceAndOnlyTheFirstFailureCounts() {
    AtomicInteger aborts = new AtomicInteger();
    FailureGuard g = new FailureGuard(aborts::incrementAndGet);
    CommunicatorException first = new CommunicatorException("first");
    assertTrue(g.record(first));
    assertFalse(g.record(new CommunicatorException("second")));
    assertSame(first, g.failure());
    assertEquals(1, aborts.get());
    g.lock();
    g.unlock();
    assertEquals(1, aborts.get());
  }

  @Test
  void aFailureRecordedWhileAnotherThreadHoldsTheGuardAbortsWhenItUnlocks() throws Exception {
    AtomicInteger aborts = new AtomicInteger();
    AtomicInteger abortsSeenInsideCall = new AtomicInteger(-1);
    FailureGuard g = new FailureGuard(aborts::incrementAndGet);
    CountDownLatch inCall = new CountDownLatch(1);
    CountDownLatch recorded = new CountDownLatch(1);
    Thread caller = new Thread(() -> {
      g.lock();
      try {
        inCall.countDown();
        recorded.await(10, TimeUnit.SECONDS);
        abortsSeenInsideCall.set(aborts.get()); // the "native call" still holds the handle
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        g.unlock();
      }
    });
    caller.start();
    assertTrue(inCall.await(10, TimeUnit.SECONDS));
    assertTrue(g.record(new CommunicatorException("timed out")));
    assertEquals(0, aborts.get(), "no abort while the handle is in use");
    recorded.countDown();
    caller.join(10_000);
    assertEquals(0, abortsSeenInsideCall.get());
    assertEquals(1, aborts.get());
    assertTrue(g.aborted());
  }

  @Test
  void reentrantFailureInsideTheLockAbortsOnce() {
    AtomicInteger aborts = new AtomicInteger();
    FailureGuard g = new FailureGuard(aborts::incrementAndGet);
    g.lock();
    try {
      g.record(new CommunicatorException("enqueue failed"));
      assertEquals(1, aborts.get(), "the holder itself may abort between native calls");
    } finally {
      g.unlock();
    }
    assertEquals(1, aborts.get());
  }
}
