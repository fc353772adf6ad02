package dev.shard4j.optim;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.ops.Reductions;
import dev.shard4j.tensor.Tensor;
import java.util.List;

/**
 * The global L2 norm of gradients that may be sharded over several groups of ranks, and the clipping factor of
 * {@code torch.nn.utils.clip_grad_norm_}.
 *
 * <p>Each {@link Part} lists local gradient tensors and the groups that shard them: the part's sum of squares is
 * all-reduced (sum) over each of those groups in turn. A tensor replicated over a group (a data-parallel replica
 * after all-reduce, a layer norm weight under tensor parallelism) must not list that group, so it counts once. Every
 * rank must pass the same parts with the same groups in the same order, since each group is a collective call. Runs
 * on the calling rank's thread.
 */
public final class GradNorm {
  private GradNorm() {}

  /**
   * Local gradients and the groups that shard them (empty when every rank of every group holds the whole tensor, or
   * there is one rank).
   */
  public record Part(List<Tensor> grads, List<Communicator> shardedOver) {
    /** Copies the lists. */
    public Part {
      grads = List.copyOf(grads);
      shardedOver = List.copyOf(shardedOver);
    }

    /** Gradients that every rank holds whole. */
    public static Part replicated(List<Tensor> grads) {
      return new Part(grads, List.of());
    }

    /** Gradients sharded over the given groups. */
    public static Part sharded(List<Tensor> grads, Communicator... groups) {
      return new Part(grads, List.of(groups));
    }
  }

  /** The L2 norm of all gradients of all parts, counting each element of the global model once. */
  public static double globalNorm(List<Part> parts) {
    double total = 0;
    for (Part part : parts) {
      double local = 0;
      for (Tensor g : part.grads()) {
        local += Reductions.sumSquares(g.isContiguous() ? g : g.contiguous());
      }
      if (!part.shardedOver().isEmpty()) {
        try (Tensor s = Tensor.fromArray(new float[] {(float) local}, 1)) {
          for (Communicator c : part.shardedOver()) {
            c.allReduce(s, ReduceOp.SUM);
          }
          local = s.item();
        }
      }
      total += local;
    }
    return Math.sqrt(total);
  }

  /**
   * The factor that scales gradients of norm {@code norm} down to at most {@code maxNorm}, as in PyTorch:
   * {@code min(1, maxNorm / (norm + 1e-6))}. Pass it to {@link Optimizer#step(float)}.
   */
  public static float clipScale(double norm, double maxNorm) {
    if (!(maxNorm > 0)) {
      throw new IllegalArgumentException("clipScale: maxNorm must be > 0, got " + maxNorm);
    }
    if (Double.isNaN(norm) || Double.isInfinite(norm)) {
      throw new IllegalArgumentException("clipScale: gradient norm is " + norm);
    }
    return (float) Math.min(1.0, maxNorm / (norm + 1e-6));
  }
}
