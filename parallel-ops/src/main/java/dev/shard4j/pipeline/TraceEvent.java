package dev.shard4j.pipeline;

/**
 * One executed instruction on one rank: its pipeline stage, world rank, instruction, step and wall-clock interval
 * (nanoseconds from {@link System#nanoTime()}; comparable between ranks of one process). Immutable; any thread.
 */
public record TraceEvent(int rank, int stage, int step, Instruction instruction, long startNs, long endNs) {
  /** Whether the instruction is computation (forward or backward) rather than communication or bookkeeping. */
  public boolean isCompute() {
    return switch (instruction.op()) {
      case FORWARD, BACKWARD, BACKWARD_INPUT, BACKWARD_WEIGHT -> true;
      default -> false;
    };
  }
}
