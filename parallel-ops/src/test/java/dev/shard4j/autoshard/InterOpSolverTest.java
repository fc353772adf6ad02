package dev.shard4j.autoshard;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InterOpSolverTest {
    private final InterOpSolver dp = new InterOpSolver();
    private static final List<Submesh> ONE_TWO = List.of(new Submesh(1, 1), new Submesh(1, 2));

    private static InterOpSolver.StageOption opt(double t, double act) {
        return new InterOpSolver.StageOption(t, 0, act, "c");
    }

    /** 2 layers on 2 devices: two 1-device stages of 1.0 each, or one 2-device stage of 1.5. */
    private static InterOpSolver.CostTable twoLayers(double actPerMicroBatch) {
        return (l, i, m) -> {
            if (m == 0 && l == i) return List.of(opt(1.0, actPerMicroBatch));
            if (m == 0) return List.of(opt(2.0, actPerMicroBatch));
            return List.of(opt(l == i ? 0.8 : 1.5, actPerMicroBatch));
        };
    }

    @Test
    void pipelineWinsWithManyMicroBatches() {
        // B = 4: pipeline 1 + 1 + 3 * 1 = 5 beats 1.5 + 3 * 1.5 = 6
        InterOpSolver.Solution s = dp.solve(2, 2, ONE_TWO, twoLayers(1), 4, 100, true);
        assertEquals(5.0, s.objective(), 1e-12);
        assertEquals(2, s.stages().size());
        assertEquals(0, s.stages().get(0).first());
        assertEquals(0, s.stages().get(0).last());
        assertEquals(0, s.stages().get(1).submesh());
    }

    @Test
    void singleStageWinsWithOneMicroBatch() {
        InterOpSolver.Solution s = dp.solve(2, 2, ONE_TWO, twoLayers(1), 1, 100, true);
        assertEquals(1.5, s.objective(), 1e-12);
        assertEquals(1, s.stages().size());
        assertEquals(1, s.stages().get(0).submesh());
    }

    @Test
    void memoryLimitForcesSingleStage() {
        // 1F1B: the first of two stages holds 2 micro-batches (act 6 each = 12 > 10): only one stage fits
        InterOpSolver.Solution s = dp.solve(2, 2, ONE_TWO, twoLayers(6), 4, 10, true);
        assertEquals(6.0, s.objective(), 1e-12);
        // GPipe holds all 4 micro-batches: nothing fits; the error names need and budget
        InfeasiblePlanException e = assertThrows(InfeasiblePlanException.class,
                () -> dp.solve(2, 2, ONE_TWO, twoLayers(6), 4, 10, false));
        assertTrue(e.getMessage().startsWith("no sharding fits: needs"), e.getMessage());
    }

    @Test
    void agreesWithExhaustiveSearchOnRandomTables() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 30; trial++) {
            int layers = 1 + rnd.nextInt(5);
            List<Submesh> sms = List.of(new Submesh(1, 1), new Submesh(1, 2), new Submesh(1, 4));
            int devices = 1 + rnd.nextInt(6);
            int B = 1 + rnd.nextInt(8);
            double budget = 10;
            Map<String, List<InterOpSolver.StageOption>> table = new HashMap<>();
            for (int l = 0; l < layers; l++) for (int i = l; i < layers; i++) for (int m = 0; m < sms.size(); m++) {
                List<InterOpSolver.StageOption> os = new ArrayList<>();
                for (int k = rnd.nextInt(3); k > 0; k--) {
                    os.add(new InterOpSolver.StageOption(rnd.nextInt(100) / 10.0, rnd.nextInt(5), rnd.nextInt(4), k));
                }
                table.put(l + ":" + i + ":" + m, os);
            }
            InterOpSolver.CostTable t = (l, i, m) -> table.get(l + ":" + i + ":" + m);
            double expect = exhaustive(0, layers, devices, sms, t, B, budget, new ArrayList<>());
            if (expect == Double.POSITIVE_INFINITY) {
                assertThrows(InfeasiblePlanException.class, () -> dp.solve(layers, devices, sms, t, B, budget, true));
            } else {
                assertEquals(expect, dp.solve(layers, devices, sms, t, B, budget, true).objective(), 1e-9, "trial " + trial);
            }
        }
    }

    /** Every slicing and option; stage k of S holds min(S - k, B) micro-batches. */
    private static double exhaustive(int l, int layers, int devices, List<Submesh> sms, InterOpSolver.CostTable t,
                                     int B, double budget, List<InterOpSolver.StageOption> chosen) {
        if (l == layers) {
            if (devices != 0) return Double.POSITIVE_INFINITY;
            int S = chosen.size();
            double[] times = new double[S];
            for (int k = 0; k < S; k++) {
                InterOpSolver.StageOption o = chosen.get(k);
                if (o.paramMemory() + Math.min(S - k, B) * o.activationMemory() > budget) return Double.POSITIVE_INFINITY;
                times[k] = o.time();
            }
            return InterOpSolver.pipelineTime(times, B);
        }
        double best = Double.POSITIVE_INFINITY;
        for (int i = l; i < layers; i++) for (int m = 0; m < sms.size(); m++) {
            if (sms.get(m).devices() > devices) continue;
            for (InterOpSolver.StageOption o : t.options(l, i, m)) {
                chosen.add(o);
                best = Math.min(best, exhaustive(i + 1, layers, devices - sms.get(m).devices(), sms, t, B, budget, chosen));
                chosen.remove(chosen.size() - 1);
            }
        }
        return best;
    }
}
