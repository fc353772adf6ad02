package dev.shard4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingTest {

  static int[] ids(Random r, int n, int lo, int hi) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = lo + r.nextInt(hi - lo);
    }
    return a;
  }

  @Test
  void forwardMatchesReference() {
    Random r = new Random(3);
    int[][] cases = {{1, 1, 1}, {7, 5, 3}, {33, 100, 17}, {1000, 50, 3}, {64, 1000, 130}};
    for (int[] c : cases) {
      int n = c[0], vocab = c[1], dim = c[2];
      for (DType dt : new DType[] {DType.F32, DType.BF16}) {
        float[] table = AdamWTest.rand(r, vocab * dim);
        int[] id = ids(r, n, 0, vocab);
        try (Tensor t = Tensor.fromArray(table, Shape.of(vocab, dim), dt, Device.CPU);
            Tensor ix = Tensor.fromIntArray(id, 1, n); Tensor out = Embedding.forward(t, ix)) {
          assertTrue(out.shape().equals(Shape.of(1, n, dim)));
          float[] tv = t.toFloatArray();
          float[] ref = new float[n * dim];
          for (int i = 0; i < n; i++) {
            System.arraycopy(tv, id[i] * dim, ref, i * dim, dim);
          }
          assertArrayEquals(ref, out.toFloatArray());
        }
      }
    }
  }

  @Test
  void vocabParallelGivesZeroRowsOutsideTheShard() {
    Random r = new Random(4);
    int vocab = 40, start = 10, rows = 15, dim = 9, n = 333;
    float[] table = AdamWTest.rand(r, rows * dim);
    int[] id = ids(r, n, 0, vocab);
    float[] dout = AdamWTest.rand(r, n * dim);
    try (Tensor t = Tensor.fromArray(table, rows, dim); Tensor ix = Tensor.fromIntArray(id, n);
        Tensor out = Embedding.forwardVocabParallel(t, ix, start); Tensor g = Tensor.fromArray(dout, n, dim);
        Tensor dt = Tensor.zeros(rows, dim)) {
      Embedding.backwardVocabParallel(dt, g, ix, start);
      float[] ref = new float[n * dim];
      float[] dref = new float[rows * dim];
      for (int i = 0; i < n; i++) {
        if (id[i] >= start && id[i] < start + rows) {
          System.arraycopy(table, (id[i] - start) * dim, ref, i * dim, dim);
          for (int k = 0; k < dim; k++) {
            dref[(id[i] - start) * dim + k] += dout[i * dim + k];
          }
        }
      }
      assertArrayEquals(ref, out.toFloatArray());
      AdamWTest.close(dref, dt.toFloatArray(), 1e-5, 1e-5, "vp backward");
    }
  }

  @Test
  void backwardMatchesReferenceAndFiniteDifferences() {
    Random r = new Random(5);
    int[][] cases = {{1, 1, 1}, {7, 3, 33}, {1000, 50, 3}, {257, 20, 200}};
    for (int[] c : cases) {
      int n = c[0], vocab = c[1], dim = c[2];
      int[] id = ids(r, n, 0, vocab);
      float[] dout = AdamWTest.rand(r, n * dim);
      float[] ref = new float[vocab * dim];
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < dim; k++) {
          ref[id[i] * dim + k] += dout[i * dim + k];
        }
      }
      for (DType dt : new DType[] {DType.F32, DType.BF16}) {
        try (Tensor ix = Tensor.fromIntArray(id, n); Tensor g = Tensor.fromArray(dout, Shape.of(n, dim), dt,
            Device.CPU); Tensor d = Tensor.zeros(vocab, dim)) {
          Embedding.backward(d, g, ix);
          AdamWTest.close(ref, d.toFloatArray(), 1e-5 * Math.sqrt(n) + (dt == DType.BF16 ? 0.05 : 0), 1e-5,
              "backward " + dt);
        }
      }
    }
    // Finite differences of L = sum(out * w) with respect to table entries.
    int n = 20, vocab = 6, dim = 4;
    int[] id = ids(r, n, 0, vocab);
    float[] table = AdamWTest.rand(r, vocab * dim);
    float[] w = AdamWTest.rand(r, n * dim);
    try (Tensor ix = Tensor.fromIntArray(id, n); Tensor g = Tensor.fromArray(w, n, dim);
        Tensor d = Tensor.zeros(vocab, dim)) {
      Embedding.backward(d, g, ix);
      float[] grad = d.toFloatArray();
      for (int e = 0; e < vocab * dim; e++) {
        double h = 1e-2;
        float[] tp = table.clone();
        tp[e] += (float) h;
        float[] tm = table.clone();
        tm[e] -= (float) h;
        double fd = (loss(tp, ix, w) - loss(tm, ix, w)) / (2 * h);
        assertTrue(Math.abs(fd - grad[e]) < 1e-2 + 1e-3 * Math.abs(fd), "fd " + fd + " vs " + grad[e]);
      }
    }
  }

  private static double loss(float[] table, Tensor ix, float[] w) {
    try (Tensor t = Tensor.fromArray(table, table.length / 4, 4); Tensor out = Embedding.forward(t, ix)) {
      float[] o = out.toFloatArray();
      double s = 0;
      for (int i = 0; i < o.length; i++) {
        s += (double) o[i] * w[i];
      }
      return s;
    }
  }

  @Test
  void backwardIsDeterministicAcrossThreadCounts() {
    Random r = new Random(6);
    int n = 4096, vocab = 7, dim = 300;
    int[] id = ids(r, n, 0, vocab);
    float[] dout = AdamWTest.rand(r, n * dim);
    int before = dev.shard4j.tensor.CpuRuntime.threads();
    float[][] res = new float[2][];
    try {
      for (int k = 0; k < 2; k++) {
        dev.shard4j.tensor.CpuRuntime.setThreads(k == 0 ? 1 : Math.max(2, before));
        try (Tensor ix = Tensor.fromIntArray(id, n); Tensor g = Tensor.fromArray(dout, n, dim);
            Tensor d = Tensor.zeros(vocab, dim)) {
          Embedding.backward(d, g, ix);
          res[k] = d.toFloatArray();
        }
      }
    } finally {
      dev.shard4j.tensor.CpuRuntime.setThreads(before);
    }
    assertArrayEquals(res[0], res[1]);
  }

  @Test
  void rejectsBadInput() {
    try (Tensor t = Tensor.zeros(10, 4); Tensor bad = Tensor.fromIntArray(new int[] {1, 10, 2}, 3);
        Tensor neg = Tensor.fromIntArray(new int[] {-5}, 1); Tensor fl = Tensor.zeros(3)) {
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Embedding.forward(t, bad));
      assertTrue(e.getMessage().contains("id 10") && e.getMessage().contains("size 10"), e.getMessage());
      e = assertThrows(IndexOutOfBoundsException.class, () -> Embedding.forwardVocabParallel(t, neg, 5));
      assertTrue(e.getMessage().contains("id -5"), e.getMessage());
      try (Tensor d = Tensor.zeros(10, 4); Tensor g = Tensor.zeros(3, 4)) {
        assertThrows(IndexOutOfBoundsException.class, () -> Embedding.backward(d, g, bad));
        assertThrows(IllegalArgumentException.class, () -> Embedding.backward(d, fl.reshape(3, 1), bad));
      }
      IllegalArgumentException a = assertThrows(IllegalArgumentException.class, () -> Embedding.forward(t, fl));
      assertTrue(a.getMessage().contains("ids must be I32"), a.getMessage());
      Tensor closed = Tensor.zeros(2, 2);
      closed.close();
      assertThrows(IllegalStateException.class, () -> Embedding.forward(closed, bad));
    }
  }
}
