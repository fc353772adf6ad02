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
  /** One group of columns: mean time per call in us, algbw and busbw in GB/s, wrong elements (-1: unchecked). */
  record Cell(double timeUs, double algBw, double busBw, long wrong) {}

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
            .append(cell(l.outOfPlace())).append(", \"in_place\": ").append(cell(l.inPlace())).append('}');
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

  static String num(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
  }

  static String str(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
