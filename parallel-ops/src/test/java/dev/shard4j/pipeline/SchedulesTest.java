package dev.shard4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.pipeline.Instruction.Op;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The schedule generators against hand-derived properties: each (virtual stage, micro-batch) is forwarded and
 * backwarded once with its dependencies respected and every send received in order (checked by the simulator),
 * GPipe holds m micro-batches, 1F1B at most p - r on rank r, and the ideal makespan gives the textbook bubble.
 */
class SchedulesTest {
  private static final int[] STAGES = {1, 2, 3, 4, 8};
  private static final int[] MICRO = {1, 2, 3, 4, 8, 16};

  @Test
  void gpipeHoldsEveryMicroBatchAndHasTheTextbookBubble() {
    for (int p : STAGES) {
      for (int m : MICRO) {
        Schedule s = Schedules.gpipe(p, m);
        ScheduleSimulator.Report r = ScheduleSimulator.run(s);
        for (int rank = 0; rank < p; rank++) {
          assertEquals(m, r.peakInFlight()[rank], s + " rank " + rank);
        }
        assertEquals((m + p - 1) * 3.0, r.makespan(), 1e-9, s.toString());
        assertEquals((p - 1) / (double) m, r.bubble(), 1e-9, s.toString());
      }
    }
  }

  @Test
  void oneForwardOneBackwardHoldsAtMostStagesMinusRank() {
    for (int p : STAGES) {
      for (int m : MICRO) {
        Schedule s = Schedules.oneForwardOneBackward(p, m);
        ScheduleSimulator.Report r = ScheduleSimulator.run(s);
        for (int rank = 0; rank < p; rank++) {
          assertEquals(Math.min(p - rank, m), r.peakInFlight()[rank], s + " rank " + rank);
          assertTrue(r.peakInFlight()[rank] <= p);
        }
        assertEquals((m + p - 1) * 3.0, r.makespan(), 1e-9, s.toString());
        assertEquals((p - 1) / (double) m, r.bubble(), 1e-9, s.toString());
      }
    }
  }

  @Test
  void interleavedRunsEveryChunkAndShrinksTheBubbleByV() {
    for (int p : new int[] {2, 4}) {
      for (int v : new int[] {1, 2, 3}) {
        for (int m : new int[] {p, 2 * p, 4 * p}) {
          Schedule s = Schedules.interleaved(p, v, m);
          ScheduleSimulator.Report r = ScheduleSimulator.run(s);
          assertEquals(s.theoreticalBubble(), r.bubble(), 1e-9, s.toString());
          int warmupChunks = Math.min(2 * (p - 1) + (v - 1) * p, m * v);
          assertTrue(r.peakInFlight()[0] <= warmupChunks + 1, s + " peak " + r.peakInFlight()[0]);
        }
      }
    }
  }

  @Test
  void programsHaveTheExpectedShapeForTwoStages() {
    Schedule s = Schedules.oneForwardOneBackward(2, 3);
    assertEquals("[F0.0, sA0.0, F0.1, sA0.1, rG0.0, B0.0, free0.0, F0.2, sA0.2, rG0.1, B0.1, free0.1, rG0.2, B0.2, "
        + "free0.2, reduce, step]", labels(s.program(0)));
    assertEquals("[rA0.0, F0.0, B0.0, sG0.0, free0.0, rA0.1, F0.1, B0.1, sG0.1, free0.1, rA0.2, F0.2, B0.2, sG0.2, "
        + "free0.2, reduce, step]", labels(s.program(1)));
  }

  @Test
  void theSimulatorRejectsBrokenSchedules() {
    Schedule good = Schedules.gpipe(2, 2);
    List<Instruction> swapped = new ArrayList<>(good.program(1));
    // receive micro-batch 1 before micro-batch 0: out of order with the sender
    int a = swapped.indexOf(Instruction.of(Op.RECV_ACT, 0, 0));
    int b = swapped.indexOf(Instruction.of(Op.RECV_ACT, 0, 1));
    swapped.set(a, Instruction.of(Op.RECV_ACT, 0, 1));
    swapped.set(b, Instruction.of(Op.RECV_ACT, 0, 0));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ScheduleSimulator.run(new Schedule("bad", 2, 1, 2, List.of(good.program(0), swapped))));
    assertTrue(e.getMessage().contains("out of order"), e.getMessage());

    List<Instruction> missing = new ArrayList<>(good.program(0));
    missing.remove(Instruction.of(Op.SEND_ACT, 0, 1));
    e = assertThrows(IllegalStateException.class,
        () -> ScheduleSimulator.run(new Schedule("lost", 2, 1, 2, List.of(missing, good.program(1)))));
    assertTrue(e.getMessage().contains("deadlocks"), e.getMessage());

    List<Instruction> twice = new ArrayList<>(good.program(0));
    twice.add(0, Instruction.of(Op.FORWARD, 0, 0));
    twice.add(1, Instruction.of(Op.SEND_ACT, 0, 0));
    assertThrows(IllegalStateException.class,
        () -> ScheduleSimulator.run(new Schedule("twice", 2, 1, 2, List.of(twice, good.program(1)))));
  }

  @Test
  void badParametersAreRejectedWithTheirValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedules.interleaved(4, 2, 6));
    assertEquals("interleaved schedule: microBatches=6 must be a multiple of the pipeline stages=4", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Schedules.byName("pipedream", 2, 1, 4));
    assertTrue(e.getMessage().contains("unknown schedule 'pipedream'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Schedules.byName("1f1b", 2, 2, 4));
    assertThrows(UnsupportedOperationException.class, () -> Schedules.byName("zb-h1", 2, 1, 4));
    assertThrows(IllegalArgumentException.class, () -> Schedules.gpipe(0, 4));
  }

  private static String labels(List<Instruction> program) {
    List<String> out = new ArrayList<>();
    program.forEach(i -> out.add(i.label()));
    return out.toString();
  }
}
