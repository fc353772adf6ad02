package dev.shard4j.collectives;

import dev.shard4j.collectives.nccl.NcclBackend;
import dev.shard4j.tensor.CudaRuntime;
import dev.shard4j.tensor.Device;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** Runs NCCL ranks as threads of this JVM, rank r on CUDA device {@code devices[r]}, for the tests tagged gpu. */
final class NcclRanks {
  private NcclRanks() {}

  /** True when a CUDA device is visible and the NCCL backend can run: the enabling condition of the gpu tests. */
  static boolean available() {
    return CudaRuntime.isAvailable() && new NcclBackend().availability().available();
  }

  /** The number of visible CUDA devices. */
  static int deviceCount() {
    return CudaRuntime.availability().deviceCount();
  }

  /** The code one rank runs with its communicator, which {@link #run} creates and closes. */
  @FunctionalInterface
  interface Body {
    void run(Communicator c, Device device) throws Exception;
  }

  /** {@code size} ranks on devices 0..size-1. */
  static AtomicReferenceArray<Throwable> run(int size, Duration timeout, Body body) {
    int[] devices = new int[size];
    for (int r = 0; r < size; r++) {
      devices[r] = r;
    }
    return run(devices, timeout, body);
  }

  /**
   * Runs one thread per rank; each creates its communicator through {@link Communicators#create(String,
   * CommunicatorOptions)}, runs {@code body}, closes it. A rank whose body throws aborts the group. Returns the
   * failures by rank (null where a rank succeeded), so tests can assert on expected failures; use {@link #check}
   * when none is expected.
   */
  static AtomicReferenceArray<Throwable> run(int[] devices, Duration timeout, Body body) {
    return run(devices, timeout, java.util.Map.of(), body);
  }

  /** {@link #run(int[], Duration, Body)} with backend properties in the options. */
  static AtomicReferenceArray<Throwable> run(int[] devices, Duration timeout, java.util.Map<String, String> properties,
      Body body) {
    int size = devices.length;
    InMemoryStore store = new InMemoryStore();
    AtomicReferenceArray<Throwable> errors = new AtomicReferenceArray<>(size);
    List<Thread> threads = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      int rank = r;
      Device device = Device.cuda(devices[r]);
      threads.add(new Thread(() -> {
        CommunicatorOptions o = CommunicatorOptions.of(rank, size, store).withDevice(device).withTimeout(timeout)
            .withGroup("gpu-test");
        for (java.util.Map.Entry<String, String> p : properties.entrySet()) {
          o = o.withProperty(p.getKey(), p.getValue());
        }
        Communicator c = null;
        try {
          c = Communicators.create("nccl", o);
          body.run(c, device);
        } catch (Throwable e) {
          errors.set(rank, e);
          if (c != null) {
            c.abort();
          }
        } finally {
          if (c != null) {
            c.close();
          }
        }
      }, "nccl-test-rank" + r));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
    return errors;
  }

  /** Throws the first rank's failure, if any. */
  static void check(AtomicReferenceArray<Throwable> errors) {
    for (int r = 0; r < errors.length(); r++) {
      if (errors.get(r) != null) {
        throw new AssertionError("rank " + r + " of " + errors.length() + " failed: " + errors.get(r), errors.get(r));
      }
    }
  }
}
