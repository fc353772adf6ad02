package dev.shard4j.autoshard;

/** Thrown when no plan fits the memory budget; the message states what is needed and what is available. */
public final class InfeasiblePlanException extends RuntimeException {
    public InfeasiblePlanException(String message) { super(message); }

    static InfeasiblePlanException memory(double needBytes, double budgetBytes) {
        double gib = 1L << 30;
        return new InfeasiblePlanException(String.format(
                "no sharding fits: needs %.2f GiB per device, budget %.2f GiB", needBytes / gib, budgetBytes / gib));
    }

    static InfeasiblePlanException memory(double needBytes, double budgetBytes, String how) {
        double gib = 1L << 30;
        return new InfeasiblePlanException(String.format("no sharding fits: needs %.2f GiB per device (%s), "
                + "budget %.2f GiB", needBytes / gib, how, budgetBytes / gib));
    }
}
