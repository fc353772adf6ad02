package dev.shard4j.dist;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A distributed tensor: this rank's local shard plus the global shape, the {@link DeviceMesh} and one
 * {@link Placement} per mesh axis. The shard's position follows {@link ShardLayout} (ceil-sized chunks, trailing
 * coordinates smaller or empty, several axes sharding one dimension nest in mesh-axis order). A {@code Partial}
 * axis means the tensor is the reduction of the local values over that axis's group.
 *
 * <p><b>Ownership.</b> A DTensor owns its local shard (a contiguous {@link Tensor}) and closes it in
 * {@link #close()}; the shard obeys the usual {@link dev.shard4j.tensor.Scope} rules, so a DTensor created inside a
 * scope loses its shard when the scope closes. Methods that return a DTensor or a Tensor return new objects the
 * caller owns, which never share storage with this one. The mesh is not owned and must outlive the DTensor.
 *
 * <p><b>Threads.</b> A DTensor belongs to its rank's thread. Methods that communicate ({@link #redistribute},
 * {@link #fullTensor}) are collective over the mesh: every rank calls them in the same order with the same arguments.
 */
public final class DTensor implements AutoCloseable {
  private final Tensor local;
  private final Shape globalShape;
  private final DeviceMesh mesh;
  private final List<Placement> placements;

  private DTensor(Tensor local, Shape globalShape, DeviceMesh mesh, List<Placement> placements) {
    this.local = local;
    this.globalShape = globalShape;
    this.mesh = mesh;
    this.placements = placements;
  }

  /**
   * Shards {@code global}, a tensor every rank holds with the same values, without communication: each rank keeps
   * its slice; on a {@code Partial} axis coordinate 0 keeps the value and the others hold zeros (for {@code P(avg)},
   * {@code P(max)}, {@code P(min)} every coordinate keeps the value). The caller keeps ownership of {@code global}.
   */
  public static DTensor distribute(Tensor global, DeviceMesh mesh, List<Placement> placements) {
    global.checkOpen("DTensor.distribute");
    List<Placement> pl = checkPlacements("distribute", global.shape(), mesh, placements);
    long[][] block = ShardLayout.block(global.shape(), mesh.shape(), mesh.coordinate(), pl, pl.size());
    boolean zero = false;
    for (int a = 0; a < pl.size(); a++) {
      if (pl.get(a) instanceof Placement.Partial p && p.op() == ReduceOp.SUM && mesh.coordinate(a) != 0) {
        zero = true;
      }
    }
    Shape localShape = Shape.of(block[1]);
    if (zero) {
      return new DTensor(Tensor.zeros(localShape, global.dtype(), global.device()), global.shape(), mesh, pl);
    }
    Tensor view = global;
    List<Tensor> views = new ArrayList<>();
    try {
      for (int d = 0; d < block[0].length; d++) {
        if (block[1][d] != global.dim(d)) {
          view = view.slice(d, block[0][d], block[0][d] + block[1][d]);
          views.add(view);
        }
      }
      Tensor shard = Tensor.empty(localShape, global.dtype(), global.device());
      try {
        shard.copyFrom(view);
      } catch (RuntimeException e) {
        shard.close();
        throw e;
      }
      return new DTensor(shard, global.shape(), mesh, pl);
    } finally {
      views.forEach(Tensor::close);
    }
  }

  /** {@link #distribute(Tensor, DeviceMesh, List)} with placements given as arguments. */
  public static DTensor distribute(Tensor global, DeviceMesh mesh, Placement... placements) {
    return distribute(global, mesh, Arrays.asList(placements));
  }

  /**
   * Wraps {@code local}, this rank's shard, taking ownership of it: it must be contiguous and have the local shape
   * that {@code placements} give this rank for {@code globalShape} (see {@link #localShape}). No communication.
   */
  public static DTensor fromLocal(Tensor local, DeviceMesh mesh, List<Placement> placements, Shape globalShape) {
    local.checkOpen("DTensor.fromLocal");
    List<Placement> pl = checkPlacements("fromLocal", globalShape, mesh, placements);
    Shape expected = ShardLayout.localShape(globalShape, mesh.shape(), mesh.coordinate(), pl);
    if (!local.shape().equals(expected)) {
      throw new IllegalArgumentException("DTensor.fromLocal: local shard " + local.describe() + " on rank "
          + mesh.rank() + " at " + Arrays.toString(mesh.coordinate()) + " should have shape " + expected
          + " for global shape " + globalShape + " with " + pl + " on " + mesh);
    }
    if (!local.isContiguous()) {
      throw new IllegalArgumentException("DTensor.fromLocal: local shard " + local.describe() + " must be contiguous");
    }
    return new DTensor(local, globalShape, mesh, pl);
  }

  /** The local shard shape at this rank's coordinate of {@code mesh}. */
  public static Shape localShape(Shape global, DeviceMesh mesh, List<Placement> placements) {
    return ShardLayout.localShape(global, mesh.shape(), mesh.coordinate(), placements);
  }

  /** The offset of this rank's local shard in the global tensor, per tensor dimension. */
  public static long[] localOffset(Shape global, DeviceMesh mesh, List<Placement> placements) {
    return ShardLayout.localOffset(global, mesh.shape(), mesh.coordinate(), placements);
  }

  /** This rank's shard (owned by this DTensor: do not close it; it stays valid until this DTensor is closed). */
  public Tensor localTensor() {
    local.checkOpen("DTensor.localTensor");
    return local;
  }

  /** The global shape. */
  public Shape globalShape() {
    return globalShape;
  }

  /** The mesh (not owned). */
  public DeviceMesh mesh() {
    return mesh;
  }

  /** The placements, one per mesh axis (an immutable list). */
  public List<Placement> placements() {
    return placements;
  }

  /** The offset of the local shard in the global tensor. */
  public long[] localOffset() {
    return localOffset(globalShape, mesh, placements);
  }

  /**
   * Collective: a new DTensor with the same global value laid out with {@code target}, using the plan of
   * {@link RedistributePlanner} (at most one collective per step, on that axis's group; docs/dtensor.md has the
   * table). Uneven shards are zero-padded to the ceil-chunk for each collective and cut back after it. This DTensor
   * is unchanged and stays owned by the caller, as does the result.
   */
  public DTensor redistribute(List<Placement> target) {
    local.checkOpen("DTensor.redistribute");
    List<Placement> dst = checkPlacements("redistribute", globalShape, mesh, target);
    List<RedistributeStep> steps = RedistributePlanner.plan(mesh.shape(), globalShape, placements, dst);
    return new DTensor(Redistributor.run(this, steps), globalShape, mesh, dst);
  }

  /** {@link #redistribute(List)} with placements given as arguments. */
  public DTensor redistribute(Placement... target) {
    return redistribute(Arrays.asList(target));
  }

  /** Collective: the whole tensor, replicated on every rank (a new tensor the caller owns). */
  public Tensor fullTensor() {
    List<Placement> all = Collections.nCopies(mesh.ndim(), Placement.replicate());
    List<RedistributeStep> steps = RedistributePlanner.plan(mesh.shape(), globalShape, placements, all);
    return Redistributor.run(this, steps);
  }

  /** Closes the local shard; idempotent. */
  @Override
  public void close() {
    local.close();
  }

  /** For example {@code DTensor([7, 5], [S(0), R] on DeviceMesh(dp=2, tp=2), local [4, 5])}. */
  @Override
  public String toString() {
    return "DTensor(" + globalShape + ", " + placements + " on " + mesh + ", local "
        + (local.isClosed() ? "closed" : local.shape()) + ")";
  }

  private static List<Placement> checkPlacements(String op, Shape global, DeviceMesh mesh, List<Placement> pl) {
    if (pl == null || pl.size() != mesh.ndim()) {
      throw new IllegalArgumentException("DTensor." + op + ": " + pl + " needs one placement per axis of " + mesh);
    }
    for (Placement p : pl) {
      if (p == null) {
        throw new IllegalArgumentException("DTensor." + op + ": null placement in " + pl);
      }
      if (p instanceof Placement.Shard s && s.dim() >= global.rank()) {
        throw new IllegalArgumentException("DTensor." + op + ": " + s + " in " + pl + " is outside tensor shape "
            + global);
      }
    }
    return List.copyOf(pl);
  }
}
