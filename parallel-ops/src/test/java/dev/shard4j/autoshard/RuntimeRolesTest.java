package dev.shard4j.autoshard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The runtime-restricted strategy space and the planner's constraints that keep its plans executable. */
class RuntimeRolesTest {
  private static final Graph GPT = new GptGraphBuilder(512, 32, 64, 4, 4, 8).build();
  private static final MeshShape MESH = new MeshShape(2, 2);

  @Test
  void variantsFollowTheMeshAxesAndTheStageCount() {
    assertEquals(4, RuntimeRoles.variants(MESH, true, true).size());
    assertEquals(2, RuntimeRoles.variants(MESH, false, true).size(), "no ZeRO inside a pipeline");
    assertEquals(List.of(new RuntimeRoles.Variant(false, false), new RuntimeRoles.Variant(false, true)),
        RuntimeRoles.variants(new MeshShape(4, 1), true, true));
    assertEquals(List.of(new RuntimeRoles.Variant(false, false), new RuntimeRoles.Variant(true, false)),
        RuntimeRoles.variants(new MeshShape(1, 4), true, false));
  }

  @Test
  void eachVariantLeavesExactlyTheMegatronStrategyOfEveryOp() {
    CostModel cm = new CostModel(ClusterProfile.localCpu(4), MESH);
    AutoShardOptions o = AutoShardOptions.defaults();
    Map<String, String> want = Map.ofEntries(Map.entry("wte", "bv"), Map.entry("wpe", "b-"),
        Map.entry("blocks.0.ln1", "bs"), Map.entry("blocks.0.attn.qkv", "bh"), Map.entry("blocks.0.attn.core", "bh"),
        Map.entry("blocks.0.attn.proj", "bh"), Map.entry("blocks.0.ln2", "bs"), Map.entry("blocks.0.mlp.fc", "bf"),
        Map.entry("blocks.0.mlp.proj", "bf"), Map.entry("ln_f", "bs"), Map.entry("lm_head", "bv"),
        Map.entry("loss", "bv"));
    java.util.Set<String> roots = new java.util.HashSet<>();
    IntraOpProblem p = IntraOpProblem.of(GPT, cm, o, 1, Double.MAX_VALUE,
        new RuntimeRoles.Variant(true, true).filter(MESH));
    for (IntraOpProblem.Node n : p.nodes()) {
      assertEquals(1, n.strategies().size(), n.ops().toString());
      Strategy s = n.strategies().get(0);
      String root = n.ops().get(0);
      roots.add(root);
      if (want.containsKey(root)) {
        assertEquals(want.get(root), s.axisIndex(), root);
      }
      Op op = GPT.op(root);
      assertEquals(!op.params().isEmpty(), s.zero(), root + " shards its parameters with ZeRO");
    }
    assertTrue(roots.containsAll(want.keySet()), "ops with a strategy of their own: " + roots);
  }

  @Test
  void aSplitTheRuntimeCannotRunLeavesAnOpWithoutStrategyNamingIt() {
    MeshShape tp8 = new MeshShape(1, 8);
    InfeasiblePlanException e = assertThrows(InfeasiblePlanException.class, () -> IntraOpProblem.of(GPT,
        new CostModel(ClusterProfile.localCpu(8), tp8), AutoShardOptions.defaults(), 1, Double.MAX_VALUE,
        new RuntimeRoles.Variant(false, false).filter(tp8)));
    assertTrue(e.getMessage().contains("has no allowed strategy on mesh"), e.getMessage());
  }

  @Test
  void executablePlansUseOneRolePerAxisAndMatchTheEndStages() {
    ClusterProfile twoNodes = new ClusterProfile("2x4", 4, 2, 20e-6, 1e-10, 1e-3, 1e-8,
        Map.of(OpKind.OpClass.MATMUL, 2e10, OpKind.OpClass.ELEMENTWISE, 2.6e8), 1L << 30);
    Graph g = new GptGraphBuilder(4096, 128, 256, 4, 4, 1).dtype(DType.F32).build();
    Plan p = new AutoSharder(twoNodes, AutoShardOptions.defaults().withExecutableOnly(true)).plan(g);
    assertTrue(p.stages().size() > 1, p.summary());
    Plan.StagePlan first = p.stages().get(0);
    Plan.StagePlan last = p.stages().get(p.stages().size() - 1);
    assertEquals(first.mesh(), last.mesh(), p.summary());
    for (Plan.StagePlan st : p.stages()) {
      for (Map.Entry<String, Plan.OpSharding> e : st.ops().entrySet()) {
        String s = e.getValue().strategy();
        if (s.startsWith("=")) {
          continue;
        }
        assertTrue(st.mesh().n0() == 1 || s.charAt(0) == 'b', e.getKey() + " " + s + " on " + st.mesh());
        assertFalse(s.endsWith("+zero"), "no ZeRO in a pipeline: " + e.getKey());
        assertTrue(st.mesh().n1() == 1 || s.charAt(1) != 'b', e.getKey() + " " + s + " on " + st.mesh());
      }
    }
    // the unrestricted planner on the same problem is at least as fast under the simulator
    AutoShardOptions free = AutoShardOptions.defaults();
    Plan unrestricted = new AutoSharder(twoNodes, free).plan(g);
    assertTrue(new Simulator(g, twoNodes, free).estimate(unrestricted).stepSeconds()
        <= new Simulator(g, twoNodes, free).estimate(p).stepSeconds() * (1 + 1e-9));
  }
}
