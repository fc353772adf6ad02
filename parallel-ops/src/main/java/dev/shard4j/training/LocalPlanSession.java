package dev.shard4j.training;

import dev.shard4j.autoshard.Plan;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.pipeline.PipelineConfig;
import dev.shard4j.pipeline.PipelineTrainer;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A {@link Plan} of a {@link GptRun} kept running on local ranks between steps: one thread per rank builds its
 * trainer once (the dp x tp {@link GptTrainer} for a single-stage plan, the {@link PipelineTrainer} for several
 * stages), and each {@link #step()} runs one optimizer step on every rank and waits for all of them. For benchmarks
 * and drivers that time or inspect single steps; {@link PlanExecution#runLocal} runs a whole run. A failure on any
 * rank fails the step with that rank's exception (the others' collectives time out after the cluster timeout).
 * Owns the rank threads, trainers and communicators: close it. One driver thread.
 */
public final class LocalPlanSession implements AutoCloseable {
  /** One rank's trainer behind one interface. */
  private interface RankTrainer extends AutoCloseable {
    float step(long step);

    @Override
    void close();
  }

  private final GptRun run;
  private final List<ExecutorService> ranks = new ArrayList<>();
  private final List<Communicator> comms;
  private final RankTrainer[] trainers;
  private long steps;

  /** Starts {@code plan}'s ranks and builds their trainers (collective; blocks until every rank is ready). */
  public LocalPlanSession(GptRun run, Plan plan) {
    this.run = run;
    int n = PlanExecution.ranks(plan);
    comms = LocalCluster.create(n, LocalCluster.DEFAULT_TIMEOUT);
    trainers = new RankTrainer[n];
    for (int r = 0; r < n; r++) {
      int rank = r;
      ranks.add(Executors.newSingleThreadExecutor(t -> {
        Thread th = new Thread(t, "plan-rank-" + rank);
        th.setDaemon(true);
        return th;
      }));
    }
    try {
      onEveryRank(rank -> {
        CpuRuntime.setThreads(run.threadsPerRank());
        trainers[rank] = trainer(plan, comms.get(rank));
        return 0f;
      });
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private RankTrainer trainer(Plan plan, Communicator world) {
    if (plan.stages().size() == 1) {
      GptRun planned = PlanExecution.asPlanned(run, PlanLowering.lower(plan));
      GptTrainer t = new GptTrainer(world, planned.config(), planned.options());
      BatchSource data = planned.batches();
      return new RankTrainer() {
        @Override
        public float step(long step) {
          return t.step(data);
        }

        @Override
        public void close() {
          t.close();
        }
      };
    }
    PipelineConfig cfg = PlanExecution.pipelineConfig(run, plan);
    PipelineTrainer t = new PipelineTrainer(world, cfg);
    BatchSource data = run.batches();
    return new RankTrainer() {
      @Override
      public float step(long step) {
        try (Scope scope = Scope.open()) {
          Tensor[] b = data.rows(step, 0, run.batch());
          return t.step(b[0], b[1]);
        }
      }

      @Override
      public void close() {
        t.close();
      }
    };
  }

  /** Runs the next optimizer step on every rank; returns the step's global mean loss. */
  public float step() {
    long s = steps++;
    return onEveryRank(rank -> trainers[rank].step(s));
  }

  /** Ranks of the plan. */
  public int ranks() {
    return ranks.size();
  }

  private interface RankCall {
    float call(int rank);
  }

  private float onEveryRank(RankCall call) {
    List<Future<Float>> f = new ArrayList<>();
    for (int r = 0; r < ranks.size(); r++) {
      int rank = r;
      f.add(ranks.get(r).submit(() -> call.call(rank)));
    }
    float first = 0;
    RuntimeException failure = null;
    for (int r = 0; r < f.size(); r++) {
      try {
        float v = f.get(r).get();
        if (r == 0) {
          first = v;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("LocalPlanSession: interrupted waiting for rank " + r, e);
      } catch (ExecutionException e) {
        if (failure == null) {
          failure = new IllegalStateException("LocalPlanSession: rank " + r + " failed: " + e.getCause(), e.getCause());
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
    return first;
  }

  @Override
  public void close() {
    List<Future<?>> f = new ArrayList<>();
    for (int r = 0; r < ranks.size(); r++) {
      int rank = r;
      f.add(ranks.get(r).submit(() -> {
        if (trainers[rank] != null) {
          trainers[rank].close();
        }
        comms.get(rank).close();
      }));
    }
    for (Future<?> x : f) {
      try {
        x.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException e) {
        // closing continues on the other ranks
      }
    }
    ranks.forEach(ExecutorService::shutdownNow);
  }
}
