package dev.shard4j.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints byte sizes such as {@code 80GiB}, {@code 16GB}, {@code 512MiB}. */
final class MemorySize {
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?",
      Pattern.CASE_INSENSITIVE);

  private MemorySize() {}

  static long parse(String text, String what) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(what + ": cannot read '" + text + "' as a size (e.g. 80GiB, 16GB)");
    }
    double v = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    double scale = switch (unit) {
      case "B" -> 1;
      case "KB" -> 1e3;
      case "KIB" -> 1024;
      case "MB" -> 1e6;
      case "MIB" -> 1L << 20;
      case "GB" -> 1e9;
      case "GIB" -> 1L << 30;
      case "TB" -> 1e12;
      default -> 1L << 40;
    };
    long bytes = (long) (v * scale);
    if (bytes <= 0) {
      throw new IllegalArgumentException(what + ": size must be positive, got '" + text + "'");
    }
    return bytes;
  }

  static String format(long bytes) {
    if (bytes >= 1L << 30) {
      return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
  }
}
