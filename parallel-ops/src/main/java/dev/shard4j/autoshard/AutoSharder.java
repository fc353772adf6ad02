package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The automatic planner: Alpa's inter-op DP over layer units (layers clustered into at most
 * {@link AutoShardOptions#layerUnits()} units) and sub-meshes, calling the intra-op ILP per (unit range, logical
 * mesh). Intra-op problems are cached by structure (op kinds, shapes and strategies, not names; see
 * {@link LayerSignatures}), runs of identical layers are folded into one template layer ({@link FoldedSlice}),
 * problems that cannot fit memory are dropped before solving, and independent solves run on
 * {@link AutoShardOptions#planningThreads()} threads. Pure apart from solver time limits: graph (of one micro-batch)
 * + cluster + options in, {@link Plan} out. One instance may plan several graphs, one call at a time per thread.
 */
public final class AutoSharder {
    private final ClusterProfile cluster;
    private final AutoShardOptions options;
    private final IlpIntraOpSolver ilp;
    private final EliminationIntraOpSolver elimination = new EliminationIntraOpSolver(4_000_000);

    public AutoSharder(ClusterProfile cluster, AutoShardOptions options) {
        this.cluster = cluster;
        this.options = options;
        this.ilp = new IlpIntraOpSolver(options.ilpTimeLimitSeconds(), options.ilpWorkers());
    }

    /** A plan and the statistics of how it was found. */
    public record Result(Plan plan, PlanningStats stats) {}

    /**
     * A solved (possibly folded) intra-op problem of one structure on one logical mesh, under the strategy filter
     * it was built with ({@code variant} null unless the plan is restricted to the runtime's roles).
     */
    private record Config(MeshShape mesh, RuntimeRoles.Variant variant, StrategyFilter filter, IntraOpProblem problem,
                          int[] choice) {}

    /** Outcome of one distinct problem: a stage option, or null with the reason counted. */
    private record Outcome(InterOpSolver.StageOption option, double minMemory) {}

    /** Plans the graph on the whole cluster; throws {@link InfeasiblePlanException} when nothing fits. */
    public Plan plan(Graph g) { return planDetailed(g).plan(); }

    /** Like {@link #plan} and also reports where the planning time went. */
    public Result planDetailed(Graph g) {
        long t0 = System.nanoTime();
        List<Submesh> submeshes = Submesh.candidates(cluster);
        double budget = cluster.memoryBytes() * options.memoryFraction();
        LayerSignatures sigs = new LayerSignatures(g);
        LayerUnits units = new LayerUnits(g.numLayers(), options.layerUnits());
        int K = units.count();
        double[] paramBytes = parameterBytesPerLayer(g);
        double[] cut = cutBytes(g);
        FoldedSlice[][] slices = new FoldedSlice[K][K];
        Map<String, Future<Outcome>> byKey = new LinkedHashMap<>();
        Map<String, Double> cheapBound = new HashMap<>();
        List<Object[]> cells = new ArrayList<>(); // {first unit, last unit, submesh index, mesh, key}
        AtomicInteger eliminations = new AtomicInteger(), priced = new AtomicInteger();
        AtomicLong maxGap = new AtomicLong(Double.doubleToLongBits(0));
        AtomicInteger solves = new AtomicInteger(), prunedMemory = new AtomicInteger(), prunedMesh = new AtomicInteger();
        AtomicInteger maxNodes = new AtomicInteger(), maxVars = new AtomicInteger();
        AtomicLong ilpNanos = new AtomicLong(), maxIlpNanos = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(options.planningThreads(), r -> {
            Thread t = new Thread(r, "autoshard-ilp");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int i = 0; i < K; i++) {
                for (int j = i; j < K; j++) {
                    int first = units.firstLayer(i), last = units.lastLayer(j);
                    FoldedSlice fs = FoldedSlice.of(sigs, first, last, options.foldRepeatedLayers());
                    slices[i][j] = fs;
                    double params = 0;
                    for (int l = first; l <= last; l++) params += paramBytes[l];
                    for (int m = 0; m < submeshes.size(); m++) {
                        Submesh sm = submeshes.get(m);
                        for (MeshShape mesh : sm.logicalShapes()) {
                          List<RuntimeRoles.Variant> variants = new ArrayList<>();
                          if (options.executableOnly()) {
                              variants.addAll(RuntimeRoles.variants(mesh, i == 0 && j == K - 1, options.allowZero()));
                          } else {
                              variants.add(null);
                          }
                          for (RuntimeRoles.Variant variant : variants) {
                            StrategyFilter filter = variant == null ? StrategyFilter.ALL : variant.filter(mesh);
                            String key = fs.key() + "@" + mesh + (variant == null ? "" : "/" + variant);
                            cells.add(new Object[] {i, j, m, mesh, key});
                            if (byKey.containsKey(key) || cheapBound.containsKey(key)) continue;
                            // fully sharded parameter state is a lower bound on any assignment's memory
                            double lower = params * options.stateBytesPerParam() / sm.devices();
                            if (lower > budget) {
                                cheapBound.put(key, lower);
                                prunedMemory.incrementAndGet();
                                continue;
                            }
                            byKey.put(key, pool.submit(() -> {
                                CostModel cm = new CostModel(cluster, mesh);
                                IntraOpProblem p;
                                try {
                                    p = fs.problem(cm, options, 1, budget, filter);
                                } catch (InfeasiblePlanException e) {
                                    // an op has no strategy of this runtime variant (a split does not divide)
                                    prunedMesh.incrementAndGet();
                                    return new Outcome(null, Double.POSITIVE_INFINITY);
                                }
                                double minMem = minMemory(p);
                                if (minMem > budget) {
                                    prunedMemory.incrementAndGet();
                                    return new Outcome(null, minMem);
                                }
                                if (idleAxis(p, mesh)) {
                                    prunedMesh.incrementAndGet();
                                    return new Outcome(null, minMem);
                                }
                                int[] free = elimination.solve(p);
                                if (free != null && p.memory(free) <= budget) {
                                    // the unconstrained optimum fits, so it is the constrained optimum too
                                    eliminations.incrementAndGet();
                                    double paramMem = fs.problem(cm, options, 0, budget, filter).memory(free);
                                    return new Outcome(new InterOpSolver.StageOption(p.cost(free), paramMem,
                                            p.memory(free) - paramMem, new Config(mesh, variant, filter, p, free)), minMem);
                                }
                                if (free != null && options.priceMemory()) {
                                    EliminationIntraOpSolver.Priced pr = elimination.solvePriced(p, 8);
                                    if (pr != null) {
                                        priced.incrementAndGet();
                                        double gap = (pr.cost() - pr.lowerBound()) / pr.cost();
                                        maxGap.accumulateAndGet(Double.doubleToLongBits(gap),
                                                (x, y) -> Double.longBitsToDouble(x) >= Double.longBitsToDouble(y) ? x : y);
                                        double paramMem = fs.problem(cm, options, 0, budget, filter).memory(pr.choice());
                                        double mem = p.memory(pr.choice());
                                        return new Outcome(new InterOpSolver.StageOption(pr.cost(), paramMem,
                                                mem - paramMem, new Config(mesh, variant, filter, p, pr.choice())), minMem);
                                    }
                                }
                                long s0 = System.nanoTime();
                                IntraOpSolution sol;
                                try {
                                    sol = ilp.solve(p);
                                } catch (InfeasiblePlanException e) {
                                    return new Outcome(null, minMem);
                                } finally {
                                    long dt = System.nanoTime() - s0;
                                    solves.incrementAndGet();
                                    ilpNanos.addAndGet(dt);
                                    maxIlpNanos.accumulateAndGet(dt, Math::max);
                                    maxNodes.accumulateAndGet(p.nodes().size(), Math::max);
                                    int vars = 0;
                                    for (IntraOpProblem.Node n : p.nodes()) vars += n.cost().length;
                                    maxVars.accumulateAndGet(vars, Math::max);
                                }
                                double paramMem = fs.problem(cm, options, 0, budget, filter).memory(sol.choice());
                                return new Outcome(new InterOpSolver.StageOption(sol.cost(), paramMem,
                                        sol.memory() - paramMem, new Config(mesh, variant, filter, p, sol.choice())), minMem);
                            }));
                          }
                        }
                    }
                }
            }
            Map<String, Outcome> outcomes = new HashMap<>();
            for (Map.Entry<String, Future<Outcome>> e : byKey.entrySet()) outcomes.put(e.getKey(), get(e.getValue()));
            @SuppressWarnings("unchecked")
            List<InterOpSolver.StageOption>[][][] table = new List[K][K][submeshes.size()];
            double wholeNeed = Double.POSITIVE_INFINITY;
            for (Object[] c : cells) {
                int i = (int) c[0], j = (int) c[1], m = (int) c[2];
                String key = (String) c[4];
                if (table[i][j][m] == null) table[i][j][m] = new ArrayList<>();
                Outcome o = outcomes.get(key);
                if (o != null && o.option() != null) {
                    InterOpSolver.StageOption so = o.option();
                    double sends = stageSends(g, cut, units.firstLayer(i), units.lastLayer(j), (MeshShape) c[3]);
                    table[i][j][m].add(new InterOpSolver.StageOption(so.time() + sends, so.paramMemory(),
                            so.activationMemory(), so.config()));
                }
                if (i == 0 && j == K - 1 && submeshes.get(m).devices() == cluster.devices()) {
                    double need = o != null ? o.minMemory() : cheapBound.get(key);
                    wholeNeed = Math.min(wholeNeed, need);
                }
            }
            long d0 = System.nanoTime();
            InterOpSolver.Solution sol;
            try {
                sol = solveStages(K, submeshes, table, budget);
            } catch (InfeasiblePlanException e) {
                if (wholeNeed > budget) {
                    throw InfeasiblePlanException.memory(wholeNeed, budget, "fully sharded over all "
                            + cluster.devices() + " devices");
                }
                throw e;
            }
            double dpSeconds = (System.nanoTime() - d0) / 1e9;
            List<Plan.StagePlan> stages = new ArrayList<>();
            int device = 0;
            for (InterOpSolver.Stage s : sol.stages()) {
                Config c = (Config) s.option().config();
                FoldedSlice fs = slices[s.first()][s.last()];
                IntraOpProblem full = IntraOpProblem.of(g.slice(fs.first(), fs.last()), new CostModel(cluster, c.mesh()),
                        options, 1, budget, c.filter());
                int[] choice = fs.expand(c.problem(), c.choice(), full);
                stages.add(stagePlan(fs.first(), fs.last(), submeshes.get(s.submesh()), device, c.mesh(), full, choice));
                device += submeshes.get(s.submesh()).devices();
            }
            PlanningStats stats = new PlanningStats(K, cells.size(), byKey.size() + cheapBound.size(),
                    prunedMemory.get(), prunedMesh.get(), eliminations.get(), priced.get(),
                    Double.longBitsToDouble(maxGap.get()), solves.get(), ilpNanos.get() / 1e9, maxIlpNanos.get() / 1e9,
                    maxNodes.get(), maxVars.get(), dpSeconds, (System.nanoTime() - t0) / 1e9);
            return new Result(new Plan("auto", options.schedule(), options.microBatches(), stages), stats);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The inter-op DP over the stage options. Restricted to the runtime, the first and last stage of a pipeline must
     * have the same shape (logical mesh and variant: they hold the two copies of the tied embedding), a constraint
     * across stages the DP cannot carry; the DP is then run once per shape the first stage can take, with the first
     * and last stage limited to it, and the best solution kept.
     */
    private InterOpSolver.Solution solveStages(int K, List<Submesh> submeshes,
                                               List<InterOpSolver.StageOption>[][][] table, double budget) {
        InterOpSolver dp = new InterOpSolver();
        boolean oneF1B = options.schedule().equals("1F1B");
        if (!options.executableOnly() || K == 1) {
            return dp.solve(K, cluster.devices(), submeshes, (first, last, m) -> table[first][last][m],
                    options.microBatches(), budget, oneF1B);
        }
        java.util.Set<String> shapes = new java.util.LinkedHashSet<>();
        for (int j = 0; j < K - 1; j++) {
            for (int m = 0; m < submeshes.size(); m++) {
                if (table[0][j][m] == null) continue;
                for (InterOpSolver.StageOption o : table[0][j][m]) shapes.add(shapeOf(o));
            }
        }
        InterOpSolver.Solution best = null;
        InfeasiblePlanException failure = null;
        List<String> candidates = new ArrayList<>(shapes);
        candidates.add(null); // single-stage plans only
        for (String shape : candidates) {
            InterOpSolver.CostTable restricted = (first, last, m) -> {
                List<InterOpSolver.StageOption> all = table[first][last][m];
                boolean end = (first == 0) != (last == K - 1);
                if (all == null || !end) return all;
                List<InterOpSolver.StageOption> keep = new ArrayList<>();
                for (InterOpSolver.StageOption o : all) if (shapeOf(o).equals(shape)) keep.add(o);
                return keep;
            };
            try {
                InterOpSolver.Solution sol = dp.solve(K, cluster.devices(), submeshes, restricted,
                        options.microBatches(), budget, oneF1B);
                if (best == null || sol.objective() < best.objective()) best = sol;
            } catch (InfeasiblePlanException e) {
                failure = e;
            }
        }
        if (best == null) throw failure;
        return best;
    }

    /** The pipeline-runtime shape of a stage option: its logical mesh and variant. */
    private static String shapeOf(InterOpSolver.StageOption o) {
        Config c = (Config) o.config();
        return c.mesh() + "/" + c.variant();
    }

    private static Outcome get(Future<Outcome> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("planning interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException("intra-op solve failed: " + e.getCause(), e.getCause());
        }
    }

    /** Bytes of the tensors produced in layers 0..l and read by layers after l, per cut after layer l. */
    private static double[] cutBytes(Graph g) {
        double[] cut = new double[g.numLayers()];
        java.util.Set<String> counted = new java.util.HashSet<>();
        for (Op op : g.ops()) {
            for (String in : op.inputs()) {
                Op p = g.producer(in);
                if (p == null || p.layer() >= op.layer() || !counted.add(in + "@" + op.layer())) continue;
                for (int l = p.layer(); l < op.layer(); l++) cut[l] += g.tensor(in).bytes();
            }
        }
        return cut;
    }

    /**
     * The point-to-point seconds per micro-batch of a stage holding layers first..last: its output activations sent
     * forward and its input's gradient sent back, each split over the data axis (axis 0) of its mesh, as the
     * {@link Simulator} counts them (which prices the exact layouts).
     */
    private double stageSends(Graph g, double[] cut, int first, int last, MeshShape mesh) {
        CostModel cm = new CostModel(cluster, mesh);
        double t = 0;
        if (first > 0) t += cm.sendRecv(cut[first - 1] / mesh.n0());
        if (last < g.numLayers() - 1) t += cm.sendRecv(cut[last] / mesh.n0());
        return t;
    }

    private static double[] parameterBytesPerLayer(Graph g) {
        double[] out = new double[g.numLayers()];
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Op op : g.ops()) {
            for (String p : op.params()) if (seen.add(p)) out[op.layer()] += g.tensor(p).numel();
        }
        return out;
    }

    private static double minMemory(IntraOpProblem p) {
        double sum = 0;
        for (IntraOpProblem.Node n : p.nodes()) {
            double lo = Double.POSITIVE_INFINITY;
            for (double x : n.memory()) lo = Math.min(lo, x);
            sum += lo;
        }
        return sum;
    }

    /** Whether a mesh axis of size > 1 is left unsplit by every strategy of every node (it only replicates work). */
    private static boolean idleAxis(IntraOpProblem p, MeshShape mesh) {
        for (int a = 0; a < 2; a++) {
            if (mesh.size(a) == 1) continue;
            boolean used = false;
            for (IntraOpProblem.Node n : p.nodes()) {
                for (Strategy s : n.strategies()) used |= s.axisIndex().charAt(a) != '-';
                if (used) break;
            }
            if (!used) return true;
        }
        return false;
    }

    /** Builds a stage of a plan from a solved (or hand-picked) assignment. */
    static Plan.StagePlan stagePlan(int first, int last, Submesh sm, int firstDevice, MeshShape mesh, IntraOpProblem p,
                                    int[] choice) {
        Map<String, Plan.OpSharding> ops = new LinkedHashMap<>();
        for (int n = 0; n < p.nodes().size(); n++) {
            IntraOpProblem.Node node = p.nodes().get(n);
            Strategy st = node.strategies().get(choice[n]);
            ops.put(node.ops().get(0), Plan.OpSharding.of(st));
            for (String f : node.ops().subList(1, node.ops().size())) {
                ops.put(f, new Plan.OpSharding("=" + node.ops().get(0), List.of(st.outputSpec()), st.outputSpec(), List.of()));
            }
        }
        return new Plan.StagePlan(first, last, sm, firstDevice, mesh, ops);
    }
}
