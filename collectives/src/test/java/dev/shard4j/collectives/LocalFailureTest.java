package dev.shard4j.collectives;

import static dev.shard4j.collectives.CollectivesTestSupport.empty;
import static dev.shard4j.collectives.CollectivesTestSupport.input;
import static dev.shard4j.collectives.CollectivesTestSupport.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeMemory;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

/** Timeouts, abort, mismatched calls, bad arguments, and a leak-checking soak test of the local backend. */
class LocalFailureTest {

  @Test
  void missingRankMakesTheOthersFailWithinTheTimeoutNamingIt() {
    int size = 3;
    AtomicReferenceArray<Throwable> errors = new AtomicReferenceArray<>(size);
    long start = System.nanoTime();
    LocalCluster.run(size, Duration.ofMillis(300), c -> {
      if (c.rank() == 2) {
        return; // never calls
      }
      try (Tensor t = tensor(new float[] {1, 2, 3}, DType.F32)) {
        c.allReduce(t, ReduceOp.SUM);
      } catch (CommunicatorException e) {
        errors.set(c.rank(), e);
      }
    });
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 5000, "took " + ms + " ms");
    for (int r = 0; r < 2; r++) {
      assertNotNull(errors.get(r), "rank " + r + " must fail");
      assertTrue(errors.get(r).getMessage().contains("rank(s) [2]"), errors.get(r).getMessage());
    }
  }

  @Test
  void missingReceiverTimesOutNamingIt() {
    RuntimeException e = assertThrows(RuntimeException.class, () -> LocalCluster.run(2, Duration.ofMillis(200), c -> {
      if (c.rank() == 0) {
        try (Tensor t = tensor(new float[] {1}, DType.F32)) {
          c.send(t, 1);
        }
      }
    }));
    assertTrue(e.getMessage().contains("waiting for rank 1 to receive"), e.getMessage());
  }

  @Test
  void abortUnblocksAPendingCollectiveAndFailsLaterOnes() throws Exception {
    List<Communicator> comms = LocalCluster.create(2, Duration.ofSeconds(60));
    Throwable[] seen = new Throwable[1];
    Thread t = new Thread(() -> {
      try (Tensor x = tensor(new float[] {1, 2}, DType.F32)) {
        comms.get(0).allReduce(x, ReduceOp.SUM);
      } catch (Throwable e) {
        seen[0] = e;
      }
    });
    t.start();
    Thread.sleep(100);
    long start = System.nanoTime();
    comms.get(1).abort();
    t.join(5000);
    assertTrue((System.nanoTime() - start) / 1_000_000 < 5000);
    assertTrue(seen[0] instanceof CommunicatorException, String.valueOf(seen[0]));
    assertTrue(seen[0].getMessage().contains("aborted by rank 1"), seen[0].getMessage());
    CommunicatorException later = assertThrows(CommunicatorException.class, () -> comms.get(1).barrier());
    assertTrue(later.getMessage().contains("aborted"), later.getMessage());
    Work w = comms.get(0).broadcastAsync(tensor(new float[] {1}, DType.F32), 0);
    assertThrows(CommunicatorException.class, w::await);
    assertNotNull(w.exception());
    comms.forEach(Communicator::close);
  }

  @Test
  void abortUnblocksRecv() throws Exception {
    List<Communicator> comms = LocalCluster.create(2, Duration.ofSeconds(60));
    Throwable[] seen = new Throwable[1];
    Thread t = new Thread(() -> {
      try (Tensor x = empty(4, DType.F32)) {
        comms.get(0).recv(x, 1);
      } catch (Throwable e) {
        seen[0] = e;
      }
    });
    t.start();
    Thread.sleep(50);
    comms.get(0).abort();
    t.join(5000);
    assertTrue(seen[0] instanceof CommunicatorException, String.valueOf(seen[0]));
    comms.forEach(Communicator::close);
  }

  @Test
  void failingRankAbortsTheOthersAndIsNamed() {
    LocalCluster.RankFailedException e = assertThrows(LocalCluster.RankFailedException.class,
        () -> LocalCluster.run(4, Duration.ofSeconds(60), c -> {
          if (c.rank() == 1) {
            throw new IllegalStateException("boom");
          }
          c.barrier(); // would hang for 60 s without the abort
        }));
    assertEquals(1, e.rank());
    assertTrue(e.getMessage().contains("rank 1 of 4") && e.getMessage().contains("boom"), e.getMessage());
  }

  @Test
  void failureOfTheParentGroupUnblocksSubGroups() {
    long start = System.nanoTime();
    LocalCluster.RankFailedException e = assertThrows(LocalCluster.RankFailedException.class,
        () -> LocalCluster.run(4, Duration.ofSeconds(60), c -> {
          try (Communicator sub = c.split(c.rank() % 2, 0)) {
            if (c.rank() == 1) {
              throw new IllegalStateException("rank 1 gives up");
            }
            if (c.rank() == 3) {
              sub.barrier(); // waits for rank 1 forever without propagation
            } else {
              c.barrier();
            }
          }
        }));
    assertEquals(1, e.rank());
    assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000);
  }

  @Test
  void mismatchedCountsAndOpsAreDetectedOnAllRanks() {
    for (int variant = 0; variant < 2; variant++) {
      int v = variant;
      AtomicReferenceArray<Throwable> errors = new AtomicReferenceArray<>(3);
      LocalCluster.run(3, Duration.ofSeconds(20), c -> {
        long n = v == 0 && c.rank() == 2 ? 8 : 7;
        try (Tensor t = tensor(input(ReduceOp.SUM, DType.F32, c.rank(), n), DType.F32)) {
          if (v == 1 && c.rank() == 1) {
            c.broadcast(t, 0);
          } else {
            c.allReduce(t, ReduceOp.SUM);
          }
        } catch (CommunicatorException e) {
          errors.set(c.rank(), e);
        }
      });
      for (int r = 0; r < 3; r++) {
        Throwable e = errors.get(r);
        assertNotNull(e, "rank " + r + " must fail");
        String m = e.getMessage();
        assertTrue(m.contains("mismatched collectives"), m);
        if (v == 0) {
          assertTrue(m.contains("rank 0 called allReduce(f32, in 7 elements") && m.contains("rank 2 called allReduce(f32, in 8"), m);
        } else {
          assertTrue(m.contains("rank 1 called broadcast("), m);
        }
      }
    }
  }

  @Test
  void mismatchedSendRecvIsDetected() {
    RuntimeException e = assertThrows(RuntimeException.class, () -> LocalCluster.run(2, Duration.ofSeconds(20), c -> {
      try (Tensor t = empty(c.rank() == 0 ? 3 : 4, DType.F32)) {
        if (c.rank() == 0) {
          c.send(t, 1);
        } else {
          c.recv(t, 0);
        }
      }
    }));
    assertTrue(e.getMessage().contains("mismatched send/recv"), e.getMessage());
  }

  @Test
  void badArgumentsAreRejectedWithMessagesNamingOpAndValues() {
    List<Communicator> comms = LocalCluster.create(4, Duration.ofSeconds(5));
    Communicator c = comms.get(0);
    try (Tensor in = empty(7, DType.F32); Tensor out = empty(24, DType.F32); Tensor b = empty(7, DType.BF16);
        Tensor m = Tensor.zeros(Shape.of(3, 4), DType.F32, Device.CPU); Tensor mt = m.transpose(0, 1);
        Tensor i32 = Tensor.fromIntArray(new int[] {1, 2, 3}, 3); Tensor o7 = empty(7, DType.F32);
        Tensor in6 = empty(6, DType.F32)) {
      assertMsg("allGather: out has 24 elements, expected size * in = 4 * 7 = 28", () -> c.allGather(in, out));
      assertMsg("reduceScatter: in has 7 elements, expected size * out = 4 * 24 = 96",
          () -> c.reduceScatter(in, out, ReduceOp.SUM));
      assertMsg("allReduce: out has 24 elements, expected in = 7", () -> c.allReduce(in, out, ReduceOp.SUM));
      assertMsg("allReduce: in is F32 but out is BF16", () -> c.allReduce(in, b, ReduceOp.SUM));
      assertMsg("allReduce: t must be contiguous", () -> c.allReduce(mt, ReduceOp.SUM));
      assertMsg("allReduce: t has dtype I32", () -> c.allReduce(i32, ReduceOp.SUM));
      assertMsg("allReduce: reduce op is null", () -> c.allReduce(in, null));
      assertMsg("allReduce: t is null", () -> c.allReduce(null, ReduceOp.SUM));
      assertMsg("broadcast: root 4 is out of range [0, 4)", () -> c.broadcast(in, 4));
      assertMsg("reduce: root -1 is out of range [0, 4)", () -> c.reduce(in, -1, ReduceOp.MAX));
      assertMsg("send: peer 0 is invalid for rank 0", () -> c.send(in, 0));
      assertMsg("allToAll: in has 7 elements, not divisible by size 4", () -> c.allToAll(in, o7));
      assertMsg("allToAll: out has 7 elements, expected in = 6", () -> c.allToAll(in6, o7));
      try (Tensor flat = out.reshape(-1); Tensor view = flat.slice(0, 3, 10)) {
        try (Tensor head = flat.slice(0, 0, 7)) {
          assertMsg("allReduce: in and out overlap", () -> c.allReduce(head, view, ReduceOp.SUM));
        }
      }
      Tensor closed = empty(2, DType.F32);
      closed.close();
      assertMsg("allReduce: t is closed", () -> c.allReduce(closed, ReduceOp.SUM));
      assertMsg("barrier: communicator (rank 0 of 4) is closed", () -> {
        c.close();
        c.barrier();
      });
    }
    comms.forEach(Communicator::close);
  }

  private static void assertMsg(String expectedPrefix, Runnable r) {
    RuntimeException e = assertThrows(RuntimeException.class, r::run);
    assertTrue(e.getMessage() != null && e.getMessage().startsWith(expectedPrefix),
        "expected '" + expectedPrefix + "' but got: " + e.getMessage());
  }

  /**
   * 10,000 mixed collectives (blocking and async, in-place and out-of-place, rooted, every reduce op, both dtypes,
   * 0..39 elements per rank so it stays fast) on 4 ranks with splits in between; results of the reducing and
   * gathering kinds are checked against plain-Java references, then host allocations and threads are counted.
   */
  @Test
  void soakOfMixedCollectivesLeaksNeitherMemoryNorThreads() {
    long liveBefore = NativeMemory.hostLiveCount();
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    int size = 4;
    LocalCluster.run(size, Duration.ofSeconds(30), c -> {
      int r = c.rank();
      java.util.Random rnd = new java.util.Random(42); // same sequence of ops on every rank
      for (int it = 0; it < 10_000; it++) {
        int kind = rnd.nextInt(9);
        long m = rnd.nextInt(40);
        DType dt = rnd.nextBoolean() ? DType.F32 : DType.BF16;
        ReduceOp op = ReduceOp.values()[rnd.nextInt(ReduceOp.values().length)];
        int root = (int) (m % size);
        try (Tensor a = tensor(input(op, dt, r, size * m), dt); Tensor o = empty(size * m, dt);
            Tensor small = tensor(input(op, dt, r, m), dt)) {
          switch (kind) {
            case 0 -> c.allReduce(a, op);
            case 1 -> c.allReduce(a, o, op);
            case 2 -> c.reduceScatter(a, small, op);
            case 3 -> c.allGather(small, o);
            case 4 -> c.broadcast(a, root);
            case 5 -> c.allToAll(a, o);
            case 6 -> c.allReduceAsync(a, op).await();
            case 7 -> c.reduce(a, root, op);
            default -> c.reduceScatterAsync(a, small, op).await();
          }
          String what = "soak iteration " + it + " kind " + kind + " " + op + " " + dt + " m=" + m;
          if (kind == 0 || kind == 6 || kind == 7 && r == root) {
            float[] got = a.toFloatArray();
            for (int i = 0; i < size * m; i++) {
              CollectivesTestSupport.check(what, op, dt, CollectivesTestSupport.ref(op, dt, size, i), got[i]);
            }
          } else if (kind == 1) {
            float[] got = o.toFloatArray();
            for (int i = 0; i < size * m; i++) {
              CollectivesTestSupport.check(what, op, dt, CollectivesTestSupport.ref(op, dt, size, i), got[i]);
            }
          } else if (kind == 2 || kind == 8) {
            float[] got = small.toFloatArray();
            for (int i = 0; i < m; i++) {
              CollectivesTestSupport.check(what, op, dt, CollectivesTestSupport.ref(op, dt, size, r * m + i), got[i]);
            }
          } else if (kind == 3) {
            float[] got = o.toFloatArray();
            for (int i = 0; i < size * m; i++) {
              assertEquals(CollectivesTestSupport.val(op, dt, (int) (i / m), i % m), got[i], what);
            }
          }
        }
        if (it % 500 == 0) {
          try (Communicator sub = c.split(r % 2, r)) {
            sub.barrier();
          }
        }
      }
    });
    assertEquals(liveBefore, NativeMemory.hostLiveCount(), "host allocations leaked");
    int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
    for (int i = 0; i < 50 && threadsAfter > threadsBefore; i++) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
    }
    assertTrue(threadsAfter <= threadsBefore, "threads before " + threadsBefore + ", after " + threadsAfter);
  }
}
