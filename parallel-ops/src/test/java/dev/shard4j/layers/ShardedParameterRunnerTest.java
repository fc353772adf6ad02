package dev.shard4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autograd.BackwardHooks;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.ops.Elementwise;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pattern a ZeRO-3 / FSDP runner uses on {@link Gpt}: each block's parameters hold a placeholder between uses;
 * the runner swaps in a "gathered" copy before the block's forward and frees it after, gathers again from a
 * {@link BackwardHooks#beforeBackward} hook on the block output, and frees the copy from the grad-ready hooks. The
 * gradients must equal those of the plain model, and no gathered copy may be alive outside its block.
 */
class ShardedParameterRunnerTest {
  /** Simulates sharding: the parameter's "shard" is its value scaled by 2; gathering halves it back. */
  private static final class FakeShards {
    final List<Parameter> params;
    final List<Tensor> shards = new ArrayList<>();
    int live;
    int gathers;

    FakeShards(List<Parameter> params) {
      this.params = params;
      for (Parameter p : params) {
        // keep the "shard" outside any scope; the parameter holds it while the block is not running
        shards.add(Elementwise.scale(p.value(), 2f));
        p.swapValue(shards.get(shards.size() - 1)).close();
      }
    }

    void gather() {
      for (int i = 0; i < params.size(); i++) {
        Tensor full;
        try (Scope s = Scope.open()) {
          full = s.keep(Elementwise.scale(shards.get(i), 0.5f));
        }
        params.get(i).swapValue(full);
        live++;
      }
      gathers++;
    }

    void release(Parameter p) {
      int i = params.indexOf(p);
      Tensor gathered = p.swapValue(shards.get(i));
      if (gathered != shards.get(i)) {
        gathered.close();
        live--;
      }
    }
  }

  @Test
  void gatherAroundForwardAndBackwardGivesThePlainGradients() {
    GptConfig config = GptConfig.of(2, 2, 16, 32, 8, 21);
    try (Gpt plain = new Gpt(config, TensorParallel.single()); Gpt sharded = new Gpt(config, TensorParallel.single());
        Scope s = Scope.open()) {
      List<FakeShards> blocks = new ArrayList<>();
      for (TransformerBlock b : sharded.blocks()) {
        FakeShards f = new FakeShards(b.parameters());
        for (Parameter p : b.parameters()) {
          p.onGradReady(f::release);
        }
        blocks.add(f);
      }
      sharded.setBlockRunner((block, x) -> {
        FakeShards f = blocks.get(sharded.blocks().indexOf(block));
        f.gather();
        Variable y = block.forward(x);
        for (Parameter p : f.params) {
          f.release(p);
        }
        assertEquals(0, f.live);
        return BackwardHooks.beforeBackward(y, f::gather);
      });
      Tensor ids = Tensor.fromIntArray(new int[] {1, 5, 9, 13, 17, 21, 25, 29, 2, 6, 10, 14, 18, 22, 26, 30}, 2, 8);
      Variable l1 = plain.loss(ids, ids);
      l1.backward();
      Variable l2 = sharded.loss(ids, ids);
      l2.backward();
      assertEquals(l1.value().item(), l2.value().item(), 1e-6f);
      for (FakeShards f : blocks) {
        assertEquals(0, f.live, "every gathered copy is freed once its gradient is complete");
        assertEquals(2, f.gathers, "gathered once for the forward and once for the backward");
      }
      List<Parameter> a = plain.parameters();
      List<Parameter> b = sharded.parameters();
      for (int i = 0; i < a.size(); i++) {
        float[] ga = a.get(i).grad().toFloatArray();
        assertArrayEquals(ga, b.get(i).grad().toFloatArray(), 1e-6f, a.get(i).name());
        float max = 0;
        for (float v : ga) {
          max = Math.max(max, Math.abs(v));
        }
        assertTrue(max > 0, a.get(i).name() + " has a gradient");
      }
    }
  }
}
