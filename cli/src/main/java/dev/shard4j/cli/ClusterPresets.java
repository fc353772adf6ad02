package dev.shard4j.cli;

import dev.shard4j.autoshard.ClusterProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cluster profiles by name: {@code h100xN} (nodes of 8 H100 with NVLink, 400 Gb/s InfiniBand between nodes),
 * {@code v100xN} (p3.16xlarge nodes, 25 Gb/s Ethernet), {@code cpuxN} (ranks of this machine with the local
 * profile), or the path of a profile JSON file written by {@code ClusterProfile.toJson()}.
 */
final class ClusterPresets {
  private static final Pattern NAMED = Pattern.compile("(h100|v100|cpu)x(\\d+)");

  private ClusterPresets() {}

  static ClusterProfile parse(String spec) {
    Matcher m = NAMED.matcher(spec);
    if (m.matches()) {
      int devices = Integer.parseInt(m.group(2));
      String kind = m.group(1);
      if (kind.equals("cpu")) {
        if (devices < 1) {
          throw new IllegalArgumentException("cluster '" + spec + "': needs at least one rank");
        }
        return ClusterProfile.localCpu(devices);
      }
      if (devices < 8 || devices % 8 != 0) {
        throw new IllegalArgumentException("cluster '" + spec + "': " + kind + " clusters are whole nodes of 8 GPUs,"
            + " so the device count must be a positive multiple of 8, got " + devices);
      }
      return kind.equals("h100") ? ClusterProfile.h100(devices / 8) : ClusterProfile.v100(devices / 8);
    }
    Path p = Path.of(spec);
    if (Files.isRegularFile(p)) {
      try {
        return ClusterProfile.fromJson(Files.readString(p));
      } catch (IOException e) {
        throw new UncheckedIOException("cluster profile " + p + ": " + e.getMessage(), e);
      }
    }
    throw new IllegalArgumentException("unknown cluster profile '" + spec
        + "' (known: h100xN and v100xN for N a multiple of 8, cpuxN, or a profile JSON file)");
  }
}
