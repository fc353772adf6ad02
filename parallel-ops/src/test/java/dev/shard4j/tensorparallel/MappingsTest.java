package dev.shard4j.tensorparallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.layers.Gpt;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.Collections;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Each region mapping on 4 ranks with inputs whose results follow from rank arithmetic (rank r holds values
 * 100 r + i), forward and backward, and the number and kind of collectives each issues; plus the collectives of a
 * whole GPT step.
 */
class MappingsTest {
  private static final int TP = 4;

  /** (rows, cols) with element (i, j) = 100 * rank + i * cols + j + scale. */
  private static float[] rankData(int rank, int rows, int cols, float offset) {
    float[] d = new float[rows * cols];
    for (int i = 0; i < d.length; i++) {
      d[i] = 100 * rank + i + offset;
    }
    return d;
  }

  private interface Check {
    void run(int rank, float[] fwd, float[] grad);
  }

  /** Runs mapping on a (rows, cols) leaf per rank, back-propagates rankData(.., 0.5) and checks both. */
  private static void runMapping(BiFunction<TensorParallel, Variable, Variable> mapping, int rows, int cols,
      int outRows, int outCols, List<String> expectedCalls, Check check) {
    LocalCluster.run(TP, c -> {
      RecordingCommunicator rec = new RecordingCommunicator(c);
      TensorParallel tp = TensorParallel.of(rec, false);
      try (Scope s = Scope.open()) {
        Variable x = Variable.leaf(Tensor.fromArray(rankData(c.rank(), rows, cols, 0), rows, cols), true);
        Variable y = mapping.apply(tp, x);
        assertEquals(List.of((long) outRows, (long) outCols), List.of(y.shape().dim(0), y.shape().dim(1)));
        y.backward(Tensor.fromArray(rankData(c.rank(), outRows, outCols, 0.5f), outRows, outCols));
        check.run(c.rank(), y.value().toFloatArray(), x.grad().toFloatArray());
        assertEquals(expectedCalls, rec.calls);
      }
    });
  }

  @Test
  void copyToRegionIsIdentityForwardAndAllReduceBackward() {
    runMapping(Mappings::copyToRegion, 2, 3, 2, 3, List.of("allReduce(SUM)"), (r, fwd, grad) -> {
      assertArrayEquals(rankData(r, 2, 3, 0), fwd);
      for (int i = 0; i < 6; i++) {
        assertEquals(100 * (0 + 1 + 2 + 3) + 4 * (i + 0.5f), grad[i], 1e-3);
      }
    });
  }

  @Test
  void reduceFromRegionIsAllReduceForwardAndIdentityBackward() {
    runMapping(Mappings::reduceFromRegion, 2, 3, 2, 3, List.of("allReduce(SUM)"), (r, fwd, grad) -> {
      for (int i = 0; i < 6; i++) {
        assertEquals(600 + 4 * i, fwd[i], 1e-3);
      }
      assertArrayEquals(rankData(r, 2, 3, 0.5f), grad);
    });
  }

  @Test
  void scatterAndGatherAlongTheHiddenAxis() {
    runMapping(Mappings::scatterToRegion, 2, 8, 2, 2, List.of("allGather"), (r, fwd, grad) -> {
      // rank r keeps columns [2r, 2r + 2) of its rows
      assertArrayEquals(new float[] {100 * r + 2 * r, 100 * r + 2 * r + 1, 100 * r + 8 + 2 * r,
          100 * r + 9 + 2 * r}, fwd);
      // the gradient of x's row i, columns [2q, 2q+2), comes from rank q's gradient row i
      for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 8; j++) {
          int q = j / 2;
          assertEquals(100 * q + i * 2 + j % 2 + 0.5f, grad[i * 8 + j], 1e-3);
        }
      }
    });
    runMapping(Mappings::gatherFromRegion, 2, 2, 2, 8, List.of("allGather"), (r, fwd, grad) -> {
      for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 8; j++) {
          assertEquals(100 * (j / 2) + i * 2 + j % 2, fwd[i * 8 + j], 1e-3);
        }
      }
      for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 2; j++) {
          assertEquals(100 * r + i * 8 + 2 * r + j + 0.5f, grad[i * 2 + j], 1e-3);
        }
      }
    });
  }

  @Test
  void sequenceAllGatherAndReduceScatter() {
    runMapping(Mappings::allGatherSequence, 1, 3, 4, 3, List.of("allGather", "reduceScatter(SUM)"),
        (r, fwd, grad) -> {
          for (int q = 0; q < 4; q++) {
            for (int j = 0; j < 3; j++) {
              assertEquals(100 * q + j, fwd[q * 3 + j], 1e-3);
            }
          }
          // every rank sent gradient row r = 100 q + 3 r + j + 0.5 for rank q
          for (int j = 0; j < 3; j++) {
            assertEquals(600 + 4 * (3 * r + j + 0.5f), grad[j], 1e-3);
          }
        });
    runMapping(Mappings::reduceScatterSequence, 4, 3, 1, 3, List.of("reduceScatter(SUM)", "allGather"),
        (r, fwd, grad) -> {
          for (int j = 0; j < 3; j++) {
            assertEquals(600 + 4 * (3 * r + j), fwd[j], 1e-3);
          }
          for (int q = 0; q < 4; q++) {
            for (int j = 0; j < 3; j++) {
              assertEquals(100 * q + j + 0.5f, grad[q * 3 + j], 1e-3);
            }
          }
        });
    runMapping(Mappings::scatterToSequence, 4, 3, 1, 3, List.of("allGather"), (r, fwd, grad) -> {
      for (int j = 0; j < 3; j++) {
        assertEquals(100 * r + 3 * r + j, fwd[j], 1e-3);
      }
      for (int q = 0; q < 4; q++) {
        for (int j = 0; j < 3; j++) {
          assertEquals(100 * q + j + 0.5f, grad[q * 3 + j], 1e-3);
        }
      }
    });
  }

  @Test
  void everyMappingIsTheIdentityAtSizeOne() {
    try (Scope s = Scope.open()) {
      Variable x = Variable.leaf(Tensor.zeros(2, 2), true);
      TensorParallel one = TensorParallel.single();
      assertSame(x, Mappings.copyToRegion(one, x));
      assertSame(x, Mappings.reduceFromRegion(one, x));
      assertSame(x, Mappings.scatterToRegion(one, x));
      assertSame(x, Mappings.gatherFromRegion(one, x));
      assertSame(x, Mappings.allGatherSequence(one, x));
      assertSame(x, Mappings.reduceScatterSequence(one, x));
      assertSame(x, Mappings.scatterToSequence(one, x));
    }
  }

  /** Collectives of one training step (forward + backward) of a 2-block GPT, per rank. */
  private static List<String> stepCalls(boolean sequenceParallel) {
    List<String>[] calls = new List[2];
    LocalCluster.run(2, c -> {
      RecordingCommunicator rec = new RecordingCommunicator(c);
      try (Gpt model = new Gpt(GptConfig.of(2, 2, 16, 32, 8, 1), TensorParallel.of(rec, sequenceParallel));
          Scope s = Scope.open()) {
        Tensor ids = Tensor.fromIntArray(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 2, 8);
        rec.calls.clear();
        model.loss(ids, ids).backward();
        calls[c.rank()] = List.copyOf(rec.calls);
      }
    });
    assertEquals(calls[0], calls[1]);
    return calls[0];
  }

  @Test
  void tensorParallelStepIssuesTwoAllReducesPerBlockEachWay() {
    List<String> calls = stepCalls(false);
    // forward: embedding, 2 per block (attention, MLP); CE: max + sum; backward: 2 per block + LM head input
    assertEquals(1 + 2 * 2 + 2 + 2 * 2 + 1, calls.size(), calls.toString());
    assertEquals(1, Collections.frequency(calls, "allReduce(MAX)"), calls.toString());
    assertEquals(calls.size() - 1, Collections.frequency(calls, "allReduce(SUM)"), calls.toString());
  }

  @Test
  void sequenceParallelStepReplacesAllReducesWithGathersAndScatters() {
    List<String> calls = stepCalls(true);
    int blocks = 2;
    // forward: RS (embedding), per block AG + RS (attention) and AG + RS (MLP), AG (LM head input);
    // backward mirrors each one (AG <-> RS).
    assertEquals(2 * (2 * blocks + 1), Collections.frequency(calls, "allGather"), calls.toString());
    assertEquals(2 * (1 + 2 * blocks), Collections.frequency(calls, "reduceScatter(SUM)"), calls.toString());
    assertEquals(1, Collections.frequency(calls, "allReduce(MAX)"), calls.toString());
    // sums: CE stats, plus the gradients of parameters used on sequence shards:
    // per block ln1, ln2 (weight, bias) and two row-parallel biases; ln_f weight and bias; wpe.
    assertEquals(1 + blocks * 6 + 2 + 1, Collections.frequency(calls, "allReduce(SUM)"), calls.toString());
  }
}
