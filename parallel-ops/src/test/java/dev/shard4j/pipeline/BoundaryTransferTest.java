package dev.shard4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The transfer plan between stages of different shapes, checked cell by cell: every element of each destination
 * rank's block arrives exactly once, from a source rank that holds it.
 */
class BoundaryTransferTest {
  private static final long SEQ = 8;
  private static final long ROWS = 4;

  private static void checkTiling(StageShape src, StageShape dst) {
    List<BoundaryTransfer.Piece> plan = BoundaryTransfer.plan(src, dst, SEQ, ROWS);
    for (int j = 0; j < dst.size(); j++) {
      long[] want = dst.block(j, SEQ, ROWS);
      int[][] hits = new int[(int) SEQ][(int) ROWS];
      for (BoundaryTransfer.Piece p : BoundaryTransfer.receives(plan, j)) {
        long[] have = src.block(p.src(), SEQ, ROWS);
        long[] c = p.block();
        for (long s = c[0]; s < c[0] + c[1]; s++) {
          for (long r = c[2]; r < c[2] + c[3]; r++) {
            assertTrue(s >= have[0] && s < have[0] + have[1] && r >= have[2] && r < have[2] + have[3],
                src + " -> " + dst + ": piece " + p + " not held by its source");
            hits[(int) s][(int) r]++;
          }
        }
      }
      for (int s = 0; s < SEQ; s++) {
        for (int r = 0; r < ROWS; r++) {
          boolean inBlock = s >= want[0] && s < want[0] + want[1] && r >= want[2] && r < want[2] + want[3];
          assertEquals(inBlock ? 1 : 0, hits[s][r], src + " -> " + dst + " dst " + j + " cell (" + s + "," + r + ")");
        }
      }
    }
  }

  @Test
  void everyPairOfSmallShapesTilesTheReceiversBlocks() {
    StageShape[] shapes = {
        new StageShape(1, 1, false), new StageShape(2, 1, false), new StageShape(4, 1, false),
        new StageShape(1, 2, false), new StageShape(1, 2, true), new StageShape(2, 2, false),
        new StageShape(2, 2, true), new StageShape(1, 4, true)};
    for (StageShape a : shapes) {
      for (StageShape b : shapes) {
        checkTiling(a, b);
      }
    }
  }

  @Test
  void sameShapesExchangeWholeBlocksWithTheirCounterpart() {
    StageShape s = new StageShape(2, 2, false);
    List<BoundaryTransfer.Piece> plan = BoundaryTransfer.plan(s, s, SEQ, ROWS);
    assertEquals(4, plan.size());
    for (BoundaryTransfer.Piece p : plan) {
      assertEquals(p.src(), p.dst());
    }
  }

  @Test
  void replicasShareTheSendingWork() {
    // tp=2 replicas to a tp=2 sequence-parallel stage: destination t takes its shard from source replica t
    List<BoundaryTransfer.Piece> plan = BoundaryTransfer.plan(new StageShape(1, 2, false),
        new StageShape(1, 2, true), SEQ, ROWS);
    assertEquals("[0->0 [0, 4, 0, 4], 1->1 [4, 4, 0, 4]]", plan.toString());
  }
}
