package dev.shard4j.bench.collectives;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results of one {@link CollectivePerf} run and their JSON form, shaped like nccl-tests' {@code -J} output
 * (config, then per test a results list with {@code out_of_place}/{@code in_place} objects holding time, alg_bw,
 * bus_bw and nwrong). Built by rank 0 only; not thread-safe.
 */
final class PerfResult {
  /**
   * One group of columns: mean time per call in us, algbw and busbw in GB/s, wrong elements (-1: unchecked), and
   * with {@code -I 1} the per-iteration statistics (else null).
   */
  record Cell(double timeUs, double algBw, double busBw, long wrong, IterStats iter) {}

  /**
   * nccl-tests' per-iteration statistics ({@code -I 1}): iteration i's time is the maximum over ranks of their
   * i-th call's time; percentiles are nearest-rank, stdev is the population one.
   */
  record IterStats(double minUs, double maxUs, double avgUs, double p50Us, double p95Us, double p99Us,
      double stdevUs, double cvPct, double[] timesUs) {
    static IterStats of(double[] timesUs) {
      double[] s = timesUs.clone();
      java.util.Arrays.sort(s);
      int n = s.length;
      double avg = java.util.Arrays.stream(s).average().orElse(0);
      double var = 0;
      for (double v : s) {
        var += (v - avg) * (v - avg);
      }
      double stdev = Math.sqrt(var / n);
      return new IterStats(s[0], s[n - 1], avg, s[n / 2], s[pct(n, 95)], s[pct(n, 99)], stdev,
          avg > 0 ? stdev / avg * 100 : 0, timesUs);
    }

    private static int pct(int n, int p) {
      return Math.min(n - 1, (n * p + 99) / 100 - 1);
    }
  }

  /** One size; a null cell is a form the Communicator API does not have. */
  record Line(long bytes, long count, String type, String redop, int root, Cell outOfPlace, Cell inPlace) {}

  /** One table: one collective, dtype and reduce op over the size sweep. */
  record Test(String collective, String type, String redop, List<Line> lines, long errors, double avgBusBw) {}

  private final String config;
  private final List<Test> tests = new ArrayList<>();

  /** {@code config} is the JSON object describing the run (already serialized). */
  PerfResult(String config) {
    this.config = config;
  }

  void add(Test t) {
    tests.add(t);
  }

  /** The tables of one collective, in run order. */
  List<Test> tests(String collective) {
    return tests.stream().filter(t -> t.collective().equals(collective)).toList();
  }

  String toJson() {
    StringBuilder b = new StringBuilder("{\n  \"config\": ").append(config).append(",\n  \"tests\": [");
    for (int t = 0; t < tests.size(); t++) {
      Test test = tests.get(t);
      b.append(t == 0 ? "\n" : ",\n").append("    {\"collective\": ").append(str(test.collective()))
          .append(", \"type\": ").append(str(test.type())).append(", \"redop\": ").append(str(test.redop()))
          .append(",\n     \"results\": [");
      for (int i = 0; i < test.lines().size(); i++) {
        Line l = test.lines().get(i);
        b.append(i == 0 ? "\n" : ",\n").append("       {\"size\": ").append(l.bytes()).append(", \"count\": ")
            .append(l.count()).append(", \"type\": ").append(str(l.type())).append(", \"redop\": ")
            .append(str(l.redop())).append(", \"root\": ").append(l.root()).append(", \"out_of_place\": ")
            .append(cell(l.outOfPlace())).append(", \"in_place\": ").append(cell(l.inPlace()));
        iter(b, "out_of_place_per_iter", l.outOfPlace());
        iter(b, "in_place_per_iter", l.inPlace());
        b.append('}');
      }
      b.append("],\n     \"out_of_bounds\": {\"count\": ").append(test.errors()).append(", \"okay\": ")
          .append(test.errors() == 0).append("},\n     \"average_bus_bandwidth\": {\"bandwidth\": ")
          .append(num(test.avgBusBw())).append("}}");
    }
    return b.append("\n  ]\n}\n").toString();
  }

  private static String cell(Cell c) {
    if (c == null) {
      return "null";
    }
    return "{\"time\": " + num(c.timeUs()) + ", \"alg_bw\": " + num(c.algBw()) + ", \"bus_bw\": " + num(c.busBw())
        + ", \"nwrong\": " + (c.wrong() < 0 ? "null" : Long.toString(c.wrong())) + "}";
  }

  private static void iter(StringBuilder b, String key, Cell c) {
    if (c == null || c.iter() == null) {
      return;
    }
    IterStats s = c.iter();
    b.append(", \"").append(key).append("\": {\"min_us\": ").append(num(s.minUs())).append(", \"max_us\": ")
        .append(num(s.maxUs())).append(", \"avg_us\": ").append(num(s.avgUs())).append(", \"p50_us\": ")
        .append(num(s.p50Us())).append(", \"p95_us\": ").append(num(s.p95Us())).append(", \"p99_us\": ")
        .append(num(s.p99Us())).append(", \"stdev_us\": ").append(num(s.stdevUs())).append(", \"cv_pct\": ")
        .append(num(s.cvPct())).append(", \"times_us\": [");
    for (int i = 0; i < s.timesUs().length; i++) {
      b.append(i == 0 ? "" : ", ").append(num(s.timesUs()[i]));
    }
    b.append("]}");
  }

  static String num(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
  }

  static String str(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
