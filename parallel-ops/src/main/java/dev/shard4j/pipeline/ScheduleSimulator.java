package dev.shard4j.pipeline;

import dev.shard4j.pipeline.Instruction.Op;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a {@link Schedule} by running it on paper: every rank executes its program in order with non-blocking sends
 * and blocking receives over one FIFO channel per virtual-stage boundary and direction (the executor's transport).
 * It rejects a schedule whose receives do not match the sends in order, whose instructions run before their inputs
 * exist, that forwards or backwards a (chunk, micro-batch) other than exactly once, or that deadlocks; and it reports
 * the peak number of micro-batches whose activations each rank holds and the makespan with the given per-chunk
 * forward and backward times (communication free). Stateless; any thread.
 */
public final class ScheduleSimulator {
  /** The outcome: peak in-flight micro-batches and busy time per rank, and the makespan. */
  public record Report(int[] peakInFlight, double[] busy, double makespan) {
    /** Mean over ranks of (makespan - busy) / busy: the bubble relative to the ideal time. */
    public double bubble() {
      double s = 0;
      for (double b : busy) {
        s += (makespan - b) / b;
      }
      return s / busy.length;
    }
  }

  private ScheduleSimulator() {}

  /** Simulates with unit forward and twice as long backward per whole stage. */
  public static Report run(Schedule s) {
    return run(s, 1.0, 2.0);
  }

  /**
   * Simulates {@code s}; {@code forward} and {@code backward} are the times of one micro-batch through one rank's
   * whole share of the model (each of its v chunks takes 1/v of them).
   */
  public static Report run(Schedule s, double forward, double backward) {
    int p = s.stages();
    int v = s.chunks();
    int m = s.microBatches();
    int vStages = s.virtualStages();
    double tf = forward / v;
    double tb = backward / v;
    Map<Long, ArrayDeque<double[]>> channels = new HashMap<>();
    int[] pc = new int[p];
    double[] clock = new double[p];
    double[] busy = new double[p];
    int[] live = new int[p];
    int[] peak = new int[p];
    int[][] forwarded = new int[vStages][m];
    int[][] backwarded = new int[vStages][m];
    boolean[][] haveInput = new boolean[vStages][m];
    boolean[][] haveGrad = new boolean[vStages][m];
    boolean[][] sentAct = new boolean[vStages][m];
    boolean[][] sentGrad = new boolean[vStages][m];
    boolean[] reduced = new boolean[p];
    int done = 0;
    while (done < p) {
      boolean progress = false;
      done = 0;
      for (int r = 0; r < p; r++) {
        List<Instruction> prog = s.program(r);
        while (pc[r] < prog.size()) {
          Instruction in = prog.get(pc[r]);
          if (!step(s, r, in, channels, clock, busy, live, peak, forwarded, backwarded, haveInput, haveGrad,
              sentAct, sentGrad, reduced, tf, tb)) {
            break;
          }
          pc[r]++;
          progress = true;
        }
        if (pc[r] == prog.size()) {
          done++;
        }
      }
      if (!progress && done < p) {
        StringBuilder where = new StringBuilder();
        for (int r = 0; r < p; r++) {
          if (pc[r] < s.program(r).size()) {
            where.append(" rank ").append(r).append(" at ").append(s.program(r).get(pc[r]).label());
          }
        }
        throw new IllegalStateException(s + " deadlocks:" + where);
      }
    }
    for (var e : channels.entrySet()) {
      if (!e.getValue().isEmpty()) {
        throw new IllegalStateException(s + ": " + e.getValue().size() + " sends were never received on channel "
            + e.getKey());
      }
    }
    for (int vs = 0; vs < vStages; vs++) {
      for (int mb = 0; mb < m; mb++) {
        if (forwarded[vs][mb] != 1 || backwarded[vs][mb] != 1) {
          throw new IllegalStateException(s + ": virtual stage " + vs + " micro-batch " + mb + " forwarded "
              + forwarded[vs][mb] + " and backwarded " + backwarded[vs][mb] + " times (want 1 and 1)");
        }
      }
    }
    for (int r = 0; r < p; r++) {
      if (!reduced[r] || live[r] != 0) {
        throw new IllegalStateException(s + ": rank " + r + " ends with " + live[r]
            + " micro-batches not freed or without reducing gradients");
      }
    }
    double makespan = Arrays.stream(clock).max().orElse(0);
    return new Report(peak, busy, makespan);
  }

  private static long channel(boolean act, int fromVs) {
    return (act ? 0L : 1L << 32) | fromVs;
  }

  private static boolean step(Schedule s, int r, Instruction in, Map<Long, ArrayDeque<double[]>> channels,
      double[] clock, double[] busy, int[] live, int[] peak, int[][] forwarded, int[][] backwarded,
      boolean[][] haveInput, boolean[][] haveGrad, boolean[][] sentAct, boolean[][] sentGrad, boolean[] reduced,
      double tf, double tb) {
    if (in.op() == Op.REDUCE_GRADS || in.op() == Op.OPTIMIZER_STEP) {
      if (live[r] != 0) {
        throw new IllegalStateException(s + ": rank " + r + " runs " + in.label() + " with " + live[r]
            + " micro-batches still in flight");
      }
      if (in.op() == Op.OPTIMIZER_STEP && !reduced[r]) {
        throw new IllegalStateException(s + ": rank " + r + " steps the optimizer before reducing gradients");
      }
      reduced[r] = true;
      return true;
    }
    if (in.chunk() >= s.chunks() || in.microBatch() >= s.microBatches()) {
      throw new IllegalStateException(s + ": rank " + r + " has out-of-range instruction " + in.label());
    }
    int vs = s.virtualStage(r, in.chunk());
    int mb = in.microBatch();
    int last = s.virtualStages() - 1;
    switch (in.op()) {
      case RECV_ACT, RECV_GRAD -> {
        boolean act = in.op() == Op.RECV_ACT;
        if (act ? vs == 0 : vs == last) {
          throw new IllegalStateException(s + ": rank " + r + " " + in.label() + " has no peer on virtual stage "
              + vs);
        }
        ArrayDeque<double[]> q = channels.get(channel(act, act ? vs - 1 : vs + 1));
        if (q == null || q.isEmpty()) {
          return false;
        }
        double[] msg = q.peek();
        if ((int) msg[0] != mb) {
          throw new IllegalStateException(s + ": rank " + r + " " + in.label() + " would receive micro-batch "
              + (int) msg[0] + " (sends and receives are out of order)");
        }
        q.poll();
        clock[r] = Math.max(clock[r], msg[1]);
        (act ? haveInput : haveGrad)[vs][mb] = true;
      }
      case SEND_ACT, SEND_GRAD -> {
        boolean act = in.op() == Op.SEND_ACT;
        boolean ready = act ? forwarded[vs][mb] == 1 : backwarded[vs][mb] == 1;
        if (!ready || (act ? vs == last : vs == 0)) {
          throw new IllegalStateException(s + ": rank " + r + " " + in.label() + " before its "
              + (act ? "forward" : "backward") + " or without a peer");
        }
        (act ? sentAct : sentGrad)[vs][mb] = true;
        channels.computeIfAbsent(channel(act, vs), k -> new ArrayDeque<>()).add(new double[] {mb, clock[r]});
      }
      case FORWARD -> {
        if (vs > 0 && !haveInput[vs][mb]) {
          throw new IllegalStateException(s + ": rank " + r + " " + in.label() + " before receiving its input");
        }
        forwarded[vs][mb]++;
        clock[r] += tf;
        busy[r] += tf;
        live[r]++;
        peak[r] = Math.max(peak[r], live[r]);
      }
      case BACKWARD -> {
        if (forwarded[vs][mb] != 1 || (vs < last && !haveGrad[vs][mb])) {
          throw new IllegalStateException(s + ": rank " + r + " " + in.label()
              + " before its forward or its output gradient");
        }
        backwarded[vs][mb]++;
        clock[r] += tb;
        busy[r] += tb;
      }
      case FREE -> {
        if (backwarded[vs][mb] != 1 || (vs > 0 && !sentGrad[vs][mb]) || (vs < last && !sentAct[vs][mb])) {
          throw new IllegalStateException(s + ": rank " + r + " " + in.label() + " before its backward and sends");
        }
        live[r]--;
      }
      default -> throw new UnsupportedOperationException("ScheduleSimulator: " + in.op()
          + " (split backward for zero-bubble schedules) is not simulated");
    }
    return true;
  }
}
