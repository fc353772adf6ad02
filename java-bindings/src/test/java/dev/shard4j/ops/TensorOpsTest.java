package dev.shard4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TensorOpsTest {

  @Test
  void transposeMatchesReference() {
    Random r = new Random(11);
    int[][] cases = {{1, 1, 1}, {1, 7, 33}, {3, 33, 7}, {2, 1000, 3}, {1, 65, 129}};
    for (int[] c : cases) {
      int b = c[0], rr = c[1], cc = c[2];
      for (DType dt : new DType[] {DType.F32, DType.BF16}) {
        try (Tensor in = Tensor.fromArray(AdamWTest.rand(r, b * rr * cc), Shape.of(b, rr, cc), dt, Device.CPU);
            Tensor out = TensorOps.transposeLast2(in); Tensor ref = in.transpose(1, 2).contiguous()) {
          assertEquals(Shape.of(b, cc, rr), out.shape());
          assertArrayEquals(ref.toFloatArray(), out.toFloatArray());
        }
      }
    }
  }

  @Test
  void sliceConcatSplitRoundTrip() {
    Random r = new Random(12);
    long[][] shapes = {{7}, {1, 33, 5}, {1000, 3}, {4, 6, 2, 3}};
    for (long[] s : shapes) {
      for (int axis = 0; axis < s.length; axis++) {
        for (DType dt : new DType[] {DType.F32, DType.BF16}) {
          Shape shape = Shape.of(s);
          try (Tensor in = Tensor.fromArray(AdamWTest.rand(r, (int) shape.numel()), shape, dt, Device.CPU)) {
            long d = s[axis];
            long a = d / 3, b = d - d / 3 - 1 < a ? a : d - d / 3 - 1;
            try (Tensor sl = TensorOps.slice(in, axis, a, b + (b < d ? 1 : 0));
                Tensor view = in.slice(axis, a, b + (b < d ? 1 : 0)).contiguous()) {
              assertArrayEquals(view.toFloatArray(), sl.toFloatArray(), "slice axis " + axis);
            }
            long[] sizes = {d / 3, 0, d - d / 3};
            Tensor[] parts = TensorOps.split(in, axis, sizes);
            try (Tensor back = TensorOps.concat(axis, parts)) {
              assertArrayEquals(in.toFloatArray(), back.toFloatArray());
              long off = 0;
              for (int i = 0; i < parts.length; i++) {
                if (sizes[i] == 0) {
                  assertEquals(0, parts[i].numel());
                  continue;
                }
                try (Tensor v = in.slice(axis, off, off + sizes[i]).contiguous()) {
                  assertArrayEquals(v.toFloatArray(), parts[i].toFloatArray());
                }
                off += sizes[i];
              }
            } finally {
              for (Tensor p : parts) {
                p.close();
              }
            }
          }
        }
      }
    }
  }

  @Test
  void gatherMatchesReference() {
    Random r = new Random(13);
    try (Tensor in = Tensor.fromArray(AdamWTest.rand(r, 4 * 9 * 5), 4, 9, 5)) {
      float[] x = in.toFloatArray();
      int[] idx = {8, 0, 3, 3, 7, 1, 2};
      try (Tensor ix = Tensor.fromIntArray(idx, idx.length); Tensor out = TensorOps.gather(in, 1, ix)) {
        float[] g = out.toFloatArray();
        for (int o = 0; o < 4; o++) {
          for (int j = 0; j < idx.length; j++) {
            for (int k = 0; k < 5; k++) {
              assertEquals(x[(o * 9 + idx[j]) * 5 + k], g[(o * idx.length + j) * 5 + k]);
            }
          }
        }
      }
      try (Tensor bad = Tensor.fromIntArray(new int[] {2, 9}, 2)) {
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
            () -> TensorOps.gather(in, 1, bad));
        assertTrue(e.getMessage().contains("index 9") && e.getMessage().contains("size 9"), e.getMessage());
      }
    }
  }

  @Test
  void fillAllDtypes() {
    for (int n : new int[] {1, 7, 100003}) {
      try (Tensor f = TensorOps.full(Shape.of(n), DType.F32, Device.CPU, 1.3f);
          Tensor b = TensorOps.full(Shape.of(n), DType.BF16, Device.CPU, 1.3f);
          Tensor i = TensorOps.full(Shape.of(n), DType.I32, Device.CPU, -7f)) {
        for (float v : f.toFloatArray()) {
          assertEquals(1.3f, v);
        }
        for (float v : b.toFloatArray()) {
          assertEquals(DType.fromBf16(DType.toBf16(1.3f)), v);
        }
        for (int v : i.toIntArray()) {
          assertEquals(-7, v);
        }
      }
    }
  }

  @Test
  void rejectsBadInput() {
    try (Tensor a = Tensor.zeros(2, 3); Tensor b = Tensor.zeros(3, 3);
        Tensor c = Tensor.zeros(Shape.of(2, 3), DType.BF16, Device.CPU)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TensorOps.concat(1, a, b));
      assertTrue(e.getMessage().startsWith("concat: part 1"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> TensorOps.concat(0, a, c));
      assertTrue(e.getMessage().startsWith("concat: dtypes differ"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> TensorOps.slice(a, 1, 2, 5));
      assertThrows(IllegalArgumentException.class, () -> TensorOps.split(a, 0, 1, 2));
      assertThrows(IllegalArgumentException.class, () -> TensorOps.transposeLast2(a.transpose(0, 1), a));
      Tensor closed = Tensor.zeros(2);
      closed.close();
      assertThrows(IllegalStateException.class, () -> TensorOps.fill(closed, 1f));
    }
  }
}
