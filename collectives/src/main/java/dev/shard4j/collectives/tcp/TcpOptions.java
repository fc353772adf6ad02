package dev.shard4j.collectives.tcp;

import java.time.Duration;

/**
 * Tuning and network options of a {@link TcpCommunicator}. Immutable; start from {@link #defaults()} and change
 * fields with the {@code with*} methods.
 *
 * @param bindAddress the address this rank listens on for its peers; loopback by default, so a job on one host is
 *     not reachable from the network. Use a routable address (or {@code 0.0.0.0}) for multi-host jobs.
 * @param advertiseHost the host name or address peers use to reach this rank; null means the bind address (or
 *     this host's address when binding to the wildcard address).
 * @param timeout how long a rank waits without progress from a peer before the collective fails naming the
 *     missing ranks; also bounds connection setup.
 * @param connectWindow how long connecting to the store is retried before failing.
 * @param smallMessageBytes all-reduces of at most this many bytes use recursive doubling and broadcasts and reduces
 *     a binomial tree (latency-optimal, log2(size) rounds); larger ones use the pipelined ring or chain
 *     (bandwidth-optimal). See {@link TcpCommunicator}.
 * @param sliceBytes the pipelining unit: large messages travel as frames of at most this many payload bytes.
 * @param sharedMemory whether payloads to ranks on the same host may go through shared memory (a ring of
 *     {@code sliceBytes} slots per ordered pair in {@code /dev/shm}) instead of the socket; on by default. False
 *     forces sockets everywhere (environment: {@code SHARD4J_TCP_SHM=0}). Peers on other hosts always use sockets.
 *     Ranks may differ in this option: a pair uses shared memory only when both ranks allow it.
 */
public record TcpOptions(String bindAddress, String advertiseHost, Duration timeout, Duration connectWindow,
    long smallMessageBytes, int sliceBytes, boolean sharedMemory) {

  /** Default all-reduce switch point between recursive doubling and the ring: 256 KiB. */
  public static final long DEFAULT_SMALL_MESSAGE_BYTES = 256 << 10;
  /**
   * Default slice: 1 MiB. Each frame costs the receiving rank a wake-up; on a host whose ranks share cores that,
   * not the copy, bounds a 1-16 MiB all-reduce, and 1 MiB frames were up to 2x faster there than 128 KiB ones
   * (docs/collectives-tcp.md, "Slice size").
   */
  public static final int DEFAULT_SLICE_BYTES = 1 << 20;

  /** Checks the fields. */
  public TcpOptions {
    if (bindAddress == null || bindAddress.isBlank()) {
      throw new IllegalArgumentException("TcpOptions: bindAddress must be set, got '" + bindAddress + "'");
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("TcpOptions: timeout must be positive, got " + timeout);
    }
    if (connectWindow == null || connectWindow.isNegative()) {
      throw new IllegalArgumentException("TcpOptions: connectWindow must be >= 0, got " + connectWindow);
    }
    if (smallMessageBytes < 0) {
      throw new IllegalArgumentException("TcpOptions: smallMessageBytes must be >= 0, got " + smallMessageBytes);
    }
    if (sliceBytes < 1024 || sliceBytes > (64 << 20) || sliceBytes % 4 != 0) {
      throw new IllegalArgumentException("TcpOptions: sliceBytes must be a multiple of 4 in [1 KiB, 64 MiB], got "
          + sliceBytes);
    }
  }

  /** Loopback, 60 s timeout, 30 s store connect window, 256 KiB switch point, 1 MiB slices, shared memory on. */
  public static TcpOptions defaults() {
    return new TcpOptions("127.0.0.1", null, Duration.ofSeconds(60), Duration.ofSeconds(30),
        DEFAULT_SMALL_MESSAGE_BYTES, DEFAULT_SLICE_BYTES, true);
  }

  /** A copy with another bind address. */
  public TcpOptions withBindAddress(String v) {
    return new TcpOptions(v, advertiseHost, timeout, connectWindow, smallMessageBytes, sliceBytes, sharedMemory);
  }

  /** A copy with another advertised host. */
  public TcpOptions withAdvertiseHost(String v) {
    return new TcpOptions(bindAddress, v, timeout, connectWindow, smallMessageBytes, sliceBytes, sharedMemory);
  }

  /** A copy with another timeout. */
  public TcpOptions withTimeout(Duration v) {
    return new TcpOptions(bindAddress, advertiseHost, v, connectWindow, smallMessageBytes, sliceBytes, sharedMemory);
  }

  /** A copy with another store connect window. */
  public TcpOptions withConnectWindow(Duration v) {
    return new TcpOptions(bindAddress, advertiseHost, timeout, v, smallMessageBytes, sliceBytes, sharedMemory);
  }

  /** A copy with another recursive-doubling / ring switch point. */
  public TcpOptions withSmallMessageBytes(long v) {
    return new TcpOptions(bindAddress, advertiseHost, timeout, connectWindow, v, sliceBytes, sharedMemory);
  }

  /** A copy with another slice size. */
  public TcpOptions withSliceBytes(int v) {
    return new TcpOptions(bindAddress, advertiseHost, timeout, connectWindow, smallMessageBytes, v, sharedMemory);
  }

  /** A copy with shared memory between same-host ranks allowed ({@code true}) or sockets forced ({@code false}). */
  public TcpOptions withSharedMemory(boolean v) {
    return new TcpOptions(bindAddress, advertiseHost, timeout, connectWindow, smallMessageBytes, sliceBytes, v);
  }

  static void checkToken(String token) {
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException("job token must be a non-empty string (see "
          + TcpCommunicator.ENV_TOKEN + ")");
    }
  }
}
