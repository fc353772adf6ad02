package dev.shard4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.CountingCommunicator;
import dev.shard4j.collectives.CountingCommunicator.Kind;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.ops.TensorOps;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeMemory;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DTensor construction (distribute, fromLocal), fullTensor, ownership, bf16, and bad input. */
class DTensorTest {

  /** distribute() slices without communication; Partial(sum) keeps the value on coordinate 0 only. */
  @Test
  void distributeSlicesEveryPlacementWithoutCommunication() {
    for (long[] shape : new long[][] {{7, 5}, {3, 1, 5}}) {
      int[] mesh = {2, 2};
      float[] global = DistReference.globalValues(shape);
      List<List<Placement>> all = DistReference.allPlacements(shape.length, 2);
      LocalCluster.run(4, comm -> {
        CountingCommunicator counting = new CountingCommunicator(comm);
        int[] coord = DistReference.coordinate(comm.rank(), mesh);
        try (DeviceMesh m = DeviceMesh.create(counting, mesh, "dp", "tp");
            Tensor g = Tensor.fromArray(global, shape)) {
          counting.reset();
          for (List<Placement> pl : all) {
            try (DTensor d = DTensor.distribute(g, m, pl)) {
              long[][] block = DistReference.block(shape, mesh, coord, pl);
              float[] slice = DistReference.slice(global, shape, block);
              boolean zero = pl.get(0).isPartial() && coord[0] != 0 || pl.get(1).isPartial() && coord[1] != 0;
              float[] want = zero ? new float[slice.length] : slice;
              assertArrayEquals(block[1], d.localTensor().shape().toArray(), pl.toString());
              assertArrayEquals(want, d.localTensor().toFloatArray(), () -> pl + " at " + coord[0] + "," + coord[1]);
              assertArrayEquals(block[0], d.localOffset(), pl.toString());
              assertEquals(Shape.of(shape), d.globalShape());
              assertEquals(pl, d.placements());
            }
          }
          assertEquals(0, counting.totalCount(), "distribute must not communicate");
        }
      });
    }
  }

  @Test
  void fullTensorGathersTheGlobalValues() {
    long[] shape = {7, 5};
    float[] global = DistReference.globalValues(shape);
    LocalCluster.run(4, comm -> {
      CountingCommunicator counting = new CountingCommunicator(comm);
      try (DeviceMesh m = DeviceMesh.create(counting, new int[] {2, 2}, "dp", "tp");
          Tensor g = Tensor.fromArray(global, shape)) {
        for (String pl : new String[] {"S(0), S(1)", "S(1), S(1)", "P, S(0)", "R, P", "R, R"}) {
          try (DTensor d = DTensor.distribute(g, m, Placement.parseList(pl))) {
            counting.reset();
            try (Tensor full = d.fullTensor()) {
              assertEquals(Shape.of(shape), full.shape());
              assertArrayEquals(global, full.toFloatArray(), pl);
            }
          }
        }
      }
    });
  }

  @Test
  void resultNeverSharesStorageWithTheSource() {
    LocalCluster.run(2, comm -> {
      try (DeviceMesh m = DeviceMesh.create1d(comm, "x");
          Tensor g = Tensor.fromArray(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
          DTensor a = DTensor.distribute(g, m, Placement.shard(0));
          DTensor same = a.redistribute(Placement.shard(0));
          DTensor rep = a.redistribute(Placement.replicate())) {
        float[] before = a.localTensor().toFloatArray();
        TensorOps.fill(same.localTensor(), -1);
        TensorOps.fill(rep.localTensor(), -1);
        assertArrayEquals(before, a.localTensor().toFloatArray());
      }
    });
  }

  /** bf16 shards move bit-exactly (small integers are exact in bf16) and keep their dtype. */
  @Test
  void bf16ShardsRedistribute() {
    long[] shape = {5, 6};
    float[] global = DistReference.globalValues(shape);
    LocalCluster.run(3, comm -> {
      try (DeviceMesh m = DeviceMesh.create1d(comm, "x");
          Tensor g = Tensor.fromArray(global, Shape.of(shape), DType.BF16, Device.CPU);
          DTensor a = DTensor.distribute(g, m, Placement.shard(1));
          DTensor b = a.redistribute(Placement.shard(0));
          DTensor c = b.redistribute(Placement.partial());
          DTensor d = c.redistribute(Placement.replicate())) {
        assertEquals(DType.BF16, b.localTensor().dtype());
        long[][] block = DistReference.block(shape, new int[] {3}, new int[] {comm.rank()}, List.of(Placement.shard(0)));
        assertArrayEquals(DistReference.slice(global, shape, block), b.localTensor().toFloatArray());
        assertArrayEquals(global, d.localTensor().toFloatArray());
      }
    });
  }

  /** Redistributions free every temporary: the live native allocation count returns to where it was. */
  @Test
  void redistributeLeaksNothing() {
    long before = NativeMemory.hostLiveCount();
    long[] shape = {7, 5};
    float[] global = DistReference.globalValues(shape);
    LocalCluster.run(4, comm -> {
      try (DeviceMesh m = DeviceMesh.create(comm, new int[] {2, 2}, "dp", "tp");
          Tensor g = Tensor.fromArray(global, shape)) {
        for (List<Placement> src : DistReference.allPlacements(2, 2)) {
          try (DTensor a = DTensor.distribute(g, m, src)) {
            for (String dst : new String[] {"R, R", "S(1), S(0)", "P, S(1)", "S(0), S(0)"}) {
              a.redistribute(Placement.parseList(dst)).close();
            }
          }
        }
        try (Scope scope = Scope.open()) {
          DTensor inScope = DTensor.distribute(g, m, Placement.parseList("S(0), P"));
          inScope.redistribute(Placement.parseList("R, S(1)"));
          assertTrue(scope.size() >= 2, "shards created inside a scope belong to it");
        }
      }
    });
    assertEquals(before, NativeMemory.hostLiveCount(), "host allocations leaked");
  }

  @Test
  void badInputIsNamed() {
    LocalCluster.run(2, comm -> {
      try (DeviceMesh m = DeviceMesh.create1d(comm, "x")) {
        try (Tensor wrong = Tensor.zeros(2, 5)) {
          IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
              () -> DTensor.fromLocal(wrong, m, List.of(Placement.shard(0)), Shape.of(7, 5)));
          assertTrue(e.getMessage().contains("should have shape [" + (4 - comm.rank()) + ", 5]"), e.getMessage());
        }
        try (Tensor t = Tensor.zeros(5, 7); Tensor view = t.transpose(0, 1)) {
          IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
              () -> DTensor.fromLocal(view, m, List.of(Placement.replicate()), Shape.of(7, 5)));
          assertTrue(e.getMessage().contains("must be contiguous"), e.getMessage());
        }
        try (Tensor g = Tensor.zeros(4, 4)) {
          IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
              () -> DTensor.distribute(g, m, Placement.shard(0), Placement.replicate()));
          assertTrue(e.getMessage().contains("one placement per axis of DeviceMesh(x=2)"), e.getMessage());
          e = assertThrows(IllegalArgumentException.class, () -> DTensor.distribute(g, m, Placement.shard(2)));
          assertTrue(e.getMessage().contains("S(2) in [S(2)] is outside tensor shape [4, 4]"), e.getMessage());
          try (DTensor d = DTensor.distribute(g, m, Placement.partial(ReduceOp.MAX))) {
            e = assertThrows(IllegalArgumentException.class, () -> d.redistribute(Placement.shard(5)));
            assertTrue(e.getMessage().startsWith("DTensor.redistribute"), e.getMessage());
            d.close();
            assertThrows(IllegalStateException.class, () -> d.redistribute(Placement.replicate()));
          }
        }
      }
    });
  }

  @Test
  void countsAreExactPerRank() {
    LocalCluster.run(4, comm -> {
      CountingCommunicator counting = new CountingCommunicator(comm);
      try (DeviceMesh m = DeviceMesh.create(counting, new int[] {2, 2}, "dp", "tp");
          Tensor g = Tensor.zeros(8, 4);
          DTensor p = DTensor.distribute(g, m, Placement.parseList("P, P"))) {
        counting.reset();
        try (DTensor s = p.redistribute(Placement.parseList("S(0), S(1)"))) {
          assertEquals(Map.of(Kind.REDUCE_SCATTER, 2L), counting.snapshot());
          // first reduce-scatter over dp sends the whole [8, 4] f32 shard, the second over tp the [4, 4] half.
          assertEquals((32 + 16) * 4L, counting.bytes(Kind.REDUCE_SCATTER));
        }
      }
    });
  }
}
