package dev.shard4j.autoshard.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.autoshard.DType;
import dev.shard4j.autoshard.GptGraphBuilder;
import dev.shard4j.autoshard.Graph;
import dev.shard4j.autoshard.Op;
import dev.shard4j.autoshard.OpKind;
import dev.shard4j.autoshard.TensorInfo;
import dev.shard4j.layers.Gpt;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.tensor.NativeMemory;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The graph traced from the layer classes equals the one {@link GptGraphBuilder} writes, op by op and tensor by
 * tensor, for tied and untied heads, 1 to 3 blocks and several head counts and batches; its parameters are exactly
 * the model's.
 */
class GptTraceTest {
  private static final List<GptConfig> CONFIGS = List.of(
      new GptConfig(1, 2, 16, 40, 8, true, 1),
      new GptConfig(2, 4, 32, 64, 16, false, 2),
      new GptConfig(3, 1, 8, 96, 4, true, 3),
      new GptConfig(2, 8, 64, 256, 8, true, 4),
      new GptConfig(3, 4, 64, 256, 12, false, 5));
  private static final int[] BATCHES = {1, 2, 3, 2, 1};

  @Test
  void builderDescribesExactlyWhatTheLayersBuild() {
    for (int i = 0; i < CONFIGS.size(); i++) {
      GptConfig c = CONFIGS.get(i);
      String what = c + " batch " + BATCHES[i];
      Graph traced = GptTracer.trace(c, BATCHES[i]);
      Graph built = GptGraphBuilder.of(c, BATCHES[i]).build();
      assertEquals(built.ops().size(), traced.ops().size(), what + ": op count");
      for (int k = 0; k < built.ops().size(); k++) {
        Op want = built.ops().get(k);
        Op got = traced.ops().get(k);
        assertEquals(want.name(), got.name(), what + ": op " + k);
        assertEquals(want.kind(), got.kind(), what + ": " + want.name());
        assertEquals(want.layer(), got.layer(), what + ": " + want.name());
        assertEquals(want.inputs(), got.inputs(), what + ": " + want.name());
        assertEquals(want.params(), got.params(), what + ": " + want.name());
        assertEquals(want.output(), got.output(), what + ": " + want.name());
        assertEquals(want.indexLabels(), got.indexLabels(), what + ": " + want.name());
        assertEquals(want.indexSizes(), got.indexSizes(), what + ": " + want.name());
        assertEquals(want.unshardable(), got.unshardable(), what + ": " + want.name());
        assertEquals(want.forwardFlops(), got.forwardFlops(), 0.0, what + ": " + want.name());
        assertEquals(want, got, what);
      }
      assertEquals(new ArrayList<>(built.tensors().keySet()), new ArrayList<>(traced.tensors().keySet()), what);
      for (TensorInfo t : built.tensors().values()) {
        TensorInfo u = traced.tensor(t.name());
        assertEquals(t.shape(), u.shape(), what + ": " + t.name());
        assertEquals(t.dtype(), u.dtype(), what + ": " + t.name());
        assertEquals(t.parameter(), u.parameter(), what + ": " + t.name());
      }
      assertEquals(built.numLayers(), traced.numLayers(), what);
      assertEquals(c.layers() + 2, traced.numLayers(), what);
    }
  }

  @Test
  void parametersAreTheModelsOnceEach() {
    for (GptConfig c : CONFIGS) {
      try (Gpt model = new Gpt(c, TensorParallel.single())) {
        Graph g = GptTracer.trace(model, 2);
        long numel = 0;
        for (Parameter p : model.parameters()) {
          numel += p.value().numel();
          TensorInfo t = g.tensor(p.name());
          assertTrue(t.parameter(), p.name());
          assertEquals(List.of(toBoxed(p.shape().toArray())), List.of(t.shape().toArray()), p.name());
        }
        assertEquals(c.parameterCount(), g.parameterCount(), c.toString());
        assertEquals(numel, g.parameterCount(), c.toString());
        long graphParams = g.tensors().values().stream().filter(TensorInfo::parameter).count();
        assertEquals(model.parameters().size(), graphParams, c.toString());
        Op head = g.op("lm_head");
        assertEquals(List.of(c.tiedLmHead() ? "wte.weight" : "lm_head.weight"), head.params());
        assertEquals(model.lmHeadWeight().name(), head.params().get(0));
      }
    }
  }

  @Test
  void shapesAndLabelsFollowTheSequenceMajorLayers() {
    GptConfig c = new GptConfig(2, 4, 32, 64, 16, true, 7);
    Graph g = GptTracer.trace(c, 3);
    assertEquals(List.of(16L, 3L), g.tensor("tokens").shape());
    assertEquals(DType.I32, g.tensor("tokens").dtype());
    assertEquals(List.of(16L, 3L, 96L), g.tensor("blocks.1.attn.qkv.out").shape());
    assertEquals(List.of(96L, 32L), g.tensor("blocks.1.attn.qkv.weight").shape());
    assertEquals(List.of(16L, 3L, 32L), g.tensor("blocks.1.attn.core.out").shape());
    assertEquals(List.of(16L, 3L, 64L), g.tensor("lm_head.out").shape());
    assertEquals(List.of(), g.tensor("loss.out").shape());
    Op qkv = g.op("blocks.0.attn.qkv");
    assertEquals(List.of("sbd", "hd", "h", "sbh"), qkv.indexLabels());
    assertEquals(4L, qkv.indexSizes().get('h'));
    assertEquals(List.of("sbh", "dh", "d", "sbd"), g.op("blocks.0.attn.proj").indexLabels());
    assertEquals(List.of("sbd", "fd", "f", "sbf"), g.op("blocks.0.mlp.fc").indexLabels());
    assertEquals(List.of("sbd", "vd", "sbv"), g.op("lm_head").indexLabels());
    assertEquals(OpKind.ATTENTION, g.op("blocks.1.attn.core").kind());
    assertEquals(List.of("embed.out", "blocks.0.attn.proj.out"), g.op("blocks.0.res1").inputs());
    // flops of the packed projection: 2 rows in out + rows out for the bias
    assertEquals(2.0 * 48 * 32 * 96 + 48 * 96, qkv.forwardFlops(), 0.0);
    assertEquals(Map.of('b', 3L, 's', 16L, 'd', 32L, 'h', 4L, 'f', 128L, 'v', 64L), qkv.indexSizes());
  }

  @Test
  void tracingFreesItsActivationsAndLeavesGradientsAlone() {
    GptConfig c = new GptConfig(1, 2, 16, 40, 8, true, 1);
    try (Gpt model = new Gpt(c, TensorParallel.single())) {
      long before = NativeMemory.hostLiveCount();
      Graph g = GptTracer.trace(model, 2);
      assertEquals(before, NativeMemory.hostLiveCount(), "tensors left alive by the trace");
      for (Parameter p : model.parameters()) {
        for (float x : p.grad().toFloatArray()) {
          assertEquals(0f, x, p.name());
        }
      }
      assertSame(OpKind.CROSS_ENTROPY, g.op("loss").kind());
    }
  }

  @Test
  void aBatchBelowOneIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> GptTracer.trace(CONFIGS.get(0), 0));
  }

  private static Long[] toBoxed(long[] a) {
    Long[] b = new Long[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = a[i];
    }
    return b;
  }
}
