package dev.shard4j.pipeline;

import dev.shard4j.collectives.Communicator;
import java.util.ArrayList;
import java.util.List;

/**
 * One rank's communicators for a pipeline job on a {@link PipelineMesh}: its stage's tensor- and data-parallel
 * groups, a copy of the world (loss and global gradient norm), the pair of first- and last-stage ranks that share a
 * tied embedding, and for every virtual-stage boundary two point-to-point channels over the ranks of both stages,
 * one for activations and one for gradients. In a channel the sending stage's local rank i is group rank i and the
 * receiving stage's local rank j is group rank {@code size(sending stage) + j}. Each channel carries traffic in one
 * direction only, so a sender's queued asynchronous sends and a receiver's receives never wait on each other
 * through the backend's issue order. Creating the groups is collective over the world. Owns the communicators
 * (close it); one rank's thread.
 */
public final class PipelineGroups implements AutoCloseable {
  private final PipelineMesh mesh;
  private final int stage;
  private final int local;
  private final Communicator tp;
  private final Communicator dp;
  private final Communicator world;
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
    stage = mesh.stageOf(r);
    local = r - mesh.offset(stage);
    StageShape shape = mesh.stage(stage);
    int dpRank = local / shape.tp();
    int tpRank = local % shape.tp();
    tp = own(world.split(mesh.offset(stage) + dpRank * shape.tp(), tpRank));
    dp = own(world.split(mesh.offset(stage) + tpRank, dpRank));
    this.world = own(world.split(0, r));
    int last = mesh.pp() - 1;
    boolean inTied = last > 0 && (stage == 0 || stage == last) && mesh.stage(0).equals(mesh.stage(last));
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
      int key = stage == from ? local : mesh.stage(from).size() + local;
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

  /** This rank's index within its stage. */
  public int localRank() {
    return local;
  }

  /** The shape of this rank's stage. */
  public StageShape shape() {
    return mesh.stage(stage);
  }

  /** The tensor-parallel group of this rank's stage. */
  public Communicator tensorParallel() {
    return tp;
  }

  /** The data-parallel group of this rank's stage. */
  public Communicator dataParallel() {
    return dp;
  }

  /** Every rank of the job (a sub-communicator this object owns). */
  public Communicator world() {
    return world;
  }

  /**
   * This rank and its counterpart on the other end of the pipeline (first and last stage only, when they have the
   * same shape), else null.
   */
  public Communicator tiedEmbedding() {
    return tied;
  }

  /** The activation channel of boundary {@code b} (virtual stage b to b + 1). */
  public Communicator activationChannel(int boundary) {
    return actChannels[boundary];
  }

  /** The gradient channel of boundary {@code b} (virtual stage b + 1 back to b). */
  public Communicator gradientChannel(int boundary) {
    return gradChannels[boundary];
  }

  /** The pipeline stage that sends activations over boundary {@code b}. */
  public int fromStage(int boundary) {
    return boundary % mesh.pp();
  }

  /** The pipeline stage that receives activations over boundary {@code b}. */
  public int toStage(int boundary) {
    return (boundary + 1) % mesh.pp();
  }

  /** The group rank, in boundary {@code b}'s channels, of local rank {@code localRank} of stage {@code s}. */
  public int channelRank(int boundary, int s, int localRank) {
    return s == fromStage(boundary) ? localRank : mesh.stage(fromStage(boundary)).size() + localRank;
  }

  @Override
  public void close() {
    for (int i = owned.size() - 1; i >= 0; i--) {
      owned.get(i).close();
    }
    owned.clear();
  }
}
