package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.List;

/**
 * Hand-designed plans expressed as {@link Plan}s, for comparison with the automatic one under the same
 * {@link Simulator}: pure data parallel, Megatron tensor parallel, ZeRO-3, and the 3-D DP x TP x PP grid. Every op
 * gets per mesh axis a role: DATA splits the batch letter 'b'; TENSOR splits the Megatron letter of the op (column
 * ops split their output feature letter, row ops their contracted letter, attention its heads, embedding and loss
 * the vocabulary (the position embedding nothing), layernorm nothing). A role whose split does not divide falls back to no split on that axis.
 */
public final class ManualPlans {
    private enum Role { NONE, DATA, TENSOR }

    private ManualPlans() {}

    /** All devices data parallel: one stage, logical mesh D x 1. */
    public static Plan dataParallel(Graph g, ClusterProfile c, AutoShardOptions o) {
        return grid("dp", g, c, o, c.devices(), 1, 1, false);
    }

    /** All devices Megatron tensor parallel: one stage, logical mesh 1 x D. */
    public static Plan megatron(Graph g, ClusterProfile c, AutoShardOptions o) {
        return grid("megatron-tp", g, c, o, 1, c.devices(), 1, false);
    }

    /** ZeRO-3: data parallel with parameters, gradients and optimizer state sharded over all devices. */
    public static Plan zero3(Graph g, ClusterProfile c, AutoShardOptions o) {
        return grid("zero3", g, c, o, c.devices(), 1, 1, true);
    }

    /**
     * The 3-D grid: pp stages of equal layer counts (the first stages take the remainder), each on dp*tp devices
     * with logical mesh dp x tp (data parallel outer, tensor parallel inner).
     */
    public static Plan grid3d(Graph g, ClusterProfile c, AutoShardOptions o, int dp, int tp, int pp) {
        return grid("dp" + dp + "-tp" + tp + "-pp" + pp, g, c, o, dp, tp, pp, false);
    }

    /**
     * The 3-D grid with Megatron sequence parallelism (layer norms split the sequence over the tensor axis) and/or
     * ZeRO-3 over the data axis; named like {@code dp2-tp2-pp1-sp-zero3}.
     */
    public static Plan grid3d(Graph g, ClusterProfile c, AutoShardOptions o, int dp, int tp, int pp,
                              boolean sequenceParallel, boolean zero) {
        String name = "dp" + dp + "-tp" + tp + "-pp" + pp + (sequenceParallel ? "-sp" : "") + (zero ? "-zero3" : "");
        return grid(name, g, c, o, dp, tp, pp, zero, sequenceParallel);
    }

    private static Plan grid(String name, Graph g, ClusterProfile c, AutoShardOptions o, int dp, int tp, int pp,
                             boolean zero) {
        return grid(name, g, c, o, dp, tp, pp, zero, false);
    }

    private static Plan grid(String name, Graph g, ClusterProfile c, AutoShardOptions o, int dp, int tp, int pp,
                             boolean zero, boolean sequenceParallel) {
        if (dp * tp * pp != c.devices()) {
            throw new IllegalArgumentException(name + ": dp*tp*pp = " + dp * tp * pp + " but the cluster has " + c.devices() + " devices");
        }
        int layers = g.numLayers();
        if (pp > layers) throw new IllegalArgumentException(name + ": " + pp + " stages for " + layers + " layers");
        int per = dp * tp;
        Submesh sm = per >= c.devicesPerNode() ? new Submesh(per / c.devicesPerNode(), c.devicesPerNode()) : new Submesh(1, per);
        if (sm.devices() != per) throw new IllegalArgumentException(name + ": " + per + " devices per stage do not form a sub-mesh");
        MeshShape mesh = new MeshShape(dp, tp);
        CostModel cm = new CostModel(c, mesh);
        List<Plan.StagePlan> stages = new ArrayList<>();
        int first = 0;
        for (int s = 0; s < pp; s++) {
            int count = layers / pp + (s < layers % pp ? 1 : 0);
            int last = first + count - 1;
            IntraOpProblem p = IntraOpProblem.of(g.slice(first, last), cm, o, 1, Double.MAX_VALUE);
            int[] choice = new int[p.nodes().size()];
            for (int n = 0; n < choice.length; n++) {
                Op root = g.op(p.nodes().get(n).ops().get(0));
                choice[n] = pick(root, p.nodes().get(n).strategies(), Role.DATA, Role.TENSOR, zero, sequenceParallel);
            }
            stages.add(AutoSharder.stagePlan(first, last, sm, s * per, mesh, p, choice));
            first = last + 1;
        }
        return new Plan(name, o.schedule(), o.microBatches(), stages);
    }

    private static int pick(Op op, List<Strategy> ss, Role r0, Role r1, boolean zero, boolean sequenceParallel) {
        char a0 = letter(op, r0, sequenceParallel), a1 = letter(op, r1, sequenceParallel);
        String[] wanted = {"" + a0 + a1, "" + a0 + '-', "-" + a1, "--"};
        for (String w : wanted) {
            for (boolean z : zero ? new boolean[] {true, false} : new boolean[] {false}) {
                for (int k = 0; k < ss.size(); k++) {
                    if (ss.get(k).axisIndex().equals(w) && ss.get(k).zero() == z) return k;
                }
            }
        }
        throw new IllegalStateException("op " + op.name() + " has no replicated strategy");
    }

    private static char letter(Op op, Role role, boolean sequenceParallel) {
        if (role == Role.NONE) return '-';
        if (role == Role.DATA) return RuntimeRoles.dataLetter(op);
        return RuntimeRoles.tensorLetter(op, sequenceParallel);
    }
}
