package dev.shard4j.collectives.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeMemory;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * 10,000 mixed collectives on 4 ranks (threads over loopback TCP), with sub-groups split and closed along the way;
 * afterwards no native allocation, thread or file descriptor (socket, selector) may be left behind. Also: the heap
 * allocated per call is a small constant (the call's descriptor), not proportional to the number of messages. Large
 * all-reduces along the way go through the shared-memory rings, and no ring file may be left behind.
 */
class TcpSoakTest {
  private static final int OPS = 10_000;

  @Test
  void tenThousandMixedCollectivesLeakNeitherMemoryNorThreadsNorSockets() throws Exception {
    // Warm up once: the JDK opens some files for good on first use (SecureRandom's devices, jars).
    TcpCluster.run(4, TcpOptions.defaults(), c -> {
      try (Communicator sub = c.split(0, 0); Tensor t = Tensor.zeros(Shape.of(3), DType.F32, Device.CPU)) {
        sub.allReduceAsync(t, ReduceOp.SUM).await();
      }
    });
    long liveBefore = NativeMemory.hostLiveCount();
    java.util.Set<String> filesBefore = TcpProcessTest.ringFiles();
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    int fdsBefore = openFds();
    int size = 4;
    AtomicLong checked = new AtomicLong();
    TcpCluster.run(size, TcpOptions.defaults().withTimeout(Duration.ofSeconds(30)), c -> {
      int r = c.rank();
      Random rnd = new Random(42); // the same sequence of calls on every rank
      for (int it = 0; it < OPS; it++) {
        int kind = rnd.nextInt(8);
        long m = rnd.nextInt(40);
        DType dt = rnd.nextBoolean() ? DType.F32 : DType.BF16;
        ReduceOp op = ReduceOp.values()[rnd.nextInt(ReduceOp.values().length)];
        try (Tensor a = Tensor.fromArray(input(op, dt, r, size * m), Shape.of(size * m), dt, Device.CPU);
            Tensor o = Tensor.zeros(Shape.of(size * m), dt, Device.CPU);
            Tensor small = Tensor.zeros(Shape.of(m), dt, Device.CPU)) {
          switch (kind) {
            case 0 -> c.allReduce(a, op);
            case 1 -> c.allReduce(a, o, op);
            case 2 -> c.reduceScatter(a, small, op);
            case 3 -> c.allGather(small, o);
            case 4 -> c.broadcast(a, (int) (m % size));
            case 5 -> c.allToAll(a, o);
            case 6 -> c.reduce(a, (int) (m % size), op);
            default -> c.allReduceAsync(a, op).await();
          }
          if (kind == 2) {
            float[] got = small.toFloatArray();
            for (int i = 0; i < m; i++) {
              float want = ref(op, dt, size, r * m + i);
              if (Math.abs(want - got[i]) > 1e-6 + Math.abs(want) * (op == ReduceOp.AVG ? 8e-3 : 0)) {
                throw new AssertionError("soak reduceScatter " + op + " " + dt + " i=" + i + ": " + got[i]
                    + " != " + want);
              }
            }
            checked.addAndGet(m);
          }
        }
        if (it % 50 == 0) {
          // payloads above 1 KiB: through the shared-memory rings (recursive doubling, and the ring every 200th)
          long n = it % 200 == 0 ? 70_001 : 4_099;
          try (Tensor big = Tensor.fromArray(input(ReduceOp.SUM, DType.F32, r, n), Shape.of(n), DType.F32,
              Device.CPU)) {
            c.allReduce(big, ReduceOp.SUM);
            float[] got = big.toFloatArray();
            for (int i = 0; i < n; i += 97) {
              float want = ref(ReduceOp.SUM, DType.F32, size, i);
              if (want != got[i]) {
                throw new AssertionError("soak allReduce of " + n + " i=" + i + ": " + got[i] + " != " + want);
              }
            }
            checked.addAndGet(n);
          }
        }
        if (it % 1000 == 0) {
          try (Communicator sub = c.split(r % 2, r)) {
            sub.barrier();
          }
        }
      }
      if (((TcpCommunicator) c).sharedMemoryFrames() == 0) {
        throw new AssertionError("rank " + r + " sent no payload through shared memory");
      }
    });
    assertTrue(checked.get() > 0);
    assertEquals(liveBefore, NativeMemory.hostLiveCount(), "host allocations leaked");
    int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
    int fdsAfter = openFds();
    for (int i = 0; i < 100 && (threadsAfter > threadsBefore || fdsAfter > fdsBefore); i++) {
      Thread.sleep(20);
      threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
      fdsAfter = openFds();
    }
    assertTrue(threadsAfter <= threadsBefore, "threads before " + threadsBefore + ", after " + threadsAfter);
    assertEquals(filesBefore, TcpProcessTest.ringFiles(), "shared-memory files left behind");
    if (fdsBefore >= 0) {
      assertTrue(fdsAfter <= fdsBefore, "open file descriptors before " + fdsBefore + ", after " + fdsAfter);
    }
  }

  @Test
  void callsAllocateAFewBytesOfHeapWhateverTheirSizeAndReduceOp() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    // 1 MiB in 16 KiB slices: a pipelined ring of 2 segments x 6 steps x 8 slices, 96 frames per call, so even
    // 8 bytes of garbage per frame would break the bound; through the shared-memory rings and over sockets only.
    for (boolean shm : new boolean[] {true, false}) {
      TcpOptions small = TcpOptions.defaults().withSliceBytes(16 << 10).withSharedMemory(shm);
      for (long n : new long[] {1000, 262_144}) {
        for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MAX}) {
          long[] perCall = new long[4];
          TcpCluster.run(4, small, c -> {
            try (Tensor a = Tensor.zeros(Shape.of(n), DType.F32, Device.CPU)) {
              for (int i = 0; i < 15; i++) {
                c.allReduce(a, op);
              }
              long before = mx.getCurrentThreadAllocatedBytes();
              for (int i = 0; i < 40; i++) {
                c.allReduce(a, op);
              }
              perCall[c.rank()] = (mx.getCurrentThreadAllocatedBytes() - before) / 40;
            }
          });
          for (int r = 0; r < 4; r++) {
            assertTrue(perCall[r] < 512, "allReduce of " + n + " floats (" + op + ", shared memory " + shm
                + ") allocated " + perCall[r] + " bytes per call on rank " + r);
          }
        }
      }
    }
  }

  /** Open file descriptors of this process (Linux), or -1 where /proc is not available. */
  private static int openFds() {
    String[] fds = new File("/proc/self/fd").list();
    return fds == null ? -1 : fds.length;
  }

  private static float val(ReduceOp op, DType dt, int rank, long i) {
    if (op == ReduceOp.PROD) {
      return dt == DType.BF16 ? 1 + (rank + i) % 2 : 1 + (rank + i) % 3;
    }
    return dt == DType.BF16 ? (float) ((rank * 7 + i * 3) % 32) - 8 : rank * 1000 + i - 500;
  }

  private static float[] input(ReduceOp op, DType dt, int rank, long n) {
    float[] a = new float[(int) n];
    for (int i = 0; i < n; i++) {
      a[i] = val(op, dt, rank, i);
    }
    return a;
  }

  private static float ref(ReduceOp op, DType dt, int size, long i) {
    double acc = val(op, dt, 0, i);
    for (int r = 1; r < size; r++) {
      double v = val(op, dt, r, i);
      acc = switch (op) {
        case SUM, AVG -> acc + v;
        case PROD -> acc * v;
        case MAX -> Math.max(acc, v);
        case MIN -> Math.min(acc, v);
      };
    }
    if (op == ReduceOp.AVG) {
      acc /= size;
    }
    float f = (float) acc;
    return dt == DType.BF16 ? DType.fromBf16(DType.toBf16(f)) : f;
  }
}
