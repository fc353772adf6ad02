package dev.shard4j.ray;

/**
 * What {@link RayLauncher} does when a rank fails. Today only {@link #failFast()} exists: the driver aborts every
 * other rank and throws {@link RankFailedException}. {@link #restartFromCheckpoint} is the place where restarting
 * the job from its last checkpoint will go; asking for it throws {@link UnsupportedOperationException} because
 * Shard4j has no checkpointing yet. Immutable.
 */
public final class FailurePolicy {
  private final String checkpointDirectory;
  private final int maxRestarts;

  private FailurePolicy(String checkpointDirectory, int maxRestarts) {
    this.checkpointDirectory = checkpointDirectory;
    this.maxRestarts = maxRestarts;
  }

  /** Abort every rank and report the failed one: the default. */
  public static FailurePolicy failFast() {
    return new FailurePolicy(null, 0);
  }

  /**
   * Restart all ranks from the newest checkpoint under {@code directory}, at most {@code maxRestarts} times. Not
   * available yet: {@link RayLauncher#submit} throws {@link UnsupportedOperationException} for it.
   */
  public static FailurePolicy restartFromCheckpoint(String directory, int maxRestarts) {
    if (directory == null || directory.isBlank()) {
      throw new IllegalArgumentException("FailurePolicy.restartFromCheckpoint: directory is empty");
    }
    if (maxRestarts < 1) {
      throw new IllegalArgumentException("FailurePolicy.restartFromCheckpoint: maxRestarts must be >= 1, got "
          + maxRestarts);
    }
    return new FailurePolicy(directory, maxRestarts);
  }

  /** Whether this policy restarts from a checkpoint. */
  public boolean restarts() {
    return maxRestarts > 0;
  }

  void checkSupported() {
    if (restarts()) {
      throw new UnsupportedOperationException("RayLauncher: restart from checkpoint (" + this + ") is not"
          + " implemented: Shard4j has no checkpointing yet (saving and loading model and optimizer state); use"
          + " FailurePolicy.failFast()");
    }
  }

  @Override
  public String toString() {
    return restarts() ? "restartFromCheckpoint(" + checkpointDirectory + ", maxRestarts=" + maxRestarts + ")"
        : "failFast";
  }
}
