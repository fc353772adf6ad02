package dev.shard4j.autoshard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * A parallelization plan: pipeline stages (layer ranges, sub-meshes, logical mesh shapes, per-op sharding), the
 * schedule and the micro-batch count. Produced by {@link AutoSharder} or {@link ManualPlans}; read by the
 * {@link Simulator} and, later, the runtime. Immutable; JSON round-trips exactly.
 *
 * @param name         label ("auto", "dp", "megatron-tp", "zero3", "dp2-tp2-pp2")
 * @param schedule     pipeline schedule name ("1F1B" or "GPipe")
 * @param microBatches micro-batches per step
 * @param stages       stages in pipeline order
 */
public record Plan(String name, String schedule, int microBatches, List<StagePlan> stages) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, false);

    public Plan { stages = List.copyOf(stages); }

    /**
     * One pipeline stage.
     *
     * @param firstLayer  first layer unit (inclusive)
     * @param lastLayer   last layer unit (inclusive)
     * @param submesh     physical devices of the stage
     * @param firstDevice global index of the stage's first device
     * @param mesh        logical mesh shape on the sub-mesh
     * @param ops         sharding per op name, in graph order
     */
    public record StagePlan(int firstLayer, int lastLayer, Submesh submesh, int firstDevice, MeshShape mesh,
                            Map<String, OpSharding> ops) {
        public StagePlan { ops = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ops)); }
    }

    /**
     * Sharding of one op: the strategy name (per mesh axis the split index letter, '-' none, "+zero" for sharded
     * optimizer state) and the specs of its inputs, output and parameters.
     */
    public record OpSharding(String strategy, List<ShardingSpec> inputs, ShardingSpec output, List<ShardingSpec> params) {
        public OpSharding {
            inputs = List.copyOf(inputs);
            params = List.copyOf(params);
        }

        static OpSharding of(Strategy s) {
            return new OpSharding(s.name(), s.inputSpecs(), s.outputSpec(), s.paramSpecs());
        }
    }

    /** Pretty-printed JSON. */
    public String toJson() {
        try { return JSON.writeValueAsString(this); }
        catch (IOException e) { throw new UncheckedIOException(e); }
    }

    /** Parses JSON written by {@link #toJson}. */
    public static Plan fromJson(String json) {
        try { return JSON.readValue(json, Plan.class); }
        catch (IOException e) { throw new UncheckedIOException("plan: " + e.getMessage(), e); }
    }

    /** Human-readable summary: one line per stage, then the strategy of each op that is not fully replicated. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("plan %s: %d stage(s), schedule %s, %d micro-batches%n", name, stages.size(), schedule, microBatches));
        for (int i = 0; i < stages.size(); i++) {
            StagePlan s = stages.get(i);
            sb.append(String.format("  stage %d: layers %d..%d on sub-mesh %s (devices %d..%d), logical mesh %s%n", i,
                    s.firstLayer(), s.lastLayer(), s.submesh(), s.firstDevice(),
                    s.firstDevice() + s.submesh().devices() - 1, s.mesh()));
            for (Map.Entry<String, OpSharding> e : s.ops().entrySet()) {
                sb.append(String.format("    %-24s %-8s out %s%n", e.getKey(), e.getValue().strategy(), e.getValue().output()));
            }
        }
        return sb.toString();
    }
}
