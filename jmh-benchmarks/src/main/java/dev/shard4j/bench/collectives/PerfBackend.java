package dev.shard4j.bench.collectives;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.collectives.tcp.TcpCluster;
import dev.shard4j.collectives.tcp.TcpOptions;
import java.time.Duration;
import java.util.List;

/**
 * Where {@link CollectivePerf}'s ranks get their communicators: {@code local} (shared memory) or {@code tcp}
 * (ranks as threads of this JVM connected over loopback TCP exactly as processes would be). Every rank runs on its own thread of this JVM and
 * calls {@link #communicator(int)} from that thread; the rank owns and closes what it gets. {@link #close()}
 * releases what the backend itself holds, after all ranks finished.
 */
interface PerfBackend extends AutoCloseable {
  /** The communicator of {@code rank}; called once per rank, from the rank's thread. */
  Communicator communicator(int rank) throws Exception;

  @Override
  default void close() {}

  /** Opens the named backend for {@code size} ranks. */
  static PerfBackend open(String name, int size, Duration timeout) {
    return open(name, size, timeout, true);
  }

  /**
   * Opens the named backend for {@code size} ranks; for {@code tcp}, {@code sharedMemory} false forces sockets
   * between the ranks (they share this host, so by default large payloads go through shared memory).
   */
  static PerfBackend open(String name, int size, Duration timeout, boolean sharedMemory) {
    return switch (name) {
      case "local" -> {
        List<Communicator> comms = LocalCluster.create(size, timeout);
        yield comms::get;
      }
      case "tcp" -> {
        List<Communicator> comms = TcpCluster.create(size,
            TcpOptions.defaults().withTimeout(timeout).withSharedMemory(sharedMemory));
        yield comms::get;
      }
      default -> throw new IllegalArgumentException("--backend: unknown backend '" + name + "'; expected local or "
          + "tcp");
    };
  }
}
