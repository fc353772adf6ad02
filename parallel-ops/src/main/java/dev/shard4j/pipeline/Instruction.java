package dev.shard4j.pipeline;

/**
 * One step of a pipeline schedule on one rank: an operation on model chunk {@code chunk} (0 unless the schedule is
 * interleaved) for micro-batch {@code microBatch}. Step-wide operations ({@link Op#REDUCE_GRADS},
 * {@link Op#OPTIMIZER_STEP}) use -1 for both. Immutable; any thread.
 */
public record Instruction(Op op, int chunk, int microBatch) {
  /** What an instruction does. */
  public enum Op {
    /** Receive the input activation of (chunk, micro-batch) from the previous virtual stage. */
    RECV_ACT,
    /** Run the chunk's forward pass, keeping its activations for the backward pass. */
    FORWARD,
    /** Send the output activation to the next virtual stage (asynchronously). */
    SEND_ACT,
    /** Receive the gradient of the output activation from the next virtual stage. */
    RECV_GRAD,
    /** Run the chunk's full backward pass: input gradient and weight gradients. */
    BACKWARD,
    /** Backward for the input gradient only (zero-bubble schedules; the weight part follows in BACKWARD_WEIGHT). */
    BACKWARD_INPUT,
    /** Weight-gradient part of a split backward (zero-bubble schedules). */
    BACKWARD_WEIGHT,
    /** Send the gradient of the input activation to the previous virtual stage (asynchronously). */
    SEND_GRAD,
    /** Release the micro-batch's saved activations once its sends have completed. */
    FREE,
    /** Reduce gradients over data-parallel ranks and tied parameters over stages. */
    REDUCE_GRADS,
    /** Clip and apply the optimizer. */
    OPTIMIZER_STEP
  }

  /** Checks the indices. */
  public Instruction {
    if (op == null) {
      throw new IllegalArgumentException("Instruction: op is null");
    }
    boolean stepWide = op == Op.REDUCE_GRADS || op == Op.OPTIMIZER_STEP;
    if (stepWide ? chunk != -1 || microBatch != -1 : chunk < 0 || microBatch < 0) {
      throw new IllegalArgumentException("Instruction " + op + ": chunk=" + chunk + " microBatch=" + microBatch
          + (stepWide ? " must both be -1" : " must be >= 0"));
    }
  }

  /** An instruction for (chunk, micro-batch). */
  public static Instruction of(Op op, int chunk, int microBatch) {
    return new Instruction(op, chunk, microBatch);
  }

  /** A step-wide instruction. */
  public static Instruction stepWide(Op op) {
    return new Instruction(op, -1, -1);
  }

  /** Short form, e.g. {@code F1.3} (chunk 1, micro-batch 3). */
  public String label() {
    String s = switch (op) {
      case RECV_ACT -> "rA";
      case FORWARD -> "F";
      case SEND_ACT -> "sA";
      case RECV_GRAD -> "rG";
      case BACKWARD -> "B";
      case BACKWARD_INPUT -> "Bi";
      case BACKWARD_WEIGHT -> "W";
      case SEND_GRAD -> "sG";
      case FREE -> "free";
      case REDUCE_GRADS -> "reduce";
      case OPTIMIZER_STEP -> "step";
    };
    return chunk < 0 ? s : s + chunk + "." + microBatch;
  }
}
