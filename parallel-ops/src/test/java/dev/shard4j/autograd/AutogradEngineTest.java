package dev.shard4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.ops.Elementwise;
import dev.shard4j.ops.Reductions;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AutogradEngineTest {
  private static Variable mul(Variable a, Variable b) {
    Tensor out = Elementwise.mul(a.value(), b.value());
    return Autograd.record("mul", out, g -> new Tensor[] {Elementwise.mul(g, b.value()),
        Elementwise.mul(g, a.value())}, a, b);
  }

  private static Variable add(Variable a, Variable b) {
    return Autograd.record("add", Elementwise.add(a.value(), b.value()), g -> new Tensor[] {g, g}, a, b);
  }

  private static Variable sumAll(Variable a) {
    long n = a.value().numel();
    Tensor flat = a.value().reshape(1, n);
    Tensor s = Reductions.sum(flat, 1);
    return Autograd.record("sum", s, g -> {
      float v = g.item();
      float[] ones = new float[(int) n];
      java.util.Arrays.fill(ones, v);
      return new Tensor[] {Tensor.fromArray(ones, a.shape().toArray())};
    }, a);
  }

  @Test
  void diamondGraphAccumulatesBothPaths() {
    try (Scope scope = Scope.open();
        Parameter w = new Parameter("w", Tensor.fromArray(new float[] {1, 2, 3}, 3))) {
      Variable x = Variable.leaf(Tensor.fromArray(new float[] {4, 5, 6}, 3), true);
      // loss = sum(x*w + x*x) -> dw = x, dx = w + 2x
      Variable loss = sumAll(add(mul(x, w), mul(x, x)));
      loss.backward();
      assertArrayEquals(new float[] {4, 5, 6}, w.grad().toFloatArray());
      assertArrayEquals(new float[] {9, 12, 15}, x.grad().toFloatArray());
      Variable again = sumAll(mul(x, w));
      again.backward();
      assertArrayEquals(new float[] {8, 10, 12}, w.grad().toFloatArray(), "parameter gradients accumulate");
      w.zeroGrad();
      assertArrayEquals(new float[] {0, 0, 0}, w.grad().toFloatArray());
    }
  }

  @Test
  void gradReadyHooksFireOncePerPassBeforeItEnds() {
    try (Scope scope = Scope.open();
        Parameter a = new Parameter("a", Tensor.fromArray(new float[] {2}, 1));
        Parameter b = new Parameter("b", Tensor.fromArray(new float[] {3}, 1))) {
      List<String> events = new ArrayList<>();
      a.onGradReady(p -> events.add("a:" + p.grad().item()));
      b.onGradReady(p -> events.add("b:" + p.grad().item()));
      Variable x = Variable.constant(Tensor.fromArray(new float[] {5}, 1));
      // loss = sum(((x*b) * a) * a): b is consumed once near the leaves, a twice near the loss
      Variable h = mul(x, b);
      Variable loss = sumAll(mul(mul(h, a), a));
      loss.backward();
      // d/da (15 a^2) = 30a = 60; d/db (5 b a^2)... = 5*4 = 20
      assertEquals(List.of("a:60.0", "b:20.0"), events);
    }
  }

  @Test
  void constantsAndNoGradRecordNothing() {
    try (Scope scope = Scope.open()) {
      Variable x = Variable.leaf(Tensor.fromArray(new float[] {1}, 1), true);
      Variable c = Variable.constant(Tensor.fromArray(new float[] {2}, 1));
      assertTrue(mul(x, c).requiresGrad());
      try (Autograd.Guard g = Autograd.noGrad()) {
        Variable y = mul(x, c);
        assertTrue(y.isLeaf());
        assertThrows(IllegalStateException.class, y::backward);
      }
      Variable z = mul(c, c);
      assertTrue(!z.requiresGrad());
      assertNull(c.grad());
    }
  }

  @Test
  void badGradientShapeNamesTheOperation() {
    try (Scope scope = Scope.open()) {
      Variable x = Variable.leaf(Tensor.fromArray(new float[] {1, 2}, 2), true);
      Variable y = Autograd.record("broken", Elementwise.scale(x.value(), 2f),
          g -> new Tensor[] {Tensor.fromArray(new float[] {1}, 1)}, x);
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> y.backward(Tensor.fromArray(new float[] {1, 1}, 2)));
      assertTrue(e.getMessage().contains("broken"), e.getMessage());
    }
  }
}
