package dev.shard4j.ray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Tensor;
import io.ray.api.Ray;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * GPU ranks: two actors with one GPU each all-reduce CUDA tensors over NCCL, whose unique id travels through the
 * job's store. Skips unless the cluster offers at least two GPUs.
 */
@Tag("ray")
@Tag("gpu")
class RayNcclTest {
  @Test
  void twoGpuActorsAllReduceOverNccl() {
    RayCluster cluster = RayTestCluster.get();
    double gpus = Ray.getRuntimeContext().getAllNodeInfo().stream().filter(n -> n.isAlive)
        .mapToDouble(n -> n.resources.getOrDefault("GPU", 0.0)).sum();
    assumeTrue(gpus >= 2, "the cluster at " + cluster.address() + " offers " + gpus + " GPUs; this test needs 2");
    RankFunction<float[]> body = ctx -> {
      try (Tensor host = Tensor.fromArray(new float[] {ctx.rank() + 1, 10 * (ctx.rank() + 1)}, 2);
          Tensor t = host.to(Device.cuda(0))) {
        ctx.communicator().allReduce(t, ReduceOp.SUM);
        try (Tensor back = t.to(Device.CPU)) {
          return back.toFloatArray();
        }
      }
    };
    List<float[]> results = RayTestCluster.launcher(2).gpusPerRank(1).build().launch(body);
    for (float[] r : results) {
      assertArrayEquals(new float[] {3, 30}, r);
    }
  }
}
