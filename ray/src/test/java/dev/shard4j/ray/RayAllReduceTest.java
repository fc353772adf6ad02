package dev.shard4j.ray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** All-reduce on 2 and 4 rank actors of a real cluster, against sums computed here; progress reaches the driver. */
@Tag("ray")
class RayAllReduceTest {
  private static final int COUNT = 100_003;

  /** Rank r contributes {@code r * 1000 + i % 97} at index i (large enough for the ring algorithm). */
  private static RankFunction<float[]> allReduceSum() {
    return ctx -> {
      float[] mine = new float[COUNT];
      for (int i = 0; i < COUNT; i++) {
        mine[i] = ctx.rank() * 1000 + i % 97;
      }
      try (Tensor t = Tensor.fromArray(mine, COUNT)) {
        ctx.communicator().allReduce(t, ReduceOp.SUM);
        ctx.progress(0, 0, 0);
        ctx.progress(1, ctx.rank(), 0);
        return t.toFloatArray();
      }
    };
  }

  private static void check(int ranks) {
    List<Progress> seen = new ArrayList<>();
    RayJob<float[]> job = RayTestCluster.launcher(ranks).progress(seen::add).build().submit(allReduceSum());
    List<float[]> results;
    try (job) {
      results = job.await();
    }
    float[] want = new float[COUNT];
    for (int i = 0; i < COUNT; i++) {
      for (int r = 0; r < ranks; r++) {
        want[i] += r * 1000 + i % 97;
      }
    }
    assertEquals(ranks, results.size());
    for (int r = 0; r < ranks; r++) {
      assertArrayEquals(want, results.get(r), "rank " + r + " of " + ranks);
    }
    Set<Long> pids = new HashSet<>();
    job.ranks().forEach(info -> pids.add(info.pid()));
    assertEquals(ranks, pids.size(), "one JVM per rank: " + job.ranks());
    assertTrue(pids.stream().noneMatch(p -> p == ProcessHandle.current().pid()), "ranks run outside the driver");
    assertEquals(2 * ranks, seen.size(), "two progress reports per rank: " + seen);
    for (int r = 0; r < ranks; r++) {
      int rank = r;
      List<Progress> mine = seen.stream().filter(p -> p.rank() == rank).toList();
      assertEquals(List.of(0L, 1L), mine.stream().map(Progress::step).toList(), "rank " + r + " in order");
      assertEquals(r, mine.get(1).loss());
    }
  }

  @Test
  void twoActorsAllReduce() {
    check(2);
  }

  @Test
  void fourActorsAllReduce() {
    check(4);
  }
}
