package dev.shard4j.training;

import java.util.List;
import java.util.ServiceLoader;

/**
 * A place other than this JVM where a {@link GptRun} can run, found through {@link ServiceLoader} so that optional
 * modules plug in without the command line depending on them at compile time (module {@code ray} provides
 * {@code ray}). Implementations must have a public no-argument constructor and be usable from any thread.
 */
public interface GptRunBackend {
  /** The backend's name, e.g. {@code ray}. */
  String name();

  /**
   * Runs {@code run} on the cluster at {@code address}, each rank reserving {@code cpusPerRank} of the cluster's CPUs
   * (fractions allowed), and returns one result per rank, in rank order (the caller owns it). Calls {@code progress} with rank 0's steps on the calling thread as they arrive. Blocks until the run
   * ends; fails with an exception naming the cluster or the rank that failed.
   */
  List<GptRun.RankResult> run(String address, GptRun run, double cpusPerRank, GptRun.StepListener progress);

  /** The backend named {@code name} on the class path of {@code loader}, or null when none is there. */
  static GptRunBackend find(String name, ClassLoader loader) {
    for (GptRunBackend b : ServiceLoader.load(GptRunBackend.class, loader)) {
      if (b.name().equals(name)) {
        return b;
      }
    }
    return null;
  }
}
