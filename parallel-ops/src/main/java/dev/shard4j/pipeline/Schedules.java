package dev.shard4j.pipeline;

import dev.shard4j.pipeline.Instruction.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Schedule generators: GPipe (all forwards, then all backwards), 1F1B (PipeDream-Flush: at most {@code p - r}
 * micro-batches in flight on rank r) and interleaved 1F1B ({@code v} model chunks per rank, Megatron-LM's order).
 * Each forward is preceded by the receive of its input (except on the first virtual stage) and followed by the send
 * of its output (except on the last); each backward likewise receives its output gradient, sends its input gradient
 * and then frees the micro-batch. Stateless; any thread.
 */
public final class Schedules {
  private Schedules() {}

  /** The schedule called {@code name}: {@code gpipe}, {@code 1f1b} or {@code interleaved} (chunks > 1 only here). */
  public static Schedule byName(String name, int stages, int chunks, int microBatches) {
    String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
    if (!n.equals("interleaved") && chunks != 1) {
      throw new IllegalArgumentException("schedule " + name + " runs one model chunk per rank, got chunks=" + chunks);
    }
    return switch (n) {
      case "gpipe" -> gpipe(stages, microBatches);
      case "1f1b" -> oneForwardOneBackward(stages, microBatches);
      case "interleaved" -> interleaved(stages, chunks, microBatches);
      case "zb-h1", "zbh1" -> throw new UnsupportedOperationException("schedule zb-h1 (zero bubble with split "
          + "input/weight backward) is not implemented; use gpipe, 1f1b or interleaved");
      default -> throw new IllegalArgumentException("unknown schedule '" + name
          + "': expected gpipe, 1f1b or interleaved");
    };
  }

  /** GPipe: every micro-batch forward, then every backward (in reverse order); m micro-batches in flight. */
  public static Schedule gpipe(int stages, int microBatches) {
    check("gpipe", stages, 1, microBatches);
    List<List<Instruction>> programs = new ArrayList<>();
    for (int r = 0; r < stages; r++) {
      List<Instruction> p = new ArrayList<>();
      for (int mb = 0; mb < microBatches; mb++) {
        forward(p, stages, 1, r, 0, mb);
      }
      for (int mb = microBatches - 1; mb >= 0; mb--) {
        backward(p, stages, 1, r, 0, mb);
      }
      finish(p);
      programs.add(p);
    }
    return new Schedule("gpipe", stages, 1, microBatches, programs);
  }

  /** 1F1B (PipeDream-Flush): {@code min(p - r - 1, m)} warm-up forwards, then alternate, then drain. */
  public static Schedule oneForwardOneBackward(int stages, int microBatches) {
    check("1f1b", stages, 1, microBatches);
    List<List<Instruction>> programs = new ArrayList<>();
    for (int r = 0; r < stages; r++) {
      List<Instruction> p = new ArrayList<>();
      int warmup = Math.min(stages - r - 1, microBatches);
      int nextForward = 0;
      int nextBackward = 0;
      for (; nextForward < warmup; nextForward++) {
        forward(p, stages, 1, r, 0, nextForward);
      }
      while (nextForward < microBatches) {
        forward(p, stages, 1, r, 0, nextForward++);
        backward(p, stages, 1, r, 0, nextBackward++);
      }
      while (nextBackward < microBatches) {
        backward(p, stages, 1, r, 0, nextBackward++);
      }
      finish(p);
      programs.add(p);
    }
    return new Schedule("1f1b", stages, 1, microBatches, programs);
  }

  /**
   * Interleaved 1F1B (Megatron-LM): rank r holds virtual stages {@code r, r + p, ..., r + (v-1)p}; micro-batches go
   * through the chunks in groups of p; warm-up is {@code 2(p - r - 1) + (v - 1)p} chunk-forwards. Needs m divisible
   * by p.
   */
  public static Schedule interleaved(int stages, int chunks, int microBatches) {
    check("interleaved", stages, chunks, microBatches);
    if (microBatches % stages != 0) {
      throw new IllegalArgumentException("interleaved schedule: microBatches=" + microBatches
          + " must be a multiple of the pipeline stages=" + stages);
    }
    int total = microBatches * chunks;
    List<List<Instruction>> programs = new ArrayList<>();
    for (int r = 0; r < stages; r++) {
      List<Instruction> p = new ArrayList<>();
      int warmup = Math.min(2 * (stages - r - 1) + (chunks - 1) * stages, total);
      int f = 0;
      int b = 0;
      for (; f < warmup; f++) {
        forward(p, stages, chunks, r, chunkOf(f, stages, chunks, true), microBatchOf(f, stages, chunks));
      }
      while (f < total) {
        forward(p, stages, chunks, r, chunkOf(f, stages, chunks, true), microBatchOf(f, stages, chunks));
        f++;
        backward(p, stages, chunks, r, chunkOf(b, stages, chunks, false), microBatchOf(b, stages, chunks));
        b++;
      }
      for (; b < total; b++) {
        backward(p, stages, chunks, r, chunkOf(b, stages, chunks, false), microBatchOf(b, stages, chunks));
      }
      finish(p);
      programs.add(p);
    }
    return new Schedule("interleaved", stages, chunks, microBatches, programs);
  }

  private static int chunkOf(int k, int stages, int chunks, boolean forward) {
    int c = (k / stages) % chunks;
    return forward ? c : chunks - 1 - c;
  }

  private static int microBatchOf(int k, int stages, int chunks) {
    return (k / (stages * chunks)) * stages + k % stages;
  }

  private static void check(String name, int stages, int chunks, int microBatches) {
    if (stages < 1 || chunks < 1 || microBatches < 1) {
      throw new IllegalArgumentException(name + " schedule: stages=" + stages + " chunks=" + chunks
          + " microBatches=" + microBatches + " must all be >= 1");
    }
  }

  private static void forward(List<Instruction> p, int stages, int chunks, int rank, int chunk, int mb) {
    int vs = chunk * stages + rank;
    if (vs > 0) {
      p.add(Instruction.of(Op.RECV_ACT, chunk, mb));
    }
    p.add(Instruction.of(Op.FORWARD, chunk, mb));
    if (vs < stages * chunks - 1) {
      p.add(Instruction.of(Op.SEND_ACT, chunk, mb));
    }
  }

  private static void backward(List<Instruction> p, int stages, int chunks, int rank, int chunk, int mb) {
    int vs = chunk * stages + rank;
    if (vs < stages * chunks - 1) {
      p.add(Instruction.of(Op.RECV_GRAD, chunk, mb));
    }
    p.add(Instruction.of(Op.BACKWARD, chunk, mb));
    if (vs > 0) {
      p.add(Instruction.of(Op.SEND_GRAD, chunk, mb));
    }
    p.add(Instruction.of(Op.FREE, chunk, mb));
  }

  private static void finish(List<Instruction> p) {
    p.add(Instruction.stepWide(Op.REDUCE_GRADS));
    p.add(Instruction.stepWide(Op.OPTIMIZER_STEP));
  }
}
