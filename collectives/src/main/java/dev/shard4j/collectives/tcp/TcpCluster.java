package dev.shard4j.collectives.tcp;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.InMemoryStore;
import dev.shard4j.collectives.local.LocalCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts the ranks of a TCP group as threads of this JVM, connected over loopback TCP exactly as separate processes
 * would be (authenticated full mesh, same progress engine); the rendezvous uses an in-memory store. Meant for
 * tests and benchmarks: {@code TcpCluster.create(4, TcpOptions.defaults())} gives four connected communicators.
 * Static methods; any thread may call them.
 */
public final class TcpCluster {
  private TcpCluster() {}

  /**
   * Creates the {@code n} communicators of a new group (connected concurrently); the caller owns them, must use
   * each from its own thread, and must close them.
   */
  public static List<Communicator> create(int n, TcpOptions options) {
    if (n < 1) {
      throw new IllegalArgumentException("TcpCluster: size must be >= 1, got " + n);
    }
    InMemoryStore store = new InMemoryStore();
    String token = Handshake.newToken();
    ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
      Thread t = new Thread(r, "shard4j-tcp-cluster-setup");
      t.setDaemon(true);
      return t;
    });
    List<Future<TcpCommunicator>> futures = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      int rank = r;
      futures.add(pool.submit(() -> TcpCommunicator.create(store, token, rank, n, options)));
    }
    List<Communicator> out = new ArrayList<>(n);
    RuntimeException error = null;
    for (Future<TcpCommunicator> f : futures) {
      try {
        out.add(f.get());
      } catch (Exception e) {
        Throwable c = e.getCause() != null ? e.getCause() : e;
        if (error == null) {
          error = c instanceof RuntimeException re ? re : new IllegalStateException(c);
        }
      }
    }
    pool.shutdown();
    if (error != null) {
      out.forEach(Communicator::close);
      throw error;
    }
    return out;
  }

  /**
   * Runs {@code body} on {@code n} new threads, one per rank of a new TCP group, like {@link LocalCluster#run}: the
   * first rank to throw aborts the group, all threads are joined and all communicators closed before returning, and
   * the first failure is rethrown as an {@link IllegalStateException} naming the rank with the rank's exception as
   * its cause.
   */
  public static void run(int n, TcpOptions options, LocalCluster.RankBody body) {
    List<Communicator> comms = create(n, options);
    Throwable[] first = new Throwable[1];
    int[] firstRank = {-1};
    List<Thread> threads = new ArrayList<>(n);
    for (int r = 0; r < n; r++) {
      Communicator c = comms.get(r);
      int rank = r;
      threads.add(new Thread(() -> {
        try {
          body.run(c);
        } catch (Throwable e) {
          boolean isFirst;
          synchronized (first) {
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
      }, "shard4j-tcp-rank" + r + "-of" + n));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        comms.get(0).abort();
        Thread.currentThread().interrupt();
      }
    }
    comms.forEach(Communicator::close);
    synchronized (first) {
      if (first[0] != null) {
        throw new IllegalStateException("rank " + firstRank[0] + " of " + n + " failed: " + first[0], first[0]);
      }
    }
  }
}
