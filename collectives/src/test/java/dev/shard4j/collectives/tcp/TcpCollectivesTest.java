package dev.shard4j.collectives.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.CollectiveChecks;
import dev.shard4j.collectives.InMemoryStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every collective of the TCP backend with ranks as threads of this JVM over loopback TCP, against plain-Java
 * references: once with the default options (recursive doubling for small all-reduces, binomial trees for small
 * broadcasts and reduces) and once with 1 KiB slices and the bandwidth-optimal algorithms forced for every size
 * (ring, chain), so that odd lengths span several pipelined slices and segments. The ranks share a host, so
 * payloads of 16 KiB or more take the shared-memory rings unless the options force sockets; both are checked, and
 * with 1 KiB slices full slices go through shared memory while the odd tails stay on the socket.
 */
class TcpCollectivesTest {
  static final long[] LENGTHS = {0, 1, 7, 1001};
  private static final TcpOptions DEFAULTS = TcpOptions.defaults().withTimeout(Duration.ofSeconds(20));
  private static final TcpOptions RING = DEFAULTS.withSliceBytes(1024).withSmallMessageBytes(0);

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 8})
  void everyCollectiveWithDefaultOptions(int size) {
    AtomicLong checked = new AtomicLong();
    TcpCluster.run(size, DEFAULTS, c -> checked.addAndGet(CollectiveChecks.all(c, LENGTHS)));
    assertTrue(checked.get() > 0);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 5})
  void everyCollectiveWithTinySlicesAndTheRing(int size) {
    AtomicLong checked = new AtomicLong();
    TcpCluster.run(size, RING, c -> checked.addAndGet(CollectiveChecks.all(c, LENGTHS)));
    assertTrue(checked.get() > 0);
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 4})
  void largeCallsSpanSeveralSegments(int size) {
    // 1 KiB slices, 8 slices per step: 2048 f32 elements per chunk segment; 20_011 elements need several segments.
    long[] big = {20_011};
    TcpCluster.run(size, RING, c -> {
      CollectiveChecks.allReduce(c, big);
      CollectiveChecks.reduceScatter(c, new long[] {5_003});
      CollectiveChecks.allGather(c, new long[] {5_003});
      CollectiveChecks.allToAll(c, new long[] {5_003});
    });
    // 400 KB: above the recursive-doubling limit, so the default options take the ring
    TcpCluster.run(size, DEFAULTS, c -> CollectiveChecks.allReduce(c, new long[] {100_003}));
  }

  @ParameterizedTest
  @CsvSource({"2, true", "4, true", "2, false", "4, false", "3, true"})
  void everyCollectiveThroughSharedMemoryOrWithSocketsForced(int size, boolean shm) {
    long[] lengths = {0, 1, 7, 1001, 5003};
    AtomicLong checked = new AtomicLong();
    for (TcpOptions o : new TcpOptions[] {DEFAULTS, RING}) {
      TcpCluster.run(size, o.withSharedMemory(shm), c -> {
        TcpCommunicator t = (TcpCommunicator) c;
        assertEquals(shm ? size - 1 : 0, t.sharedMemoryPeers(), "peers reached through shared memory");
        checked.addAndGet(CollectiveChecks.all(c, lengths));
        checked.addAndGet(CollectiveChecks.allReduce(c, new long[] {100_003}));
        if (shm) {
          assertTrue(t.sharedMemoryFrames() > 0, "no payload went through shared memory on rank " + c.rank());
        } else {
          assertEquals(0, t.sharedMemoryFrames(), "payloads went through shared memory with sockets forced");
        }
      });
    }
    assertTrue(checked.get() > 0);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 4})
  void aRankForcingSocketsKeepsItsPairsOnSockets(int size) throws Exception {
    // rank 0 forces sockets: its pairs use sockets, the pairs of the other ranks shared memory
    InMemoryStore store = new InMemoryStore();
    String token = Handshake.newToken();
    ExecutorService pool = Executors.newFixedThreadPool(size);
    List<CompletableFuture<TcpCommunicator>> made = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      int rank = r;
      made.add(CompletableFuture.supplyAsync(() -> TcpCommunicator.create(store, token, rank, size,
          DEFAULTS.withSharedMemory(rank != 0)), pool));
    }
    List<TcpCommunicator> comms = new ArrayList<>();
    for (CompletableFuture<TcpCommunicator> f : made) {
      comms.add(f.get(60, TimeUnit.SECONDS));
    }
    List<CompletableFuture<Long>> runs = new ArrayList<>();
    for (TcpCommunicator c : comms) {
      runs.add(CompletableFuture.supplyAsync(() -> CollectiveChecks.allReduce(c, new long[] {5003, 100_003}),
          pool));
    }
    for (CompletableFuture<Long> f : runs) {
      assertTrue(f.get(120, TimeUnit.SECONDS) > 0);
    }
    for (TcpCommunicator c : comms) {
      assertEquals(c.rank() == 0 ? 0 : size - 2, c.sharedMemoryPeers(), "rank " + c.rank());
      c.close();
    }
    pool.shutdown();
  }
}
