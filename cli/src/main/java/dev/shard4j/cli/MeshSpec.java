package dev.shard4j.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A mesh written as {@code dp=2,tp=2} (or {@code pp=2,dp=2}): named axes and their sizes, in order. Known axes are
 * {@code dp} (data parallel), {@code tp} (tensor parallel) and {@code pp} (pipeline); a missing axis has size 1.
 */
record MeshSpec(int dp, int tp, int pp) {
  static MeshSpec parse(String text) {
    Map<String, Integer> sizes = new LinkedHashMap<>();
    for (String part : text.split(",")) {
      String[] kv = part.trim().split("=");
      if (kv.length != 2) {
        throw new IllegalArgumentException("--mesh: expected axis=size pairs like dp=2,tp=2, got '" + text + "'");
      }
      String axis = kv[0].trim();
      if (!axis.equals("dp") && !axis.equals("tp") && !axis.equals("pp")) {
        throw new IllegalArgumentException("--mesh: unknown axis '" + axis + "' (known: dp, tp, pp)");
      }
      int size;
      try {
        size = Integer.parseInt(kv[1].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--mesh: size of axis " + axis + " is not a number: '" + kv[1] + "'");
      }
      if (size < 1) {
        throw new IllegalArgumentException("--mesh: size of axis " + axis + " must be >= 1, got " + size);
      }
      if (sizes.put(axis, size) != null) {
        throw new IllegalArgumentException("--mesh: axis " + axis + " given twice in '" + text + "'");
      }
    }
    return new MeshSpec(sizes.getOrDefault("dp", 1), sizes.getOrDefault("tp", 1), sizes.getOrDefault("pp", 1));
  }

  int ranks() {
    return dp * tp * pp;
  }

  @Override
  public String toString() {
    return "dp=" + dp + ",tp=" + tp + ",pp=" + pp;
  }
}
