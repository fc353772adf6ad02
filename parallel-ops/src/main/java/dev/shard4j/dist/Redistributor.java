package dev.shard4j.dist;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Executes a plan of {@link RedistributeStep}s on one rank: each step runs the transition's collective on the
 * group of its mesh axis. Uneven shards are padded with zeros to the ceil-chunk before a collective and cut back
 * after it; shards of a non-leading dimension are rearranged into the flat-chunk layout with native copies.
 * Temporaries are freed before each step returns. Called on the rank's thread.
 */
final class Redistributor {
  private Redistributor() {}

  /** The new local shard of {@code src} after {@code steps}; never shares storage with src's shard. */
  static Tensor run(DTensor src, List<RedistributeStep> steps) {
    DeviceMesh mesh = src.mesh();
    List<Placement> placements = new ArrayList<>(src.placements());
    Tensor cur = src.localTensor();
    boolean owned = false;
    try {
      for (RedistributeStep step : steps) {
        Tensor next;
        try (Scope scope = Scope.open()) {
          next = scope.keep(apply(mesh, src.globalShape(), placements, step, cur));
        }
        if (owned) {
          cur.close();
        }
        cur = next;
        owned = true;
        placements.set(step.axis(), step.to());
      }
      return owned ? cur : cur.copy();
    } catch (RuntimeException e) {
      if (owned) {
        cur.close();
      }
      throw e;
    }
  }

  private static Tensor apply(DeviceMesh mesh, Shape global, List<Placement> placements, RedistributeStep step,
      Tensor x) {
    int a = step.axis();
    Communicator g = mesh.axisCommunicator(a);
    int n = g.size();
    int k = g.rank();
    Placement from = step.from();
    Placement to = step.to();
    long[] logical = ShardLayout.block(global, mesh.shape(), mesh.coordinate(), placements, a)[1];
    if (from instanceof Placement.Partial p) {
      if (to.isReplicate()) {
        Tensor out = Tensor.empty(x.shape(), x.dtype(), x.device());
        g.allReduce(x, out, p.op());
        return out;
      }
      return reduceScatter(g, x, ((Placement.Shard) to).dim(), p.op());
    }
    if (from.isReplicate()) {
      if (to instanceof Placement.Partial p) {
        return p.op() == ReduceOp.SUM && k != 0 ? Tensor.zeros(x.shape(), x.dtype(), x.device()) : x.copy();
      }
      int d = ((Placement.Shard) to).dim();
      long size = x.dim(d);
      return ChunkLayout.narrow(x, d, ShardLayout.chunkStart(size, n, k), ShardLayout.chunkLength(size, n, k));
    }
    int d = ((Placement.Shard) from).dim();
    if (to.isReplicate()) {
      return allGather(g, x, d, logical[d]);
    }
    if (to instanceof Placement.Shard s) {
      return allToAll(g, x, d, logical[d], s.dim());
    }
    return ChunkLayout.embed(x, d, ShardLayout.chunkStart(logical[d], n, k), logical[d]);
  }

  /** {@code P -> S(d)}: pad dim d to n * ceil(N / n), chunk-major, reduce-scatter, cut to this rank's chunk. */
  private static Tensor reduceScatter(Communicator g, Tensor x, int d, ReduceOp op) {
    int n = g.size();
    long size = x.dim(d);
    long c = ShardLayout.chunkSize(size, n);
    try (Tensor padded = ChunkLayout.padDim(x, d, n * c);
        Tensor in = ChunkLayout.toChunks(padded, d, n);
        Tensor out = Tensor.empty(x.shape().withDim(d, c), x.dtype(), x.device())) {
      g.reduceScatter(in, out, op);
      return ChunkLayout.narrow(out, d, 0, ShardLayout.chunkLength(size, n, g.rank()));
    }
  }

  /** {@code S(d) -> R}: pad the shard to ceil(N / n), all-gather, merge the chunks along d and cut to N. */
  private static Tensor allGather(Communicator g, Tensor x, int d, long size) {
    int n = g.size();
    long c = ShardLayout.chunkSize(size, n);
    long[] gathered = prepend(n, x.shape().withDim(d, c));
    try (Tensor in = ChunkLayout.padDim(x, d, c);
        Tensor out = Tensor.empty(Shape.of(gathered), x.dtype(), x.device())) {
      g.allGather(in, out);
      try (Tensor merged = ChunkLayout.fromChunks(out, d)) {
        return ChunkLayout.narrow(merged, d, 0, size);
      }
    }
  }

  /**
   * {@code S(d) -> S(e)}: pad d to ceil(N_d / n) and e to n * ceil(N_e / n), chunk-major along e, all-to-all, merge
   * the received chunks along d, cut d to N_d and e to this rank's chunk.
   */
  private static Tensor allToAll(Communicator g, Tensor x, int d, long sizeD, int e) {
    int n = g.size();
    long sizeE = x.dim(e);
    long cd = ShardLayout.chunkSize(sizeD, n);
    long ce = ShardLayout.chunkSize(sizeE, n);
    try (Tensor padD = ChunkLayout.padDim(x, d, cd);
        Tensor padE = ChunkLayout.padDim(padD, e, n * ce);
        Tensor in = ChunkLayout.toChunks(padE, e, n);
        Tensor out = Tensor.empty(in.shape(), x.dtype(), x.device())) {
      g.allToAll(in, out);
      try (Tensor merged = ChunkLayout.fromChunks(out, d);
          Tensor cutD = ChunkLayout.narrow(merged, d, 0, sizeD)) {
        return ChunkLayout.narrow(cutD, e, 0, ShardLayout.chunkLength(sizeE, n, g.rank()));
      }
    }
  }

  private static long[] prepend(long first, Shape s) {
    long[] d = new long[s.rank() + 1];
    d[0] = first;
    System.arraycopy(s.toArray(), 0, d, 1, s.rank());
    return d;
  }
}
