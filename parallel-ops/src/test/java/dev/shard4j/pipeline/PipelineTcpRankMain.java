package dev.shard4j.pipeline;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.tcp.TcpCommunicator;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One process of a PP=2 1F1B run over the TCP backend: trains the 4-layer test GPT for {@code args[1]} steps and
 * writes its losses, one per line, to {@code args[0]/rank<r>.txt}. Started by {@link PipelineTcpProcessTest}.
 */
public final class PipelineTcpRankMain {
  private PipelineTcpRankMain() {}

  /** Entry point: {@code <dir> <steps>}. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int steps = Integer.parseInt(args[1]);
    CpuRuntime.setThreads(1);
    PipelineConfig config = PipelineRuns.config(PipelineRuns.model(4), PipelineMesh.of(2, 1, 1), "1f1b", 1, 4);
    List<String> lines = new ArrayList<>();
    try (Communicator world = TcpCommunicator.fromEnvironment();
        PipelineTrainer trainer = new PipelineTrainer(world, config)) {
      for (int s = 0; s < steps; s++) {
        try (Scope scope = Scope.open()) {
          Tensor[] b = PipelineRuns.batch(s, config.model().vocab());
          lines.add(Double.toString(trainer.step(b[0], b[1])));
        }
      }
      Files.write(dir.resolve("rank" + world.rank() + ".txt"), lines);
    }
  }
}
