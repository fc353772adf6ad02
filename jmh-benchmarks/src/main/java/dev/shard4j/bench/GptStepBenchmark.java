package dev.shard4j.bench;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.layers.Gpt;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.layers.Trainer;
import dev.shard4j.ops.AdamW;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One single-rank training step of GPT-mini (forward, backward, fused AdamW over every parameter), fp32 on the CPU:
 * 4 layers, 4 heads, d=256, seq 128, batch 8, vocab 4096, tied head. tokens/s = batch * seq / (time per step). The
 * PyTorch peer is {@code jmh-benchmarks/peers/gpt_step_torch.py} (same config); see docs/benchmarks.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GptStepBenchmark {
  @Param({"2"})
  public int threads;

  @Param({"4"})
  public int layers;

  @Param({"256"})
  public int dModel;

  private static final int HEADS = 4;
  private static final int SEQ = 128;
  private static final int BATCH = 8;
  private static final int VOCAB = 4096;

  private Gpt model;
  private Trainer trainer;
  private final List<Tensor> state = new ArrayList<>();
  private Tensor ids;
  private Tensor targets;

  @Setup(Level.Trial)
  public void setUp() {
    CpuRuntime.setThreads(threads);
    model = new Gpt(GptConfig.of(layers, HEADS, dModel, VOCAB, SEQ, 1), TensorParallel.single());
    List<Parameter> params = model.parameters();
    List<Tensor[]> moments = new ArrayList<>();
    for (Parameter p : params) {
      Tensor m = Tensor.zeros(p.shape(), p.value().dtype(), p.value().device());
      Tensor v = Tensor.zeros(p.shape(), p.value().dtype(), p.value().device());
      state.add(m);
      state.add(v);
      moments.add(new Tensor[] {m, v});
    }
    trainer = new Trainer(model, (ps, step) -> {
      for (int i = 0; i < ps.size(); i++) {
        Parameter p = ps.get(i);
        AdamW.step(p.value(), p.grad(), moments.get(i)[0], moments.get(i)[1], 1e-4f, 0.9f, 0.999f, 1e-8f, 0f, step,
            1f);
      }
    });
    Random rnd = new Random(0);
    int[] a = new int[BATCH * SEQ];
    int[] b = new int[BATCH * SEQ];
    for (int i = 0; i < a.length; i++) {
      a[i] = rnd.nextInt(VOCAB);
      b[i] = rnd.nextInt(VOCAB);
    }
    ids = Tensor.fromIntArray(a, BATCH, SEQ);
    targets = Tensor.fromIntArray(b, BATCH, SEQ);
  }

  @Benchmark
  public float trainStep() {
    return trainer.step(ids, targets);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    model.close();
    state.forEach(Tensor::close);
    ids.close();
    targets.close();
  }
}
