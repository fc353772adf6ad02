package dev.shard4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.RankCorrelation;
import dev.shard4j.training.GptPlanCatalog;
import dev.shard4j.training.GptRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shard4j fidelity}: judges the cost model. Joins the step times {@code PlanStepBenchmark} measured (JMH's JSON
 * output, median of the iterations) with the simulator's predictions for the same plans on the same cluster
 * profile, and prints both per plan, Spearman's rank correlation, and how far the planner's plan is from the fastest
 * measured one. With {@code --list} it prints the catalog with its predictions only.
 */
@Command(name = "fidelity", mixinStandardHelpOptions = true,
    description = "Compare measured (JMH) and simulated step times of GPT-mini plans on local ranks.")
public final class FidelityCommand implements Callable<Integer> {
  @Option(names = "--profile", description = "Cluster profile JSON the plans were planned and measured with "
      + "(default: the cpuxN preset).")
  Path profile;

  @Option(names = "--ranks", description = "Local ranks (default: ${DEFAULT-VALUE}).")
  int ranks = 8;

  @Option(names = "--jmh", description = "JMH JSON results of PlanStepBenchmark (java -jar benchmarks.jar "
      + "PlanStepBenchmark -rf json -rff FILE).")
  Path jmh;

  @Option(names = "--list", description = "Print the catalog's plans and predictions only.")
  boolean list;

  @Override
  public Integer call() throws IOException {
    ClusterProfile cluster = profile == null ? ClusterProfile.localCpu(ranks)
        : ClusterProfile.fromJson(Files.readString(profile));
    if (cluster.devices() != ranks) {
      throw new IllegalArgumentException("fidelity: profile " + cluster.name() + " has " + cluster.devices()
          + " devices, --ranks is " + ranks);
    }
    GptRun run = new GptRun("gpt-mini", 1, 1, false, 0, false, 1, 8, 1e-4f, 1);
    List<GptPlanCatalog.Entry> plans = GptPlanCatalog.plans(run, cluster);
    if (list || jmh == null) {
      for (GptPlanCatalog.Entry e : plans) {
        System.out.printf(Locale.ROOT, "%-18s predicted %8.1f ms%n", e.name(), e.predictedSeconds() * 1e3);
      }
      return 0;
    }
    Map<String, Double> measured = medians(jmh, profile == null ? "" : profile.toString());
    List<String> names = new ArrayList<>();
    List<double[]> rows = new ArrayList<>();
    System.out.printf(Locale.ROOT, "%-18s %12s %12s %8s%n", "plan", "predicted ms", "measured ms", "ratio");
    for (GptPlanCatalog.Entry e : plans) {
      Double m = measured.get(e.name());
      if (m == null) {
        System.out.printf(Locale.ROOT, "%-18s %12.1f %12s%n", e.name(), e.predictedSeconds() * 1e3, "-");
        continue;
      }
      names.add(e.name());
      rows.add(new double[] {e.predictedSeconds() * 1e3, m});
      System.out.printf(Locale.ROOT, "%-18s %12.1f %12.1f %8.2f%n", e.name(), e.predictedSeconds() * 1e3, m,
          m / (e.predictedSeconds() * 1e3));
    }
    if (rows.size() < 2) {
      throw new IllegalArgumentException("fidelity: " + jmh + " has " + rows.size() + " of the catalog's plans "
          + "measured; need at least 2");
    }
    double[] p = rows.stream().mapToDouble(r -> r[0]).toArray();
    double[] m = rows.stream().mapToDouble(r -> r[1]).toArray();
    System.out.printf(Locale.ROOT, "spearman: %.3f over %d plans%n", RankCorrelation.spearman(p, m), rows.size());
    int fastest = 0;
    for (int i = 1; i < m.length; i++) {
      if (m[i] < m[fastest]) {
        fastest = i;
      }
    }
    int auto = names.indexOf("auto");
    if (auto >= 0) {
      System.out.printf(Locale.ROOT, "auto    : %.1f ms measured, fastest %s %.1f ms: auto / fastest = %.3f%n",
          m[auto], names.get(fastest), m[fastest], m[auto] / m[fastest]);
    }
    return 0;
  }

  /** Plan name -> median of the measured iteration scores (ms), for the runs with the given profile parameter. */
  private static Map<String, Double> medians(Path file, String profileParam) throws IOException {
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    Map<String, Double> out = new LinkedHashMap<>();
    for (JsonNode r : root) {
      if (!r.path("benchmark").asText().endsWith("PlanStepBenchmark.trainStep")) {
        continue;
      }
      JsonNode params = r.path("params");
      String name = params.path("plan").asText();
      List<Double> scores = new ArrayList<>();
      for (JsonNode fork : r.path("primaryMetric").path("rawData")) {
        for (JsonNode v : fork) {
          scores.add(v.asDouble());
        }
      }
      if (scores.isEmpty()) {
        continue;
      }
      double[] s = scores.stream().mapToDouble(Double::doubleValue).toArray();
      Arrays.sort(s);
      double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
      if (!params.path("profile").asText().equals(profileParam)) {
        System.err.println("fidelity: note: " + name + " was measured with profile '"
            + params.path("profile").asText() + "', comparing with '" + profileParam + "'");
      }
      out.put(name, median);
    }
    return out;
  }
}
