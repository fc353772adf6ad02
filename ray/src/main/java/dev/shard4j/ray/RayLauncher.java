package dev.shard4j.ray;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs a {@link RankFunction} on N ranks, each a Ray actor in its own JVM on a bundle of a placement group:
 * reserves the group (N bundles of {@link Builder#cpusPerRank} CPUs and, for GPU jobs,
 * {@link Builder#gpusPerRank} GPUs, packed or spread), starts the actors, has rank 0 host the job's rendezvous
 * store and hands every rank its address and a fresh secret token through Ray, builds each rank's communicator
 * (TCP for CPU ranks, NCCL for GPU ranks) and {@link dev.shard4j.dist.DeviceMesh}, runs the function, streams
 * {@link Progress} to the driver, and tears everything down. See {@link RayJob} for failures.
 *
 * <p>Immutable; build it with {@link #builder}. Any thread may submit jobs, one job per cluster at a time being the
 * intended use.
 */
public final class RayLauncher {
  /** How the bundles of the placement group are spread over nodes (Ray's placement strategies). */
  public enum Placement {
    /** As few nodes as possible (best effort). */
    PACK,
    /** As many nodes as possible (best effort). */
    SPREAD,
    /** All on one node, or fail to reserve. */
    STRICT_PACK,
    /** Each on a different node, or fail to reserve. */
    STRICT_SPREAD
  }

  final RayCluster cluster;
  final int ranks;
  final double cpusPerRank;
  final double gpusPerRank;
  final Placement placement;
  final int[] meshShape;
  final String[] axisNames;
  final List<String> jvmOptions;
  final Duration startTimeout;
  final Duration collectiveTimeout;
  final Duration pollTimeout;
  final Duration pollInterval;
  final int threadsPerRank;
  final ProgressListener progress;
  final FailurePolicy failurePolicy;

  private RayLauncher(Builder b) {
    this.cluster = b.cluster;
    this.ranks = b.ranks;
    this.cpusPerRank = b.cpusPerRank;
    this.gpusPerRank = b.gpusPerRank;
    this.placement = b.placement;
    this.meshShape = b.meshShape == null ? new int[] {b.ranks} : b.meshShape.clone();
    this.axisNames = b.axisNames == null ? new String[] {"world"} : b.axisNames.clone();
    this.jvmOptions = List.copyOf(b.jvmOptions);
    this.startTimeout = b.startTimeout;
    this.collectiveTimeout = b.collectiveTimeout;
    this.pollTimeout = b.pollTimeout;
    this.pollInterval = b.pollInterval;
    this.threadsPerRank = b.threadsPerRank;
    this.progress = b.progress;
    this.failurePolicy = b.failurePolicy;
  }

  /** A builder for jobs on {@code cluster}. */
  public static Builder builder(RayCluster cluster) {
    if (cluster == null) {
      throw new IllegalArgumentException("RayLauncher.builder: cluster is null");
    }
    return new Builder(cluster);
  }

  /**
   * Starts {@code function} on every rank and returns the running job at once (its ranks are placed and started;
   * {@link RayJob#await()} waits for them). The caller owns the job and closes it, which tears it down.
   *
   * @throws UnsupportedOperationException when the failure policy asks for restarts from a checkpoint
   * @throws IllegalStateException when the placement group cannot be reserved or the actors do not start within
   *     the start timeout (nothing is left behind)
   */
  public <R extends Serializable> RayJob<R> submit(RankFunction<R> function) {
    if (function == null) {
      throw new IllegalArgumentException("RayLauncher.submit: function is null");
    }
    failurePolicy.checkSupported();
    cluster.checkOpen();
    byte[] bytes = Wire.toBytes(function, "RayLauncher.submit: the rank function " + function.getClass().getName());
    return RayJob.start(this, bytes);
  }

  /** {@link #submit} then {@link RayJob#await()}: the results by rank, or a {@link RankFailedException}. */
  public <R extends Serializable> List<R> launch(RankFunction<R> function) {
    try (RayJob<R> job = submit(function)) {
      return job.await();
    }
  }

  @Override
  public String toString() {
    return "RayLauncher[" + ranks + " ranks x {CPU=" + cpusPerRank + (gpusPerRank > 0 ? ", GPU=" + gpusPerRank : "")
        + "}, " + placement + ", mesh " + Arrays.toString(meshShape) + " " + Arrays.toString(axisNames) + " on "
        + cluster.address() + "]";
  }

  /** Settings of a {@link RayLauncher}; not thread-safe. */
  public static final class Builder {
    private final RayCluster cluster;
    private int ranks = 1;
    private double cpusPerRank = 1;
    private double gpusPerRank;
    private Placement placement = Placement.PACK;
    private int[] meshShape;
    private String[] axisNames;
    private final List<String> jvmOptions = new ArrayList<>(List.of("-Xss4m"));
    private Duration startTimeout = Duration.ofSeconds(60);
    private Duration collectiveTimeout = Duration.ofSeconds(60);
    private Duration pollTimeout = Duration.ofSeconds(30);
    private Duration pollInterval = Duration.ofMillis(200);
    private int threadsPerRank = 1;
    private ProgressListener progress = ProgressListener.none();
    private FailurePolicy failurePolicy = FailurePolicy.failFast();

    private Builder(RayCluster cluster) {
      this.cluster = cluster;
    }

    /** The number of ranks (actors, bundles); default 1. */
    public Builder ranks(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("RayLauncher.ranks: must be >= 1, got " + n);
      }
      this.ranks = n;
      return this;
    }

    /** CPUs reserved per rank (fractions allowed, e.g. 0.5 to run 4 ranks on 2 CPUs); default 1. */
    public Builder cpusPerRank(double cpus) {
      if (!(cpus > 0)) {
        throw new IllegalArgumentException("RayLauncher.cpusPerRank: must be > 0, got " + cpus);
      }
      this.cpusPerRank = cpus;
      return this;
    }

    /** GPUs reserved per rank; greater than 0 makes the ranks use CUDA device 0 of their bundle and NCCL. */
    public Builder gpusPerRank(double gpus) {
      if (gpus < 0 || Double.isNaN(gpus)) {
        throw new IllegalArgumentException("RayLauncher.gpusPerRank: must be >= 0, got " + gpus);
      }
      this.gpusPerRank = gpus;
      return this;
    }

    /** How bundles are spread over nodes; default {@link Placement#PACK}. */
    public Builder placement(Placement p) {
      if (p == null) {
        throw new IllegalArgumentException("RayLauncher.placement: null");
      }
      this.placement = p;
      return this;
    }

    /** The device mesh each rank gets (the product of {@code shape} must equal the rank count); default 1-D. */
    public Builder mesh(int[] shape, String... names) {
      if (shape == null || names == null || shape.length != names.length || shape.length == 0) {
        throw new IllegalArgumentException("RayLauncher.mesh: one name per axis required, got shape "
            + Arrays.toString(shape) + " and names " + Arrays.toString(names));
      }
      this.meshShape = shape.clone();
      this.axisNames = names.clone();
      return this;
    }

    /** Extra JVM options of the rank actors' JVMs (added after the default {@code -Xss4m}). */
    public Builder jvmOptions(String... options) {
      this.jvmOptions.addAll(List.of(options));
      return this;
    }

    /** How long reserving the placement group and starting the actors may take; default 60 s. */
    public Builder startTimeout(Duration d) {
      this.startTimeout = positive(d, "startTimeout");
      return this;
    }

    /** The ranks' collective timeout (a rank waiting longer on a peer fails naming it); default 60 s. */
    public Builder collectiveTimeout(Duration d) {
      this.collectiveTimeout = positive(d, "collectiveTimeout");
      return this;
    }

    /** How long a rank may take to answer a status poll before the driver declares it failed; default 30 s. */
    public Builder pollTimeout(Duration d) {
      this.pollTimeout = positive(d, "pollTimeout");
      return this;
    }

    /** The pause between two status polls of every rank; default 200 ms. */
    public Builder pollInterval(Duration d) {
      this.pollInterval = positive(d, "pollInterval");
      return this;
    }

    /** CPU kernel threads per rank ({@link dev.shard4j.tensor.CpuRuntime#setThreads}); default 1. */
    public Builder threadsPerRank(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("RayLauncher.threadsPerRank: must be >= 1, got " + threads);
      }
      this.threadsPerRank = threads;
      return this;
    }

    /** Where progress reports go on the driver; default nowhere. */
    public Builder progress(ProgressListener listener) {
      if (listener == null) {
        throw new IllegalArgumentException("RayLauncher.progress: null");
      }
      this.progress = listener;
      return this;
    }

    /** What to do when a rank fails; default {@link FailurePolicy#failFast()}. */
    public Builder failurePolicy(FailurePolicy policy) {
      if (policy == null) {
        throw new IllegalArgumentException("RayLauncher.failurePolicy: null");
      }
      this.failurePolicy = policy;
      return this;
    }

    /** The launcher; checks that the mesh covers the ranks. */
    public RayLauncher build() {
      if (meshShape != null) {
        long product = 1;
        for (int s : meshShape) {
          if (s < 1) {
            throw new IllegalArgumentException("RayLauncher.mesh: axis sizes must be >= 1, got "
                + Arrays.toString(meshShape));
          }
          product *= s;
        }
        if (product != ranks) {
          throw new IllegalArgumentException("RayLauncher: mesh " + Arrays.toString(meshShape) + " "
              + Arrays.toString(axisNames) + " has " + product + " ranks, but the job has " + ranks);
        }
      }
      return new RayLauncher(this);
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("RayLauncher." + what + ": must be positive, got " + d);
      }
      return d;
    }
  }
}
