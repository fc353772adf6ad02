package dev.shard4j.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.layers.Gpt;
import dev.shard4j.optim.AdamWOptimizer;
import dev.shard4j.tensor.NativeMemory;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Per-rank memory of each ZeRO stage against the paper's formulas in their fp32-AdamW form: with Psi parameters,
 * N ranks and K = 8 bytes of optimizer state per parameter, plain DP holds (4 + 4 + K) Psi, stage 1 4 Psi + 4 Psi +
 * K Psi / N, stage 2 4 Psi + (4 + K) Psi / N, stage 3 (4 + 4 + K) Psi / N. Each unit (bucket or block) is padded to a
 * multiple of N, so Psi becomes Psi_pad = sum over units of ceil(Psi_u / N) * N (the shards are then even). The
 * report is checked against the formula with Psi_pad, the formula with Psi within the padding, and the native
 * allocator's live bytes.
 */
class ZeroMemoryTest {
  private static final int N = 4;

  @Test
  void reportsMatchTheFormulasAndTheAllocator() {
    for (ZeroOptimizer.Stage stage : ZeroOptimizer.Stage.values()) {
      LocalCluster.run(N, c -> {
        try (ClassifierMlp mlp = new ClassifierMlp(MlpRuns.CONFIG)) {
          long psi = 0;
          Map<Parameter, Long> sizes = new IdentityHashMap<>();
          for (Parameter p : mlp.parameters()) {
            psi += p.value().numel();
            sizes.put(p, p.value().numel());
          }
          c.barrier();
          long before = NativeMemory.hostLiveBytes();
          c.barrier();
          try (ZeroOptimizer zero = new ZeroOptimizer(mlp.parameters(), mlp.blocks(), c,
              new ZeroOptimizer.Options(stage, 1024, true), shards -> new AdamWOptimizer(shards, MlpRuns.ADAM))) {
            c.barrier();
            long delta = NativeMemory.hostLiveBytes() - before;
            c.barrier();
            long padded = 0;
            boolean uneven = false;
            for (List<Parameter> unit : zero.units()) {
              long n = unit.stream().mapToLong(sizes::get).sum();
              padded += (n + N - 1) / N * N;
              uneven |= n % N != 0;
            }
            assertTrue(uneven, "the sizes should exercise padding");
            long p = 4 * (stage == ZeroOptimizer.Stage.THREE ? padded / N : padded);
            long g = 4 * (stage == ZeroOptimizer.Stage.ONE ? padded : padded / N);
            long o = 8 * padded / N;
            MemoryReport report = zero.memoryReport();
            assertEquals(new MemoryReport(p, g, o), report, stage.toString());

            double paper = switch (stage) {
              case ONE -> 4.0 * psi + 4.0 * psi + 8.0 * psi / N;
              case TWO -> 4.0 * psi + (4.0 + 8.0) * psi / N;
              case THREE -> (4.0 + 4.0 + 8.0) * psi / N;
            };
            double padding = (padded - psi) * 16.0;
            assertTrue(Math.abs(report.totalBytes() - paper) <= padding, stage + ": " + report + " vs paper " + paper);

            // All ranks allocated their buffers and freed the parameters' own value and gradient (8 Psi bytes each).
            assertEquals(N * (report.totalBytes() - 8 * psi), delta, stage + ": live bytes changed by " + delta);
            if (stage == ZeroOptimizer.Stage.THREE) {
              for (Parameter q : mlp.parameters()) {
                assertEquals(0, q.value().numel(), q.name() + " is sharded between steps");
              }
            }
          }
        }
      });
    }
  }

  /** GPT-mini (Psi = 134,912) on 4 ranks: the report for each stage against Psi_pad, printed for docs/zero.md. */
  @Test
  void gptMiniOnFourRanks() {
    for (ZeroOptimizer.Stage stage : ZeroOptimizer.Stage.values()) {
      LocalCluster.run(N, c -> {
        try (Gpt model = new Gpt(GptRuns.CONFIG, TensorParallel.single())) {
          Map<Parameter, Long> sizes = new IdentityHashMap<>();
          model.parameters().forEach(p -> sizes.put(p, p.value().numel()));
          long psi = sizes.values().stream().mapToLong(Long::longValue).sum();
          assertEquals(134_912, psi);
          List<List<Parameter>> blocks = new java.util.ArrayList<>();
          model.blocks().forEach(b -> blocks.add(b.parameters()));
          try (ZeroOptimizer zero = new ZeroOptimizer(model.parameters(), blocks, c,
              new ZeroOptimizer.Options(stage, 64 << 10, true), s -> new AdamWOptimizer(s, GptRuns.ADAM))) {
            long padded = 0;
            for (List<Parameter> unit : zero.units()) {
              long n = unit.stream().mapToLong(sizes::get).sum();
              padded += (n + N - 1) / N * N;
            }
            long p = 4 * (stage == ZeroOptimizer.Stage.THREE ? padded / N : padded);
            long g = 4 * (stage == ZeroOptimizer.Stage.ONE ? padded : padded / N);
            assertEquals(new MemoryReport(p, g, 8 * padded / N), zero.memoryReport(), stage.toString());
            if (c.rank() == 0) {
              System.out.println("GPT-mini ZeRO-" + (stage.ordinal() + 1) + " N=" + N + " units=" + zero.units().size()
                  + " Psi_pad=" + padded + ": " + zero.memoryReport());
            }
          }
        }
      });
    }
  }

  @Test
  void plainDataParallelHoldsEverything() {
    LocalCluster.run(2, c -> {
      try (ClassifierMlp mlp = new ClassifierMlp(MlpRuns.CONFIG);
          GradientReducer r = new GradientReducer(mlp.parameters(), c, GradientReducer.Options.defaults());
          AdamWOptimizer opt = new AdamWOptimizer(mlp.parameters(), MlpRuns.ADAM)) {
        long psi = mlp.parameters().stream().mapToLong(p -> p.value().numel()).sum();
        assertEquals(new MemoryReport(4 * psi, 4 * psi, 8 * psi), r.memoryReport(opt));
      }
    });
  }
}
