package dev.shard4j.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Checks the native build against the headers: every CPU kernel has a CUDA twin with the same name, and when nvcc
 * was found at build time the CUDA library exports every declared CUDA symbol from real device code (not stubs).
 */
class NativeLibraryExportsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path HEADERS = ROOT.resolve("native/include/shard4j");
  private static final Path BUILD = ROOT.resolve("native/build");
  private static final Pattern DECL = Pattern.compile("S4J_API\\s+[a-z0-9_ *]+?\\b(s4j_[a-z0-9_]+)\\(");

  private static Set<String> declared() throws IOException {
    Set<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.list(HEADERS)) {
      for (Path h : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".h"))::iterator) {
        Matcher m = DECL.matcher(Files.readString(h));
        while (m.find()) {
          names.add(m.group(1));
        }
      }
    }
    return names;
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", command) + " failed: " + out);
    return out;
  }

  private static Set<String> exported(Path library) throws IOException, InterruptedException {
    Set<String> names = new TreeSet<>();
    for (String line : run("nm", "-D", "--defined-only", library.toString()).split("\n")) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 3 && parts[2].startsWith("s4j_")) {
        names.add(parts[2]);
      }
    }
    return names;
  }

  @Test
  void everyCpuKernelHasACudaTwin() throws IOException {
    Set<String> names = declared();
    List<String> missing = new ArrayList<>();
    for (String n : names) {
      if (n.endsWith("_cpu") && !names.contains(n.substring(0, n.length() - 4) + "_cuda")) {
        missing.add(n);
      }
    }
    assertTrue(missing.isEmpty(), "CPU kernels without a CUDA declaration: " + missing);
  }

  @Test
  void librariesExportEveryDeclaredSymbol() throws Exception {
    Set<String> cpu = exported(BUILD.resolve("libshard4j_cpu.so"));
    Set<String> cuda = exported(BUILD.resolve("libshard4j_cuda.so"));
    List<String> missing = new ArrayList<>();
    for (String n : declared()) {
      boolean isCuda = n.endsWith("_cuda") || n.startsWith("s4j_cuda_");
      if (!(isCuda ? cuda : cpu).contains(n)) {
        missing.add(n);
      }
    }
    assertTrue(missing.isEmpty(), "declared but not exported: " + missing);
  }

  @Test
  void cudaLibraryHoldsDeviceCodeWhenNvccIsPresent() throws Exception {
    boolean built = Files.readString(BUILD.resolve("cuda_built.txt")).trim().equals("ON");
    boolean nvcc = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "nvcc")));
    if (nvcc) {
      assertTrue(built, "nvcc is on PATH but the CUDA kernel library was built as stubs");
    }
    if (built) {
      String sections = run("readelf", "-S", "-W", BUILD.resolve("libshard4j_cuda.so").toString());
      assertTrue(sections.contains(".nv_fatbin"), "libshard4j_cuda.so has no embedded device code (.nv_fatbin)");
    }
  }
}
