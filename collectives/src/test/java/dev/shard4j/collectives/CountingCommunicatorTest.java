package dev.shard4j.collectives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shard4j.collectives.CountingCommunicator.Kind;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CountingCommunicator forwards every call unchanged and counts calls and bytes by kind, sub-groups included. */
class CountingCommunicatorTest {

  @Test
  void countsCallsAndBytesAndForwardsResults() {
    LocalCluster.run(2, comm -> {
      CountingCommunicator c = new CountingCommunicator(comm);
      int r = c.rank();
      try (Tensor t = Tensor.fromArray(new float[] {r + 1, 10}, 2);
          Tensor gathered = Tensor.zeros(4);
          Tensor scattered = Tensor.zeros(1);
          Tensor swapped = Tensor.zeros(2)) {
        c.allReduce(t, ReduceOp.SUM);
        assertArrayEquals(new float[] {3, 20}, t.toFloatArray());
        c.allGather(t, gathered);
        assertArrayEquals(new float[] {3, 20, 3, 20}, gathered.toFloatArray());
        c.reduceScatter(t, scattered, ReduceOp.SUM);
        assertEquals(r == 0 ? 6 : 40, scattered.item());
        c.allToAll(t, swapped);
        c.broadcastAsync(t, 0).await();
        c.barrier();
        assertEquals(Map.of(Kind.ALL_REDUCE, 1L, Kind.ALL_GATHER, 1L, Kind.REDUCE_SCATTER, 1L, Kind.ALL_TO_ALL, 1L,
            Kind.BROADCAST, 1L, Kind.BARRIER, 1L), c.snapshot());
        assertEquals(8, c.bytes(Kind.ALL_GATHER));
        assertEquals(0, c.bytes(Kind.BARRIER));
        assertEquals(6, c.totalCount());

        c.reset();
        assertEquals(Map.of(), c.snapshot());
        Communicator sub = c.split(r, 0);
        assertEquals(1, sub.size());
        sub.allReduce(t, ReduceOp.MAX);
        sub.close();
        assertNull(c.split(-1, 0));
        assertEquals(Map.of(Kind.SPLIT, 2L, Kind.ALL_REDUCE, 1L), c.snapshot());
      }
      c.close();
      assertThrows(RuntimeException.class, comm::barrier, "closing the decorator closes the wrapped communicator");
    });
  }

  @Test
  void nullIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> new CountingCommunicator(null));
  }
}
