package dev.shard4j.bench.collectives;

import java.io.PrintStream;
import java.util.Locale;

/**
 * nccl-tests' text table ({@code src/util.cu}): the run header, the two-group column header, one line per size and
 * the footer, with the same widths and number formatting, so tables from both tools line up. Used by rank 0 only.
 */
final class PerfTable {
  private final PrintStream out;

  PerfTable(PrintStream out) {
    this.out = out;
  }

  void runHeader(String program, int ranks, long minBytes, long maxBytes, long step, boolean factor, int warmup,
      int iters, boolean check) {
    out.printf(Locale.ROOT, "# Collective test starting: %s%n", program);
    out.printf(Locale.ROOT, "# nThread %d nGpus %d minBytes %d maxBytes %d step: %d(%s) warmup iters: %d iters: %d "
        + "agg iters: %d validation: %d graph: %d%n", 1, ranks, minBytes, maxBytes, step, factor ? "factor" : "bytes",
        warmup, iters, 1, check ? 1 : 0, 0);
    out.println("#");
  }

  void devices(int ranks, long pid, String host, String what) {
    out.println("# Using devices");
    for (int r = 0; r < ranks; r++) {
      out.printf(Locale.ROOT, "#  Rank %2d Group %2d Pid %6d on %10s device %2d [cpu] %s%n", r, 0, pid, host, r, what);
    }
  }

  void columnHeader(boolean perIter) {
    out.println("#");
    if (perIter) {
      out.printf(Locale.ROOT, "# %10s  %12s  %8s  %6s  %6s              out-of-place (+ per-iteration)                   "
          + "             in-place (+ per-iteration)%n", "", "", "", "", "");
      out.printf(Locale.ROOT, "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %7s  %7s  %7s  %7s  %6s  %6s  %6s  "
          + "%7s  %7s  %7s  %7s %s%n", "size", "count", "type", "redop", "root", "time", "algbw", "busbw", "#wrong",
          "i_min", "i_max", "i_p99", "i_cv%", "time", "algbw", "busbw", "#wrong", "i_min", "i_max", "i_p99", "i_cv%",
          "");
      out.printf(Locale.ROOT, "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %7s  %7s  %7s  %7s  %6s  %6s  %6s  "
          + "%7s  %7s  %7s  %7s %s%n", "(B)", "(elements)", "", "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(us)",
          "(us)", "(%)", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(us)", "(us)", "(%)", "");
      return;
    }
    out.printf(Locale.ROOT, "# %10s  %12s  %8s  %6s  %6s           out-of-place                       in-place          %n",
        "", "", "", "", "");
    out.printf(Locale.ROOT, "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s %s%n", "size", "count",
        "type", "redop", "root", "time", "algbw", "busbw", "#wrong", "time", "algbw", "busbw", "#wrong", "");
    out.printf(Locale.ROOT, "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s %s%n", "(B)",
        "(elements)", "", "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "", "");
  }

  /**
   * One size: the preamble, then each group's cells, or blanks where the API has no such form (cell null); with
   * {@code perIter} each group adds i_min, i_max, i_p99 (us) and i_cv%.
   */
  void line(PerfResult.Line l, boolean perIter) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%12d  %12d  %8s  %6s  %6d", l.bytes(), l.count(), l.type(), l.redop(),
        l.root()));
    cell(b, l.outOfPlace(), perIter);
    cell(b, l.inPlace(), perIter);
    out.println(b);
  }

  private static void cell(StringBuilder b, PerfResult.Cell c, boolean perIter) {
    if (c == null) {
      b.append("  ").append(" ".repeat(7 + 2 + 6 + 2 + 6 + 2 + 6 + (perIter ? 4 * 9 : 0)));
      return;
    }
    b.append(String.format(Locale.ROOT, "  %7s  %6s  %6s", num(c.timeUs(), 7), num(c.algBw(), 6), num(c.busBw(), 6)));
    if (c.wrong() < 0) {
      b.append("    N/A");
    } else {
      b.append(String.format(Locale.ROOT, "  %6d", c.wrong()));
    }
    if (perIter) {
      PerfResult.IterStats s = c.iter();
      b.append(String.format(Locale.ROOT, "  %7s  %7s  %7s  %7s", num(s.minUs(), 7), num(s.maxUs(), 7),
          num(s.p99Us(), 7), num(s.cvPct(), 7)));
    }
  }

  void footer(long errors, double avgBusBw, String program) {
    out.printf(Locale.ROOT, "# %-20s : %d %s%n", "Out of bounds values", errors, errors > 0 ? "FAILED" : "OK");
    out.printf(Locale.ROOT, "# %-20s : %s %n", "Avg bus bandwidth", shortest(avgBusBw));
    out.println("#");
    out.printf(Locale.ROOT, "# Collective test concluded: %s%n", program);
    out.println();
  }

  /** nccl-tests' {@code getFloatStr}: two decimals if they fit the width, then one, then none, then exponent. */
  static String num(double v, int width) {
    for (String f : new String[] {"%.2f", "%.1f", "%.0f"}) {
      String s = String.format(Locale.ROOT, f, v);
      if (s.length() <= width) {
        return s;
      }
    }
    return String.format(Locale.ROOT, width >= 7 ? "%.1e" : "%.0e", v);
  }

  /** C's {@code %g}: six significant digits without trailing zeros. */
  static String shortest(double v) {
    String s = String.format(Locale.ROOT, "%.6g", v);
    if (s.contains("e")) {
      return s;
    }
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }
}
