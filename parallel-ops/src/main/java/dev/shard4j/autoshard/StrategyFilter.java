package dev.shard4j.autoshard;

/**
 * Restricts the strategies an intra-op problem offers an op, e.g. to those a runtime executes
 * ({@link RuntimeRoles}). Pure; implementations must be thread-safe (problems are built on a pool).
 */
@FunctionalInterface
public interface StrategyFilter {
    /** Every strategy the generator finds. */
    StrategyFilter ALL = (op, s) -> true;

    /** Whether op may take strategy s. */
    boolean allows(Op op, Strategy s);
}
