package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.List;

/**
 * Estimates step time and per-device memory of any {@link Plan} on any {@link ClusterProfile}, with the same cost
 * model the solvers use: stage time t_i = compute + communication + resharding of its ops per micro-batch (gradient
 * synchronisation amortised over the B micro-batches) + the point-to-point sends of the stage per micro-batch (its
 * output activations forward, its input's gradient backward: {@link CostModel#sendRecv} of the larger per-device
 * piece of the two stages' layouts; the inter-op DP prices them with the boundary split over the stage's data
 * axis); step = sum(t_i) + (B-1)
 * max(t_i) (the bubble of 1F1B and
 * GPipe alike), bounded below by throughput instead on a node whose devices share fewer cores
 * ({@link #sharedCoreStep}); memory = weights/grads/optimizer state + in-flight micro-batches' activations (1F1B: stage i of S
 * holds min(S - i, B); GPipe: B). The graph is the one of a single micro-batch. Pure.
 */
public final class Simulator {
    /** Result per stage and overall. */
    public record Estimate(double stepSeconds, double[] stageSeconds, double[] stageMemoryBytes) {
        /** Largest per-device memory over stages. */
        public double peakMemoryBytes() {
            double m = 0;
            for (double x : stageMemoryBytes) m = Math.max(m, x);
            return m;
        }
    }

    private final Graph graph;
    private final ClusterProfile cluster;
    private final AutoShardOptions options;

    public Simulator(Graph microBatchGraph, ClusterProfile cluster, AutoShardOptions options) {
        this.graph = microBatchGraph;
        this.cluster = cluster;
        this.options = options;
    }

    /** Estimates a plan; throws if the plan names a strategy the op does not have on its mesh. */
    public Estimate estimate(Plan plan) {
        int S = plan.stages().size();
        double[] t = new double[S], mem = new double[S];
        int devices = 0;
        for (int i = 0; i < S; i++) {
            Plan.StagePlan st = plan.stages().get(i);
            devices += st.submesh().devices();
            if (st.mesh().devices() != st.submesh().devices()) {
                throw new IllegalArgumentException("stage " + i + ": logical mesh " + st.mesh() + " on sub-mesh " + st.submesh());
            }
            IntraOpProblem p = IntraOpProblem.of(graph.slice(st.firstLayer(), st.lastLayer()),
                    new CostModel(cluster, st.mesh()), options.withMicroBatches(plan.microBatches()), 1, Double.MAX_VALUE);
            int[] choice = choiceOf(p, st, i);
            t[i] = p.cost(choice);
            double act = 0, params = 0;
            IntraOpProblem q = IntraOpProblem.of(graph.slice(st.firstLayer(), st.lastLayer()),
                    new CostModel(cluster, st.mesh()), options, 0, Double.MAX_VALUE);
            params = q.memory(choice);
            act = p.memory(choice) - params;
            int copies = plan.schedule().equals("GPipe") ? plan.microBatches() : Math.min(S - i, plan.microBatches());
            mem[i] = params + copies * act;
        }
        for (int i = 0; i + 1 < S; i++) {
            double bytes = boundaryBytes(plan.stages().get(i), plan.stages().get(i + 1));
            CostModel cm = new CostModel(cluster, plan.stages().get(i).mesh());
            t[i] += cm.sendRecv(bytes);     // forward: activations to stage i + 1
            t[i + 1] += cm.sendRecv(bytes); // backward: their gradient back to stage i
        }
        if (devices > cluster.devices()) {
            throw new IllegalArgumentException("plan uses " + devices + " devices, cluster has " + cluster.devices());
        }
        int[] stageDevices = new int[S];
        for (int i = 0; i < S; i++) stageDevices[i] = plan.stages().get(i).submesh().devices();
        double step = sharedCoreStep(InterOpSolver.pipelineTime(t, plan.microBatches()), t, stageDevices,
                plan.microBatches(), cluster);
        return new Estimate(step, t, mem);
    }

    /**
     * The step time on a node whose N devices share C < N cores ({@link ComputeCalibration#sharesCores}); the stage
     * times are at the profile's all-devices-busy rates. Two bounds, the larger wins: throughput (the busy time of all
     * devices, sum of n_i B t_i, spread over N devices at the all-busy rate) and the pipeline's critical path with
     * each stage running as fast as it does when it alone computes (t_i max(C, n_i) / N: n_i devices on C cores).
     * A single stage over the node gives back its pipeline time; bubbles cost only the cores they leave idle.
     * Profiles without shared cores, and clusters of several nodes, keep the pipeline time.
     */
    static double sharedCoreStep(double pipelineSeconds, double[] t, int[] stageDevices, int microBatches,
                                 ClusterProfile cluster) {
        if (cluster.nodes() > 1 || !cluster.calibration().sharesCores(cluster.devicesPerNode())) return pipelineSeconds;
        double n = cluster.devicesPerNode(), cores = cluster.calibration().coresPerNode();
        double work = 0;
        double[] alone = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            work += stageDevices[i] * (double) microBatches * t[i];
            alone[i] = t[i] * Math.max(cores, stageDevices[i]) / n;
        }
        return Math.max(work / n, InterOpSolver.pipelineTime(alone, microBatches));
    }

    /**
     * Per-device bytes crossing from stage {@code a} to the next stage {@code b}: every tensor an op of b reads that an
     * op of a produced, at the larger of its two layouts' pieces.
     */
    private double boundaryBytes(Plan.StagePlan a, Plan.StagePlan b) {
        double total = 0;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Op op : graph.ops()) {
            if (op.layer() < b.firstLayer() || op.layer() > b.lastLayer()) continue;
            for (int k = 0; k < op.inputs().size(); k++) {
                String in = op.inputs().get(k);
                Op producer = graph.producer(in);
                if (producer == null || producer.layer() < a.firstLayer() || producer.layer() > a.lastLayer()
                        || !seen.add(in)) continue;
                TensorInfo t = graph.tensor(in);
                Plan.OpSharding from = a.ops().get(producer.name());
                Plan.OpSharding to = b.ops().get(op.name());
                double sent = from == null ? t.bytes() : StrategyGenerator.localBytes(t, from.output(), a.mesh());
                ShardingSpec wanted = to == null ? null
                        : to.strategy().startsWith("=") || to.inputs().size() <= k ? to.output() : to.inputs().get(k);
                double got = wanted == null ? t.bytes() : StrategyGenerator.localBytes(t, wanted, b.mesh());
                total += Math.max(sent, got);
            }
        }
        return total;
    }

    static int[] choiceOf(IntraOpProblem p, Plan.StagePlan st, int stageIndex) {
        int[] choice = new int[p.nodes().size()];
        for (int n = 0; n < choice.length; n++) {
            IntraOpProblem.Node node = p.nodes().get(n);
            String root = node.ops().get(0);
            Plan.OpSharding os = st.ops().get(root);
            if (os == null) throw new IllegalArgumentException("stage " + stageIndex + ": plan has no sharding for op " + root);
            choice[n] = -1;
            List<String> names = new ArrayList<>();
            for (int k = 0; k < node.strategies().size(); k++) {
                names.add(node.strategies().get(k).name());
                if (node.strategies().get(k).name().equals(os.strategy())) choice[n] = k;
            }
            if (choice[n] < 0) {
                throw new IllegalArgumentException("stage " + stageIndex + ": op " + root + " has no strategy '"
                        + os.strategy() + "' on mesh " + st.mesh() + " (valid: " + names + ")");
            }
        }
        return choice;
    }
}
