package dev.shard4j.integration;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.tcp.TcpCommunicator;
import dev.shard4j.training.GptTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;

/**
 * One rank of a multi-process GPT training run over TCP: {@code args = dp tp zero outDir}; rank 0 writes the loss of
 * every step to {@code outDir/losses.txt}.
 */
public final class TcpGptRankMain {
  private TcpGptRankMain() {}

  public static void main(String[] args) throws Exception {
    int dp = Integer.parseInt(args[0]);
    int tp = Integer.parseInt(args[1]);
    int zero = Integer.parseInt(args[2]);
    Path out = Path.of(args[3]);
    try (Communicator world = TcpCommunicator.fromEnvironment();
        GptTrainer trainer = new GptTrainer(world, GptTrainingFixture.CONFIG, GptTrainingFixture.options(dp, tp, zero))) {
      StringJoiner losses = new StringJoiner("\n");
      for (int s = 0; s < GptTrainingFixture.STEPS; s++) {
        losses.add(Float.toString(trainer.step(GptTrainingFixture.DATA)));
      }
      if (world.rank() == 0) {
        Files.writeString(out.resolve("losses.txt"), losses.toString());
      }
    }
  }
}
