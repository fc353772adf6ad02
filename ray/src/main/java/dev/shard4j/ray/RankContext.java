package dev.shard4j.ray;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.dist.DeviceMesh;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a {@link RankFunction} gets: its rank, the world communicator, the device mesh over it, and a way to report
 * progress to the driver. Owned by the launcher, which closes the mesh and communicator after the function
 * returns; used by the rank's own thread.
 */
public final class RankContext {
  private final Communicator communicator;
  private final DeviceMesh mesh;
  private final Consumer<Progress> progress;

  /**
   * A context over {@code communicator} and {@code mesh} (built over it) that hands progress reports to
   * {@code progress}; for launchers. The caller keeps ownership of both.
   */
  public RankContext(Communicator communicator, DeviceMesh mesh, Consumer<Progress> progress) {
    if (communicator == null || mesh == null || progress == null) {
      throw new IllegalArgumentException("RankContext: communicator, mesh and progress must be non-null");
    }
    if (mesh.communicator() != communicator) {
      throw new IllegalArgumentException("RankContext: the mesh " + mesh + " is not built over " + communicator);
    }
    this.communicator = communicator;
    this.mesh = mesh;
    this.progress = progress;
  }

  /** This rank, in {@code [0, worldSize())}. */
  public int rank() {
    return communicator.rank();
  }

  /** The number of ranks of the job. */
  public int worldSize() {
    return communicator.size();
  }

  /** The communicator joining every rank of the job. */
  public Communicator communicator() {
    return communicator;
  }

  /** The device mesh the launcher was asked for (by default one axis {@code world} over all ranks). */
  public DeviceMesh mesh() {
    return mesh;
  }

  /** Reports that {@code step} finished with {@code loss} at {@code tokensPerSecond}; returns at once. */
  public void progress(long step, double loss, double tokensPerSecond) {
    progress.accept(new Progress(rank(), step, loss, tokensPerSecond, System.currentTimeMillis()));
  }

  /**
   * Runs {@code function} on {@code n} ranks as threads of this JVM over the local backend, each with a mesh of
   * {@code meshShape} and {@code axisNames}, and returns the results by rank: the same function a
   * {@link RayLauncher} runs as actors. Progress goes to {@code listener} on the ranks' threads (it must be
   * thread-safe). A rank's exception fails the whole run.
   */
  public static <R extends Serializable> List<R> runLocal(int n, int[] meshShape, String[] axisNames,
      RankFunction<R> function, ProgressListener listener) {
    List<R> results = new ArrayList<>();
    @SuppressWarnings("unchecked")
    R[] byRank = (R[]) new Serializable[n];
    LocalCluster.run(n, comm -> {
      try (DeviceMesh mesh = DeviceMesh.create(comm, meshShape.clone(), axisNames.clone())) {
        byRank[comm.rank()] = function.run(new RankContext(comm, mesh, listener::onProgress));
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("rank " + comm.rank() + ": " + e, e);
      }
    });
    results.addAll(Arrays.asList(byRank));
    return results;
  }

  @Override
  public String toString() {
    return "RankContext[rank " + rank() + " of " + worldSize() + ", " + mesh + "]";
  }
}
