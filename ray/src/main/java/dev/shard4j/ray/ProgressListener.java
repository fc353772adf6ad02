package dev.shard4j.ray;

import java.io.PrintStream;

/**
 * Receives the ranks' {@link Progress} reports on the driver, in the order each rank recorded them (reports of
 * different ranks interleave). Called on the thread that waits for the job ({@link RayJob#await()}); it must return
 * quickly.
 */
@FunctionalInterface
public interface ProgressListener {
  /** One report. */
  void onProgress(Progress progress);

  /** Ignores every report. */
  static ProgressListener none() {
    return p -> { };
  }

  /** Prints the reports of {@code rank} only (one line each) to {@code out}. */
  static ProgressListener printing(PrintStream out, int rank) {
    return p -> {
      if (p.rank() == rank) {
        out.println(p);
      }
    };
  }
}
