package dev.shard4j.autoshard;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Spearman's rank correlation, used to judge the cost model: how well predicted step times order plans the way
 * their measured step times do (1 = the same order, -1 = reversed). Ties get the average of their ranks. Pure.
 */
public final class RankCorrelation {
    private RankCorrelation() {}

    /** Spearman's rho of x and y (the Pearson correlation of their ranks); needs at least 2 equal-length samples. */
    public static double spearman(double[] x, double[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("spearman: needs two samples of the same length >= 2, got "
                    + x.length + " and " + y.length);
        }
        return pearson(ranks(x), ranks(y));
    }

    /** Ranks 1..n of the values, ties averaged. */
    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) j++;
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) r[order[k]] = avg;
            i = j + 1;
        }
        return r;
    }

    private static double pearson(double[] a, double[] b) {
        double ma = Arrays.stream(a).average().orElse(0), mb = Arrays.stream(b).average().orElse(0);
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        if (saa == 0 || sbb == 0) throw new IllegalArgumentException("spearman: a sample is constant");
        return sab / Math.sqrt(saa * sbb);
    }
}
