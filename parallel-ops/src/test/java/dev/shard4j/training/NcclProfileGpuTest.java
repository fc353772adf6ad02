package dev.shard4j.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.autoshard.ClusterProfile;
import dev.shard4j.autoshard.OpKind;
import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorOptions;
import dev.shard4j.collectives.Communicators;
import dev.shard4j.collectives.InMemoryStore;
import dev.shard4j.collectives.nccl.NcclBackend;
import dev.shard4j.tensor.CudaRuntime;
import dev.shard4j.tensor.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NCCL path of the profiler: one process per GPU through the launcher, cuda tensors. Tagged gpu; each test
 * skips unless its GPUs and NCCL are there.
 */
@Tag("gpu")
class NcclProfileGpuTest {
  static boolean oneGpu() {
    return CudaRuntime.isAvailable() && new NcclBackend().availability().available();
  }

  static boolean twoGpus() {
    return oneGpu() && CudaRuntime.availability().deviceCount() >= 2;
  }

  static boolean exactlyOneGpu() {
    return oneGpu() && CudaRuntime.availability().deviceCount() == 1;
  }

  @Test
  @EnabledIf("twoGpus")
  void ncclProfileOfTwoGpuProcesses(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("nccl-profile.json");
    ClusterProfile p = ProcessProfiler.forBackend("nccl", 2).profiler(ProcessProfilerTest.SMALL)
        .timeout(Duration.ofMinutes(3)).profile(file);
    assertEquals(2, p.devices());
    assertTrue(p.name().startsWith("nccl-"), p.name());
    ProcessProfilerTest.plausible(p);
    assertEquals(CudaRuntime.availability().devices().get(0).totalBytes(), p.memoryBytes());
    assertEquals(p, ClusterProfile.fromJson(Files.readString(file)));
  }

  @Test
  @EnabledIf("oneGpu")
  void gpuComputeIsMeasuredOnCudaTensors() throws Exception {
    Device d = Device.cuda(0);
    try (Communicator c = Communicators.create("nccl", new CommunicatorOptions(0, 1, new InMemoryStore(), d,
        Duration.ofSeconds(60), "profile-test", Map.of()))) {
      Map<OpKind.OpClass, Double> f = ProcessProfilerTest.SMALL.measureFlops(c, d);
      // any CUDA GPU of the last decade does a 4096^3 fp32 GEMM at > 1 TFLOP/s and GELU at > 10 GFLOP/s
      assertTrue(f.get(OpKind.OpClass.MATMUL) > 1e12, f.toString());
      assertTrue(f.get(OpKind.OpClass.ELEMENTWISE) > 1e10, f.toString());
    }
  }

  @Test
  @EnabledIf("exactlyOneGpu")
  void moreRanksThanGpusIsRefusedNamingTheCount() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ProcessProfiler.forBackend("nccl", 2));
    assertTrue(e.getMessage().contains("needs 2 CUDA device(s)") && e.getMessage().contains("1 visible"),
        e.getMessage());
  }
}
