package dev.shard4j.collectives;

import static dev.shard4j.collectives.CollectivesTestSupport.input;
import static dev.shard4j.collectives.CollectivesTestSupport.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/** Split, bad arguments, abort, timeouts and shared devices with the NCCL backend. Skipped without GPU and NCCL. */
@Tag("gpu")
@EnabledIf("dev.shard4j.collectives.NcclRanks#available")
class NcclFailureGpuTest {
  private static final Duration T = Duration.ofSeconds(60);

  @Test
  void splitEvenOddAndNoColor() {
    int size = NcclRanks.deviceCount();
    NcclRanks.check(NcclRanks.run(size, T, (c, d) -> {
      int r = c.rank();
      try (Communicator sub = c.split(r % 2, -r)) {
        int subSize = (size - r % 2 + 1) / 2;
        assertEquals(subSize, sub.size());
        // key -r orders the members by descending parent rank
        int[] members = java.util.stream.IntStream.range(0, size).filter(x -> x % 2 == r % 2).toArray();
        assertEquals(members.length - 1 - java.util.Arrays.binarySearch(members, r), sub.rank());
        try (Tensor t = Tensor.fromArray(new float[] {r, 1}, Shape.of(2), DType.F32, d)) {
          sub.allReduce(t, ReduceOp.SUM);
          float sum = 0;
          for (int m : members) {
            sum += m;
          }
          assertEquals(sum, t.toFloatArray()[0], 0.0);
          assertEquals(subSize, t.toFloatArray()[1], 0.0);
        }
      }
      Communicator only0 = c.split(r == 0 ? 5 : -1, 0);
      if (r == 0) {
        assertNotNull(only0);
        assertEquals(1, only0.size());
        only0.close();
      } else {
        assertNull(only0);
      }
    }));
  }

  @Test
  void badArgumentsFailInJavaAndLeaveTheGroupUsable() {
    NcclRanks.check(NcclRanks.run(1, T, (c, d) -> {
      try (Tensor host = Tensor.fromArray(new float[] {1, 2}, Shape.of(2), DType.F32, Device.CPU);
          Tensor a = Tensor.fromArray(new float[] {1, 2}, Shape.of(2), DType.F32, d);
          Tensor b3 = Tensor.zeros(Shape.of(3), DType.F32, d);
          Tensor m = Tensor.zeros(Shape.of(2, 3), DType.F32, d);
          Tensor bf = Tensor.zeros(Shape.of(2), DType.BF16, d)) {
        String e1 = assertThrows(IllegalArgumentException.class, () -> c.allReduce(host, ReduceOp.SUM)).getMessage();
        assertTrue(e1.contains("allReduce: t is on cpu but this communicator runs on " + d), e1);
        String e2 = assertThrows(IllegalArgumentException.class, () -> c.allReduce(a, b3, ReduceOp.SUM)).getMessage();
        assertTrue(e2.contains("out has 3 elements, expected in = 2"), e2);
        try (Tensor mt = m.transpose(0, 1)) {
          String e3 = assertThrows(IllegalArgumentException.class, () -> c.broadcast(mt, 0)).getMessage();
          assertTrue(e3.contains("must be contiguous"), e3);
        }
        String e4 = assertThrows(IllegalArgumentException.class, () -> c.allGather(a, bf)).getMessage();
        assertTrue(e4.contains("in is F32 but out is BF16"), e4);
        String e5 = assertThrows(IllegalArgumentException.class, () -> c.reduce(a, 1, ReduceOp.SUM)).getMessage();
        assertTrue(e5.contains("root 1 is out of range [0, 1)"), e5);
        c.allReduce(a, ReduceOp.SUM);
        assertEquals(2f, a.toFloatArray()[1], 0.0);
      }
    }));
  }

  @Test
  void tensorOnAnotherGpuIsRejected() {
    assumeTrue(NcclRanks.deviceCount() >= 2, "needs two GPUs");
    NcclRanks.check(NcclRanks.run(1, T, (c, d) -> {
      try (Tensor other = Tensor.zeros(Shape.of(4), DType.F32, Device.cuda(1))) {
        String m = assertThrows(IllegalArgumentException.class, () -> c.allReduce(other, ReduceOp.SUM)).getMessage();
        assertTrue(m.contains("t is on cuda:1 but this communicator runs on cuda:0"), m);
      }
    }));
  }

  @Test
  void abortFromAnotherThreadFailsLaterCalls() {
    NcclRanks.check(NcclRanks.run(1, T, (c, d) -> {
      Thread t = new Thread(c::abort);
      t.start();
      t.join();
      try (Tensor a = Tensor.zeros(Shape.of(4), DType.F32, d)) {
        CommunicatorException e = assertThrows(CommunicatorException.class, () -> c.allReduce(a, ReduceOp.SUM));
        assertTrue(e.getMessage().contains("aborted by rank 0 of 1"), e.getMessage());
      }
    }));
  }

  @Test
  void missingRankTimesOutAndTheGroupFailsEverywhere() {
    assumeTrue(NcclRanks.deviceCount() >= 2, "needs two GPUs");
    long start = System.nanoTime();
    AtomicReferenceArray<Throwable> errors = NcclRanks.run(new int[] {0, 1}, Duration.ofSeconds(3), (c, d) -> {
      try (Tensor a = Tensor.zeros(Shape.of(1024), DType.F32, d)) {
        c.barrier();
        if (c.rank() == 0) {
          c.allReduce(a, ReduceOp.SUM); // rank 1 never issues it
        } else {
          Thread.sleep(4000);
          c.allReduce(a, ReduceOp.SUM);
        }
      }
    });
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 30_000, "took " + ms + " ms");
    Throwable e0 = errors.get(0);
    assertInstanceOf(CommunicatorException.class, e0);
    assertTrue(e0.getMessage().contains("allReduce(f32, count 1024, SUM) on rank 0 of 2")
        && e0.getMessage().contains("timed out after 3000 ms"), e0.getMessage());
    Throwable e1 = errors.get(1);
    assertInstanceOf(CommunicatorException.class, e1);
    assertTrue(e1.getMessage().contains("failed"), e1.getMessage());
  }

  @Test
  void verifiedCallsReportMismatchedCountsOnEveryRank() {
    assumeTrue(NcclRanks.deviceCount() >= 2, "needs two GPUs");
    AtomicReferenceArray<Throwable> errors = NcclRanks.run(new int[] {0, 1}, Duration.ofSeconds(20),
        java.util.Map.of(dev.shard4j.collectives.nccl.NcclBackend.VERIFY_CALLS, "true"), (c, d) -> {
          try (Tensor a = Tensor.zeros(Shape.of(c.rank() == 0 ? 8 : 9), DType.F32, d)) {
            c.allReduce(a, ReduceOp.SUM);
          }
        });
    for (int r = 0; r < 2; r++) {
      Throwable e = errors.get(r);
      assertInstanceOf(CommunicatorException.class, e, "rank " + r);
      assertTrue(e.getMessage().startsWith("mismatched collectives: rank " + r), e.getMessage());
    }
  }

  /** NCCL allows one rank per GPU in a communicator; two ranks on one device must fail cleanly on both, not hang. */
  @Test
  void ranksSharingOneDeviceFailCleanly() {
    AtomicReferenceArray<Throwable> errors = NcclRanks.run(new int[] {0, 0}, Duration.ofSeconds(20), (c, d) -> {
      try (Tensor a = Tensor.fromArray(input(ReduceOp.SUM, DType.F32, c.rank(), 5), Shape.of(5), DType.F32, d)) {
        c.allReduce(a, ReduceOp.SUM);
        assertEquals(ref(ReduceOp.SUM, DType.F32, 2, 4), a.toFloatArray()[4], 0.0);
      }
    });
    for (int r = 0; r < 2; r++) {
      Throwable e = errors.get(r);
      assertInstanceOf(CommunicatorException.class, e, "rank " + r);
      assertTrue(e.getMessage().contains("ncclCommInitRank"), e.getMessage());
    }
  }
}
