package dev.shard4j.collectives.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.shard4j.collectives.BackendUnavailableException;
import dev.shard4j.collectives.CommunicatorOptions;
import dev.shard4j.collectives.Communicators;
import dev.shard4j.collectives.InMemoryStore;
import dev.shard4j.collectives.spi.Availability;
import dev.shard4j.tensor.CudaRuntime;
import dev.shard4j.tensor.Device;
import org.junit.jupiter.api.Test;

/**
 * Asking for the NCCL backend where CUDA or NCCL is missing fails with a message saying what is missing, without
 * touching NCCL and without crashing the JVM. Runs where no CUDA device is visible (CI); skipped on GPU machines.
 */
class NcclUnavailableTest {
  private static final CommunicatorOptions GPU0 =
      CommunicatorOptions.of(0, 1, new InMemoryStore()).withDevice(Device.cuda(0));

  @Test
  void availabilitySaysThatCudaIsMissing() {
    assumeFalse(CudaRuntime.isAvailable(), "a CUDA device is visible");
    Availability a = new NcclBackend().availability();
    assertFalse(a.available());
    assertTrue(a.reason().startsWith("no CUDA device: " + CudaRuntime.availability().reason()), a.reason());
  }

  @Test
  void creatingFailsWithTheReasonThroughTheFrontDoorAndDirectly() {
    assumeFalse(CudaRuntime.isAvailable(), "a CUDA device is visible");
    String reason = new NcclBackend().availability().reason();
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
        () -> Communicators.create("nccl", GPU0));
    assertEquals("collectives backend 'nccl' is unavailable: " + reason, e.getMessage());
    BackendUnavailableException direct = assertThrows(BackendUnavailableException.class,
        () -> NcclCommunicator.create(GPU0));
    assertTrue(direct.getMessage().contains("nccl: rank 0 of 1: the nccl backend is unavailable: " + reason),
        direct.getMessage());
    BackendUnavailableException auto = assertThrows(BackendUnavailableException.class,
        () -> Communicators.create(GPU0));
    assertTrue(auto.getMessage().contains("nccl: " + reason), auto.getMessage());
  }

  @Test
  void aMissingNcclLibraryIsNamed() {
    String problem = NcclLibrary.loadProblem();
    assumeFalse(problem == null, "the NCCL preset loads here");
    assertTrue(problem.contains("libnccl.so.2"), problem);
    String reason = new NcclBackend().availability().reason();
    assertTrue(reason.contains("libnccl.so.2"), reason);
  }

  @Test
  void cpuOptionsAreRejectedBeforeAnyNativeCall() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NcclCommunicator.create(GPU0.withDevice(Device.CPU)));
    assertTrue(e.getMessage().contains("the nccl backend needs a CUDA device, got cpu"), e.getMessage());
  }

  @Test
  void versionCodesAreFormatted() {
    assertEquals("2.29.3", NcclLibrary.versionText(22903));
    assertEquals("2.18.1", NcclLibrary.versionText(21801));
  }
}
