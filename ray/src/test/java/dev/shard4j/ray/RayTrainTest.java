package dev.shard4j.ray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.dp.MemoryReport;
import dev.shard4j.training.GptRun;
import dev.shard4j.training.GptRunBackend;
import dev.shard4j.training.GptTrainer;
import dev.shard4j.training.TextCorpus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Ray entry point of {@code shard4j train}: gpt-tiny with dp=2, and on a 2x2 mesh with sequence parallelism and
 * ZeRO-1, on rank actors of a real cluster against the local backend (GptTrainer on ranks as threads of this JVM, same preset, options and corpus): every step's loss
 * within 1e-5, the same per-rank memory, and rank 0's progress streamed to the driver.
 */
class RayTrainTest {
  private static final int STEPS = 4;

  /** The local backend, written out here: GptTrainer per thread rank over the corpus; rank 0's losses and memory. */
  private static List<Object> local(GptRun run) {
    float[] losses = new float[run.steps()];
    MemoryReport[] memory = new MemoryReport[run.ranks()];
    LocalCluster.run(run.ranks(), Duration.ofMinutes(2), world -> {
      var data = new TextCorpus(GptRun.CORPUS_BYTES, GptRun.CORPUS_SEED).batches(run.batch(), run.config().seq(),
          GptRun.BATCH_SEED);
      try (GptTrainer trainer = new GptTrainer(world, run.config(), run.options())) {
        for (int s = 0; s < run.steps(); s++) {
          float loss = trainer.step(data);
          if (world.rank() == 0) {
            losses[s] = loss;
          }
        }
        memory[world.rank()] = trainer.memory();
      }
    });
    return List.of(losses, memory);
  }

  @Test
  void serviceLoaderFindsTheRayBackend() {
    assertInstanceOf(RayTrain.class, GptRunBackend.find("ray", getClass().getClassLoader()));
  }

  @Test
  @Tag("ray")
  void gptTinyDataParallel2MatchesTheLocalBackend() {
    check(new GptRun("gpt-tiny", 2, 1, false, 0, false, STEPS, 4, 3e-3f, 1));
  }

  @Test
  @Tag("ray")
  void gptTinyOnATwoByTwoMeshWithSequenceParallelAndZero1MatchesTheLocalBackend() {
    check(new GptRun("gpt-tiny", 2, 2, true, 1, false, STEPS, 4, 3e-3f, 1));
  }

  private static void check(GptRun run) {
    RayTestCluster.get();
    List<Integer> stepsSeen = new ArrayList<>();
    List<Float> streamed = new ArrayList<>();
    List<GptRun.RankResult> results = RayTrain.run(RayTestCluster.launcher(run.ranks()), run,
        (step, loss, tokensPerSecond) -> {
          assertTrue(tokensPerSecond > 0, "throughput of step " + step + ": " + tokensPerSecond);
          stepsSeen.add(step);
          streamed.add(loss);
        });
    List<Object> reference = local(run);
    float[] localLosses = (float[]) reference.get(0);
    MemoryReport[] localMemory = (MemoryReport[]) reference.get(1);
    assertTrue(localLosses[STEPS - 1] < localLosses[0], "the model trains: " + Arrays.toString(localLosses));
    assertEquals(run.ranks(), results.size());
    for (GptRun.RankResult r : results) {
      for (int s = 0; s < STEPS; s++) {
        assertEquals(localLosses[s], r.losses()[s], 1e-5, run + " rank " + r.rank() + " step " + (s + 1) + ": "
            + Arrays.toString(r.losses()) + " vs local " + Arrays.toString(localLosses));
      }
      assertEquals(localMemory[r.rank()], r.memory(), "memory of rank " + r.rank());
    }
    assertEquals(STEPS, stepsSeen.size(), "rank 0 reports every step once: " + stepsSeen);
    for (int s = 0; s < STEPS; s++) {
      assertEquals(s + 1, stepsSeen.get(s));
      assertEquals(localLosses[s], streamed.get(s), 1e-5);
    }
  }
}
