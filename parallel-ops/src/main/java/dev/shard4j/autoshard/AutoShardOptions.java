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
 * @param ilpWorkers             CP-SAT search workers (1 keeps solves deterministic)
 */
public record AutoShardOptions(int microBatches, String schedule, double stateBytesPerParam, double memoryFraction,
                               boolean allowZero, double ilpTimeLimitSeconds, int ilpWorkers) {
    public AutoShardOptions {
        if (microBatches <= 0) throw new IllegalArgumentException("microBatches must be positive: " + microBatches);
        if (!schedule.equals("1F1B") && !schedule.equals("GPipe")) {
            throw new IllegalArgumentException("unknown schedule '" + schedule + "' (known: 1F1B, GPipe)");
        }
        if (memoryFraction <= 0 || memoryFraction > 1) throw new IllegalArgumentException("memoryFraction " + memoryFraction);
    }

    /** B = 8, 1F1B, 16 bytes per parameter, 90% of memory, ZeRO allowed, 10 s per ILP, 1 worker. */
    public static AutoShardOptions defaults() { return new AutoShardOptions(8, "1F1B", 16, 0.9, true, 10, 1); }

    /** A copy with another micro-batch count. */
    public AutoShardOptions withMicroBatches(int b) {
        return new AutoShardOptions(b, schedule, stateBytesPerParam, memoryFraction, allowZero, ilpTimeLimitSeconds, ilpWorkers);
    }

    /** A copy with another schedule. */
    public AutoShardOptions withSchedule(String s) {
        return new AutoShardOptions(microBatches, s, stateBytesPerParam, memoryFraction, allowZero, ilpTimeLimitSeconds, ilpWorkers);
    }
}
