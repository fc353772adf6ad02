package dev.shard4j.collectives.local;

import dev.shard4j.collectives.Communicator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates groups of {@link LocalCommunicator}s whose ranks are threads of this JVM, and runs a body on each rank.
 * The typical use is {@code LocalCluster.run(4, comm -> { ... comm.allReduce(t, ReduceOp.SUM); ... })}. Static
 * methods; any thread may call them.
 */
public final class LocalCluster {
  /** The default time a rank waits for missing peers before failing: 60 seconds. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private LocalCluster() {}

  /** The code one rank runs; it receives its rank's communicator, which {@link #run} closes afterwards. */
  @FunctionalInterface
  public interface RankBody {
    /** Runs on the rank's own thread. */
    void run(Communicator c) throws Exception;
  }

  /** Thrown by {@link #run} when a rank's body failed; names the rank and carries its exception as the cause. */
  public static final class RankFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int rank;

    RankFailedException(int rank, int size, Throwable cause) {
      super("rank " + rank + " of " + size + " failed: " + cause, cause);
      this.rank = rank;
    }

    /** The rank whose failure came first. */
    public int rank() {
      return rank;
    }
  }

  /**
   * Creates the {@code n} communicators of a new group with the given timeout; the caller owns them, must use
   * each from its own thread, and must close them.
   */
  public static List<Communicator> create(int n, Duration timeout) {
    if (n < 1) {
      throw new IllegalArgumentException("LocalCluster: size must be >= 1, got " + n);
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("LocalCluster: timeout must be positive, got " + timeout);
    }
    LocalGroup g = new LocalGroup(n, timeout);
    List<Communicator> out = new ArrayList<>(n);
    for (int r = 0; r < n; r++) {
      out.add(new LocalCommunicator(g, r));
    }
    return out;
  }

  /** {@link #run(int, Duration, RankBody)} with {@link #DEFAULT_TIMEOUT}. */
  public static void run(int n, RankBody body) {
    run(n, DEFAULT_TIMEOUT, body);
  }

  /**
   * Runs {@code body} on {@code n} new threads, one per rank, each with its own communicator of a new group.
   * The first rank to throw aborts the group (so the others fail promptly instead of hanging); all threads are
   * joined and all communicators closed before returning. Throws {@link RankFailedException} naming the first
   * failing rank.
   */
  public static void run(int n, Duration timeout, RankBody body) {
    List<Communicator> comms = create(n, timeout);
    Throwable[] first = new Throwable[1];
    int[] firstRank = {-1};
    Object lock = new Object();
    List<Thread> threads = new ArrayList<>(n);
    for (int r = 0; r < n; r++) {
      Communicator c = comms.get(r);
      int rank = r;
      Thread t = new Thread(() -> {
        try {
          body.run(c);
        } catch (Throwable e) {
          boolean isFirst;
          synchronized (lock) {
            isFirst = first[0] == null;
            if (isFirst) {
              first[0] = e;
              firstRank[0] = rank;
            }
          }
          if (isFirst) {
            c.abort();
          }
        }
      }, "shard4j-local-rank" + r + "-of" + n);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    boolean interrupted = false;
    for (Thread t : threads) {
      while (true) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
          comms.get(0).abort();
        }
      }
    }
    for (Communicator c : comms) {
      c.close();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    synchronized (lock) {
      if (first[0] != null) {
        throw new RankFailedException(firstRank[0], n, first[0]);
      }
    }
  }
}
