package dev.shard4j.autoshard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RankCorrelationTest {
  @Test
  void sameOrderIsOneAndReversedIsMinusOne() {
    double[] x = {1, 5, 2, 9};
    assertEquals(1.0, RankCorrelation.spearman(x, new double[] {10, 50, 20, 90}), 1e-12);
    assertEquals(-1.0, RankCorrelation.spearman(x, new double[] {4, 1, 3, 0}), 1e-12);
  }

  @Test
  void matchesTheTextbookFormulaWithoutTies() {
    // ranks x: 1 2 3 4 5, ranks y: 2 1 4 3 5; sum d^2 = 4; rho = 1 - 6*4 / (5*24) = 0.8
    assertEquals(0.8, RankCorrelation.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {20, 10, 40, 30, 50}),
        1e-12);
  }

  @Test
  void tiesGetTheirAverageRank() {
    assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, RankCorrelation.ranks(new double[] {1, 7, 7, 9}), 0);
    // ranks x: 1 2.5 2.5 4 against 1 2 3 4: Pearson of the ranks = 4.5 / sqrt(4.5 * 5)
    assertEquals(4.5 / Math.sqrt(4.5 * 5), RankCorrelation.spearman(new double[] {1, 7, 7, 9},
        new double[] {1, 2, 3, 4}), 1e-12);
  }

  @Test
  void badSamplesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> RankCorrelation.spearman(new double[] {1}, new double[] {1}));
    assertThrows(IllegalArgumentException.class,
        () -> RankCorrelation.spearman(new double[] {1, 2}, new double[] {1, 2, 3}));
    assertThrows(IllegalArgumentException.class,
        () -> RankCorrelation.spearman(new double[] {3, 3}, new double[] {1, 2}));
  }
}
