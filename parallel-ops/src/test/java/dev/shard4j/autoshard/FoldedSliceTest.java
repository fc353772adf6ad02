package dev.shard4j.autoshard;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FoldedSliceTest {

    private static Graph gpt(int layers) { return new GptGraphBuilder(512, 32, 64, 4, layers, 4).build(); }

    @Test
    void foldedObjectiveEqualsFullObjectiveOfTheRepeatedAssignment() {
        Graph g = gpt(6);
        LayerSignatures sigs = new LayerSignatures(g);
        FoldedSlice fs = FoldedSlice.of(sigs, 0, g.numLayers() - 1, true);
        assertEquals(5, fs.runLength(), "blocks 2..6 repeat; block 1 reads the embedding and stays unfolded");
        CostModel cm = new CostModel(TestGraphs.simpleCluster(4, 1, 1L << 40), new MeshShape(2, 2));
        AutoShardOptions o = AutoShardOptions.defaults();
        IntraOpProblem folded = fs.problem(cm, o, 1, 1e18);
        IntraOpProblem full = IntraOpProblem.of(g, cm, o, 1, 1e18);
        Random rnd = new Random(7);
        for (int trial = 0; trial < 50; trial++) {
            int[] c = new int[folded.nodes().size()];
            for (int i = 0; i < c.length; i++) c[i] = rnd.nextInt(folded.nodes().get(i).cost().length);
            int[] e = fs.expand(folded, c, full);
            assertEquals(full.cost(e), folded.cost(c), 1e-12 * full.cost(e));
            assertEquals(full.memory(e), folded.memory(c), 1e-9 * full.memory(e));
        }
    }

    @Test
    void residualEdgeBetweenCopiesOfOneNodeFoldsIntoNodeCost() {
        // conv net: the residual input of block i+1's conv2 node comes from block i's conv2 node
        Graph g = new WideResNetGraphBuilder(4, 16, 32, 5, 10).build();
        FoldedSlice fs = FoldedSlice.of(new LayerSignatures(g), 0, g.numLayers() - 1, true);
        assertEquals(4, fs.runLength());
        CostModel cm = new CostModel(TestGraphs.simpleCluster(4, 1, 1L << 40), new MeshShape(2, 2));
        AutoShardOptions o = AutoShardOptions.defaults();
        IntraOpProblem folded = fs.problem(cm, o, 1, 1e18);
        IntraOpProblem full = IntraOpProblem.of(g, cm, o, 1, 1e18);
        Random rnd = new Random(11);
        for (int trial = 0; trial < 50; trial++) {
            int[] c = new int[folded.nodes().size()];
            for (int i = 0; i < c.length; i++) c[i] = rnd.nextInt(folded.nodes().get(i).cost().length);
            assertEquals(full.cost(fs.expand(folded, c, full)), folded.cost(c), 1e-12 * folded.cost(c));
        }
    }

    @Test
    void repeatedSolutionMatchesTheFullIlpOnASmallGpt() {
        // 4 blocks (blocks 2..4 fold) on a 2-device mesh: the full ILP stays small enough to prove optimality
        Graph g = gpt(4);
        FoldedSlice fs = FoldedSlice.of(new LayerSignatures(g), 0, g.numLayers() - 1, true);
        assertEquals(3, fs.runLength());
        CostModel cm = new CostModel(TestGraphs.simpleCluster(2, 1, 1L << 40), new MeshShape(2, 1));
        AutoShardOptions o = AutoShardOptions.defaults();
        IlpIntraOpSolver ilp = new IlpIntraOpSolver(50, 1);
        IntraOpProblem full = IntraOpProblem.of(g, cm, o, 1, 1e18);
        IntraOpSolution exact = ilp.solve(full);
        IntraOpProblem folded = fs.problem(cm, o, 1, 1e18);
        IntraOpSolution rep = ilp.solve(folded);
        assertEquals(exact.cost(), rep.cost(), 1e-9 * exact.cost());
        assertEquals(exact.cost(), full.cost(fs.expand(folded, rep.choice(), full)), 1e-9 * exact.cost());
        int[] el = new EliminationIntraOpSolver(4_000_000).solve(folded);
        assertEquals(exact.cost(), folded.cost(el), 1e-9 * exact.cost());
    }

    @Test
    void repeatedSolutionMatchesTheFullOptimumOnA2dMesh() {
        // 6 blocks on 2x2: the full problem's exact optimum (elimination, checked against brute force below)
        Graph g = gpt(6);
        FoldedSlice fs = FoldedSlice.of(new LayerSignatures(g), 0, g.numLayers() - 1, true);
        CostModel cm = new CostModel(TestGraphs.simpleCluster(4, 1, 1L << 40), new MeshShape(2, 2));
        AutoShardOptions o = AutoShardOptions.defaults();
        EliminationIntraOpSolver el = new EliminationIntraOpSolver(20_000_000);
        IntraOpProblem full = IntraOpProblem.of(g, cm, o, 1, 1e18);
        int[] exact = el.solve(full);
        assertNotNull(exact);
        IntraOpProblem folded = fs.problem(cm, o, 1, 1e18);
        int[] rep = el.solve(folded);
        assertEquals(full.cost(exact), full.cost(fs.expand(folded, rep, full)), 1e-9 * full.cost(exact));
    }

    @Test
    void eliminationMatchesBruteForceOnAProblemWithCycles() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            int n = 6;
            List<IntraOpProblem.Node> nodes = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                double[] c = new double[3], m = new double[3];
                for (int k = 0; k < 3; k++) { c[k] = rnd.nextDouble(); m[k] = 1; }
                nodes.add(new IntraOpProblem.Node(List.of("n" + i), List.of(), c, m));
            }
            List<IntraOpProblem.Edge> edges = new java.util.ArrayList<>();
            int[][] pairs = {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 0}, {1, 4}, {3, 1}};
            for (int[] p : pairs) {
                double[][] m = new double[3][3];
                for (double[] row : m) for (int k = 0; k < 3; k++) row[k] = rnd.nextDouble();
                edges.add(new IntraOpProblem.Edge(p[0], p[1], m));
            }
            IntraOpProblem p = new IntraOpProblem(nodes, edges, 100);
            double best = Double.POSITIVE_INFINITY;
            int[] c = new int[n];
            for (int code = 0; code < 729; code++) {
                int r = code;
                for (int i = 0; i < n; i++) { c[i] = r % 3; r /= 3; }
                best = Math.min(best, p.cost(c));
            }
            assertEquals(best, p.cost(new EliminationIntraOpSolver(1_000_000).solve(p)), 1e-12);
        }
    }

    @Test
    void memoryPricingFitsTheBudgetAndBoundsTheIlpOptimum() {
        Graph g = gpt(4);
        CostModel cm = new CostModel(TestGraphs.simpleCluster(4, 1, 1L << 40), new MeshShape(4, 1));
        AutoShardOptions o = AutoShardOptions.defaults();
        IntraOpProblem loose = IntraOpProblem.of(g, cm, o, 1, 1e18);
        double freeMemory = loose.memory(new EliminationIntraOpSolver(4_000_000).solve(loose));
        double budget = 0.6 * freeMemory; // the cost optimum does not fit
        IntraOpProblem p = IntraOpProblem.of(g, cm, o, 1, budget);
        EliminationIntraOpSolver.Priced pr = new EliminationIntraOpSolver(4_000_000).solvePriced(p, 20);
        assertNotNull(pr);
        assertTrue(p.memory(pr.choice()) <= budget);
        IntraOpSolution opt = new IlpIntraOpSolver(60, 1).solve(p);
        assertTrue(pr.lowerBound() <= opt.cost() * (1 + 1e-9), pr.lowerBound() + " > " + opt.cost());
        assertTrue(pr.cost() >= opt.cost() * (1 - 1e-9));
    }

    @Test
    void layerUnitsKeepEmbeddingFirstAndHeadLast() {
        LayerUnits u = new LayerUnits(50, 8); // embeddings, 48 blocks, head
        assertEquals(8, u.count());
        assertEquals(0, u.firstLayer(0));
        assertEquals(6, u.lastLayer(0));
        assertEquals(43, u.firstLayer(7));
        assertEquals(49, u.lastLayer(7));
        for (int k = 1; k < 8; k++) assertEquals(u.lastLayer(k - 1) + 1, u.firstLayer(k));
        LayerUnits small = new LayerUnits(3, 8);
        assertEquals(3, small.count());
        assertEquals(Map.of(0, 0, 1, 1, 2, 2), Map.of(0, small.firstLayer(0), 1, small.firstLayer(1), 2, small.firstLayer(2)));
    }

    @Test
    void structurallyEqualSlicesShareAKey() {
        Graph g = gpt(8);
        LayerSignatures sigs = new LayerSignatures(g);
        assertEquals(FoldedSlice.of(sigs, 2, 4, true).key(), FoldedSlice.of(sigs, 5, 7, true).key());
        assertNotEquals(FoldedSlice.of(sigs, 0, 2, true).key(), FoldedSlice.of(sigs, 2, 4, true).key());
        assertEquals(sigs.of(3), sigs.of(6));
        assertNotEquals(sigs.of(1), sigs.of(2), "block 1 reads the embedding, block 2 a block");
    }
}
