package dev.shard4j.autoshard;

import java.util.Locale;

/**
 * Where the planner's time went, for one {@link AutoSharder#planDetailed} call. Immutable.
 *
 * @param layerUnits       pipeline layer units the inter-op DP ran over (after layer clustering)
 * @param stageCandidates  (layer-unit range, sub-mesh, logical mesh) cells the DP asked about
 * @param distinctProblems distinct intra-op problems among them (structural cache misses)
 * @param prunedMemory     distinct problems dropped before any ILP because even their smallest-memory
 *                         assignment (or the fully sharded parameter state) exceeds the budget
 * @param prunedMesh       distinct problems dropped because a mesh axis can split no index of the slice
 * @param solvedByElimination distinct problems whose unconstrained optimum (exact, by variable elimination)
 *                         fits the memory budget, which makes it the constrained optimum without an ILP
 * @param solvedByPricing  distinct problems whose unconstrained optimum does not fit, solved by Lagrangian
 *                         pricing of memory (exact eliminations, bisected price); not proven optimal
 * @param maxPricingGap    largest relative gap (cost - dual bound) / cost over the priced solves: an upper bound
 *                         on how far each is from its ILP optimum
 * @param ilpSolves        ILP solves run (problems whose unconstrained optimum does not fit)
 * @param ilpSeconds       wall-clock seconds summed over ILP solves (over all planning threads)
 * @param maxIlpSeconds    the slowest single solve
 * @param maxNodes         nodes of the largest solved problem
 * @param maxStrategyVariables strategy (binary) variables of the largest solved problem
 * @param dpSeconds        seconds in the inter-op DP
 * @param totalSeconds     wall-clock seconds of the whole call
 */
public record PlanningStats(int layerUnits, int stageCandidates, int distinctProblems, int prunedMemory,
                            int prunedMesh, int solvedByElimination, int solvedByPricing, double maxPricingGap, int ilpSolves, double ilpSeconds, double maxIlpSeconds, int maxNodes,
                            int maxStrategyVariables, double dpSeconds, double totalSeconds) {
    /** One line for logs. */
    public String summary() {
        return String.format(Locale.ROOT, "%d layer units, %d stage candidates, %d distinct intra-op problems "
                        + "(%d pruned for memory, %d for idle mesh axes, %d exact by elimination, %d by memory pricing with gap <= %.2f%%), %d ILP solves in %.1f s (slowest %.2f s, "
                        + "largest %d nodes / %d strategy variables), DP %.2f s, total %.1f s",
                layerUnits, stageCandidates, distinctProblems, prunedMemory, prunedMesh, solvedByElimination, solvedByPricing,
                maxPricingGap * 100, ilpSolves, ilpSeconds,
                maxIlpSeconds, maxNodes, maxStrategyVariables, dpSeconds, totalSeconds);
    }
}
