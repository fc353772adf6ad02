package dev.shard4j.ray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.Tensor;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Failures on a real cluster: a killed rank actor, a rank that throws, and the unsupported restart policy. */
@Tag("ray")
class RayFailureTest {
  @Test
  void killingARankActorMidTrainingFailsTheJobCleanlyNamingThatRank() throws InterruptedException {
    AtomicLong killedAt = new AtomicLong();
    long[] victim = new long[1];
    RayLauncher launcher = RayTestCluster.launcher(2).mesh(new int[] {2, 1}, "dp", "tp")
        .progress(p -> {
          if (p.rank() == 1 && p.step() == 2 && killedAt.get() == 0) {
            killedAt.set(System.nanoTime());
            ProcessHandle.of(victim[0]).ifPresent(ProcessHandle::destroyForcibly);
          }
        }).build();
    try (RayJob<double[]> job = launcher.submit(GptRankFunctions.meshTraining(500))) {
      victim[0] = job.ranks().get(1).pid();
      RankFailedException e = assertThrows(RankFailedException.class, job::await);
      double seconds = (System.nanoTime() - killedAt.get()) / 1e9;
      assertTrue(killedAt.get() != 0, "the victim was killed");
      assertEquals(1, e.rank(), e.getMessage());
      assertTrue(e.reason().contains("actor died"), e.getMessage());
      assertTrue(seconds < 30, "the driver noticed after " + seconds + " s: " + e.getMessage());
      ProcessHandle survivor = ProcessHandle.of(job.ranks().get(0).pid()).orElse(null);
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (survivor != null && survivor.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(survivor == null || !survivor.isAlive(), "the surviving rank's actor was torn down");
    }
  }

  @Test
  void aJobTheClusterCannotHoldFailsNamingTheBundles() {
    RayLauncher launcher = RayTestCluster.launcher(2).cpusPerRank(64).startTimeout(Duration.ofSeconds(2)).build();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> launcher.launch(ctx -> 0));
    assertTrue(e.getMessage().startsWith("RayLauncher: could not reserve 2 bundles of {CPU=64.0} (PACK) within 2 s"),
        e.getMessage());
  }

  @Test
  void aRankThatThrowsIsNamedAndTheOthersAreAborted() {
    RankFunction<Float> body = ctx -> {
      try (Tensor t = Tensor.fromArray(new float[] {1, 2, 3}, 3)) {
        ctx.communicator().allReduce(t, ReduceOp.SUM);
        if (ctx.rank() == 1) {
          throw new IllegalStateException("rank 1 gives up after one all-reduce");
        }
        ctx.communicator().allReduce(t, ReduceOp.SUM);
        return t.toFloatArray()[0];
      }
    };
    RayLauncher launcher = RayTestCluster.launcher(2).collectiveTimeout(Duration.ofSeconds(120)).build();
    long t0 = System.nanoTime();
    RankFailedException e = assertThrows(RankFailedException.class, () -> launcher.launch(body));
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(1, e.rank(), e.getMessage());
    assertTrue(e.reason().contains("rank 1 gives up after one all-reduce"), e.getMessage());
    assertEquals(2, e.failures().size(), "rank 0 failed too, aborted rather than left waiting: " + e.getMessage());
    assertTrue(seconds < 60, "no wait for the 120 s collective timeout: " + seconds + " s");
  }

  @Test
  void restartFromCheckpointIsNotImplementedYet() {
    RayLauncher launcher = RayTestCluster.launcher(1)
        .failurePolicy(FailurePolicy.restartFromCheckpoint("/tmp/checkpoints", 3)).build();
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> launcher.launch(ctx -> 0));
    assertTrue(e.getMessage().contains("no checkpointing"), e.getMessage());
  }
}
