package dev.shard4j.collectives.tcp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.CollectiveChecks;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every collective of the TCP backend with ranks as threads of this JVM over loopback TCP, against plain-Java
 * references: once with the default options (recursive doubling for small all-reduces, binomial trees for small
 * broadcasts and reduces) and once with 1 KiB slices and the bandwidth-optimal algorithms forced for every size
 * (ring, chain), so that odd lengths span several pipelined slices and segments.
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
}
