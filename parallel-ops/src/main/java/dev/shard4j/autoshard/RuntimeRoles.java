package dev.shard4j.autoshard;

import java.util.ArrayList;
import java.util.List;

/**
 * The part of the strategy space the layer runtime executes ({@link AutoShardOptions#executableOnly()}): each mesh
 * axis has one role for every op of a stage. Axis 0 is data parallel (every op splits the batch letter 'b'), axis 1
 * is Megatron tensor parallel (column ops split their output feature letter, row ops their contracted letter,
 * attention its heads, embedding and loss the vocabulary; layer norms replicate, or split the sequence 's' under
 * sequence parallelism). A {@link Variant} fixes the two stage-wide switches: sequence parallelism and ZeRO-3
 * (parameters, gradients and optimizer state sharded over the data axis, for every op with parameters or none).
 * Under a variant every op has exactly one strategy, so the stage's choice is the logical mesh and the variant;
 * stages, sub-meshes and layer slicing stay the inter-op DP's. Pure.
 */
public final class RuntimeRoles {
    private RuntimeRoles() {}

    /**
     * One way a stage may run.
     *
     * @param sequenceParallel layer norms split the sequence over the tensor axis
     * @param zero             ops with parameters shard them over the data axis (ZeRO-3)
     */
    public record Variant(boolean sequenceParallel, boolean zero) {
        /** This variant's filter on a logical mesh. */
        public StrategyFilter filter(MeshShape mesh) {
            return (op, s) -> RuntimeRoles.allows(op, s, mesh, this);
        }

        @Override
        public String toString() {
            return (sequenceParallel ? "sp" : "") + (zero ? (sequenceParallel ? "+" : "") + "zero" : "")
                    + (!sequenceParallel && !zero ? "plain" : "");
        }
    }

    /**
     * The variants a stage on {@code mesh} may take: sequence parallelism only with a tensor axis, ZeRO only with a
     * data axis, when {@code allowZero}, and when the stage holds the whole model ({@code singleStage}: the pipeline
     * runtime keeps full parameters on every rank of a stage).
     */
    public static List<Variant> variants(MeshShape mesh, boolean singleStage, boolean allowZero) {
        List<Variant> out = new ArrayList<>();
        for (boolean sp : mesh.n1() > 1 ? new boolean[] {false, true} : new boolean[] {false}) {
            for (boolean zero : mesh.n0() > 1 && singleStage && allowZero ? new boolean[] {false, true}
                    : new boolean[] {false}) {
                out.add(new Variant(sp, zero));
            }
        }
        return out;
    }

    /** Whether strategy s is the one that variant v gives op on mesh. */
    static boolean allows(Op op, Strategy s, MeshShape mesh, Variant v) {
        String want = "" + (mesh.n0() > 1 ? dataLetter(op) : '-') + (mesh.n1() > 1 ? tensorLetter(op, v.sequenceParallel()) : '-');
        if (!s.axisIndex().equals(want)) return false;
        boolean zeroable = !op.params().isEmpty() && mesh.n0() > 1 && want.charAt(0) != '-';
        return s.zero() == (zeroable && v.zero());
    }

    private static boolean usesLetter(Op op, char c) {
        for (String l : op.indexLabels()) if (l.indexOf(c) >= 0) return true;
        return false;
    }

    /** The letter the data-parallel role splits: the batch 'b', or none when the op has no batch dim. */
    static char dataLetter(Op op) {
        return op.indexSizes().containsKey('b') ? 'b' : '-';
    }

    /**
     * The letter the Megatron tensor-parallel role splits: a matmul's output feature letter when it is a model
     * width letter (column parallel), else its contracted letter (row parallel); attention's heads; embedding and
     * cross-entropy's vocabulary (a table without one, the position embedding, replicates); layer norms the
     * sequence under sequence parallelism; nothing for other ops.
     */
    static char tensorLetter(Op op, boolean sequenceParallel) {
        switch (op.kind()) {
            case MATMUL: {
                String out = op.outputLabels();
                char last = out.charAt(out.length() - 1);
                if (last == 'h' || last == 'f' || last == 'v') return last;
                String in = op.inputLabels(0);
                return in.charAt(in.length() - 1);
            }
            case ATTENTION: return 'h';
            case EMBEDDING: case CROSS_ENTROPY: return usesLetter(op, 'v') ? 'v' : '-';
            case LAYERNORM: return sequenceParallel ? 's' : '-';
            default: return '-';
        }
    }
}
