package dev.shard4j.collectives.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.InMemoryStore;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.DType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The store-based check that all ranks issue matching calls, with ranks as threads over an in-memory store. */
class CallVerifierTest {
  private static NcclCall allReduce(long count, ReduceOp op) {
    return new NcclCall(NcclOp.ALL_REDUCE, count, DType.F32, op, -1, 0x1000, 0x1000);
  }

  /** Runs {@code calls.apply(rank)} through one verifier per rank on its own thread; returns failures by rank. */
  private static AtomicReferenceArray<Throwable> run(int size, Duration timeout, IntFunction<List<NcclCall>> calls) {
    InMemoryStore store = new InMemoryStore();
    AtomicReferenceArray<Throwable> errors = new AtomicReferenceArray<>(size);
    List<Thread> threads = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      int rank = r;
      threads.add(new Thread(() -> {
        CallVerifier v = new CallVerifier(store, "g", rank, size, timeout);
        try {
          for (NcclCall c : calls.apply(rank)) {
            v.verify(c);
          }
        } catch (Throwable e) {
          errors.set(rank, e);
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    return errors;
  }

  @Test
  void matchingCallsPass() {
    AtomicReferenceArray<Throwable> errors = run(3, Duration.ofSeconds(10), r -> List.of(
        allReduce(8, ReduceOp.SUM),
        new NcclCall(NcclOp.BROADCAST, 4, DType.BF16, null, 2, 0x1000, 0x1000),
        allReduce(8, ReduceOp.AVG)));
    for (int r = 0; r < 3; r++) {
      assertNull(errors.get(r), "rank " + r);
    }
  }

  @Test
  void mismatchedCollectivesFailOnEveryRankNamingBothCalls() {
    AtomicReferenceArray<Throwable> errors = run(3, Duration.ofSeconds(10),
        r -> List.of(allReduce(8, ReduceOp.SUM), allReduce(r == 2 ? 9 : 8, ReduceOp.SUM)));
    for (int r = 0; r < 3; r++) {
      Throwable e = errors.get(r);
      assertTrue(e instanceof CommunicatorException, "rank " + r + ": " + e);
      assertTrue(e.getMessage().startsWith("mismatched collectives: rank " + r + " called allReduce(f32, count "),
          e.getMessage());
    }
    assertEquals("mismatched collectives: rank 0 called allReduce(f32, count 8, SUM), rank 2 called "
        + "allReduce(f32, count 9, SUM)", errors.get(0).getMessage());
  }

  @Test
  void aMissingRankIsNamedAfterTheTimeout() {
    AtomicReferenceArray<Throwable> errors = run(3, Duration.ofMillis(300),
        r -> r == 1 ? List.of() : List.of(allReduce(4, ReduceOp.MAX)));
    assertNull(errors.get(1));
    String m = errors.get(0).getMessage();
    assertTrue(m.startsWith("allReduce(f32, count 4, MAX) on rank 0 of 3: not every rank issued it within 300 ms"), m);
    assertTrue(m.contains("g/calls/0/1") && !m.contains("g/calls/0/2"), m);
  }

  @Test
  void sendAndRecvSizesAreCompared() {
    AtomicReferenceArray<Throwable> errors = run(2, Duration.ofSeconds(10), r -> r == 0
        ? List.of(new NcclCall(NcclOp.SEND, 16, DType.F32, null, 1, 0x1000, 0x1000),
            new NcclCall(NcclOp.SEND, 16, DType.F32, null, 1, 0x1000, 0x1000))
        : List.of(new NcclCall(NcclOp.RECV, 16, DType.F32, null, 0, 0x2000, 0x2000),
            new NcclCall(NcclOp.RECV, 12, DType.F32, null, 0, 0x2000, 0x2000)));
    assertNull(errors.get(0));
    assertEquals("mismatched send/recv: rank 0 sent 16 elements F32, rank 1 receives 12 elements F32",
        errors.get(1).getMessage());
  }

  @Test
  void aMissingSenderIsNamed() {
    AtomicReferenceArray<Throwable> errors = run(2, Duration.ofMillis(200), r -> r == 0
        ? List.of()
        : List.of(new NcclCall(NcclOp.RECV, 3, DType.BF16, null, 0, 0x2000, 0x2000)));
    assertEquals("recv(bf16, count 3, peer 0) on rank 1 of 2: rank 0 did not post the matching send within 200 ms",
        errors.get(1).getMessage());
  }
}
