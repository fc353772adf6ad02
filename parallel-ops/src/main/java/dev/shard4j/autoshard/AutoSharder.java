package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The automatic planner: the inter-op DP over layer slices and sub-meshes, calling the intra-op ILP once per
 * (layer range, sub-mesh, logical mesh shape), cached. Pure apart from solver time limits: graph (of one
 * micro-batch) + cluster + options in, {@link Plan} out.
 */
public final class AutoSharder {
    private final ClusterProfile cluster;
    private final AutoShardOptions options;
    private final IlpIntraOpSolver ilp;

    public AutoSharder(ClusterProfile cluster, AutoShardOptions options) {
        this.cluster = cluster;
        this.options = options;
        this.ilp = new IlpIntraOpSolver(options.ilpTimeLimitSeconds(), options.ilpWorkers());
    }

    private record Config(MeshShape mesh, IntraOpProblem problem, int[] choice) {}

    /** Plans the graph on the whole cluster; throws {@link InfeasiblePlanException} when nothing fits. */
    public Plan plan(Graph g) {
        List<Submesh> submeshes = Submesh.candidates(cluster);
        double budget = cluster.memoryBytes() * options.memoryFraction();
        Map<String, List<InterOpSolver.StageOption>> cache = new HashMap<>();
        InterOpSolver.CostTable table = (first, last, m) -> cache.computeIfAbsent(first + ":" + last + ":" + m,
                k -> stageOptions(g.slice(first, last), submeshes.get(m), budget));
        InterOpSolver.Solution sol = new InterOpSolver().solve(g.numLayers(), cluster.devices(), submeshes, table,
                options.microBatches(), budget, options.schedule().equals("1F1B"));
        List<Plan.StagePlan> stages = new ArrayList<>();
        int device = 0;
        for (InterOpSolver.Stage s : sol.stages()) {
            Config c = (Config) s.option().config();
            stages.add(stagePlan(s.first(), s.last(), submeshes.get(s.submesh()), device, c.mesh(), c.problem(), c.choice()));
            device += submeshes.get(s.submesh()).devices();
        }
        return new Plan("auto", options.schedule(), options.microBatches(), stages);
    }

    private List<InterOpSolver.StageOption> stageOptions(Graph slice, Submesh sm, double budget) {
        List<InterOpSolver.StageOption> out = new ArrayList<>();
        for (MeshShape mesh : sm.logicalShapes()) {
            CostModel cm = new CostModel(cluster, mesh);
            IntraOpProblem p = IntraOpProblem.of(slice, cm, options, 1, budget);
            IntraOpSolution s;
            try {
                s = ilp.solve(p);
            } catch (InfeasiblePlanException e) {
                continue;
            }
            IntraOpProblem paramsOnly = IntraOpProblem.of(slice, cm, options, 0, budget);
            double params = paramsOnly.memory(s.choice());
            out.add(new InterOpSolver.StageOption(s.cost(), params, s.memory() - params, new Config(mesh, p, s.choice())));
        }
        return out;
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
