package dev.shard4j.ray;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The cluster the tests tagged {@code ray} run on: the one named by {@code SHARD4J_RAY_ADDRESS}
 * (scripts/with-ray-cluster.sh starts one and sets it). One connection for the whole test JVM, as Ray allows one
 * per process; it closes when the JVM exits.
 */
final class RayTestCluster {
  private static RayCluster cluster;

  private RayTestCluster() {}

  /** The shared connection; skips the calling test with a clear message when no cluster address is given. */
  static synchronized RayCluster get() {
    String address = System.getenv(RayCluster.ENV_ADDRESS);
    assumeTrue(address != null && !address.isBlank(), RayCluster.ENV_ADDRESS + " is not set: the Ray tests need a"
        + " running cluster; run them under scripts/with-ray-cluster.sh (see docs/ray.md)");
    if (cluster == null) {
      cluster = RayCluster.connect(address);
    }
    return cluster;
  }

  /** A launcher of {@code ranks} ranks with half a CPU each and small JVMs, so 4 ranks fit a 2-CPU head. */
  static RayLauncher.Builder launcher(int ranks) {
    return RayLauncher.builder(get()).ranks(ranks).cpusPerRank(0.5).jvmOptions("-Xmx768m");
  }
}
