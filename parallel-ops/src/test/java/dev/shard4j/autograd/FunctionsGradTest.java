package dev.shard4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Every differentiable op against a double-precision reference, forward and finite-difference gradients. */
class FunctionsGradTest {
  private static long[] s(long... d) {
    return d;
  }

  @Test
  void linearWithAndWithoutBias() {
    int n = 5;
    int in = 4;
    int out = 3;
    GradCheck.check("linear", v -> LinearFunctions.linear(v[0], v[1], v[2]),
        x -> Ref.linear(x[0], x[1], x[2], n, in, out), new long[][] {s(n, in), s(out, in), s(out)});
    GradCheck.check("linear (parameters, 3-D input)", v -> LinearFunctions.linear(v[0], v[1], v[2]),
        x -> Ref.linear(x[0], x[1], x[2], n, in, out), new long[][] {s(1, n, in), s(out, in), s(out)},
        new boolean[] {false, true, true}, 1e-4, 2e-3);
    GradCheck.check("linear without bias", v -> LinearFunctions.linear(v[0], v[1], null),
        x -> Ref.linear(x[0], x[1], null, n, in, out), new long[][] {s(n, in), s(out, in)});
  }

  @Test
  void batchedMatmulAllTransposes() {
    int b = 2;
    int m = 3;
    int k = 4;
    int n = 5;
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        GradCheck.check("bmm ta=" + ta + " tb=" + tb,
            v -> LinearFunctions.batchedMatmul(v[0], v[1], ta, tb, 0.5f),
            x -> Ref.bmm(x[0], x[1], b, m, k, n, ta, tb, 0.5),
            new long[][] {ta ? s(b, k, m) : s(b, m, k), tb ? s(b, n, k) : s(b, k, n)});
      }
    }
    GradCheck.check("matmul 2-D", v -> LinearFunctions.matmul(v[0], v[1]),
        x -> Ref.bmm(x[0], x[1], 1, m, k, n, false, false, 1), new long[][] {s(m, k), s(k, n)});
  }

  @Test
  void pointwise() {
    GradCheck.check("add", v -> PointwiseFunctions.add(v[0], v[1]), x -> {
      double[] y = new double[x[0].length];
      for (int i = 0; i < y.length; i++) {
        y[i] = x[0][i] + x[1][i];
      }
      return y;
    }, new long[][] {s(3, 4), s(3, 4)});
    GradCheck.check("bias_add", v -> PointwiseFunctions.biasAdd(v[0], v[1]), x -> {
      double[] y = new double[x[0].length];
      for (int i = 0; i < y.length; i++) {
        y[i] = x[0][i] + x[1][i % 4];
      }
      return y;
    }, new long[][] {s(2, 3, 4), s(4)});
    GradCheck.check("bias_add (parameter)", v -> PointwiseFunctions.biasAdd(v[0], v[1]), x -> {
      double[] y = new double[x[0].length];
      for (int i = 0; i < y.length; i++) {
        y[i] = x[0][i] + x[1][i % 4];
      }
      return y;
    }, new long[][] {s(3, 4), s(4)}, new boolean[] {false, true}, 1e-4, 2e-3);
    GradCheck.check("mul", v -> PointwiseFunctions.mul(v[0], v[1]), x -> {
      double[] y = new double[x[0].length];
      for (int i = 0; i < y.length; i++) {
        y[i] = x[0][i] * x[1][i];
      }
      return y;
    }, new long[][] {s(3, 4), s(3, 4)});
    GradCheck.check("scale", v -> PointwiseFunctions.scale(v[0], -1.5f), x -> {
      double[] y = new double[x[0].length];
      for (int i = 0; i < y.length; i++) {
        y[i] = -1.5 * x[0][i];
      }
      return y;
    }, new long[][] {s(7)});
    GradCheck.check("gelu", v -> PointwiseFunctions.gelu(PointwiseFunctions.scale(v[0], 3f)), x -> {
      double[] y = new double[x[0].length];
      for (int i = 0; i < y.length; i++) {
        y[i] = Ref.gelu(3 * x[0][i]);
      }
      return y;
    }, new long[][] {s(4, 5)});
  }

  @Test
  void layerNorm() {
    GradCheck.check("layer_norm", v -> NormFunctions.layerNorm(v[0], v[1], v[2], 1e-5f),
        x -> Ref.layerNorm(x[0], x[1], x[2], 6, 8, 1e-5), new long[][] {s(2, 3, 8), s(8), s(8)});
    GradCheck.check("layer_norm (parameters)", v -> NormFunctions.layerNorm(v[0], v[1], v[2], 1e-5f),
        x -> Ref.layerNorm(x[0], x[1], x[2], 6, 8, 1e-5), new long[][] {s(6, 8), s(8), s(8)},
        new boolean[] {false, true, true}, 1e-4, 2e-3);
  }

  @Test
  void softmaxPlainAndCausal() {
    GradCheck.check("softmax", v -> AttentionFunctions.softmax(v[0], false),
        x -> Ref.softmax(x[0], 3, 5, false), new long[][] {s(3, 5)});
    GradCheck.check("causal softmax", v -> AttentionFunctions.softmax(v[0], true),
        x -> Ref.softmax(x[0], 8, 4, true), new long[][] {s(2, 4, 4)});
  }

  @Test
  void causalSelfAttention() {
    int t = 4;
    int b = 2;
    int h = 2;
    int hd = 3;
    GradCheck.check("causal_self_attention", v -> AttentionFunctions.causalSelfAttention(v[0], t, b, h),
        x -> Ref.attention(x[0], t, b, h, hd), new long[][] {s(t * b, 3 * h * hd)});
  }

  @Test
  void causalAttentionCoreOnPackedHeads() {
    int bh = 2;
    int t = 3;
    int hd = 2;
    GradCheck.check("causal_attention", v -> AttentionFunctions.causalAttentionCore(v[0]), x -> {
      // (3, BH, T, hd) -> rows (T*1, 3*BH*hd) for Ref.attention with B=1 and H=BH heads
      double[] qkv = new double[t * 3 * bh * hd];
      for (int part = 0; part < 3; part++) {
        for (int h = 0; h < bh; h++) {
          for (int i = 0; i < t; i++) {
            for (int e = 0; e < hd; e++) {
              qkv[i * 3 * bh * hd + part * bh * hd + h * hd + e] = x[0][((part * bh + h) * t + i) * hd + e];
            }
          }
        }
      }
      double[] rows = Ref.attention(qkv, t, 1, bh, hd);
      double[] y = new double[bh * t * hd];
      for (int h = 0; h < bh; h++) {
        for (int i = 0; i < t; i++) {
          for (int e = 0; e < hd; e++) {
            y[(h * t + i) * hd + e] = rows[i * bh * hd + h * hd + e];
          }
        }
      }
      return y;
    }, new long[][] {s(3, bh, t, hd)});
  }

  @Test
  void shapes() {
    long[] dims = {2, 3, 4};
    int[] perm = {2, 0, 1};
    GradCheck.check("permute", v -> ShapeFunctions.permute(v[0], perm), x -> Ref.permute(x[0], dims, perm),
        new long[][] {dims});
    GradCheck.check("transpose", v -> ShapeFunctions.transpose(v[0], 0, 2),
        x -> Ref.permute(x[0], dims, new int[] {2, 1, 0}), new long[][] {dims});
    GradCheck.check("reshape", v -> ShapeFunctions.reshape(v[0], 6, 4), x -> x[0].clone(), new long[][] {dims});
    GradCheck.check("slice", v -> ShapeFunctions.slice(v[0], 1, 1, 3), x -> {
      double[] y = new double[2 * 2 * 4];
      int o = 0;
      for (int a = 0; a < 2; a++) {
        for (int bb = 1; bb < 3; bb++) {
          for (int c = 0; c < 4; c++) {
            y[o++] = x[0][a * 12 + bb * 4 + c];
          }
        }
      }
      return y;
    }, new long[][] {dims});
    GradCheck.check("concat", v -> ShapeFunctions.concat(1, v[0], v[1]), x -> {
      double[] y = new double[2 * 5];
      for (int r = 0; r < 2; r++) {
        for (int c = 0; c < 2; c++) {
          y[r * 5 + c] = x[0][r * 2 + c];
        }
        for (int c = 0; c < 3; c++) {
          y[r * 5 + 2 + c] = x[1][r * 3 + c];
        }
      }
      return y;
    }, new long[][] {s(2, 2), s(2, 3)});
    GradCheck.check("sum", v -> ShapeFunctions.sum(v[0]), x -> {
      double t = 0;
      for (double e : x[0]) {
        t += e;
      }
      return new double[] {t};
    }, new long[][] {dims});
  }

  @Test
  void embeddingLookup() {
    int[] ids = {3, 0, 3, 1, 4, 3};
    GradCheck.check("embedding", v -> EmbeddingFunctions.embedding(v[0], Tensor.fromIntArray(ids, 2, 3)), x -> {
      double[] y = new double[ids.length * 2];
      for (int i = 0; i < ids.length; i++) {
        y[2 * i] = x[0][2 * ids[i]];
        y[2 * i + 1] = x[0][2 * ids[i] + 1];
      }
      return y;
    }, new long[][] {s(5, 2)}, new boolean[] {true}, 1e-6, 1e-4);
    GradCheck.check("vocab_parallel_embedding", v -> EmbeddingFunctions.vocabParallelEmbedding(v[0],
        Tensor.fromIntArray(ids, 6), 2), x -> {
          double[] y = new double[ids.length * 2];
          for (int i = 0; i < ids.length; i++) {
            if (ids[i] >= 2 && ids[i] < 4) {
              y[2 * i] = x[0][2 * (ids[i] - 2)];
              y[2 * i + 1] = x[0][2 * (ids[i] - 2) + 1];
            }
          }
          return y;
        }, new long[][] {s(2, 2)});
  }

  @Test
  void crossEntropyMeanWithIgnoredRows() {
    int[] targets = {1, -100, 4, 0};
    GradCheck.check("cross_entropy", v -> LossFunctions.crossEntropy(PointwiseFunctions.scale(v[0], 3f),
        Tensor.fromIntArray(targets, 4)), x -> {
          double[] z = new double[x[0].length];
          for (int i = 0; i < z.length; i++) {
            z[i] = 3 * x[0][i];
          }
          return new double[] {Ref.crossEntropy(z, targets, 4, 5)};
        }, new long[][] {s(4, 5)});
  }

  @Test
  void badShapesNameTheOperation() {
    try (Scope scope = Scope.open()) {
      Variable x = Variable.leaf(Tensor.zeros(2, 3), true);
      Variable w = Variable.leaf(Tensor.zeros(4, 5), true);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LinearFunctions.linear(x, w, null));
      assertTrue(e.getMessage().startsWith("linear:"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> AttentionFunctions.causalSelfAttention(x, 2, 2, 1));
      assertTrue(e.getMessage().contains("causal_self_attention"), e.getMessage());
      assertEquals(1, ShapeFunctions.sum(x).value().numel());
    }
  }
}
