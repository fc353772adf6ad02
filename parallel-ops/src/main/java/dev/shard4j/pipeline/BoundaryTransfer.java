package dev.shard4j.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which parts of a micro-batch activation (or its gradient) go from which rank of one stage to which rank of the
 * next when the stages' sub-meshes differ. Each rank holds a block of the (seq, rows, C) activation (its
 * data-parallel rows, and its sequence shard under sequence parallelism; see {@link StageShape#block}). Every
 * destination rank receives, from the source ranks, the intersections of their blocks with its own; where several
 * source ranks hold the same block (tensor-parallel replicas), the one whose tensor-parallel rank is the
 * destination's modulo the source's tp sends it, which spreads the traffic. Both sides compute the same plan.
 * Stateless; any thread.
 */
public final class BoundaryTransfer {
  /** One message: source local rank, destination local rank, and the block {seqStart, seqCount, rowStart, rowCount}. */
  public record Piece(int src, int dst, long[] block) {
    @Override
    public String toString() {
      return src + "->" + dst + " " + Arrays.toString(block);
    }
  }

  private BoundaryTransfer() {}

  /** All pieces from stage shape {@code src} to {@code dst} for a micro-batch of {@code rows} x {@code seq}. */
  public static List<Piece> plan(StageShape src, StageShape dst, long seq, long rows) {
    List<Piece> out = new ArrayList<>();
    for (int j = 0; j < dst.size(); j++) {
      long[] want = dst.block(j, seq, rows);
      int tDst = j % dst.tp();
      for (int i = 0; i < src.size(); i++) {
        long[] have = src.block(i, seq, rows);
        long[] cut = intersect(have, want);
        if (cut == null) {
          continue;
        }
        // replicas of the same block on the source differ only in their tp rank (no sequence parallelism)
        int replicas = src.sequenceParallel() ? 1 : src.tp();
        if (replicas > 1 && i % src.tp() != tDst % replicas) {
          continue;
        }
        out.add(new Piece(i, j, cut));
      }
    }
    return out;
  }

  /** The pieces local rank {@code src} sends, in destination order. */
  public static List<Piece> sends(List<Piece> plan, int src) {
    return plan.stream().filter(p -> p.src() == src).toList();
  }

  /** The pieces local rank {@code dst} receives, in source order. */
  public static List<Piece> receives(List<Piece> plan, int dst) {
    return plan.stream().filter(p -> p.dst() == dst).toList();
  }

  private static long[] intersect(long[] a, long[] b) {
    long s0 = Math.max(a[0], b[0]);
    long s1 = Math.min(a[0] + a[1], b[0] + b[1]);
    long r0 = Math.max(a[2], b[2]);
    long r1 = Math.min(a[2] + a[3], b[2] + b[3]);
    return s1 > s0 && r1 > r0 ? new long[] {s0, s1 - s0, r0, r1 - r0} : null;
  }
}
