package dev.shard4j.training;

import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.ComputeCalibration;
import dev.shard4j.autoshard.OpKind;
import dev.shard4j.autoshard.Profiler;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.ops.Elementwise;
import dev.shard4j.ops.Gemm;
import dev.shard4j.ops.Init;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.CudaStream;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Measures a group of ranks on any {@link Communicator} (local threads, TCP processes, NCCL GPUs) for the planner:
 * collective times at several sizes, recorded as bus bytes so that {@link Profiler#fit} yields the cost model's
 * alpha and beta directly, and the per-rank FLOP/s of matmul and element-wise kernels while <em>all</em> ranks
 * compute at once (so ranks that share cores or memory bandwidth see their share, as they will in training), and
 * the {@link ComputeCalibrator}'s shared cores, per-kernel cost and GEMM efficiency by size.
 *
 * <p><b>Collective calls.</b> {@link #measure}, {@link #measureLinks} and {@link #measureFlops} are collectives:
 * every rank of the group calls them, in the same order, from its own thread, with tensors on its own device
 * ({@code cpu} for the local and TCP backends, {@code cuda:N} for NCCL). Every rank gets the same answer.
 *
 * <p><b>Method.</b> Per size: one untimed warm-up call, then {@code iterations} times a barrier followed by one
 * timed call; each rank keeps the median of its timings, and the group keeps the <em>maximum over ranks</em> of
 * those medians (an all-reduce MAX), because a collective is as slow as its slowest rank and the planner prices
 * the step by it. Compute: each rank runs the kernel right after a barrier (so all ranks compute concurrently), as
 * many times per timed sample as make it last about 30 ms (the same count on every rank), per-rank FLOP/s = FLOP /
 * that rank's median time per call, and the group keeps the median over ranks (an all-gather).
 * Bus bytes follow nccl-tests: all-reduce 2(n-1)/n B, all-gather and reduce-scatter (n-1)/n B, where B is the
 * size of the full buffer (the all-gather output, the reduce-scatter input).
 *
 * <p>Immutable; the {@code with*} methods return modified copies. Runs real collectives and kernels, so a call
 * takes seconds.
 */
public final class CommunicatorProfiler {
  /** The collectives this profiler times, with their nccl-tests bus-bytes factors. */
  public enum Collective {
    /** In-place all-reduce of B bytes: bus bytes 2(n-1)/n B. */
    ALL_REDUCE("all-reduce"),
    /** All-gather into B bytes (B/n per rank in): bus bytes (n-1)/n B. */
    ALL_GATHER("all-gather"),
    /** Reduce-scatter of B bytes (B/n per rank out): bus bytes (n-1)/n B. */
    REDUCE_SCATTER("reduce-scatter");

    private final String label;

    Collective(String label) {
      this.label = label;
    }

    /** The name used in reports, e.g. {@code all-reduce}. */
    public String label() {
      return label;
    }

    /** Bus bytes per buffer byte on a group of {@code n} ranks. */
    public double busFactor(int n) {
      return this == ALL_REDUCE ? 2.0 * (n - 1) / n : (double) (n - 1) / n;
    }
  }

  /**
   * What one {@link #measure} call found; the same on every rank.
   *
   * @param ranks          the ranks that computed at once (the group size; a one-rank result has its link from two)
   * @param ranksPerNode   ranks per node; {@code ranks} when the group is one node
   * @param device         the device type of the measured tensors
   * @param links          per collective, one sample per size (bus bytes, max over ranks of the median seconds),
   *                       inside a node; empty when a node holds one rank
   * @param crossNodeLinks the same over the whole group, which spans the nodes; empty when there is one node
   * @param flops          per op class, the median over ranks of the per-rank FLOP/s with all ranks computing
   * @param groupLinks     per group size k smaller than a node (2, 4, ... dividing it), all-reduce samples of the
   *                       node split into groups of k ranks all busy at once (the groups of one mesh axis), the
   *                       slowest group kept
   * @param calibration    shared cores, per-kernel cost and GEMM efficiency by size ({@link ComputeCalibrator});
   *                       {@link ComputeCalibration#NONE} when not measured
   */
  public record Result(int ranks, int ranksPerNode, Device.Type device, Map<Collective, List<Profiler.Sample>> links,
      Map<Collective, List<Profiler.Sample>> crossNodeLinks, Map<OpKind.OpClass, Double> flops,
      Map<Integer, List<Profiler.Sample>> groupLinks, ComputeCalibration calibration) {
    /** Copies the maps and checks that the ranks tile the nodes. */
    public Result {
      if (ranksPerNode < 1 || ranks % ranksPerNode != 0) {
        throw new IllegalArgumentException("CommunicatorProfiler.Result: ranksPerNode " + ranksPerNode
            + " does not divide ranks " + ranks);
      }
      links = Map.copyOf(links);
      crossNodeLinks = Map.copyOf(crossNodeLinks);
      flops = Map.copyOf(flops);
      groupLinks = Map.copyOf(groupLinks);
      calibration = calibration == null ? ComputeCalibration.NONE : calibration;
    }

    /** A result without compute calibration. */
    public Result(int ranks, int ranksPerNode, Device.Type device, Map<Collective, List<Profiler.Sample>> links,
        Map<Collective, List<Profiler.Sample>> crossNodeLinks, Map<OpKind.OpClass, Double> flops,
        Map<Integer, List<Profiler.Sample>> groupLinks) {
      this(ranks, ranksPerNode, device, links, crossNodeLinks, flops, groupLinks, ComputeCalibration.NONE);
    }

    /** A result without per-group-size links. */
    public Result(int ranks, int ranksPerNode, Device.Type device, Map<Collective, List<Profiler.Sample>> links,
        Map<Collective, List<Profiler.Sample>> crossNodeLinks, Map<OpKind.OpClass, Double> flops) {
      this(ranks, ranksPerNode, device, links, crossNodeLinks, flops, Map.of());
    }

    /** A result of one node of {@code ranks} ranks. */
    public Result(int ranks, Device.Type device, Map<Collective, List<Profiler.Sample>> links,
        Map<OpKind.OpClass, Double> flops) {
      this(ranks, ranks, device, links, Map.of(), flops);
    }

    /** The number of nodes. */
    public int nodes() {
      return ranks / ranksPerNode;
    }

    /**
     * The least-squares alpha/beta of {@code c}'s samples inside a node, or across nodes when a node holds one rank
     * (as measured: alpha may come out slightly negative).
     */
    public Profiler.AlphaBeta fit(Collective c) {
      return fitOf(links.isEmpty() ? crossNodeLinks : links, c);
    }

    /** The least-squares alpha/beta of {@code c}'s samples across nodes, or inside the one node there is. */
    public Profiler.AlphaBeta fitCrossNode(Collective c) {
      return fitOf(crossNodeLinks.isEmpty() ? links : crossNodeLinks, c);
    }

    private static Profiler.AlphaBeta fitOf(Map<Collective, List<Profiler.Sample>> m, Collective c) {
      List<Profiler.Sample> s = m.get(c);
      if (s == null) {
        throw new IllegalArgumentException("CommunicatorProfiler.fit: " + c.label() + " was not measured; measured "
            + m.keySet());
      }
      return Profiler.fit(s);
    }

    /**
     * {@code base} (which must have {@link #ranksPerNode} devices per node and {@link #nodes} nodes) with the links
     * fitted from the all-reduce samples (alpha clipped at 0), inside and across nodes (the same link when there is
     * one node), and the measured FLOP/s. Throws {@link IllegalStateException} when a fitted beta is not positive
     * (the timings were too noisy to separate latency from bandwidth).
     */
    public ClusterProfile applyTo(ClusterProfile base) {
      if (base.devicesPerNode() != ranksPerNode || base.nodes() != nodes()) {
        throw new IllegalArgumentException("CommunicatorProfiler.applyTo: measured " + nodes() + " node(s) of "
            + ranksPerNode + " rank(s), but the profile " + base.name() + " has " + base.nodes() + " node(s) of "
            + base.devicesPerNode() + " device(s)");
      }
      Profiler.AlphaBeta intra = checkedLink(fit(Collective.ALL_REDUCE));
      Profiler.AlphaBeta inter = checkedLink(fitCrossNode(Collective.ALL_REDUCE));
      Map<Integer, ClusterProfile.Link> byGroup = new java.util.TreeMap<>();
      for (Map.Entry<Integer, List<Profiler.Sample>> e : groupLinks.entrySet()) {
        Profiler.AlphaBeta ab = checkedLink(Profiler.fit(e.getValue()));
        byGroup.put(e.getKey(), new ClusterProfile.Link(ab.alpha(), ab.beta()));
      }
      if (!groupLinks.isEmpty() && ranksPerNode >= 2) {
        byGroup.put(ranksPerNode, new ClusterProfile.Link(intra.alpha(), intra.beta()));
      }
      return Profiler.withMeasuredFlops(base, flops).withLinks(intra.alpha(), intra.beta(), inter.alpha(),
          inter.beta()).withGroupLinks(byGroup).withCalibration(calibration);
    }

    /** Human-readable lines: one per collective and level (alpha, beta, bus bandwidth, samples), one for compute. */
    public String report() {
      StringBuilder b = new StringBuilder();
      report(b, links, crossNodeLinks.isEmpty() ? "" : " in a node");
      report(b, crossNodeLinks, links.isEmpty() ? "" : " across nodes");
      for (Map.Entry<Integer, List<Profiler.Sample>> e : groupLinks.entrySet()) {
        report(b, Map.of(Collective.ALL_REDUCE, e.getValue()), " in groups of " + e.getKey() + " ranks");
      }
      b.append(String.format(Locale.ROOT, "compute        : matmul %.2f GFLOP/s, elementwise %.3f GFLOP/s per rank"
          + " (%s, %d ranks computing at once)", flops.get(OpKind.OpClass.MATMUL) / 1e9,
          flops.get(OpKind.OpClass.ELEMENTWISE) / 1e9, device.name().toLowerCase(Locale.ROOT), ranks));
      if (!calibration.equals(ComputeCalibration.NONE)) {
        b.append(String.format(Locale.ROOT, "%ncalibration    : %s, %.1f us per kernel call, %.1f us arrival skew per "
            + "hand-off, GEMM efficiency by smallest dim %s", calibration.coresPerNode() > 0 ? calibration.coresPerNode() + " rank-sized core slots for "
            + ranksPerNode + " ranks per node" : "dedicated devices", calibration.kernelSeconds() * 1e6, calibration.syncSeconds() * 1e6,
            efficiencies(calibration)));
      }
      return b.toString();
    }

    private static String efficiencies(ComputeCalibration c) {
      StringBuilder b = new StringBuilder();
      c.matmulEfficiency().forEach((d, e) -> b.append(String.format(Locale.ROOT, " %d:%.2f", d, e)));
      return b.toString().trim();
    }

    private static void report(StringBuilder b, Map<Collective, List<Profiler.Sample>> m, String where) {
      for (Collective c : Collective.values()) {
        if (!m.containsKey(c)) {
          continue;
        }
        Profiler.AlphaBeta f = fitOf(m, c);
        b.append(String.format(Locale.ROOT, "%-15s: alpha %.1f us, beta %.4f ns/B (%.2f GB/s bus bandwidth)%s;",
            c.label(), f.alpha() * 1e6, f.beta() * 1e9, 1e-9 / f.beta(), where));
        for (Profiler.Sample s : m.get(c)) {
          b.append(String.format(Locale.ROOT, " %.0f KiB bus in %.1f us,", s.bytes() / 1024, s.seconds() * 1e6));
        }
        b.setLength(b.length() - 1);
        b.append('\n');
      }
    }
  }

  /** A timed kernel sample repeats the kernel to last about this long (seconds). */
  static final double KERNEL_SAMPLE_SECONDS = 0.03;

  /** At most this many kernel calls per timed sample. */
  static final int MAX_KERNEL_REPS = 64;

  private final long[] sizes;
  private final int iterations;
  private final int kernelThreads;
  private final Set<Collective> collectives;

  /**
   * Times {@code collectives} at buffer sizes {@code sizes} (bytes of f32 data; at least two distinct), {@code
   * iterations} timed calls each, and the kernels {@code iterations} times as well; CPU kernels (and the local
   * backend's reductions) use {@code kernelThreads} threads per rank.
   */
  public CommunicatorProfiler(long[] sizes, int iterations, int kernelThreads, Set<Collective> collectives) {
    if (sizes.length < 2 || Arrays.stream(sizes).distinct().count() < 2 || Arrays.stream(sizes).anyMatch(s -> s < 4)) {
      throw new IllegalArgumentException("CommunicatorProfiler: need at least 2 distinct sizes of >= 4 bytes, got "
          + "sizes=" + Arrays.toString(sizes));
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("CommunicatorProfiler: iterations must be >= 1, got " + iterations);
    }
    if (kernelThreads < 1) {
      throw new IllegalArgumentException("CommunicatorProfiler: kernelThreads must be >= 1, got " + kernelThreads);
    }
    if (!collectives.contains(Collective.ALL_REDUCE)) {
      throw new IllegalArgumentException("CommunicatorProfiler: the all-reduce is what the profile's link is fitted"
          + " from and must be measured, got collectives=" + collectives);
    }
    this.sizes = sizes.clone();
    this.iterations = iterations;
    this.kernelThreads = kernelThreads;
    this.collectives = Set.copyOf(collectives);
  }

  /** 256 KiB, 2 MiB and 16 MiB, 5 timed calls each, one kernel thread per rank, all three collectives. */
  public static CommunicatorProfiler defaults() {
    return new CommunicatorProfiler(new long[] {256 << 10, 2 << 20, 16 << 20}, 5, 1, EnumSet.allOf(Collective.class));
  }

  /** A copy with other sizes (bytes). */
  public CommunicatorProfiler withSizes(long... newSizes) {
    return new CommunicatorProfiler(newSizes, iterations, kernelThreads, collectives);
  }

  /** A copy with another number of timed calls per size and kernel. */
  public CommunicatorProfiler withIterations(int n) {
    return new CommunicatorProfiler(sizes, n, kernelThreads, collectives);
  }

  /** A copy with another number of CPU kernel threads per rank. */
  public CommunicatorProfiler withKernelThreads(int n) {
    return new CommunicatorProfiler(sizes, iterations, n, collectives);
  }

  /** A copy that times only {@code which} (must include {@link Collective#ALL_REDUCE}). */
  public CommunicatorProfiler withCollectives(Set<Collective> which) {
    return new CommunicatorProfiler(sizes, iterations, kernelThreads, which);
  }

  /** The buffer sizes, bytes. */
  public long[] sizes() {
    return sizes.clone();
  }

  /** Timed calls per size and kernel. */
  public int iterations() {
    return iterations;
  }

  /** CPU kernel threads per rank. */
  public int kernelThreads() {
    return kernelThreads;
  }

  /** The collectives timed. */
  public Set<Collective> collectives() {
    return collectives;
  }

  /** Collective: links and compute of a group on one node, see the class comment. */
  public Result measure(Communicator comm, Device device) {
    Map<Collective, List<Profiler.Sample>> links = measureLinks(comm, device);
    Map<Integer, List<Profiler.Sample>> groups = measureGroupLinks(comm, device, comm.size());
    Map<OpKind.OpClass, Double> flops = measureFlops(comm, device);
    return new Result(comm.size(), comm.size(), device.type(), links, Map.of(), flops, groups,
        new ComputeCalibrator(this).measure(comm, device));
  }

  /**
   * Collective: the all-reduce samples of every group size k with 2 <= k < ranksPerNode that divides it, the nodes
   * (consecutive runs of {@code ranksPerNode} ranks) split into groups of k consecutive ranks that all measure at
   * once; each time is the slowest over the whole of {@code comm}.
   */
  public Map<Integer, List<Profiler.Sample>> measureGroupLinks(Communicator comm, Device device, int ranksPerNode) {
    Map<Integer, List<Profiler.Sample>> out = new java.util.TreeMap<>();
    CommunicatorProfiler allReduce = withCollectives(java.util.EnumSet.of(Collective.ALL_REDUCE));
    for (int k = 2; k < ranksPerNode; k++) {
      if (ranksPerNode % k != 0) {
        continue;
      }
      try (Communicator group = comm.split(comm.rank() / k, comm.rank())) {
        Map<Collective, List<Profiler.Sample>> mine = allReduce.measureLinks(group, device);
        out.put(k, slowest(comm, device, mine).get(Collective.ALL_REDUCE));
      }
    }
    return out;
  }

  /**
   * Collective: links and compute of a group whose ranks sit on nodes of {@code ranksPerNode} consecutive ranks
   * (ranks {@code [k*ranksPerNode, (k+1)*ranksPerNode)} on node k). The link inside a node is timed on a
   * {@link Communicator#split} per node, all nodes at once, and the slowest node kept; the link across nodes on the
   * whole group. With {@code ranksPerNode == comm.size()} this is {@link #measure(Communicator, Device)}.
   */
  public Result measure(Communicator comm, Device device, int ranksPerNode) {
    int n = comm.size();
    if (ranksPerNode < 1 || n % ranksPerNode != 0) {
      throw new IllegalArgumentException("CommunicatorProfiler.measure: ranksPerNode " + ranksPerNode
          + " does not divide the group of " + n + " ranks");
    }
    if (ranksPerNode == n) {
      return measure(comm, device);
    }
    Map<Collective, List<Profiler.Sample>> inNode = Map.of();
    if (ranksPerNode >= 2) {
      try (Communicator node = comm.split(comm.rank() / ranksPerNode, comm.rank())) {
        inNode = slowest(comm, device, measureLinks(node, device));
      }
    }
    Map<Collective, List<Profiler.Sample>> crossNode = measureLinks(comm, device);
    Map<Integer, List<Profiler.Sample>> groups = measureGroupLinks(comm, device, ranksPerNode);
    Map<OpKind.OpClass, Double> flops = measureFlops(comm, device);
    return new Result(n, ranksPerNode, device.type(), inNode, crossNode, flops, groups,
        new ComputeCalibrator(this).measure(comm, device));
  }

  /** Collective: {@code samples} with each time replaced by its maximum over the ranks of {@code comm}. */
  private static Map<Collective, List<Profiler.Sample>> slowest(Communicator comm, Device device,
      Map<Collective, List<Profiler.Sample>> samples) {
    List<Collective> order = Arrays.stream(Collective.values()).filter(samples::containsKey).toList();
    int per = samples.get(order.get(0)).size();
    float[] seconds = new float[order.size() * per];
    for (int c = 0; c < order.size(); c++) {
      for (int i = 0; i < per; i++) {
        seconds[c * per + i] = (float) samples.get(order.get(c)).get(i).seconds();
      }
    }
    float[] max = reduceMax(comm, device, seconds);
    Map<Collective, List<Profiler.Sample>> out = new EnumMap<>(Collective.class);
    for (int c = 0; c < order.size(); c++) {
      Profiler.Sample[] s = new Profiler.Sample[per];
      for (int i = 0; i < per; i++) {
        s[i] = new Profiler.Sample(samples.get(order.get(c)).get(i).bytes(), max[c * per + i]);
      }
      out.put(order.get(c), List.of(s));
    }
    return out;
  }

  /**
   * Collective: per timed collective, one sample per size of (bus bytes, max over ranks of the median seconds).
   * Needs a group of at least 2 ranks.
   */
  public Map<Collective, List<Profiler.Sample>> measureLinks(Communicator comm, Device device) {
    int n = comm.size();
    if (n < 2) {
      throw new IllegalArgumentException("CommunicatorProfiler.measureLinks: collectives need at least 2 ranks, got a"
          + " group of " + n);
    }
    Map<Collective, List<Profiler.Sample>> mine = new EnumMap<>(Collective.class);
    int previousThreads = setKernelThreads(device);
    try {
      for (Collective c : Collective.values()) {
        if (!collectives.contains(c)) {
          continue;
        }
        Profiler.Sample[] s = new Profiler.Sample[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
          // whole f32 elements, divisible by n so all-gather and reduce-scatter chunks are equal
          long elems = Math.max(n, sizes[i] / 4 / n * n);
          s[i] = new Profiler.Sample(c.busFactor(n) * elems * 4, timeCollective(comm, device, c, elems));
        }
        mine.put(c, List.of(s));
      }
    } finally {
      restoreKernelThreads(device, previousThreads);
    }
    return slowest(comm, device, mine);
  }

  private double timeCollective(Communicator comm, Device device, Collective c, long elems) {
    try (Scope scope = Scope.open()) {
      long chunk = elems / comm.size();
      Tensor full = Tensor.zeros(Shape.of(elems), DType.F32, device);
      Tensor part = c == Collective.ALL_REDUCE ? null : Tensor.zeros(Shape.of(chunk), DType.F32, device);
      Runnable call = switch (c) {
        case ALL_REDUCE -> () -> comm.allReduce(full, ReduceOp.SUM);
        case ALL_GATHER -> () -> comm.allGather(part, full);
        case REDUCE_SCATTER -> () -> comm.reduceScatter(full, part, ReduceOp.SUM);
      };
      call.run();
      double[] t = new double[iterations];
      for (int k = 0; k < iterations; k++) {
        comm.barrier();
        long start = System.nanoTime();
        call.run();
        t[k] = (System.nanoTime() - start) / 1e9;
      }
      return median(t);
    }
  }

  /**
   * Collective: per op class, the median over ranks of each rank's FLOP/s while every rank of the group runs the
   * same kernel at the same time: a 512^3 fp32 GEMM for matmul (4096^3 on CUDA, where 512^3 would time the
   * launch) and GELU on 4 Mi elements (64 Mi on CUDA) for element-wise ops, counted as 8 FLOP per element as the
   * graph builders count it. A group of one rank measures one rank alone.
   */
  public Map<OpKind.OpClass, Double> measureFlops(Communicator comm, Device device) {
    float[] mine = new float[2];
    int previousThreads = setKernelThreads(device);
    try (Scope scope = Scope.open()) {
      int n = device.isCuda() ? 4096 : 512;
      Tensor a = Init.normal(Shape.of(n, n), DType.F32, device, 1, 0f, 1f);
      Tensor b = Init.normal(Shape.of(n, n), DType.F32, device, 2, 0f, 1f);
      Tensor c = Tensor.zeros(Shape.of(n, n), DType.F32, device);
      mine[0] = (float) (2.0 * n * n * n / timeKernel(comm, device, () -> Gemm.gemm(c, a, b, 1f, 0f)));
      long elems = device.isCuda() ? 1L << 26 : 1L << 22;
      Tensor x = Init.normal(Shape.of(elems), DType.F32, device, 3, 0f, 1f);
      Tensor y = Tensor.zeros(Shape.of(elems), DType.F32, device);
      mine[1] = (float) (8.0 * elems / timeKernel(comm, device, () -> Elementwise.geluForward(y, x)));
    } finally {
      restoreKernelThreads(device, previousThreads);
    }
    float[] all = allGather(comm, device, mine);
    int ranks = comm.size();
    double[] matmul = new double[ranks];
    double[] elementwise = new double[ranks];
    for (int r = 0; r < ranks; r++) {
      matmul[r] = all[2 * r];
      elementwise[r] = all[2 * r + 1];
    }
    Map<OpKind.OpClass, Double> flops = new EnumMap<>(OpKind.OpClass.class);
    flops.put(OpKind.OpClass.MATMUL, median(matmul));
    flops.put(OpKind.OpClass.ELEMENTWISE, median(elementwise));
    return flops;
  }

  /**
   * Median seconds of one call of this rank's kernel. Each timed sample runs the kernel {@code reps} times right
   * after a barrier of the group, where {@code reps} (the same on every rank, so all ranks compute for the whole
   * sample) makes a sample last about {@link #KERNEL_SAMPLE_SECONDS}: short samples time the scheduler, not the
   * kernel.
   */
  double timeKernel(Communicator comm, Device device, Runnable kernel) {
    comm.barrier();
    long start = System.nanoTime();
    kernel.run();
    sync(device);
    double once = Math.max(1e-7, (System.nanoTime() - start) / 1e9);
    float[] wanted = {(float) Math.min(MAX_KERNEL_REPS, Math.ceil(KERNEL_SAMPLE_SECONDS / once))};
    int reps = Math.max(1, (int) reduceMax(comm, device, wanted)[0]);
    double[] t = new double[iterations];
    for (int k = 0; k < iterations; k++) {
      comm.barrier();
      start = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        kernel.run();
      }
      sync(device);
      t[k] = (System.nanoTime() - start) / 1e9 / reps;
    }
    return median(t);
  }

  static void sync(Device device) {
    if (device.isCuda()) {
      CudaStream.synchronizeCurrent(device);
    }
  }

  int setKernelThreads(Device device) {
    if (!device.isCpu()) {
      return 0;
    }
    int previous = CpuRuntime.threads();
    CpuRuntime.setThreads(kernelThreads);
    return previous;
  }

  static void restoreKernelThreads(Device device, int previous) {
    if (device.isCpu() && previous >= 1) {
      CpuRuntime.setThreads(previous);
    }
  }

  private static float[] reduceMax(Communicator comm, Device device, float[] values) {
    try (Tensor t = Tensor.fromArray(values, Shape.of(values.length), DType.F32, device)) {
      comm.allReduce(t, ReduceOp.MAX);
      return t.toFloatArray();
    }
  }

  static float[] allGather(Communicator comm, Device device, float[] values) {
    try (Tensor in = Tensor.fromArray(values, Shape.of(values.length), DType.F32, device);
        Tensor out = Tensor.zeros(Shape.of((long) values.length * comm.size()), DType.F32, device)) {
      comm.allGather(in, out);
      return out.toFloatArray();
    }
  }

  static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  static Profiler.AlphaBeta checkedLink(Profiler.AlphaBeta link) {
    if (!(link.beta() > 0)) {
      throw new IllegalStateException("CommunicatorProfiler: fitted beta " + link.beta() + " s/B is not positive"
          + " (alpha " + link.alpha() + " s); the timings were too noisy, measure again with larger sizes or more iterations");
    }
    return new Profiler.AlphaBeta(Math.max(0, link.alpha()), link.beta());
  }
}
