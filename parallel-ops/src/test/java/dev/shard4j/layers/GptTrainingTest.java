package dev.shard4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Single-device GPT: training lowers the loss; checkpointing changes nothing; the block runner is honoured. */
class GptTrainingTest {
  @Test
  void lossFallsOverTwentyStepsOnACharacterCorpus() {
    GptConfig config = GptConfig.of(2, 4, 64, 512, 32, 1234);
    CharCorpus corpus = new CharCorpus(4096, 512);
    List<Float> losses = new ArrayList<>();
    try (Gpt model = new Gpt(config, TensorParallel.single()); FusedAdamW adam = new FusedAdamW(model.parameters(), 3e-3f, 0f)) {
      assertEquals(config.parameterCount(), model.parameters().stream().mapToLong(p -> p.value().numel()).sum());
      Trainer trainer = new Trainer(model, adam);
      for (int step = 0; step < 20; step++) {
        try (Scope s = Scope.open()) {
          Tensor[] batch = corpus.batch(step, 4, 32);
          losses.add(trainer.step(batch[0], batch[1]));
        }
      }
    }
    float first = losses.get(0);
    float last = losses.get(19);
    // An untrained model is close to uniform over the vocabulary.
    assertEquals(Math.log(512), first, 0.1, "initial loss " + losses);
    assertTrue(last < first - 1.5, "loss should fall by more than 1.5 nats in 20 steps: " + losses);
  }

  @Test
  void checkpointedBlocksGiveTheSameLossAndGradients() {
    GptConfig config = GptConfig.of(2, 2, 32, 64, 8, 7).withTiedLmHead(false);
    CharCorpus corpus = new CharCorpus(512, 64);
    try (Gpt plain = new Gpt(config, TensorParallel.single()); Gpt ckpt = new Gpt(config, TensorParallel.single());
        Scope s = Scope.open()) {
      ckpt.setCheckpointed(1, true);
      ckpt.setCheckpointed(0, true);
      Tensor[] batch = corpus.batch(0, 3, 8);
      Variable l1 = plain.loss(batch[0], batch[1]);
      l1.backward();
      Variable l2 = ckpt.loss(batch[0], batch[1]);
      l2.backward();
      assertEquals(l1.value().item(), l2.value().item(), 0f);
      List<Parameter> a = plain.parameters();
      List<Parameter> b = ckpt.parameters();
      for (int i = 0; i < a.size(); i++) {
        assertEquals(a.get(i).name(), b.get(i).name());
        assertArrayEquals(a.get(i).grad().toFloatArray(), b.get(i).grad().toFloatArray(), 1e-7f, a.get(i).name());
      }
    }
  }

  @Test
  void trainingStepsAndCloseLeaveNoNativeMemoryBehind() {
    GptConfig config = GptConfig.of(2, 2, 32, 64, 8, 11);
    CharCorpus corpus = new CharCorpus(512, 64);
    long before = dev.shard4j.tensor.NativeMemory.hostLiveCount();
    long afterFirstStep;
    try (Gpt model = new Gpt(config, TensorParallel.single());
        FusedAdamW adam = new FusedAdamW(model.parameters(), 1e-3f, 0f)) {
      model.setCheckpointed(1, true);
      Trainer trainer = new Trainer(model, adam);
      Tensor[] batch = corpus.batch(0, 2, 8);
      trainer.step(batch[0], batch[1]);
      afterFirstStep = dev.shard4j.tensor.NativeMemory.hostLiveCount();
      for (int i = 0; i < 3; i++) {
        trainer.step(batch[0], batch[1]);
      }
      assertEquals(afterFirstStep, dev.shard4j.tensor.NativeMemory.hostLiveCount(),
          "a step frees every activation and temporary gradient");
      batch[0].close();
      batch[1].close();
    }
    assertEquals(before, dev.shard4j.tensor.NativeMemory.hostLiveCount(), "closing the model frees its parameters");
  }

  @Test
  void blockRunnerWrapsEveryBlock() {
    GptConfig config = GptConfig.of(3, 2, 16, 32, 4, 3);
    try (Gpt model = new Gpt(config, TensorParallel.single()); Scope s = Scope.open()) {
      List<String> seen = new ArrayList<>();
      model.setBlockRunner((block, x) -> {
        seen.add(block.name());
        return block.forward(x);
      });
      Tensor ids = Tensor.fromIntArray(new int[] {1, 2, 3, 4}, 1, 4);
      model.loss(ids, ids);
      assertEquals(List.of("blocks.0", "blocks.1", "blocks.2"), seen);
    }
  }

  @Test
  void parametersAreNamedInAFixedOrderAndInitializedFromTheSeed() {
    GptConfig config = GptConfig.of(1, 2, 16, 32, 4, 5);
    try (Gpt a = new Gpt(config, TensorParallel.single()); Gpt b = new Gpt(config, TensorParallel.single())) {
      List<String> names = new ArrayList<>(a.namedParameters().keySet());
      assertEquals(List.of("wte.weight", "wpe.weight", "blocks.0.ln1.weight", "blocks.0.ln1.bias",
          "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias", "blocks.0.attn.proj.weight",
          "blocks.0.attn.proj.bias", "blocks.0.ln2.weight", "blocks.0.ln2.bias", "blocks.0.mlp.fc.weight",
          "blocks.0.mlp.fc.bias", "blocks.0.mlp.proj.weight", "blocks.0.mlp.proj.bias", "ln_f.weight", "ln_f.bias"),
          names);
      assertArrayEquals(a.parameters().get(4).value().toFloatArray(), b.parameters().get(4).value().toFloatArray());
      float[] proj = a.namedParameters().get("blocks.0.attn.proj.weight").value().toFloatArray();
      double sq = 0;
      for (float v : proj) {
        sq += v * v;
      }
      double std = Math.sqrt(sq / proj.length);
      assertEquals(0.02 / Math.sqrt(2), std, 0.004, "residual projections are scaled by 1/sqrt(2*layers)");
      assertArrayEquals(new float[16], a.namedParameters().get("ln_f.bias").value().toFloatArray());
    }
  }
}
