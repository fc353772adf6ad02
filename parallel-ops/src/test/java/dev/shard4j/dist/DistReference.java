package dev.shard4j.dist;

import dev.shard4j.collectives.CountingCommunicator.Kind;
import dev.shard4j.collectives.ReduceOp;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Plain-Java reference for distributed-tensor tests: a global tensor of known values, the block each mesh coordinate
 * holds (PyTorch's ceil-chunk convention, written out independently of the production code), slices of flat arrays,
 * partial values whose reduction is known, and the collective each 1-D transition must issue.
 */
final class DistReference {
  private DistReference() {}

  /** Global values 1, 2, 3, ... (small integers: exact in fp32 and in sums of a few of them). */
  static float[] globalValues(long[] shape) {
    float[] v = new float[(int) numel(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = i + 1;
    }
    return v;
  }

  static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** Row-major coordinate of {@code rank} in a mesh of {@code mesh}. */
  static int[] coordinate(int rank, int[] mesh) {
    int[] c = new int[mesh.length];
    for (int a = mesh.length - 1; a >= 0; a--) {
      c[a] = rank % mesh[a];
      rank /= mesh[a];
    }
    return c;
  }

  static int rankOf(int[] coord, int[] mesh) {
    int r = 0;
    for (int a = 0; a < mesh.length; a++) {
      r = r * mesh[a] + coord[a];
    }
    return r;
  }

  /** {offset[], size[]} of the block at {@code coord}: per dim, each sharding axis in order cuts ceil-chunks. */
  static long[][] block(long[] shape, int[] mesh, int[] coord, List<Placement> placements) {
    long[] lo = new long[shape.length];
    long[] hi = shape.clone();
    for (int a = 0; a < mesh.length; a++) {
      if (placements.get(a) instanceof Placement.Shard s) {
        int d = s.dim();
        long len = hi[d] - lo[d];
        long chunk = (len + mesh[a] - 1) / mesh[a];
        long start = Math.min(lo[d] + coord[a] * chunk, hi[d]);
        long end = Math.min(start + chunk, hi[d]);
        lo[d] = start;
        hi[d] = end;
      }
    }
    long[] size = new long[shape.length];
    for (int d = 0; d < shape.length; d++) {
      size[d] = hi[d] - lo[d];
    }
    return new long[][] {lo, size};
  }

  /** The elements of {@code global} (shape {@code shape}) inside the block {offset, size}, row-major. */
  static float[] slice(float[] global, long[] shape, long[][] block) {
    long[] off = block[0];
    long[] size = block[1];
    float[] out = new float[(int) numel(size)];
    long[] idx = new long[shape.length];
    for (int i = 0; i < out.length; i++) {
      long rem = i;
      for (int d = shape.length - 1; d >= 0; d--) {
        idx[d] = rem % size[d];
        rem /= size[d];
      }
      long flat = 0;
      for (int d = 0; d < shape.length; d++) {
        flat = flat * shape[d] + off[d] + idx[d];
      }
      out[i] = global[(int) flat];
    }
    return out;
  }

  /** The reduction ops of the Partial axes of {@code placements}, or null where the axis is not Partial. */
  static ReduceOp partialOp(List<Placement> placements) {
    ReduceOp op = null;
    for (Placement p : placements) {
      if (p instanceof Placement.Partial q) {
        if (op != null && op != q.op()) {
          throw new IllegalArgumentException("test reference: mixed partial ops in " + placements);
        }
        op = q.op();
      }
    }
    return op;
  }

  /**
   * The local values a rank holds for a source with Partial axes: {@code exact} is the slice of the global tensor;
   * {@code q} indexes the rank among the {@code count} ranks of its partial group. The values reduce to {@code exact}
   * with {@code op}: SUM uses integer offsets that cancel, MAX lowers all but q = 0, AVG adds offsets of mean zero.
   */
  static float[] partialValues(float[] exact, ReduceOp op, int q, int count) {
    float[] out = new float[exact.length];
    for (int i = 0; i < out.length; i++) {
      switch (op) {
        case SUM -> {
          if (q == 0) {
            float rest = 0;
            for (int j = 1; j < count; j++) {
              rest += i % 3 + j;
            }
            out[i] = exact[i] - rest;
          } else {
            out[i] = i % 3 + q;
          }
        }
        case MAX -> out[i] = exact[i] - q;
        case MIN -> out[i] = exact[i] + q;
        case AVG -> out[i] = exact[i] + (q - (count - 1) / 2.0f) * (1 + i % 2);
        default -> throw new IllegalArgumentException("test reference: unsupported op " + op);
      }
    }
    return out;
  }

  /** Index of {@code coord} among the coordinates of the Partial axes, and the number of such coordinates. */
  static int[] partialIndex(int[] mesh, int[] coord, List<Placement> placements) {
    int q = 0;
    int count = 1;
    for (int a = 0; a < mesh.length; a++) {
      if (placements.get(a).isPartial()) {
        q = q * mesh[a] + coord[a];
        count *= mesh[a];
      }
    }
    return new int[] {q, count};
  }

  /** Every placement a tensor of rank {@code rank} can have on one axis: R, P, S(0), ..., S(rank-1). */
  static List<Placement> axisPlacements(int rank) {
    List<Placement> out = new ArrayList<>();
    out.add(Placement.replicate());
    out.add(Placement.partial());
    for (int d = 0; d < rank; d++) {
      out.add(Placement.shard(d));
    }
    return out;
  }

  /** Every list of placements over {@code axes} mesh axes. */
  static List<List<Placement>> allPlacements(int rank, int axes) {
    List<List<Placement>> out = new ArrayList<>();
    out.add(List.of());
    for (int a = 0; a < axes; a++) {
      List<List<Placement>> next = new ArrayList<>();
      for (List<Placement> prefix : out) {
        for (Placement p : axisPlacements(rank)) {
          List<Placement> l = new ArrayList<>(prefix);
          l.add(p);
          next.add(List.copyOf(l));
        }
      }
      out = next;
    }
    return out;
  }

  /**
   * The collectives one transition issues on an axis of {@code n} ranks: P->R all-reduce, P->S reduce-scatter,
   * S->R all-gather, S->S all-to-all, S->P(sum) and everything from R local; S->P(max/avg/min) all-gather (through R)
   * and P(x)->P(y) all-reduce (through R). Nothing moves on a single rank.
   */
  static Map<Kind, Long> expected1d(Placement from, Placement to, int n) {
    Map<Kind, Long> m = new EnumMap<>(Kind.class);
    if (n == 1 || from.equals(to) || from.isReplicate()) {
      return m;
    }
    if (from.isPartial()) {
      m.put(to.isShard() ? Kind.REDUCE_SCATTER : Kind.ALL_REDUCE, 1L);
    } else if (to.isReplicate()) {
      m.put(Kind.ALL_GATHER, 1L);
    } else if (to.isShard()) {
      m.put(Kind.ALL_TO_ALL, 1L);
    } else if (((Placement.Partial) to).op() != ReduceOp.SUM) {
      m.put(Kind.ALL_GATHER, 1L);
    }
    return m;
  }

  static void add(Map<Kind, Long> into, Map<Kind, Long> more) {
    more.forEach((k, v) -> into.merge(k, v, Long::sum));
  }
}
