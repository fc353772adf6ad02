package dev.shard4j.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line terminal progress bar: {@code step 120/200 [=========>     ] 60% loss 1.2345 2.1k samples/s}. On a
 * terminal it redraws in place; when output is redirected (CI, files) it prints a line every {@code logEvery} steps.
 * Used by one thread.
 */
public final class ProgressBar {
  private static final int WIDTH = 30;

  private final PrintStream out;
  private final int total;
  private final boolean interactive;
  private final int logEvery;
  private final long startNanos = System.nanoTime();

  public ProgressBar(PrintStream out, int total, int logEvery) {
    this.out = out;
    this.total = total;
    this.interactive = System.console() != null;
    this.logEvery = Math.max(1, logEvery);
  }

  /** Reports that {@code step} (1-based) finished with the given loss and throughput. */
  public void update(int step, double loss, double itemsPerSecond, String unit) {
    if (!interactive && step % logEvery != 0 && step != total && step != 1) {
      return;
    }
    int filled = (int) ((long) WIDTH * step / total);
    StringBuilder bar = new StringBuilder(WIDTH);
    for (int i = 0; i < WIDTH; i++) {
      bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
    }
    String line = String.format(Locale.ROOT, "step %d/%d [%s] %3d%% loss %.4f %s %s/s %.1fs", step, total, bar,
        100L * step / total, loss, human(itemsPerSecond), unit, (System.nanoTime() - startNanos) / 1e9);
    if (interactive) {
      out.print("\r" + line);
      if (step == total) {
        out.println();
      }
    } else {
      out.println(line);
    }
    out.flush();
  }

  static String human(double v) {
    if (v >= 1e9) {
      return String.format(Locale.ROOT, "%.2fG", v / 1e9);
    }
    if (v >= 1e6) {
      return String.format(Locale.ROOT, "%.2fM", v / 1e6);
    }
    if (v >= 1e3) {
      return String.format(Locale.ROOT, "%.1fk", v / 1e3);
    }
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
