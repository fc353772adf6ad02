package dev.shard4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/** CUDA kernels of embedding, cross-entropy, AdamW/SGD, tensor ops and init compared with the CPU kernels. */
@Tag("gpu")
@EnabledIf("dev.shard4j.tensor.CudaRuntime#isAvailable")
class NnOpsCudaTest {
  private static final Device GPU = Device.cuda(0);

  private static Tensor gpu(Tensor cpu) {
    return cpu.to(GPU);
  }

  @Test
  void initIsBitIdenticalToCpu() {
    for (int n : new int[] {1, 7, 33, 1 << 20}) {
      for (DType dt : new DType[] {DType.F32, DType.BF16}) {
        try (Tensor c = Tensor.empty(Shape.of(n), dt, Device.CPU); Tensor g = Tensor.empty(Shape.of(n), dt, GPU)) {
          Init.normal(c, 123, 4, 0.5f, 2f);
          Init.normal(g, 123, 4, 0.5f, 2f);
          assertArrayEquals(c.toFloatArray(), g.toFloatArray(), "normal n=" + n);
          Init.uniform(c, 77, 0, -1f, 3f);
          Init.uniform(g, 77, 0, -1f, 3f);
          assertArrayEquals(c.toFloatArray(), g.toFloatArray(), "uniform n=" + n);
          Init.truncNormal(c, 5, 1, 0f, 1f, -1f, 1.5f);
          Init.truncNormal(g, 5, 1, 0f, 1f, -1f, 1.5f);
          assertArrayEquals(c.toFloatArray(), g.toFloatArray(), "trunc n=" + n);
          Init.arange(c, -2.5, 0.125);
          Init.arange(g, -2.5, 0.125);
          assertArrayEquals(c.toFloatArray(), g.toFloatArray(), "arange n=" + n);
        }
      }
    }
  }

  @Test
  void embeddingMatchesCpu() {
    Random r = new Random(21);
    int n = 1000, vocab = 300, dim = 129;
    int[] id = EmbeddingTest.ids(r, n, 0, vocab);
    for (DType dt : new DType[] {DType.F32, DType.BF16}) {
      try (Tensor t = Tensor.fromArray(AdamWTest.rand(r, vocab * dim), Shape.of(vocab, dim), dt, Device.CPU);
          Tensor ix = Tensor.fromIntArray(id, n); Tensor tg = gpu(t); Tensor ixg = gpu(ix);
          Tensor oc = Embedding.forward(t, ix); Tensor og = Embedding.forward(tg, ixg);
          Tensor shard = t.slice(0, 100, 200); Tensor shardg = tg.slice(0, 100, 200);
          Tensor vc = Embedding.forwardVocabParallel(shard, ix, 100);
          Tensor vg = Embedding.forwardVocabParallel(shardg, ixg, 100);
          Tensor dout = Tensor.fromArray(AdamWTest.rand(r, n * dim), Shape.of(n, dim), dt, Device.CPU);
          Tensor doutg = gpu(dout); Tensor dc = Tensor.zeros(vocab, dim);
          Tensor dg = Tensor.zeros(Shape.of(vocab, dim), DType.F32, GPU)) {
        assertArrayEquals(oc.toFloatArray(), og.toFloatArray());
        assertArrayEquals(vc.toFloatArray(), vg.toFloatArray());
        Embedding.backward(dc, dout, ix);
        Embedding.backward(dg, doutg, ixg);
        AdamWTest.close(dc.toFloatArray(), dg.toFloatArray(), 1e-5, 1e-5, "embedding backward");
      }
    }
    try (Tensor t = Tensor.zeros(Shape.of(10, 4), DType.F32, GPU);
        Tensor badCpu = Tensor.fromIntArray(new int[] {3, 12}, 2); Tensor bad = gpu(badCpu)) {
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Embedding.forward(t, bad));
      assertTrue(e.getMessage().contains("id 12"), e.getMessage());
    }
  }

  @Test
  void crossEntropyMatchesCpu() {
    Random r = new Random(22);
    int n = 77, v = 1003;
    float[] x = CrossEntropyTest.logits(r, n * v);
    int[] t = CrossEntropyTest.targets(r, n, v);
    for (DType dt : new DType[] {DType.F32, DType.BF16}) {
      double tol = dt == DType.BF16 ? 1e-2 : 1e-5;
      try (Tensor lg = Tensor.fromArray(x, Shape.of(n, v), dt, Device.CPU); Tensor tg = Tensor.fromIntArray(t, n);
          Tensor lgg = gpu(lg); Tensor tgg = gpu(tg); Tensor lse = Tensor.empty(n);
          Tensor lseg = Tensor.empty(Shape.of(n), DType.F32, GPU); Tensor lc = CrossEntropy.forward(lse, lg, tg);
          Tensor lgpu = CrossEntropy.forward(lseg, lgg, tgg); Tensor one = Tensor.fromArray(new float[] {1f}, 1);
          Tensor oneg = gpu(one); Tensor dc = Tensor.empty(Shape.of(n, v), dt, Device.CPU);
          Tensor dg = Tensor.empty(Shape.of(n, v), dt, GPU); Tensor mc = Tensor.empty(n);
          Tensor mg = Tensor.empty(Shape.of(n), DType.F32, GPU)) {
        AdamWTest.close(lc.toFloatArray(), lgpu.toFloatArray(), 1e-4, 1e-5, "loss");
        CrossEntropy.backward(dc, lg, lse, tg, one, 0.1f, CrossEntropy.IGNORE_INDEX);
        CrossEntropy.backward(dg, lgg, lseg, tgg, oneg, 0.1f, CrossEntropy.IGNORE_INDEX);
        AdamWTest.close(dc.toFloatArray(), dg.toFloatArray(), tol * 1e-1, 1e-3, "dlogits");
        CrossEntropy.localMax(mc, lg);
        CrossEntropy.localMax(mg, lgg);
        assertArrayEquals(mc.toFloatArray(), mg.toFloatArray());
        try (Tensor sc = Tensor.empty(n); Tensor tc = Tensor.empty(n);
            Tensor sg = Tensor.empty(Shape.of(n), DType.F32, GPU); Tensor tgl = Tensor.empty(Shape.of(n), DType.F32,
            GPU); Tensor vdc = Tensor.empty(Shape.of(n, v), dt, Device.CPU);
            Tensor vdg = Tensor.empty(Shape.of(n, v), dt, GPU)) {
          CrossEntropy.localStats(sc, tc, lg, mc, tg, 500);
          CrossEntropy.localStats(sg, tgl, lgg, mg, tgg, 500);
          AdamWTest.close(sc.toFloatArray(), sg.toFloatArray(), 1e-4, 1e-4, "sum exp");
          assertArrayEquals(tc.toFloatArray(), tgl.toFloatArray());
          CrossEntropy.vocabParallelBackward(vdc, lg, mc, sc, tg, one, 1f, 500, CrossEntropy.IGNORE_INDEX);
          CrossEntropy.vocabParallelBackward(vdg, lgg, mg, sg, tgg, oneg, 1f, 500, CrossEntropy.IGNORE_INDEX);
          AdamWTest.close(vdc.toFloatArray(), vdg.toFloatArray(), tol, 1e-3, "vp dlogits");
        }
      }
    }
  }

  @Test
  void optimizersMatchCpu() {
    Random r = new Random(23);
    for (int n : new int[] {1, 7, 33, 100003}) {
      float[] p = AdamWTest.rand(r, n);
      float[] g = AdamWTest.rand(r, n);
      try (Tensor pc = Tensor.fromArray(p, n); Tensor gc = Tensor.fromArray(g, n); Tensor mc = Tensor.zeros(n);
          Tensor vc = Tensor.zeros(n); Tensor pg = gpu(pc); Tensor gg = gpu(gc); Tensor mg = gpu(mc);
          Tensor vg = gpu(vc)) {
        for (int step = 1; step <= 3; step++) {
          AdamW.step(pc, gc, mc, vc, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, step, 0.7f);
          AdamW.step(pg, gg, mg, vg, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, step, 0.7f);
        }
        AdamWTest.close(pc.toFloatArray(), pg.toFloatArray(), 1e-6, 1e-6, "adamw");
        AdamW.sgd(pc, gc, mc, 0.1f, 0.9f, 0.01f, true, true, 1f);
        AdamW.sgd(pg, gg, mg, 0.1f, 0.9f, 0.01f, true, true, 1f);
        AdamW.sgd(pc, gc, mc, 0.1f, 0.9f, 0.01f, true, false, 1f);
        AdamW.sgd(pg, gg, mg, 0.1f, 0.9f, 0.01f, true, false, 1f);
        AdamWTest.close(pc.toFloatArray(), pg.toFloatArray(), 1e-6, 1e-5, "sgd");
      }
    }
  }

  @Test
  void tensorOpsMatchCpu() {
    Random r = new Random(24);
    for (DType dt : new DType[] {DType.F32, DType.BF16}) {
      try (Tensor in = Tensor.fromArray(AdamWTest.rand(r, 3 * 33 * 65), Shape.of(3, 33, 65), dt, Device.CPU);
          Tensor ing = gpu(in); Tensor tc = TensorOps.transposeLast2(in); Tensor tg = TensorOps.transposeLast2(ing);
          Tensor sc = TensorOps.slice(in, 2, 3, 40); Tensor sg = TensorOps.slice(ing, 2, 3, 40);
          Tensor ix = Tensor.fromIntArray(new int[] {32, 0, 5, 5}, 4); Tensor ixg = gpu(ix);
          Tensor gc = TensorOps.gather(in, 1, ix); Tensor gg = TensorOps.gather(ing, 1, ixg)) {
        assertArrayEquals(tc.toFloatArray(), tg.toFloatArray());
        assertArrayEquals(sc.toFloatArray(), sg.toFloatArray());
        assertArrayEquals(gc.toFloatArray(), gg.toFloatArray());
        Tensor[] parts = TensorOps.split(ing, 1, 1, 20, 12);
        try (Tensor back = TensorOps.concat(1, parts)) {
          assertArrayEquals(in.toFloatArray(), back.toFloatArray());
        } finally {
          for (Tensor p : parts) {
            p.close();
          }
        }
        try (Tensor f = TensorOps.full(Shape.of(1001), dt, GPU, -0.3f);
            Tensor fc = TensorOps.full(Shape.of(1001), dt, Device.CPU, -0.3f)) {
          assertArrayEquals(fc.toFloatArray(), f.toFloatArray());
        }
      }
    }
  }
}
