package dev.shard4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.shard4j.collectives.CountingCommunicator;
import dev.shard4j.collectives.CountingCommunicator.Kind;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pair of placements on 1-D meshes of 1 to 4 ranks and on 2x2 and 2x3 meshes, and a sample on a 2x2x2 mesh,
 * for even and uneven global shapes: the redistributed shards must equal slices of a plain-Java global tensor (Partial results: their reduction
 * over the partial axes must), the source must be unchanged, and each rank must issue exactly the expected
 * collectives.
 */
class RedistributeTest {
  private static final long[][] SHAPES = {{7, 5}, {4, 6}, {3, 1, 5}};

  record Outcome(long[] shape, float[] local, Map<Kind, Long> counts, boolean sourceIntact) {}

  static Stream<Arguments> meshes1d() {
    List<Arguments> out = new ArrayList<>();
    for (int n = 1; n <= 4; n++) {
      for (long[] s : SHAPES) {
        out.add(Arguments.of(n, s));
      }
    }
    return out.stream();
  }

  static Stream<Arguments> meshes2d() {
    List<Arguments> out = new ArrayList<>();
    for (int[] mesh : new int[][] {{2, 2}, {2, 3}}) {
      for (long[] s : SHAPES) {
        out.add(Arguments.of(mesh, s));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "1-D mesh of {0}, shape {1}")
  @MethodSource("meshes1d")
  void everyPairOn1dMesh(int n, long[] shape) {
    int[] mesh = {n};
    List<List<Placement>> all = DistReference.allPlacements(shape.length, 1);
    List<List<Placement>[]> pairs = pairs(all, all);
    Outcome[][] results = runPairs(mesh, shape, pairs);
    for (int i = 0; i < pairs.size(); i++) {
      List<Placement>[] p = pairs.get(i);
      check(mesh, shape, p[0], p[1], results[i], DistReference.expected1d(p[0].get(0), p[1].get(0), n));
    }
  }

  @ParameterizedTest(name = "2-D mesh {0}, shape {1}")
  @MethodSource("meshes2d")
  void everyPairOn2dMesh(int[] mesh, long[] shape) {
    List<List<Placement>> all = DistReference.allPlacements(shape.length, 2);
    List<List<Placement>[]> pairs = pairs(all, all);
    Outcome[][] results = runPairs(mesh, shape, pairs);
    for (int i = 0; i < pairs.size(); i++) {
      List<Placement> src = pairs.get(i)[0];
      List<Placement> dst = pairs.get(i)[1];
      List<RedistributeStep> plan = RedistributePlanner.plan(mesh, Shape.of(shape), src, dst);
      checkPlanLeadsThere(mesh, src, dst, plan);
      Map<Kind, Long> fromPlan = new EnumMap<>(Kind.class);
      for (RedistributeStep s : plan) {
        DistReference.add(fromPlan, DistReference.expected1d(s.from(), s.to(), mesh[s.axis()]));
      }
      Map<Kind, Long> independent = independentAxisExpectation(mesh, src, dst);
      if (independent != null) {
        assertEquals(independent, fromPlan, () -> src + " -> " + dst + " on " + Arrays.toString(mesh)
            + " changes one axis without nesting; plan " + plan);
      }
      check(mesh, shape, src, dst, results[i], fromPlan);
    }
  }

  /** A seeded sample of pairs on a 2x2x2 mesh: three axes can nest on one dimension. */
  @Test
  void sampledPairsOn3dMesh() {
    int[] mesh = {2, 2, 2};
    long[] shape = {7, 6};
    List<List<Placement>> all = DistReference.allPlacements(shape.length, 3);
    Random random = new Random(42);
    List<List<Placement>[]> pairs = new ArrayList<>();
    pairs.add(pair(Placement.parseList("S(0), S(0), S(0)"), Placement.parseList("S(1), S(1), S(1)")));
    pairs.add(pair(Placement.parseList("P, P, P"), Placement.parseList("S(0), S(0), S(0)")));
    pairs.add(pair(Placement.parseList("S(0), S(1), S(0)"), Placement.parseList("R, P, S(1)")));
    for (int i = 0; i < 150; i++) {
      pairs.add(pair(all.get(random.nextInt(all.size())), all.get(random.nextInt(all.size()))));
    }
    Outcome[][] results = runPairs(mesh, shape, pairs);
    for (int i = 0; i < pairs.size(); i++) {
      List<Placement> src = pairs.get(i)[0];
      List<Placement> dst = pairs.get(i)[1];
      List<RedistributeStep> plan = RedistributePlanner.plan(mesh, Shape.of(shape), src, dst);
      checkPlanLeadsThere(mesh, src, dst, plan);
      Map<Kind, Long> fromPlan = new EnumMap<>(Kind.class);
      for (RedistributeStep s : plan) {
        DistReference.add(fromPlan, DistReference.expected1d(s.from(), s.to(), mesh[s.axis()]));
      }
      check(mesh, shape, src, dst, results[i], fromPlan);
    }
  }

  /** Partial sources and targets with max, min and avg on 1-D and 2-D meshes. */
  @Test
  void partialReductionsOtherThanSum() {
    long[] shape = {7, 5};
    List<Placement> axis = new ArrayList<>(DistReference.axisPlacements(2));
    axis.remove(Placement.partial());
    for (ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.MIN, ReduceOp.AVG}) {
      Placement p = Placement.partial(op);
      List<List<Placement>[]> pairs = new ArrayList<>();
      for (Placement other : axis) {
        pairs.add(pair(List.of(p), List.of(other)));
        pairs.add(pair(List.of(other), List.of(p)));
      }
      pairs.add(pair(List.of(p), List.of(Placement.partial())));
      pairs.add(pair(List.of(Placement.partial()), List.of(p)));
      Outcome[][] results = runPairs(new int[] {3}, shape, pairs);
      for (int i = 0; i < pairs.size(); i++) {
        List<Placement>[] pr = pairs.get(i);
        check(new int[] {3}, shape, pr[0], pr[1], results[i], DistReference.expected1d(pr[0].get(0), pr[1].get(0), 3));
      }
    }
  }

  /** Nested and crossing shardings on a 2x2 mesh, with the collectives written out by hand. */
  @Test
  void handPickedTwoDimensionalCases() {
    long[] shape = {7, 5};
    int[] mesh = {2, 2};
    Object[][] cases = {
        {"S(0), S(1)", "S(1), S(0)", Map.of(Kind.ALL_GATHER, 1L, Kind.ALL_TO_ALL, 1L)},
        {"R, S(0)", "S(0), S(0)", Map.of(Kind.ALL_GATHER, 1L)},
        {"S(0), S(0)", "R, R", Map.of(Kind.ALL_GATHER, 2L)},
        {"S(0), S(0)", "S(0), R", Map.of(Kind.ALL_GATHER, 1L)},
        {"S(0), S(0)", "S(1), S(1)", Map.of(Kind.ALL_GATHER, 1L, Kind.ALL_TO_ALL, 1L)},
        {"P, P", "R, R", Map.of(Kind.ALL_REDUCE, 2L)},
        {"P, P", "S(0), S(1)", Map.of(Kind.REDUCE_SCATTER, 2L)},
        {"P, P", "S(0), S(0)", Map.of(Kind.REDUCE_SCATTER, 2L)},
        {"P, S(0)", "S(0), S(0)", Map.of(Kind.ALL_GATHER, 1L, Kind.REDUCE_SCATTER, 1L)},
        {"S(0), R", "R, S(0)", Map.of(Kind.ALL_GATHER, 1L)},
        {"S(1), P", "R, R", Map.of(Kind.ALL_GATHER, 1L, Kind.ALL_REDUCE, 1L)},
        {"R, R", "S(0), S(0)", Map.of()},
        {"S(0), S(1)", "P, P", Map.of()},
    };
    List<List<Placement>[]> pairs = new ArrayList<>();
    for (Object[] c : cases) {
      pairs.add(pair(Placement.parseList((String) c[0]), Placement.parseList((String) c[1])));
    }
    Outcome[][] results = runPairs(mesh, shape, pairs);
    for (int i = 0; i < cases.length; i++) {
      @SuppressWarnings("unchecked")
      Map<Kind, Long> expected = (Map<Kind, Long>) cases[i][2];
      check(mesh, shape, pairs.get(i)[0], pairs.get(i)[1], results[i], expected);
    }
  }

  @Test
  void planForNestedShardingUnshardsTheInnerAxisFirst() {
    List<RedistributeStep> plan = RedistributePlanner.plan(new int[] {2, 2}, Shape.of(7, 5),
        Placement.parseList("R, S(0)"), Placement.parseList("S(0), S(0)"));
    assertEquals(List.of(
        new RedistributeStep(1, Placement.shard(0), Placement.replicate()),
        new RedistributeStep(0, Placement.replicate(), Placement.shard(0)),
        new RedistributeStep(1, Placement.replicate(), Placement.shard(0))), plan);
    assertTrue(RedistributePlanner.plan(new int[] {1, 4}, Shape.of(7, 5), Placement.parseList("S(0), P"),
        Placement.parseList("P, P")).isEmpty(), "size-1 axes need no step");
  }

  // ---- harness ----------------------------------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  private static List<Placement>[] pair(List<Placement> src, List<Placement> dst) {
    return new List[] {src, dst};
  }

  private static List<List<Placement>[]> pairs(List<List<Placement>> srcs, List<List<Placement>> dsts) {
    List<List<Placement>[]> out = new ArrayList<>();
    for (List<Placement> s : srcs) {
      for (List<Placement> d : dsts) {
        out.add(pair(s, d));
      }
    }
    return out;
  }

  /** Runs every pair on one LocalCluster; results[pair][rank]. */
  static Outcome[][] runPairs(int[] mesh, long[] shape, List<List<Placement>[]> pairs) {
    int n = Arrays.stream(mesh).reduce(1, (x, y) -> x * y);
    String[] names = Arrays.copyOfRange(new String[] {"pp", "dp", "tp"}, 3 - mesh.length, 3);
    float[] global = DistReference.globalValues(shape);
    Outcome[][] results = new Outcome[pairs.size()][n];
    LocalCluster.run(n, comm -> {
      CountingCommunicator counting = new CountingCommunicator(comm);
      int[] coord = DistReference.coordinate(comm.rank(), mesh);
      try (DeviceMesh m = DeviceMesh.create(counting, mesh, names)) {
        for (int i = 0; i < pairs.size(); i++) {
          List<Placement> src = pairs.get(i)[0];
          List<Placement> dst = pairs.get(i)[1];
          float[] srcLocal = sourceLocal(global, shape, mesh, coord, src);
          long[] srcShape = DistReference.block(shape, mesh, coord, src)[1];
          try (DTensor a = DTensor.fromLocal(Tensor.fromArray(srcLocal, srcShape), m, src, Shape.of(shape))) {
            counting.reset();
            try (DTensor b = a.redistribute(dst)) {
              Map<Kind, Long> counts = counting.snapshot();
              results[i][comm.rank()] = new Outcome(b.localTensor().shape().toArray(),
                  b.localTensor().toFloatArray(), counts,
                  Arrays.equals(srcLocal, a.localTensor().toFloatArray()));
            }
          }
        }
      }
    });
    return results;
  }

  /** The source shard: the global slice, or for Partial sources values whose reduction is that slice. */
  static float[] sourceLocal(float[] global, long[] shape, int[] mesh, int[] coord, List<Placement> src) {
    float[] exact = DistReference.slice(global, shape, DistReference.block(shape, mesh, coord, src));
    ReduceOp op = DistReference.partialOp(src);
    if (op == null) {
      return exact;
    }
    int[] q = DistReference.partialIndex(mesh, coord, src);
    return DistReference.partialValues(exact, op, q[0], q[1]);
  }

  static void check(int[] mesh, long[] shape, List<Placement> src, List<Placement> dst, Outcome[] ranks,
      Map<Kind, Long> expectedCounts) {
    String what = src + " -> " + dst + " on mesh " + Arrays.toString(mesh) + ", shape " + Arrays.toString(shape);
    float[] global = DistReference.globalValues(shape);
    ReduceOp op = DistReference.partialOp(dst);
    for (int r = 0; r < ranks.length; r++) {
      Outcome o = ranks[r];
      int rank = r;
      int[] coord = DistReference.coordinate(r, mesh);
      long[][] block = DistReference.block(shape, mesh, coord, dst);
      assertArrayEquals(block[1], o.shape(), () -> what + ": local shape on rank " + rank);
      assertTrue(o.sourceIntact(), () -> what + ": source shard changed on rank " + rank);
      assertEquals(expectedCounts, o.counts(), () -> what + ": collectives on rank " + rank);
      float[] want = DistReference.slice(global, shape, block);
      float[] got = op == null ? o.local() : reduceOverPartialAxes(mesh, coord, dst, ranks, op);
      float tol = op == ReduceOp.AVG ? 1e-5f * 64 : 0f;
      for (int i = 0; i < want.length; i++) {
        if (Math.abs(want[i] - got[i]) > tol) {
          fail(what + ": rank " + r + " element " + i + " is " + got[i] + ", expected " + want[i]
              + (op == null ? "" : " (reduced over the partial axes)"));
        }
      }
    }
  }

  private static float[] reduceOverPartialAxes(int[] mesh, int[] coord, List<Placement> dst, Outcome[] ranks,
      ReduceOp op) {
    List<Integer> partialAxes = new ArrayList<>();
    for (int a = 0; a < mesh.length; a++) {
      if (dst.get(a).isPartial()) {
        partialAxes.add(a);
      }
    }
    int count = 1;
    for (int a : partialAxes) {
      count *= mesh[a];
    }
    float[] acc = null;
    for (int q = 0; q < count; q++) {
      int[] c = coord.clone();
      int rem = q;
      for (int j = partialAxes.size() - 1; j >= 0; j--) {
        int a = partialAxes.get(j);
        c[a] = rem % mesh[a];
        rem /= mesh[a];
      }
      float[] v = ranks[DistReference.rankOf(c, mesh)].local();
      if (acc == null) {
        acc = v.clone();
        continue;
      }
      for (int i = 0; i < acc.length; i++) {
        acc[i] = switch (op) {
          case SUM, AVG -> acc[i] + v[i];
          case MAX -> Math.max(acc[i], v[i]);
          case MIN -> Math.min(acc[i], v[i]);
          default -> throw new IllegalArgumentException(op.toString());
        };
      }
    }
    if (op == ReduceOp.AVG) {
      for (int i = 0; i < acc.length; i++) {
        acc[i] /= count;
      }
    }
    return acc;
  }

  /** Applies the plan's steps to src and checks each is direct and that they end at dst (size-1 axes aside). */
  private static void checkPlanLeadsThere(int[] mesh, List<Placement> src, List<Placement> dst,
      List<RedistributeStep> plan) {
    List<Placement> state = new ArrayList<>(src);
    for (int a = 0; a < mesh.length; a++) {
      if (mesh[a] == 1) {
        state.set(a, dst.get(a));
      }
    }
    for (RedistributeStep s : plan) {
      assertEquals(state.get(s.axis()), s.from(), () -> "plan " + plan + " for " + src + " -> " + dst);
      assertTrue(RedistributePlanner.isDirect(state, s.axis(), s.to()), () -> "step " + s + " of " + plan);
      state.set(s.axis(), s.to());
    }
    assertEquals(dst, state, () -> "plan " + plan + " for " + src + " -> " + dst);
  }

  /**
   * When src and dst differ on one axis only and no later axis shards a dimension that transition touches, the
   * plan is the 1-D transition on that axis; otherwise null (nesting makes it depend on the order of axes).
   */
  private static Map<Kind, Long> independentAxisExpectation(int[] mesh, List<Placement> src, List<Placement> dst) {
    int changed = -1;
    for (int a = 0; a < mesh.length; a++) {
      if (!src.get(a).equals(dst.get(a))) {
        if (changed >= 0) {
          return null;
        }
        changed = a;
      }
    }
    if (changed < 0) {
      return Map.of();
    }
    for (int j = changed + 1; j < mesh.length; j++) {
      for (Placement p : new Placement[] {src.get(changed), dst.get(changed)}) {
        if (p instanceof Placement.Shard s && src.get(j).isShard(s.dim())) {
          return null;
        }
      }
    }
    return DistReference.expected1d(src.get(changed), dst.get(changed), mesh[changed]);
  }
}
