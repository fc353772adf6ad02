package dev.shard4j.dist;

import dev.shard4j.tensor.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * Where the shard of a {@link DTensor} lies in the global tensor: PyTorch's uneven-shard convention. A dimension of
 * size {@code n} sharded over {@code k} coordinates is cut into chunks of {@code ceil(n / k)}; coordinate {@code i}
 * gets {@code [min(i*c, n), min((i+1)*c, n))}, so trailing coordinates get a smaller or an empty chunk (7 over 4 gives
 * 2, 2, 2, 1; 5 over 4 gives 2, 2, 1, 0; 1 over 3 gives 1, 0, 0). When several mesh axes shard the same dimension,
 * they apply in mesh-axis order: the chunk of the first axis is cut again by the second, and so on.
 *
 * <p>Static methods on values; any thread may call them.
 */
public final class ShardLayout {
  private ShardLayout() {}

  /** The chunk size {@code ceil(n / k)} used for {@code n} elements over {@code k} coordinates. */
  public static long chunkSize(long n, int k) {
    return k <= 0 ? n : (n + k - 1) / k;
  }

  /** The start of coordinate {@code i}'s chunk of {@code n} elements over {@code k} coordinates. */
  public static long chunkStart(long n, int k, int i) {
    return Math.min(i * chunkSize(n, k), n);
  }

  /** The length of coordinate {@code i}'s chunk of {@code n} elements over {@code k} coordinates (may be 0). */
  public static long chunkLength(long n, int k, int i) {
    long c = chunkSize(n, k);
    long start = Math.min(i * c, n);
    return Math.min(c, n - start);
  }

  /** The shape of the local shard at {@code coordinate} of a mesh of {@code meshShape}. */
  public static Shape localShape(Shape global, int[] meshShape, int[] coordinate, List<Placement> placements) {
    return Shape.of(block(global, meshShape, coordinate, placements, placements.size())[1]);
  }

  /** The offset of the local shard in the global tensor, per tensor dimension. */
  public static long[] localOffset(Shape global, int[] meshShape, int[] coordinate, List<Placement> placements) {
    return block(global, meshShape, coordinate, placements, placements.size())[0];
  }

  /**
   * {offset, size} per tensor dimension of the block held at {@code coordinate} after applying the shardings of
   * mesh axes {@code [0, uptoAxis)} only; with {@code uptoAxis == placements.size()} it is the local shard.
   */
  static long[][] block(Shape global, int[] meshShape, int[] coordinate, List<Placement> placements, int uptoAxis) {
    check(global, meshShape, coordinate, placements);
    long[] offset = new long[global.rank()];
    long[] size = global.toArray();
    for (int a = 0; a < uptoAxis; a++) {
      if (placements.get(a) instanceof Placement.Shard s) {
        int d = s.dim();
        long n = size[d];
        offset[d] += chunkStart(n, meshShape[a], coordinate[a]);
        size[d] = chunkLength(n, meshShape[a], coordinate[a]);
      }
    }
    return new long[][] {offset, size};
  }

  static void check(Shape global, int[] meshShape, int[] coordinate, List<Placement> placements) {
    if (placements.size() != meshShape.length || coordinate.length != meshShape.length) {
      throw new IllegalArgumentException("placements " + placements + " need one entry per mesh axis of "
          + Arrays.toString(meshShape) + " (coordinate " + Arrays.toString(coordinate) + ")");
    }
    for (Placement p : placements) {
      if (p instanceof Placement.Shard s && s.dim() >= global.rank()) {
        throw new IllegalArgumentException("placement " + s + " in " + placements + " is outside tensor shape "
            + global + " of rank " + global.rank());
      }
    }
  }
}
