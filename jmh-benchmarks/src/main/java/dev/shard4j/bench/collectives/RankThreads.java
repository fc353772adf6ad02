package dev.shard4j.bench.collectives;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one body per rank on its own thread and joins them all; the first failure is rethrown (with the rank
 * named) after every thread ended. Static; any thread may call it.
 */
final class RankThreads {
  /** The code of one rank. */
  @FunctionalInterface
  interface Body {
    void run(int rank) throws Exception;
  }

  private RankThreads() {}

  static void run(int ranks, Body body) throws Exception {
    Throwable[] first = new Throwable[1];
    int[] firstRank = {-1};
    List<Thread> threads = new ArrayList<>(ranks);
    for (int r = 0; r < ranks; r++) {
      int rank = r;
      threads.add(new Thread(() -> {
        try {
          body.run(rank);
        } catch (Throwable e) {
          synchronized (first) {
            if (first[0] == null) {
              first[0] = e;
              firstRank[0] = rank;
            }
          }
        }
      }, "perf-rank" + r + "-of" + ranks));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    synchronized (first) {
      if (first[0] != null) {
        throw new IllegalStateException("rank " + firstRank[0] + " of " + ranks + " failed: " + first[0], first[0]);
      }
    }
  }
}
