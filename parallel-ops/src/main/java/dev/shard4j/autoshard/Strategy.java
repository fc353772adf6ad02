package dev.shard4j.autoshard;

import java.util.List;

/**
 * One placement choice of an op on a logical mesh, with its costs. {@code axisIndex} gives, per mesh axis, the index
 * letter that axis splits ('-' for none); {@code zero} marks parameters sharded over the data-parallel axes.
 *
 * @param compute      forward + backward compute seconds per micro-batch
 * @param comm         the op's own communication seconds per micro-batch (row-parallel output all-reduce,
 *                     column-parallel input-gradient all-reduce, ZeRO weight all-gathers)
 * @param gradSync     gradient synchronisation seconds once per step (data-parallel all-reduce or ZeRO reduce-scatter)
 * @param update       optimizer update seconds once per step (AdamW over this device's share of the op's state)
 * @param paramMemory  bytes per device of weights + gradients + optimizer state
 * @param activationMemory bytes per device per micro-batch of the saved output
 */
public record Strategy(String name, String axisIndex, boolean zero, List<ShardingSpec> inputSpecs,
                       ShardingSpec outputSpec, List<ShardingSpec> paramSpecs, double compute, double comm,
                       double gradSync, double update, double paramMemory, double activationMemory) {
    public Strategy {
        inputSpecs = List.copyOf(inputSpecs);
        paramSpecs = List.copyOf(paramSpecs);
    }

    /** Seconds per micro-batch when a step has B micro-batches (grad sync and update amortised). */
    public double timePerMicroBatch(int microBatches) { return compute + comm + (gradSync + update) / microBatches; }
}
