package dev.shard4j.autoshard;

import com.google.ortools.Loader;
import com.google.ortools.sat.CpModel;
import com.google.ortools.sat.CpSolver;
import com.google.ortools.sat.CpSolverStatus;
import com.google.ortools.sat.LinearExpr;
import com.google.ortools.sat.LinearExprBuilder;
import com.google.ortools.sat.Literal;
import com.google.ortools.sat.BoolVar;
import java.util.ArrayList;
import java.util.List;

/**
 * Alpa's intra-op ILP solved with OR-Tools CP-SAT. Costs are scaled to integer nanoseconds, memory to KiB.
 * Pure: problem in, solution out. Thread-safe (no shared state besides the one-time native library load).
 */
public final class IlpIntraOpSolver {
    private static final double COST_SCALE = 1e9;
    /** The memory budget is scaled to this many integer units (per-node memory rounded up: conservative). */
    private static final double MEM_UNITS = 1e9;
    private final double timeLimitSeconds;
    private final int workers;

    public IlpIntraOpSolver(double timeLimitSeconds, int workers) {
        this.timeLimitSeconds = timeLimitSeconds;
        this.workers = workers;
        Loader.loadNativeLibraries();
    }

    /** Solves; throws {@link InfeasiblePlanException} when no assignment fits the budget. */
    public IntraOpSolution solve(IntraOpProblem p) {
        CpModel m = new CpModel();
        List<BoolVar[]> s = new ArrayList<>();
        LinearExprBuilder obj = LinearExpr.newBuilder();
        LinearExprBuilder mem = LinearExpr.newBuilder();
        double minMem = 0, maxMem = 0;
        for (IntraOpProblem.Node n : p.nodes()) {
            double mx = 0;
            for (double x : n.memory()) mx = Math.max(mx, x);
            maxMem += mx;
        }
        boolean memoryBinds = maxMem > p.memoryBudget();
        double memScale = memoryBinds ? MEM_UNITS / p.memoryBudget() : 0;
        for (int i = 0; i < p.nodes().size(); i++) {
            IntraOpProblem.Node n = p.nodes().get(i);
            BoolVar[] v = new BoolVar[n.cost().length];
            double nodeMin = Double.MAX_VALUE;
            for (int k = 0; k < v.length; k++) {
                v[k] = m.newBoolVar("s" + i + "_" + k);
                obj.addTerm(v[k], Math.round(n.cost()[k] * COST_SCALE));
                if (memoryBinds) mem.addTerm(v[k], (long) Math.ceil(n.memory()[k] * memScale));
                nodeMin = Math.min(nodeMin, n.memory()[k]);
            }
            minMem += nodeMin;
            // (1) exactly one strategy per node
            m.addExactlyOne(v);
            s.add(v);
        }
        for (IntraOpProblem.Edge e : p.edges()) {
            BoolVar[] su = s.get(e.u()), sv = s.get(e.v());
            BoolVar[][] ev = new BoolVar[su.length][sv.length];
            for (int a = 0; a < su.length; a++) {
                for (int b = 0; b < sv.length; b++) {
                    ev[a][b] = m.newBoolVar("e" + e.u() + "_" + e.v() + "_" + a + "_" + b);
                    long c = Math.round(e.cost()[a][b] * COST_SCALE);
                    if (c != 0) obj.addTerm(ev[a][b], c);
                }
            }
            // (2) edge variable linearizes s_u[a] * s_v[b]: row sums equal s_u, column sums equal s_v
            for (int a = 0; a < su.length; a++) {
                LinearExprBuilder row = LinearExpr.newBuilder();
                for (int b = 0; b < sv.length; b++) row.add(ev[a][b]);
                m.addEquality(row, su[a]);
            }
            for (int b = 0; b < sv.length; b++) {
                LinearExprBuilder col = LinearExpr.newBuilder();
                for (int a = 0; a < su.length; a++) col.add(ev[a][b]);
                m.addEquality(col, sv[b]);
            }
        }
        // (3) memory: sum of per-node memory <= budget
        if (minMem > p.memoryBudget()) throw InfeasiblePlanException.memory(minMem, p.memoryBudget());
        if (memoryBinds) m.addLessOrEqual(mem, (long) MEM_UNITS);
        // objective: compute + communication + resharding
        m.minimize(obj);
        CpSolver solver = new CpSolver();
        solver.getParameters().setMaxTimeInSeconds(timeLimitSeconds);
        solver.getParameters().setNumWorkers(workers);
        CpSolverStatus st = solver.solve(m);
        if (st == CpSolverStatus.INFEASIBLE || st == CpSolverStatus.MODEL_INVALID || st == CpSolverStatus.UNKNOWN) {
            if (st == CpSolverStatus.UNKNOWN) {
                throw new InfeasiblePlanException("intra-op ILP found no solution within " + timeLimitSeconds + " s");
            }
            throw InfeasiblePlanException.memory(minMem, p.memoryBudget());
        }
        int[] choice = new int[p.nodes().size()];
        for (int i = 0; i < choice.length; i++) {
            for (int k = 0; k < s.get(i).length; k++) if (solver.booleanValue(s.get(i)[k])) choice[i] = k;
        }
        return new IntraOpSolution(choice, p.cost(choice), p.memory(choice));
    }
}
