package dev.shard4j.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.Variable;
import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bucketing, flat gradient views, and the overlap of bucket all-reduces with backward. */
class GradientReducerTest {
  private static Parameter param(String name, int n) {
    return new Parameter(name, Tensor.zeros(n));
  }

  @Test
  void bucketsFollowReverseOrderUnderTheCap() {
    List<Parameter> ps = List.of(param("p0", 100), param("p1", 100), param("p2", 200), param("p3", 25),
        param("p4", 500));
    try {
      List<List<Parameter>> b = Buckets.reverseOrder(ps, 1000);
      // bytes: p4 2000 (alone, over the cap), p3 100 + p2 800 = 900, then p1 400 would exceed: p1 + p0 = 800
      assertEquals(List.of(List.of(ps.get(4)), List.of(ps.get(3), ps.get(2)), List.of(ps.get(1), ps.get(0))), b);
      assertEquals(List.of(List.of(ps.get(4), ps.get(3), ps.get(2), ps.get(1), ps.get(0))),
          Buckets.reverseOrder(ps, Buckets.DEFAULT_BUCKET_BYTES));
    } finally {
      ps.forEach(Parameter::close);
    }
  }

  @Test
  void gradientsAreViewsIntoOneFlatBufferPerBucket() {
    LocalCluster.run(2, c -> {
      try (ClassifierMlp mlp = new ClassifierMlp(MlpRuns.CONFIG);
          GradientReducer r = new GradientReducer(mlp.parameters(), c, new GradientReducer.Options(4096, true))) {
        for (List<Parameter> bucket : r.buckets()) {
          for (int i = 1; i < bucket.size(); i++) {
            Tensor prev = bucket.get(i - 1).grad();
            assertEquals(prev.dataAddress() + prev.numel() * 4, bucket.get(i).grad().dataAddress(),
                "bucket " + bucket + " is contiguous");
          }
        }
        List<Parameter> order = new ArrayList<>();
        r.buckets().forEach(order::addAll);
        List<Parameter> reversed = new ArrayList<>(mlp.parameters());
        java.util.Collections.reverse(reversed);
        assertEquals(reversed, order);
      }
    });
  }

  /**
   * With overlap on, every bucket's all-reduce is launched from the grad-ready hooks before backward returns, and
   * the first bucket (the head) is launched before the first layer's weight gradient is complete, i.e. while
   * backward still has work to do. With overlap off nothing is launched before backward returns.
   */
  @Test
  void bucketReductionsStartDuringBackwardWhenOverlapIsOn() {
    for (boolean overlap : new boolean[] {true, false}) {
      List<List<String>> perRank = new ArrayList<>(List.of(new ArrayList<>(), new ArrayList<>()));
      int[] bucketCount = new int[1];
      LocalCluster.run(2, c -> {
        List<String> events = perRank.get(c.rank());
        try (ClassifierMlp mlp = new ClassifierMlp(MlpRuns.CONFIG);
            GradientReducer r = new GradientReducer(mlp.parameters(), c, new GradientReducer.Options(1024, overlap))) {
          bucketCount[0] = r.buckets().size();
          r.onBucketLaunched(b -> events.add("launch " + b));
          Parameter first = mlp.parameters().get(0);
          first.onGradReady(p -> events.add("ready " + p.name()));
          r.zeroGrad();
          try (Scope scope = Scope.open()) {
            int per = MlpRuns.BATCH / 2;
            Tensor x = MlpRuns.inputs(0).slice(0, c.rank() * per, (c.rank() + 1) * per);
            int[] t = java.util.Arrays.copyOfRange(MlpRuns.targets(0), c.rank() * per, (c.rank() + 1) * per);
            Variable loss = mlp.loss(x, Tensor.fromIntArray(t, per), ClassifierMlp.BlockRunner.DIRECT);
            loss.backward();
            events.add("backward returned");
            r.finish();
            events.add("finished");
          }
        }
      });
      for (List<String> events : perRank) {
        int end = events.indexOf("backward returned");
        int firstReady = events.indexOf("ready blocks.0.weight");
        long launchedInBackward = events.subList(0, end).stream().filter(e -> e.startsWith("launch")).count();
        if (overlap) {
          assertTrue(bucketCount[0] >= 4, "the test needs several buckets, got " + bucketCount[0]);
          assertTrue(events.indexOf("launch 0") < firstReady, "bucket 0 launched before the last gradient: " + events);
          assertEquals(bucketCount[0], launchedInBackward, "all buckets launched inside backward: " + events);
        } else {
          assertEquals(1, bucketCount[0]);
          assertEquals(0, launchedInBackward, events.toString());
          assertEquals(List.of("backward returned", "launch 0", "finished"), events.subList(end, events.size()));
        }
      }
    }
  }

  @Test
  void aSecondBackwardBeforeFinishNamesTheParameter() {
    LocalCluster.run(1, c -> {
      try (ClassifierMlp mlp = new ClassifierMlp(MlpRuns.CONFIG);
          GradientReducer r = new GradientReducer(mlp.parameters(), c, GradientReducer.Options.defaults());
          Scope scope = Scope.open()) {
        r.zeroGrad();
        Tensor x = MlpRuns.inputs(0);
        Tensor t = Tensor.fromIntArray(MlpRuns.targets(0), MlpRuns.BATCH);
        mlp.loss(x, t, ClassifierMlp.BlockRunner.DIRECT).backward();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
            () -> mlp.loss(x, t, ClassifierMlp.BlockRunner.DIRECT).backward());
        assertTrue(e.getMessage().matches("gradient of head\\.(weight|bias) became ready twice in one step.*"),
            e.getMessage());
      }
    });
  }
}
