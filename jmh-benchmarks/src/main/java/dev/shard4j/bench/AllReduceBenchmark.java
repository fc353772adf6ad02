package dev.shard4j.bench;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorOptions;
import dev.shard4j.collectives.Communicators;
import dev.shard4j.collectives.InMemoryStore;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.spi.CommunicatorBackend;
import dev.shard4j.tensor.CudaRuntime;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * All-reduce bandwidth of a collectives backend, reported like nccl-tests: the score is all-reduces per second; the
 * secondary results {@code algBytes} and {@code busBytes} are the algorithm bandwidth (bytes / time) and the bus
 * bandwidth (algbw * 2(n-1)/n, nccl-tests' {@code doc/PERFORMANCE.md}) in bytes per second (JMH labels them ops/s).
 * Ranks are threads of this JVM, one communicator each, created through
 * {@link Communicators#create(String, CommunicatorOptions)}; with a backend for CUDA tensors, rank r runs on
 * {@code cuda:(r mod deviceCount)}, so {@code ranks} should not exceed the visible GPUs. Each invocation runs
 * {@value #OPS} blocking all-reduces on every rank. Out-of-place runs reduce inputs {@code r + 1} and check after
 * the trial that every element of rank 0's output is {@code n(n+1)/2}; in-place runs reduce zeros (so repeated
 * sums stay exact) and check for zeros. A wrong element fails the run, reporting the
 * number of wrong elements.
 *
 * <pre>
 * java -jar jmh-benchmarks/target/benchmarks.jar AllReduceBenchmark -p backend=nccl -p ranks=8 \
 *   -p bytes=1048576,16777216,268435456 -p inPlace=false,true -rf json
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AllReduceBenchmark {
  static final int OPS = 10;

  /** The backend name, as registered with {@link Communicators}. */
  @Param({"local"})
  public String backend;

  /** The number of ranks (threads). */
  @Param({"2"})
  public int ranks;

  /** Bytes of each rank's buffer. */
  @Param({"1048576", "16777216"})
  public long bytes;

  /** Element type: f32 or bf16. */
  @Param({"f32"})
  public String dtype;

  /** In place ({@code allReduce(t, op)}) or out of place ({@code allReduce(in, out, op)}). */
  @Param({"false"})
  public boolean inPlace;

  private final List<Thread> threads = new ArrayList<>();
  private final AtomicReference<Throwable> error = new AtomicReference<>();
  private CyclicBarrier start;
  private CyclicBarrier end;
  private volatile boolean stop;
  private volatile long wrong;

  /** Bandwidth counters, normalized by JMH to per-second rates. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Bandwidth {
    /** Algorithm bandwidth: bytes reduced per second. */
    public long algBytes;
    /** Bus bandwidth: algorithm bandwidth times 2(n-1)/n, bytes per second. */
    public long busBytes;

    @Setup(Level.Iteration)
    public void reset() {
      algBytes = 0;
      busBytes = 0;
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    CommunicatorBackend b = Communicators.backend(backend).orElseThrow(
        () -> new IllegalArgumentException("no collectives backend named '" + backend + "'"));
    boolean cuda = !b.supports(Device.Type.CPU);
    int devices = cuda ? CudaRuntime.availability().deviceCount() : 0;
    if (cuda && devices == 0) {
      throw new IllegalStateException("backend " + backend + " needs a CUDA device: "
          + CudaRuntime.availability().reason());
    }
    DType dt = DType.valueOf(dtype.toUpperCase(java.util.Locale.ROOT));
    long n = bytes / dt.byteSize();
    InMemoryStore store = new InMemoryStore();
    start = new CyclicBarrier(ranks + 1);
    end = new CyclicBarrier(ranks + 1);
    CyclicBarrier ready = new CyclicBarrier(ranks + 1);
    for (int r = 0; r < ranks; r++) {
      int rank = r;
      Device device = cuda ? Device.cuda(r % devices) : Device.CPU;
      Thread t = new Thread(() -> rankLoop(rank, device, dt, n, store, ready), "allreduce-bench-rank" + r);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    try {
      ready.await(120, TimeUnit.SECONDS);
    } catch (BrokenBarrierException e) {
      throwIfFailed();
      throw e;
    }
    throwIfFailed();
  }

  private void rankLoop(int rank, Device device, DType dt, long n, InMemoryStore store, CyclicBarrier ready) {
    CommunicatorOptions o = CommunicatorOptions.of(rank, ranks, store).withDevice(device)
        .withTimeout(Duration.ofSeconds(60)).withGroup("allreduce-bench");
    try (Communicator c = Communicators.create(backend, o);
        Tensor in = Tensor.zeros(Shape.of(n), dt, device);
        Tensor out = Tensor.zeros(Shape.of(n), dt, device)) {
      if (!inPlace) {
        float[] v = new float[(int) Math.min(n, Integer.MAX_VALUE)];
        java.util.Arrays.fill(v, rank + 1);
        in.copyFrom(v);
      }
      ready.await();
      while (true) {
        start.await();
        if (stop) {
          break;
        }
        for (int i = 0; i < OPS; i++) {
          if (inPlace) {
            c.allReduce(in, ReduceOp.SUM);
          } else {
            c.allReduce(in, out, ReduceOp.SUM);
          }
        }
        end.await();
      }
      if (rank == 0) {
        wrong = countWrong(inPlace ? in : out, inPlace ? 0f : ranks * (ranks + 1) / 2f);
      }
    } catch (Throwable e) {
      error.compareAndSet(null, e);
      start.reset();
      end.reset();
      ready.reset();
    }
  }

  private static long countWrong(Tensor t, float expected) {
    float[] all = t.toFloatArray();
    long wrong = 0;
    for (float v : all) {
      if (v != expected) {
        wrong++;
      }
    }
    return wrong;
  }

  private void throwIfFailed() {
    Throwable e = error.get();
    if (e != null) {
      throw new IllegalStateException("all-reduce benchmark failed: " + e, e);
    }
  }

  @Benchmark
  @OperationsPerInvocation(OPS)
  public void allReduce(Bandwidth bw) throws InterruptedException {
    try {
      start.await();
      end.await();
    } catch (BrokenBarrierException e) {
      throwIfFailed();
      throw new IllegalStateException("all-reduce benchmark: a rank left", e);
    }
    long alg = bytes * OPS;
    bw.algBytes += alg;
    bw.busBytes += alg * 2 * (ranks - 1) / ranks;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    stop = true;
    try {
      start.await(60, TimeUnit.SECONDS);
    } catch (BrokenBarrierException e) {
      // a rank failed; reported below
    }
    for (Thread t : threads) {
      t.join(60_000);
    }
    throwIfFailed();
    if (wrong != 0) {
      throw new IllegalStateException("all-reduce benchmark: #wrong = " + wrong + " elements of rank 0's result");
    }
  }
}
