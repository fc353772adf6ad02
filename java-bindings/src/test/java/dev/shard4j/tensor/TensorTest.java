package dev.shard4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {

  private static float[] iota(int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  @Test
  void roundTripsFloatArrays() {
    float[] data = iota(24);
    try (Tensor t = Tensor.fromArray(data, 2, 3, 4)) {
      assertEquals(Shape.of(2, 3, 4), t.shape());
      assertArrayEquals(data, t.toFloatArray());
      assertTrue(t.isContiguous());
    }
  }

  @Test
  void transposeAndSliceAreViewsAndContiguousCopiesThem() {
    try (Scope scope = Scope.open()) {
      Tensor t = Tensor.fromArray(iota(6), 2, 3);
      Tensor tt = t.transpose(0, 1);
      assertFalse(tt.isContiguous());
      assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, tt.toFloatArray());
      Tensor col = t.slice(1, 1, 3);
      assertArrayEquals(new float[] {1, 2, 4, 5}, col.toFloatArray());
      Tensor r = tt.reshape(-1);
      assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, r.toFloatArray());
    }
  }

  @Test
  void bf16RoundsToNearestEven() {
    float[] data = {1.0f, 1.00390625f, 1.01171875f, -3.5f, 1e-3f};
    try (Tensor t = Tensor.fromArray(data, Shape.of(5), DType.BF16, Device.CPU)) {
      float[] back = t.toFloatArray();
      assertEquals(1.0f, back[0]);
      assertEquals(1.0f, back[1]); // tie rounds to even
      assertEquals(1.015625f, back[2]); // tie rounds up to even
      assertEquals(-3.5f, back[3]);
      assertEquals(1e-3f, back[4], 1e-5f);
      try (Tensor f = t.to(DType.F32)) {
        assertArrayEquals(back, f.toFloatArray());
      }
    }
  }

  @Test
  void viewKeepsStorageAliveAfterBaseIsClosed() {
    Tensor base = Tensor.fromArray(iota(8), 2, 4);
    Tensor view = base.slice(0, 1, 2);
    base.close();
    assertArrayEquals(new float[] {4, 5, 6, 7}, view.toFloatArray());
    view.close();
  }

  @Test
  void useAfterCloseThrowsNamingTheOperation() {
    Tensor t = Tensor.zeros(3, 4);
    t.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, t::toFloatArray);
    assertTrue(e.getMessage().contains("toFloatArray") && e.getMessage().contains("[3, 4]"), e.getMessage());
  }

  @Test
  void badShapesAreReportedWithValues() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new float[5], 2, 3));
    assertTrue(e.getMessage().contains("5") && e.getMessage().contains("[2, 3]"), e.getMessage());
    try (Tensor t = Tensor.zeros(2, 3)) {
      IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> t.slice(1, 2, 5));
      assertTrue(s.getMessage().contains("axis 1 of size 3"), s.getMessage());
      assertThrows(IllegalArgumentException.class, () -> t.transpose(0, 2));
    }
  }

  @Test
  void scopeFreesEverythingAndKeepMovesOut() {
    long before = NativeMemory.hostLiveCount();
    Tensor kept;
    try (Scope outer = Scope.open()) {
      try (Scope inner = Scope.open()) {
        Tensor.zeros(10);
        Tensor.zeros(20).transpose(0, 0);
        kept = inner.keep(Tensor.zeros(5));
      }
      assertFalse(kept.isClosed());
      assertEquals(before + 1, NativeMemory.hostLiveCount());
    }
    assertTrue(kept.isClosed());
    assertEquals(before, NativeMemory.hostLiveCount());
  }

  @Test
  void hundredThousandTensorsLeaveNoLiveAllocation() {
    long count = NativeMemory.hostLiveCount();
    long bytes = NativeMemory.hostLiveBytes();
    for (int i = 0; i < 100_000; i++) {
      try (Tensor t = Tensor.empty(Shape.of(1 + i % 97), i % 2 == 0 ? DType.F32 : DType.BF16, Device.CPU)) {
        assertEquals(1 + i % 97, t.numel());
      }
    }
    assertEquals(count, NativeMemory.hostLiveCount());
    assertEquals(bytes, NativeMemory.hostLiveBytes());
  }

  @Test
  void cudaIsReportedUnavailableInsteadOfCrashingWhenNoDeviceIsVisible() {
    CudaRuntime.Availability a = CudaRuntime.availability();
    if (!a.available()) {
      assertFalse(a.reason().isEmpty());
      CudaUnavailableException e =
          assertThrows(CudaUnavailableException.class, () -> Tensor.zeros(Shape.of(4), DType.F32, Device.cuda(0)));
      assertTrue(e.getMessage().contains("cuda:0"), e.getMessage());
    } else {
      assertTrue(a.devices().size() == a.deviceCount());
    }
  }
}
