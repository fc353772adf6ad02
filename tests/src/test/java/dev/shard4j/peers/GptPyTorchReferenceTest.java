package dev.shard4j.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.layers.Gpt;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.layers.SafeTensors;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Shard4j's GPT against PyTorch: the weights, a batch (with an ignored target) and the config go to
 * {@code peers/gpt_reference.py}, which computes the loss and every parameter gradient in float64 with torch; ours
 * must agree within 1e-4 (gradients: relative to each tensor's largest element). Needs the interpreter in env {@code SHARD4J_PYTHON} (with torch installed).
 */
class GptPyTorchReferenceTest {
  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void lossAndEveryGradientMatchPyTorch(boolean tied) throws Exception {
    String python = System.getenv("SHARD4J_PYTHON");
    Assumptions.assumeTrue(python != null && !python.isBlank(),
        "SHARD4J_PYTHON is not set: set it to a Python with torch to run the PyTorch cross-check");
    Path script = Path.of("peers", "gpt_reference.py").toAbsolutePath();
    GptConfig config = new GptConfig(2, 4, 32, 96, 16, tied, 2024);
    int b = 3;
    int t = 12;
    int[] ids = new int[b * t];
    int[] targets = new int[b * t];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (i * 37 + 11) % config.vocab();
      targets[i] = (i * 53 + 5) % config.vocab();
    }
    targets[7] = -100;
    try (Gpt model = new Gpt(config, dev.shard4j.tensorparallel.TensorParallel.single()); Scope s = Scope.open()) {
      Tensor idsT = Tensor.fromIntArray(ids, b, t);
      Tensor targetsT = Tensor.fromIntArray(targets, b, t);
      // Weights far from the small GPT-2 init, so every nonlinearity matters: N(0, 0.3^2) added to every parameter.
      java.util.Random rnd = new java.util.Random(17);
      for (Parameter p : model.parameters()) {
        float[] v = p.value().toFloatArray();
        for (int i = 0; i < v.length; i++) {
          v[i] += (float) (0.3 * rnd.nextGaussian());
        }
        p.value().copyFrom(v);
      }
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (Parameter p : model.parameters()) {
        out.put(p.name(), p.value());
      }
      out.put("ids", idsT);
      out.put("targets", targetsT);
      Path in = dir.resolve("gpt_in.safetensors");
      Path ref = dir.resolve("gpt_ref.safetensors");
      SafeTensors.write(in, out, Map.of("layers", "" + config.layers(), "heads", "" + config.heads(),
          "tied_lm_head", "" + tied));
      Process proc = new ProcessBuilder(python, script.toString(), in.toString(), ref.toString())
          .redirectErrorStream(true).start();
      String log = new String(proc.getInputStream().readAllBytes());
      assertEquals(true, proc.waitFor(120, TimeUnit.SECONDS), "reference timed out");
      assertEquals(0, proc.exitValue(), "gpt_reference.py failed:\n" + log);
      Map<String, Tensor> want = SafeTensors.read(ref).tensors();

      Variable loss = model.loss(idsT, targetsT);
      loss.backward();
      float refLoss = want.get("loss").item();
      assertEquals(refLoss, loss.value().item(), 1e-4 * Math.max(1, Math.abs(refLoss)), "loss");
      for (Parameter p : model.parameters()) {
        Tensor g = want.get("grad." + p.name());
        assertNotNull(g, "reference has no gradient for " + p.name());
        float[] w = g.toFloatArray();
        float[] got = p.grad().toFloatArray();
        assertEquals(w.length, got.length, p.name());
        float scale = 0;
        for (float v : w) {
          scale = Math.max(scale, Math.abs(v));
        }
        // within 1e-4 of the tensor's largest gradient
        for (int i = 0; i < w.length; i++) {
          assertEquals(w[i], got[i], 1e-4 * scale + 1e-7, "gradient of " + p.name() + "[" + i + "] (max |g| "
              + scale + ")");
        }
      }
    }
    Files.deleteIfExists(dir.resolve("gpt_in.safetensors"));
  }
}
