package dev.shard4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CountingCommunicator;
import dev.shard4j.collectives.CountingCommunicator.Kind;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** DeviceMesh: coordinates, the ranks of each axis group (checked by exchanging ranks), sub-meshes and errors. */
class DeviceMeshTest {

  /** Every rank all-gathers its parent rank over each axis communicator; the result must be the axis group. */
  private static float[] gatherRanks(Communicator axisComm, int parentRank) {
    try (Tensor in = Tensor.fromArray(new float[] {parentRank}, 1);
        Tensor out = Tensor.zeros(axisComm.size())) {
      axisComm.allGather(in, out);
      return out.toFloatArray();
    }
  }

  @Test
  void twoByThreeMeshCoordinatesAndAxisGroups() {
    LocalCluster.run(6, comm -> {
      try (DeviceMesh mesh = DeviceMesh.create(comm, new int[] {2, 3}, "dp", "tp")) {
        int r = comm.rank();
        assertEquals(2, mesh.ndim());
        assertEquals(List.of("dp", "tp"), mesh.axisNames());
        assertEquals(1, mesh.axis("tp"));
        assertEquals(3, mesh.axisSize("tp"));
        assertEquals(2, mesh.axisSize(0));
        assertArrayEquals(new int[] {r / 3, r % 3}, mesh.coordinate());
        assertEquals(r, mesh.rankAt(r / 3, r % 3));
        // dp groups are the columns {c, c+3}, tp groups the rows {3*row, 3*row+1, 3*row+2}.
        assertArrayEquals(new int[] {r % 3, r % 3 + 3}, mesh.axisGroup(0));
        int row = r / 3 * 3;
        assertArrayEquals(new int[] {row, row + 1, row + 2}, mesh.axisGroup(1));
        assertArrayEquals(new float[] {r % 3, r % 3 + 3}, gatherRanks(mesh.axisCommunicator("dp"), r));
        assertArrayEquals(new float[] {row, row + 1, row + 2}, gatherRanks(mesh.axisCommunicator("tp"), r));
        assertEquals(mesh.coordinate("tp"), mesh.axisCommunicator("tp").rank());
        assertEquals("DeviceMesh(dp=2, tp=3)", mesh.toString());
      }
    });
  }

  @Test
  void subMeshOfOneAxisAndOfReorderedAxes() {
    LocalCluster.run(8, comm -> {
      try (DeviceMesh mesh = DeviceMesh.create(comm, new int[] {2, 2, 2}, "pp", "dp", "tp")) {
        int r = comm.rank();
        int[] c = mesh.coordinate();
        try (DeviceMesh tp = mesh.subMesh("tp")) {
          assertEquals(List.of("tp"), tp.axisNames());
          assertEquals(c[2], tp.coordinate(0));
          assertArrayEquals(new float[] {r - c[2], r - c[2] + 1}, gatherRanks(tp.communicator(), r));
        }
        // (tp, dp) sub-mesh: same pp coordinate, row-major over (tp, dp).
        try (DeviceMesh td = mesh.subMesh("tp", "dp")) {
          assertArrayEquals(new int[] {2, 2}, td.shape());
          assertArrayEquals(new int[] {c[2], c[1]}, td.coordinate());
          int base = c[0] * 4;
          assertArrayEquals(new float[] {base, base + 2, base + 1, base + 3}, gatherRanks(td.communicator(), r));
          assertArrayEquals(new float[] {base + c[1] * 2, base + c[1] * 2 + 1},
              gatherRanks(td.axisCommunicator("tp"), r));
        }
      }
    });
  }

  @Test
  void sliceSelectsOneStageAndLeavesOthersOut() {
    AtomicInteger inside = new AtomicInteger();
    LocalCluster.run(8, comm -> {
      try (DeviceMesh mesh = DeviceMesh.create(comm, new int[] {2, 2, 2}, "pp", "dp", "tp");
          DeviceMesh stage1 = mesh.slice("pp", 1)) {
        if (mesh.coordinate("pp") != 1) {
          assertNull(stage1);
          return;
        }
        inside.incrementAndGet();
        assertEquals(List.of("dp", "tp"), stage1.axisNames());
        assertEquals(comm.rank() - 4, stage1.rank());
        assertArrayEquals(new int[] {mesh.coordinate(1), mesh.coordinate(2)}, stage1.coordinate());
        try (Tensor t = Tensor.fromArray(new float[] {comm.rank()}, 1)) {
          stage1.communicator().allReduce(t, ReduceOp.SUM);
          assertEquals(4 + 5 + 6 + 7, t.item());
        }
      }
    });
    assertEquals(4, inside.get());
  }

  @Test
  void closeClosesOnlyTheCommunicatorsItCreated() {
    LocalCluster.run(4, comm -> {
      DeviceMesh mesh = DeviceMesh.create(comm, new int[] {2, 2}, "dp", "tp");
      Communicator tp = mesh.axisCommunicator("tp");
      mesh.close();
      mesh.close();
      assertThrows(RuntimeException.class, () -> {
        try (Tensor t = Tensor.zeros(2)) {
          tp.allReduce(t, ReduceOp.SUM);
        }
      });
      assertThrows(IllegalStateException.class, () -> mesh.axisCommunicator(0));
      comm.barrier();
    });
  }

  @Test
  void creationSplitsOncePerAxisAndNothingElse() {
    ConcurrentHashMap<Integer, Map<Kind, Long>> issued = new ConcurrentHashMap<>();
    LocalCluster.run(4, comm -> {
      CountingCommunicator counting = new CountingCommunicator(comm);
      try (DeviceMesh mesh = DeviceMesh.create(counting, new int[] {2, 2}, "dp", "tp")) {
        issued.put(comm.rank(), counting.snapshot());
      }
    });
    assertEquals(4, issued.size());
    issued.values().forEach(v -> assertEquals(Map.of(Kind.SPLIT, 2L), v));
  }

  @Test
  void errorsNameTheProblem() {
    LocalCluster.run(4, comm -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> DeviceMesh.create(comm, new int[] {3, 2}, "dp", "tp"));
      assertTrue(e.getMessage().contains("[3, 2] holds 6 ranks, but the communicator has 4"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> DeviceMesh.create(comm, new int[] {2, 2}, "dp", "dp"));
      assertTrue(e.getMessage().contains("duplicate axis name 'dp'"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> DeviceMesh.create(comm, new int[] {2, 2}, "dp"));
      assertTrue(e.getMessage().contains("2 axes but 1 axis names"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> DeviceMesh.create(comm, new int[] {4, 0}, "a", "b"));
      assertTrue(e.getMessage().contains(">= 1"), e.getMessage());
      try (DeviceMesh mesh = DeviceMesh.create(comm, new int[] {2, 2}, "dp", "tp")) {
        e = assertThrows(IllegalArgumentException.class, () -> mesh.axis("pp"));
        assertTrue(e.getMessage().contains("unknown axis 'pp', the axes are [dp, tp]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> mesh.rankAt(2, 0));
        assertTrue(e.getMessage().contains("outside the mesh"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> mesh.subMesh("tp", "tp"));
        assertTrue(e.getMessage().contains("repeats"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> mesh.slice("dp", 2));
        assertTrue(e.getMessage().contains("index 2 is outside axis 'dp'"), e.getMessage());
      }
      try (DeviceMesh flat = DeviceMesh.create1d(comm, "x")) {
        assertEquals(4, flat.axisSize("x"));
        e = assertThrows(IllegalArgumentException.class, () -> flat.slice("x", 0));
        assertTrue(e.getMessage().contains("cannot slice the only axis"), e.getMessage());
      }
    });
  }
}
