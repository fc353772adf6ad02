package dev.shard4j.training;

import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.OpKind;
import dev.shard4j.autoshard.Profiler;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.tensor.Device;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The local backend's front of {@link CommunicatorProfiler}: runs the ranks as threads of this JVM
 * ({@link LocalCluster}) and measures them on CPU tensors. {@link #profile(int)} gives the {@link ClusterProfile} of
 * {@code ranks} local ranks, with the link fitted from their all-reduces and the FLOP/s each rank gets while all of
 * them compute at once (on a 2-core machine each of 8 ranks gets about a quarter of a core). {@link #measureFlops()}
 * measures one rank alone. Runs collectives and kernels for real, so it takes seconds; call it from one thread.
 */
public final class LocalProfiler implements Profiler {
  private final CommunicatorProfiler profiler;

  /** Measures with {@code profiler}'s sizes, iterations, kernel threads and collectives. */
  public LocalProfiler(CommunicatorProfiler profiler) {
    this.profiler = profiler;
  }

  /** Measures all-reduce (only) at {@code sizes} bytes, {@code iterations} timed calls each, one kernel thread. */
  public LocalProfiler(long[] sizes, int iterations) {
    this(new CommunicatorProfiler(sizes, iterations, 1, EnumSet.of(CommunicatorProfiler.Collective.ALL_REDUCE)));
  }

  /** {@link CommunicatorProfiler#defaults()}: 256 KiB, 2 MiB and 16 MiB, 5 timed calls, one kernel thread. */
  public static LocalProfiler defaults() {
    return new LocalProfiler(CommunicatorProfiler.defaults());
  }

  /** The measuring code and its settings. */
  public CommunicatorProfiler profiler() {
    return profiler;
  }

  @Override
  public List<Sample> measureAllReduce(int axisSize, boolean crossNode) {
    if (crossNode) {
      throw new UnsupportedOperationException("LocalProfiler: the local backend runs on one node; there is no "
          + "cross-node link to measure");
    }
    if (axisSize < 2) {
      throw new IllegalArgumentException("LocalProfiler: all-reduce needs at least 2 ranks, got " + axisSize);
    }
    CommunicatorProfiler allReduceOnly =
        profiler.withCollectives(EnumSet.of(CommunicatorProfiler.Collective.ALL_REDUCE));
    AtomicReference<List<Sample>> out = new AtomicReference<>();
    LocalCluster.run(axisSize, comm -> {
      Map<CommunicatorProfiler.Collective, List<Sample>> links = allReduceOnly.measureLinks(comm, Device.CPU);
      if (comm.rank() == 0) {
        out.set(links.get(CommunicatorProfiler.Collective.ALL_REDUCE));
      }
    });
    return out.get();
  }

  /** FLOP/s per op class of one rank computing alone (with the profiler's kernel threads). */
  @Override
  public Map<OpKind.OpClass, Double> measureFlops() {
    return measureFlops(1);
  }

  /** The per-rank FLOP/s per op class while {@code ranks} local ranks compute at the same time (median over ranks). */
  public Map<OpKind.OpClass, Double> measureFlops(int ranks) {
    if (ranks < 1) {
      throw new IllegalArgumentException("LocalProfiler.measureFlops: ranks must be >= 1, got " + ranks);
    }
    AtomicReference<Map<OpKind.OpClass, Double>> out = new AtomicReference<>();
    LocalCluster.run(ranks, comm -> {
      Map<OpKind.OpClass, Double> flops = profiler.measureFlops(comm, Device.CPU);
      if (comm.rank() == 0) {
        out.set(flops);
      }
    });
    return out.get();
  }

  /**
   * Measures {@code ranks} local ranks: links and concurrent compute in one group. One rank has no link, so its link
   * is measured on two ranks and its compute alone.
   */
  public CommunicatorProfiler.Result measure(int ranks) {
    if (ranks < 1) {
      throw new IllegalArgumentException("LocalProfiler: ranks must be >= 1, got " + ranks);
    }
    AtomicReference<CommunicatorProfiler.Result> out = new AtomicReference<>();
    LocalCluster.run(Math.max(2, ranks), comm -> {
      CommunicatorProfiler.Result r = profiler.measure(comm, Device.CPU);
      if (comm.rank() == 0) {
        out.set(r);
      }
    });
    CommunicatorProfiler.Result r = out.get();
    return ranks > 1 ? r : new CommunicatorProfiler.Result(1, r.device(), r.links(), measureFlops(1));
  }

  /**
   * A profile of {@code ranks} local ranks: {@link ClusterProfile#localCpu(int)} with the link fitted from measured
   * all-reduces over all ranks (inside and "across" nodes alike: there is one node) and the per-rank FLOP/s measured
   * with all ranks computing at once.
   */
  public ClusterProfile profile(int ranks) {
    return measure(ranks).applyTo(ClusterProfile.localCpu(ranks));
  }
}
