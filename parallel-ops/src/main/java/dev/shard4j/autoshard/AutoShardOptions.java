package dev.shard4j.autoshard;

/**
 * Options of the automatic planner. Immutable; {@link #defaults()} gives sensible values.
 *
 * @param microBatches           number of micro-batches B per step; the pipeline formula is sum(t) + (B-1) max(t)
 * @param schedule               pipeline schedule name, "1F1B" (activations of at most #stages micro-batches in
 *                               flight per stage) or "GPipe" (all B micro-batches in flight)
 * @param stateBytesPerParam     bytes per parameter for weights + gradients + optimizer state (bf16 weights and
 *                               grads, fp32 master copy and two Adam moments: 2 + 2 + 12 = 16)
 * @param memoryFraction         fraction of device memory the plan may use (the rest is workspace and fragmentation)
 * @param allowZero              whether strategies may shard parameters and optimizer state over data-parallel axes
 *                               (ZeRO-3: all-gather weights in forward and backward, reduce-scatter gradients)
 * @param ilpTimeLimitSeconds    wall-clock limit of one intra-op ILP solve
 * @param ilpWorkers             solver threads per ILP solve (1 keeps solves deterministic)
 * @param layerUnits             at most this many pipeline layer units for the inter-op DP (Alpa's layer
 *                               clustering: blocks grouped contiguously, the first layer with the first unit, the
 *                               last layer with the last unit); stage boundaries fall only between units
 * @param foldRepeatedLayers     solve a slice with a run of structurally identical layers as one layer whose
 *                               costs count the run length (one shared assignment for the run, see
 *                               {@link FoldedSlice}); false solves every layer's ops in one exact ILP
 * @param planningThreads        threads solving independent intra-op problems at once
 * @param priceMemory            when a problem's cost-optimal assignment does not fit memory, solve it by
 *                               Lagrangian pricing of memory (fast, with a reported optimality gap) instead of the
 *                               exact ILP
 * @param executableOnly         restrict plans to what the layer runtime executes ({@link RuntimeRoles}): axis 0 of
 *                               every logical mesh data parallel, axis 1 Megatron tensor parallel, sequence
 *                               parallelism and ZeRO-3 all-or-none per stage, ZeRO only in single-stage plans, and
 *                               the first and last stage of a pipeline of the same shape (they share the tied
 *                               embedding); false lets every op choose any strategy (Alpa's full space)
 */
public record AutoShardOptions(int microBatches, String schedule, double stateBytesPerParam, double memoryFraction,
                               boolean allowZero, double ilpTimeLimitSeconds, int ilpWorkers, int layerUnits,
                               boolean foldRepeatedLayers, int planningThreads, boolean priceMemory,
                               boolean executableOnly) {
    public AutoShardOptions {
        if (microBatches <= 0) throw new IllegalArgumentException("microBatches must be positive: " + microBatches);
        if (!schedule.equals("1F1B") && !schedule.equals("GPipe")) {
            throw new IllegalArgumentException("unknown schedule '" + schedule + "' (known: 1F1B, GPipe)");
        }
        if (memoryFraction <= 0 || memoryFraction > 1) throw new IllegalArgumentException("memoryFraction " + memoryFraction);
        if (layerUnits < 1) throw new IllegalArgumentException("layerUnits must be positive: " + layerUnits);
        if (planningThreads < 1) throw new IllegalArgumentException("planningThreads must be positive: " + planningThreads);
    }

    /** The same settings with B = 8, 1F1B and the ILP limits, for callers that set only the classic fields. */
    public AutoShardOptions(int microBatches, String schedule, double stateBytesPerParam, double memoryFraction,
                            boolean allowZero, double ilpTimeLimitSeconds, int ilpWorkers) {
        this(microBatches, schedule, stateBytesPerParam, memoryFraction, allowZero, ilpTimeLimitSeconds, ilpWorkers,
                16, true, Math.max(1, Runtime.getRuntime().availableProcessors()), true, false);
    }

    /**
     * B = 8, 1F1B, 16 bytes per parameter, 90% of memory, ZeRO allowed, 10 s per ILP, 1 solver thread, 16 layer
     * units, repeated layers folded, one planning thread per available processor.
     */
    public static AutoShardOptions defaults() { return new AutoShardOptions(8, "1F1B", 16, 0.9, true, 10, 1); }

    /** A copy with another micro-batch count. */
    public AutoShardOptions withMicroBatches(int b) {
        return new AutoShardOptions(b, schedule, stateBytesPerParam, memoryFraction, allowZero, ilpTimeLimitSeconds,
                ilpWorkers, layerUnits, foldRepeatedLayers, planningThreads, priceMemory, executableOnly);
    }

    /** A copy with another schedule. */
    public AutoShardOptions withSchedule(String s) {
        return new AutoShardOptions(microBatches, s, stateBytesPerParam, memoryFraction, allowZero, ilpTimeLimitSeconds,
                ilpWorkers, layerUnits, foldRepeatedLayers, planningThreads, priceMemory, executableOnly);
    }

    /** A copy with another bound on the number of layer units of the inter-op DP. */
    public AutoShardOptions withLayerUnits(int k) {
        return new AutoShardOptions(microBatches, schedule, stateBytesPerParam, memoryFraction, allowZero,
                ilpTimeLimitSeconds, ilpWorkers, k, foldRepeatedLayers, planningThreads, priceMemory, executableOnly);
    }

    /** A copy that folds (true) or solves exactly (false) runs of identical layers. */
    public AutoShardOptions withFoldRepeatedLayers(boolean fold) {
        return new AutoShardOptions(microBatches, schedule, stateBytesPerParam, memoryFraction, allowZero,
                ilpTimeLimitSeconds, ilpWorkers, layerUnits, fold, planningThreads, priceMemory, executableOnly);
    }

    /** A copy that prices memory (true) or runs the exact ILP (false) when the cost optimum does not fit. */
    public AutoShardOptions withPriceMemory(boolean price) {
        return new AutoShardOptions(microBatches, schedule, stateBytesPerParam, memoryFraction, allowZero,
                ilpTimeLimitSeconds, ilpWorkers, layerUnits, foldRepeatedLayers, planningThreads, price, executableOnly);
    }

    /** A copy restricted (true) or not (false) to plans the layer runtime executes, see {@link RuntimeRoles}. */
    public AutoShardOptions withExecutableOnly(boolean executable) {
        return new AutoShardOptions(microBatches, schedule, stateBytesPerParam, memoryFraction, allowZero,
                ilpTimeLimitSeconds, ilpWorkers, layerUnits, foldRepeatedLayers, planningThreads, priceMemory,
                executable);
    }

    /** A copy with another number of planning threads. */
    public AutoShardOptions withPlanningThreads(int n) {
        return new AutoShardOptions(microBatches, schedule, stateBytesPerParam, memoryFraction, allowZero,
                ilpTimeLimitSeconds, ilpWorkers, layerUnits, foldRepeatedLayers, n, priceMemory, executableOnly);
    }
}
