package dev.shard4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Autograd#recordedOps} lists each recorded operation once, after the producers of its inputs. */
class RecordedOpsTest {
  @Test
  void listsEachOperationOnceInForwardOrderWithItsOperands() {
    try (Scope s = Scope.open()) {
      Variable x = Variable.leaf(Tensor.fromArray(new float[] {1, 2, 3, 4}, 2, 2), true);
      Variable w = Variable.leaf(Tensor.fromArray(new float[] {1, 0, 0, 1}, 2, 2), true);
      Variable h = LinearFunctions.linear(x, w, null);
      Variable g = PointwiseFunctions.gelu(h);
      Variable r = PointwiseFunctions.add(h, g); // h is read twice: listed once
      Variable loss = ShapeFunctions.sum(ShapeFunctions.reshape(r, 4));
      List<RecordedOp> ops = Autograd.recordedOps(loss);
      assertEquals(List.of("linear", "gelu", "add", "reshape", "sum"), ops.stream().map(RecordedOp::name).toList());
      assertEquals(List.of(x, w), ops.get(0).inputs());
      assertSame(h, ops.get(0).output());
      assertEquals(List.of(h, g), ops.get(2).inputs());
      assertSame(loss, ops.get(4).output());
      assertTrue(ops.get(0).attributes().isEmpty());
      assertTrue(Autograd.recordedOps(x).isEmpty(), "a leaf has no recorded operations");
    }
  }

  @Test
  void attentionRecordsItsHeadCount() {
    try (Scope s = Scope.open()) {
      int t = 3;
      int b = 2;
      int heads = 2;
      int hd = 4;
      float[] data = new float[t * b * 3 * heads * hd];
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) Math.sin(i);
      }
      Variable qkv = Variable.leaf(Tensor.fromArray(data, t, b, 3L * heads * hd), true);
      Variable y = AttentionFunctions.causalSelfAttention(qkv, heads);
      RecordedOp core = null;
      for (RecordedOp op : Autograd.recordedOps(y)) {
        if (op.name().equals("causal_attention")) {
          core = op;
        }
      }
      assertEquals(Map.of("heads", 2L), core.attributes());
      assertEquals(List.of((long) b * heads, (long) t, (long) hd),
          java.util.Arrays.stream(core.output().shape().toArray()).boxed().toList());
    }
  }
}
