package dev.shard4j.pipeline;

import dev.shard4j.collectives.Communicator;
import java.util.ArrayList;
import java.util.List;

/**
 * One rank's communicators for a pipeline job on a {@link PipelineMesh}: its tensor- and data-parallel groups, the
 * group of its counterparts on every stage (for the global gradient norm and the loss), the pair of first and last
 * stage that shares a tied embedding, and for every virtual-stage boundary two point-to-point channels, one for
 * activations and one for gradients. Each channel carries traffic in one direction only, so a sender's queued
 * asynchronous sends and a receiver's receives never wait on each other through the backend's issue order.
 * Creating the groups is collective over the world. Owns the communicators (close it); one rank's thread.
 */
public final class PipelineGroups implements AutoCloseable {
  private final PipelineMesh mesh;
  private final int stage;
  private final int local;
  private final Communicator tp;
  private final Communicator dp;
  private final Communicator pp;
  private final Communicator tied;
  private final Communicator[] actChannels;
  private final Communicator[] gradChannels;
  private final List<Communicator> owned = new ArrayList<>();

  /** Splits {@code world} (of {@code mesh.worldSize()} ranks) for a schedule with {@code virtualStages} stages. */
  public PipelineGroups(Communicator world, PipelineMesh mesh, int virtualStages) {
    if (world.size() != mesh.worldSize()) {
      throw new IllegalArgumentException("PipelineGroups: world has " + world.size() + " ranks, mesh " + mesh
          + " needs " + mesh.worldSize());
    }
    this.mesh = mesh;
    int r = world.rank();
    int q = mesh.stageSize();
    stage = r / q;
    local = r % q;
    int dpRank = local / mesh.tp();
    int tpRank = local % mesh.tp();
    tp = own(world.split(stage * mesh.dp() + dpRank, tpRank));
    dp = own(world.split(stage * mesh.tp() + tpRank, dpRank));
    pp = own(world.split(local, stage));
    boolean inTied = mesh.pp() > 1 && (stage == 0 || stage == mesh.pp() - 1);
    tied = own(world.split(inTied ? local : -1, stage));
    actChannels = new Communicator[Math.max(virtualStages - 1, 0)];
    gradChannels = new Communicator[actChannels.length];
    for (int b = 0; b < actChannels.length; b++) {
      int from = b % mesh.pp();
      int to = (b + 1) % mesh.pp();
      if (from == to) {
        throw new IllegalArgumentException("PipelineGroups: virtual stages " + b + " and " + (b + 1)
            + " are both on pipeline stage " + from + "; interleaving needs pp >= 2");
      }
      boolean in = stage == from || stage == to;
      int key = stage == from ? local : q + local;
      actChannels[b] = own(world.split(in ? 0 : -1, key));
      gradChannels[b] = own(world.split(in ? 0 : -1, key));
    }
  }

  private Communicator own(Communicator c) {
    if (c != null) {
      owned.add(c);
    }
    return c;
  }

  /** The mesh. */
  public PipelineMesh mesh() {
    return mesh;
  }

  /** This rank's pipeline stage. */
  public int stage() {
    return stage;
  }

  /** The tensor-parallel group of this rank's stage. */
  public Communicator tensorParallel() {
    return tp;
  }

  /** The data-parallel group of this rank's stage. */
  public Communicator dataParallel() {
    return dp;
  }

  /** This rank and its counterparts (same dp and tp rank) on every stage, ordered by stage. */
  public Communicator pipeline() {
    return pp;
  }

  /** This rank and its counterpart on the other end of the pipeline (first and last stage only), else null. */
  public Communicator tiedEmbedding() {
    return tied;
  }

  /**
   * The activation channel of boundary {@code b} (virtual stage b to b + 1) and the peer on it: the sender's peer
   * is its counterpart on the receiving stage and vice versa.
   */
  public Communicator activationChannel(int boundary) {
    return actChannels[boundary];
  }

  /** The gradient channel of boundary {@code b} (virtual stage b + 1 back to b). */
  public Communicator gradientChannel(int boundary) {
    return gradChannels[boundary];
  }

  /** This rank's peer on boundary {@code b}'s channels. */
  public int peer(int boundary) {
    int from = boundary % mesh.pp();
    int q = mesh.stageSize();
    return stage == from ? q + local : local;
  }

  @Override
  public void close() {
    for (int i = owned.size() - 1; i >= 0; i--) {
      owned.get(i).close();
    }
    owned.clear();
  }
}
