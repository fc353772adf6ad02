package dev.shard4j.ray;

import java.io.Serializable;

/**
 * One progress report of one rank, as {@link RankContext#progress} records it and the driver's
 * {@link ProgressListener} receives it. Immutable.
 *
 * @param rank the reporting rank
 * @param step the training step just finished (as the rank counts it)
 * @param loss the loss of that step
 * @param tokensPerSecond the rank's throughput as it computes it (0 when not measured)
 * @param epochMillis when the rank recorded it, in milliseconds since the epoch on the rank's clock
 */
public record Progress(int rank, long step, double loss, double tokensPerSecond, long epochMillis)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  @Override
  public String toString() {
    return String.format("rank %d step %d loss %.6f %.0f tokens/s", rank, step, loss, tokensPerSecond);
  }
}
