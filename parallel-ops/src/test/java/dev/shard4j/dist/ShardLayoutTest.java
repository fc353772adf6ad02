package dev.shard4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shard4j.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The uneven-shard convention, with the chunk sizes written out by hand (as torch.chunk gives them). */
class ShardLayoutTest {

  private static long[] lengths(long n, int k) {
    long[] out = new long[k];
    for (int i = 0; i < k; i++) {
      out[i] = ShardLayout.chunkLength(n, k, i);
    }
    return out;
  }

  @Test
  void ceilChunksWithSmallerOrEmptyTrailingChunks() {
    assertArrayEquals(new long[] {2, 2, 2, 1}, lengths(7, 4));
    assertArrayEquals(new long[] {2, 2, 1, 0}, lengths(5, 4));
    assertArrayEquals(new long[] {1, 0, 0}, lengths(1, 3));
    assertArrayEquals(new long[] {2, 2, 2}, lengths(6, 3));
    assertArrayEquals(new long[] {0, 0}, lengths(0, 2));
    assertEquals(5, ShardLayout.chunkStart(5, 4, 3));
    assertEquals(4, ShardLayout.chunkStart(5, 4, 2));
  }

  @Test
  void nestedShardingAppliesAxesInOrder() {
    Shape global = Shape.of(7, 5);
    List<Placement> s0s0 = Placement.parseList("S(0), S(0)");
    // 7 rows over dp=2: 4 and 3; each cut again over tp=2: (2, 2) and (2, 1).
    long[][] expected = {{0, 2}, {2, 2}, {4, 2}, {6, 1}};
    for (int r = 0; r < 4; r++) {
      int[] c = {r / 2, r % 2};
      assertArrayEquals(new long[] {expected[r][0], 0}, ShardLayout.localOffset(global, new int[] {2, 2}, c, s0s0));
      assertEquals(Shape.of(expected[r][1], 5), ShardLayout.localShape(global, new int[] {2, 2}, c, s0s0));
    }
    // S(1) on dp and S(0) on tp shard different dims independently.
    assertEquals(Shape.of(4, 2), ShardLayout.localShape(global, new int[] {2, 2}, new int[] {1, 0},
        Placement.parseList("S(1), S(0)")));
    assertArrayEquals(new long[] {0, 3}, ShardLayout.localOffset(global, new int[] {2, 2}, new int[] {1, 0},
        Placement.parseList("S(1), S(0)")));
  }

  @Test
  void placementsMustMatchMeshAndTensor() {
    assertThrows(IllegalArgumentException.class, () -> ShardLayout.localShape(Shape.of(4), new int[] {2, 2},
        new int[] {0, 0}, List.of(Placement.shard(0))));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShardLayout.localShape(
        Shape.of(4), new int[] {2}, new int[] {0}, List.of(Placement.shard(1))));
    assertEquals("placement S(1) in [S(1)] is outside tensor shape [4] of rank 1", e.getMessage());
  }
}
