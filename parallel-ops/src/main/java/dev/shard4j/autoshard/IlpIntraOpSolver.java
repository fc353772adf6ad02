package dev.shard4j.autoshard;

import com.google.ortools.Loader;
import com.google.ortools.linearsolver.MPConstraint;
import com.google.ortools.linearsolver.MPObjective;
import com.google.ortools.linearsolver.MPSolver;
import com.google.ortools.linearsolver.MPSolverParameters;
import com.google.ortools.linearsolver.MPVariable;
import java.util.ArrayList;
import java.util.List;

/**
 * Alpa's intra-op ILP, solved as a MIP with OR-Tools (SCIP backend). Strategy variables are binary; edge variables
 * are continuous in [0, 1]: with one-hot node variables, the row/column-sum constraints force each edge matrix to
 * be exactly the outer product, so they need no integrality and the LP relaxation stays tight (this is what makes
 * the solve fast). Costs are in microseconds, memory in units of the budget. Pure: problem in, solution out;
 * thread-safe.
 */
public final class IlpIntraOpSolver {
    private static final double COST_SCALE = 1e6;
    private final double timeLimitSeconds;
    private final int workers;

    public IlpIntraOpSolver(double timeLimitSeconds, int workers) {
        this.timeLimitSeconds = timeLimitSeconds;
        this.workers = workers;
        Loader.loadNativeLibraries();
    }

    /** Solves; throws {@link InfeasiblePlanException} when no assignment fits the budget. */
    public IntraOpSolution solve(IntraOpProblem p) {
        double minMem = 0, maxMem = 0;
        for (IntraOpProblem.Node n : p.nodes()) {
            double lo = Double.MAX_VALUE, hi = 0;
            for (double x : n.memory()) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
            minMem += lo;
            maxMem += hi;
        }
        if (minMem > p.memoryBudget()) throw InfeasiblePlanException.memory(minMem, p.memoryBudget());
        MPSolver m = MPSolver.createSolver("SCIP");
        if (m == null) throw new IllegalStateException("OR-Tools SCIP backend is not available");
        m.setTimeLimit((long) (timeLimitSeconds * 1000));
        m.setNumThreads(workers);
        MPObjective obj = m.objective();
        List<MPVariable[]> s = new ArrayList<>();
        boolean memoryBinds = maxMem > p.memoryBudget();
        // (3) memory: sum of per-node memory <= budget, scaled so that the budget is 1
        MPConstraint mem = memoryBinds ? m.makeConstraint(Double.NEGATIVE_INFINITY, 1.0, "memory") : null;
        for (int i = 0; i < p.nodes().size(); i++) {
            IntraOpProblem.Node n = p.nodes().get(i);
            MPVariable[] v = new MPVariable[n.cost().length];
            // (1) exactly one strategy per node
            MPConstraint one = m.makeConstraint(1, 1, "one" + i);
            for (int k = 0; k < v.length; k++) {
                v[k] = m.makeBoolVar("s" + i + "_" + k);
                one.setCoefficient(v[k], 1);
                obj.setCoefficient(v[k], n.cost()[k] * COST_SCALE);
                if (mem != null) mem.setCoefficient(v[k], n.memory()[k] / p.memoryBudget());
            }
            s.add(v);
        }
        for (IntraOpProblem.Edge e : p.edges()) {
            MPVariable[] su = s.get(e.u()), sv = s.get(e.v());
            MPVariable[][] ev = new MPVariable[su.length][sv.length];
            for (int a = 0; a < su.length; a++) {
                for (int b = 0; b < sv.length; b++) {
                    ev[a][b] = m.makeNumVar(0, 1, "e" + e.u() + "_" + e.v() + "_" + a + "_" + b);
                    obj.setCoefficient(ev[a][b], e.cost()[a][b] * COST_SCALE);
                }
            }
            // (2) edge variables linearize s_u[a] * s_v[b]: row sums equal s_u[a], column sums equal s_v[b]
            for (int a = 0; a < su.length; a++) {
                MPConstraint row = m.makeConstraint(0, 0, "r" + e.u() + "_" + e.v() + "_" + a);
                for (int b = 0; b < sv.length; b++) row.setCoefficient(ev[a][b], 1);
                row.setCoefficient(su[a], -1);
            }
            for (int b = 0; b < sv.length; b++) {
                MPConstraint col = m.makeConstraint(0, 0, "c" + e.u() + "_" + e.v() + "_" + b);
                for (int a = 0; a < su.length; a++) col.setCoefficient(ev[a][b], 1);
                col.setCoefficient(sv[b], -1);
            }
        }
        // objective: compute + communication + resharding
        obj.setMinimization();
        MPSolverParameters params = new MPSolverParameters();
        params.setDoubleParam(MPSolverParameters.DoubleParam.RELATIVE_MIP_GAP, 1e-9); // prove optimality
        MPSolver.ResultStatus st = m.solve(params);
        try {
            if (st == MPSolver.ResultStatus.INFEASIBLE) throw InfeasiblePlanException.memory(minMem, p.memoryBudget());
            if (st != MPSolver.ResultStatus.OPTIMAL && st != MPSolver.ResultStatus.FEASIBLE) {
                throw new InfeasiblePlanException("intra-op ILP found no solution within " + timeLimitSeconds
                        + " s (status " + st + ")");
            }
            int[] choice = new int[p.nodes().size()];
            for (int i = 0; i < choice.length; i++) {
                double best = -1;
                for (int k = 0; k < s.get(i).length; k++) {
                    double x = s.get(i)[k].solutionValue();
                    if (x > best) { best = x; choice[i] = k; }
                }
            }
            return new IntraOpSolution(choice, p.cost(choice), p.memory(choice));
        } finally {
            m.delete();
        }
    }
}
