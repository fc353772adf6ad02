package dev.shard4j.autoshard;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IntraOpSolverTest {
    private final IlpIntraOpSolver ilp = new IlpIntraOpSolver(10, 1);
    private final BruteForceIntraOpSolver brute = new BruteForceIntraOpSolver();

    private static IntraOpProblem random(Random rnd, int nodes, int maxStrategies, double budgetFraction) {
        List<IntraOpProblem.Node> ns = new ArrayList<>();
        double maxMem = 0;
        for (int i = 0; i < nodes; i++) {
            int k = 1 + rnd.nextInt(maxStrategies);
            double[] c = new double[k], m = new double[k];
            List<Strategy> ss = new ArrayList<>();
            double mm = 0;
            for (int j = 0; j < k; j++) {
                c[j] = rnd.nextDouble() * 1e-3;
                m[j] = rnd.nextInt(1000) * 1e6;
                mm = Math.max(mm, m[j]);
                ss.add(new Strategy("s" + j, "--", false, List.of(), ShardingSpec.replicated(1), List.of(), 0, 0, 0, 0, 0, 0));
            }
            maxMem += mm;
            ns.add(new IntraOpProblem.Node(List.of("op" + i), ss, c, m));
        }
        List<IntraOpProblem.Edge> es = new ArrayList<>();
        for (int v = 1; v < nodes; v++) {
            for (int u = 0; u < v; u++) {
                if (u != v - 1 && rnd.nextInt(3) != 0) continue;
                double[][] c = new double[ns.get(u).cost().length][ns.get(v).cost().length];
                for (double[] row : c) for (int j = 0; j < row.length; j++) row[j] = rnd.nextInt(3) == 0 ? 0 : rnd.nextDouble() * 1e-3;
                es.add(new IntraOpProblem.Edge(u, v, c));
            }
        }
        return new IntraOpProblem(ns, es, maxMem * budgetFraction);
    }

    @Test
    void ilpAgreesWithBruteForceOnRandomProblems() {
        Random rnd = new Random(42);
        int compared = 0;
        for (int trial = 0; trial < 40; trial++) {
            IntraOpProblem p = random(rnd, 2 + rnd.nextInt(5), 4, 0.4 + 0.6 * rnd.nextDouble());
            IntraOpSolution b;
            try {
                b = brute.solve(p);
            } catch (InfeasiblePlanException e) {
                assertThrows(InfeasiblePlanException.class, () -> ilp.solve(p));
                continue;
            }
            IntraOpSolution i = ilp.solve(p);
            // costs are rounded to whole nanoseconds inside the ILP
            assertEquals(b.cost(), i.cost(), 1e-9 * (p.nodes().size() + p.edges().size() * 16), "trial " + trial);
            assertTrue(i.memory() <= p.memoryBudget());
            compared++;
        }
        assertTrue(compared > 20, "compared " + compared);
    }

    @Test
    void ilpAgreesWithBruteForceOnMlpGraph() {
        Graph g = TestGraphs.mlp(8, 16, 32, 128);
        for (MeshShape mesh : List.of(new MeshShape(1, 4), new MeshShape(2, 2), new MeshShape(4, 1))) {
            CostModel cm = new CostModel(TestGraphs.simpleCluster(4, 1, 1L << 30), mesh);
            IntraOpProblem p = IntraOpProblem.of(g, cm, AutoShardOptions.defaults(), 1, 1L << 30);
            assertEquals(3, p.nodes().size(), "gelu is merged into fc");
            assertEquals(List.of("fc", "gelu"), p.nodes().get(1).ops());
            IntraOpSolution b = brute.solve(p), i = ilp.solve(p);
            assertEquals(b.cost(), i.cost(), 1e-8, mesh.toString());
        }
    }

    @Test
    void handComputedTwoNodeProblem() {
        // node 0: {1, 3}, node 1: {2, 1}; edge cost [[0, 5], [4, 0]]; memory {10, 1}, {10, 1}
        List<Strategy> ss = List.of(
                new Strategy("a", "--", false, List.of(), ShardingSpec.replicated(1), List.of(), 0, 0, 0, 0, 0, 0),
                new Strategy("b", "--", false, List.of(), ShardingSpec.replicated(1), List.of(), 0, 0, 0, 0, 0, 0));
        List<IntraOpProblem.Node> ns = List.of(
                new IntraOpProblem.Node(List.of("u"), ss, new double[] {1, 3}, new double[] {10, 1}),
                new IntraOpProblem.Node(List.of("v"), ss, new double[] {2, 1}, new double[] {10, 1}));
        List<IntraOpProblem.Edge> es = List.of(new IntraOpProblem.Edge(0, 1, new double[][] {{0, 5}, {4, 0}}));
        // unconstrained: (a,a) = 3, (a,b) = 7, (b,a) = 9, (b,b) = 4 -> (a,a)
        IntraOpSolution s = ilp.solve(new IntraOpProblem(ns, es, 100));
        assertArrayEquals(new int[] {0, 0}, s.choice());
        assertEquals(3, s.cost(), 1e-9);
        // budget 11: (a,a) needs 20 -> (b,b) = 4 (memory 2) beats (a,b) = 7 (memory 11)
        s = ilp.solve(new IntraOpProblem(ns, es, 11));
        assertArrayEquals(new int[] {1, 1}, s.choice());
        assertEquals(4, s.cost(), 1e-9);
        InfeasiblePlanException e = assertThrows(InfeasiblePlanException.class,
                () -> ilp.solve(new IntraOpProblem(ns, es, 1)));
        assertTrue(e.getMessage().contains("needs 0.00 GiB per device, budget 0.00 GiB"), e.getMessage());
    }

    @Test
    void infeasibleMemoryNamesNeedAndBudget() {
        Graph g = new GptGraphBuilder(1024, 128, 256, 4, 2, 4).build();
        CostModel cm = new CostModel(TestGraphs.simpleCluster(1, 1, 1L << 20), new MeshShape(1, 1));
        IntraOpProblem p = IntraOpProblem.of(g, cm, AutoShardOptions.defaults(), 1, 1L << 20);
        InfeasiblePlanException e = assertThrows(InfeasiblePlanException.class, () -> ilp.solve(p));
        assertTrue(e.getMessage().matches("no sharding fits: needs [0-9.]+ GiB per device, budget 0.00 GiB"), e.getMessage());
    }
}
