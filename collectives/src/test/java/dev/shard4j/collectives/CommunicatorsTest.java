package dev.shard4j.collectives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.local.LocalBackend;
import dev.shard4j.collectives.spi.Availability;
import dev.shard4j.collectives.spi.CommunicatorBackend;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The backend SPI front door: discovery through ServiceLoader, selection, overrides, and the local backend via SPI. */
class CommunicatorsTest {
  /** A backend that only records that it was chosen. */
  private record Fake(String name, int priority, Device.Type type, Availability availability)
      implements CommunicatorBackend {
    @Override
    public boolean supports(Device.Type t) {
      return t == type;
    }

    @Override
    public Communicator create(CommunicatorOptions options) {
      throw new UnsupportedOperationException("fake backend " + name + " creates nothing");
    }
  }

  private static final CommunicatorOptions CPU = CommunicatorOptions.of(0, 1, new InMemoryStore());

  @Test
  void serviceLoaderFindsTheBuiltInBackendsHighestPriorityFirst() {
    List<String> names = Communicators.backends().stream().map(CommunicatorBackend::name).toList();
    assertTrue(names.contains("local") && names.contains("nccl") && names.contains("tcp"), names.toString());
    assertTrue(names.indexOf("nccl") < names.indexOf("tcp") && names.indexOf("tcp") < names.indexOf("local"),
        names.toString());
    assertTrue(Communicators.backend("LOCAL").orElseThrow() instanceof LocalBackend);
    assertTrue(Communicators.backend("local").orElseThrow().availability().available());
  }

  @Test
  void unknownNamesListTheRegisteredBackends() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Communicators.create("infiniband", CPU));
    assertTrue(e.getMessage().contains("no collectives backend named 'infiniband'"), e.getMessage());
    assertTrue(e.getMessage().contains("local") && e.getMessage().contains("nccl"), e.getMessage());
  }

  @Test
  void selectionPrefersTheAvailableBackendOfHighestPriorityForTheDevice() {
    CommunicatorBackend gpuDown = new Fake("gpu", 100, Device.Type.CUDA, Availability.no("no driver"));
    CommunicatorBackend tcp = new Fake("tcp", 20, Device.Type.CPU, Availability.yes());
    CommunicatorBackend local = new Fake("local", 10, Device.Type.CPU, Availability.yes());
    List<CommunicatorBackend> all = List.of(gpuDown, tcp, local);
    assertSame(tcp, Communicators.select(CPU, null, all));
    assertSame(local, Communicators.select(CPU, "local", all));
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
        () -> Communicators.select(CPU.withDevice(Device.cuda(0)), null, all));
    assertTrue(e.getMessage().contains("gpu: no driver"), e.getMessage());
    BackendUnavailableException none = assertThrows(BackendUnavailableException.class,
        () -> Communicators.select(CPU.withDevice(Device.cuda(0)), null, List.of(local)));
    assertTrue(none.getMessage().contains("none supports CUDA"), none.getMessage());
  }

  @Test
  void systemPropertyOverridesTheChoice() {
    String old = System.getProperty(Communicators.BACKEND_PROPERTY);
    System.setProperty(Communicators.BACKEND_PROPERTY, "no-such-backend");
    try {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Communicators.create(CPU));
      assertTrue(e.getMessage().contains("'no-such-backend'"), e.getMessage());
      System.setProperty(Communicators.BACKEND_PROPERTY, "local");
      try (Communicator c = Communicators.create(CPU.withGroup("override"))) {
        assertEquals("LocalCommunicator(rank 0 of 1)", c.toString());
      }
    } finally {
      if (old == null) {
        System.clearProperty(Communicators.BACKEND_PROPERTY);
      } else {
        System.setProperty(Communicators.BACKEND_PROPERTY, old);
      }
    }
  }

  @Test
  void unsupportedDeviceIsRejectedByANamedBackend() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Communicators.create("local", CPU.withDevice(Device.cuda(0))));
    assertTrue(e.getMessage().contains("'local' does not support tensors on cuda:0"), e.getMessage());
    IllegalArgumentException direct = assertThrows(IllegalArgumentException.class,
        () -> new LocalBackend().create(CPU.withDevice(Device.cuda(0))));
    assertTrue(direct.getMessage().contains("asks for cuda:0; the local backend moves cpu tensors only"),
        direct.getMessage());
  }

  @Test
  void optionsAreChecked() {
    InMemoryStore s = new InMemoryStore();
    assertThrows(IllegalArgumentException.class, () -> CommunicatorOptions.of(3, 3, s));
    assertThrows(IllegalArgumentException.class, () -> CommunicatorOptions.of(0, 0, s));
    assertThrows(IllegalArgumentException.class, () -> CommunicatorOptions.of(0, 1, null));
    assertThrows(IllegalArgumentException.class, () -> CommunicatorOptions.of(0, 1, s).withTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> CommunicatorOptions.of(0, 1, s).withGroup(""));
    CommunicatorOptions o = CommunicatorOptions.of(0, 1, s).withProperty("a", "1");
    assertEquals("1", o.property("a", "x"));
    assertEquals("x", o.property("b", "x"));
  }

  /** Ranks as threads, each creating its own communicator through the SPI, all-reduce against plain Java. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"local", "tcp"})
  void backendThroughTheSpiRunsACollective(String backend) throws Exception {
    int n = 3;
    InMemoryStore store = new InMemoryStore();
    AtomicReference<Throwable> error = new AtomicReference<>();
    float[][] results = new float[n][];
    List<Thread> threads = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      int rank = r;
      threads.add(new Thread(() -> {
        CommunicatorOptions o = CommunicatorOptions.of(rank, n, store).withGroup("spi-" + backend)
            .withTimeout(Duration.ofSeconds(20)).withProperty("tcp.token", "spi-test-token");
        try (Communicator c = Communicators.create(backend, o);
            Tensor t = CollectivesTestSupport.tensor(CollectivesTestSupport.input(ReduceOp.SUM, DType.F32, rank, 5),
                DType.F32)) {
          assertEquals(rank, c.rank());
          assertEquals(n, c.size());
          c.allReduce(t, ReduceOp.SUM);
          results[rank] = t.toFloatArray();
        } catch (Throwable e) {
          error.compareAndSet(null, e);
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    if (error.get() != null) {
      throw new AssertionError(error.get());
    }
    for (int r = 0; r < n; r++) {
      for (int i = 0; i < 5; i++) {
        assertEquals(CollectivesTestSupport.ref(ReduceOp.SUM, DType.F32, n, i), results[r][i], "rank " + r + " i " + i);
      }
    }
  }

  @Test
  void localBackendRejectsAGroupFromAnotherJvmOrJoinedTwice() {
    InMemoryStore store = new InMemoryStore();
    store.set("elsewhere/local/token", "not-a-group-of-this-jvm".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    CommunicatorException e = assertThrows(CommunicatorException.class,
        () -> Communicators.create("local", CommunicatorOptions.of(1, 2, store).withGroup("elsewhere")));
    assertTrue(e.getMessage().contains("found no group 'elsewhere' in this JVM"), e.getMessage());
    try (Communicator r0 = Communicators.create("local", CommunicatorOptions.of(0, 3, store).withGroup("g"));
        Communicator r1 = Communicators.create("local", CommunicatorOptions.of(1, 3, store).withGroup("g"))) {
      IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
          () -> Communicators.create("local", CommunicatorOptions.of(1, 3, store).withGroup("g")));
      assertTrue(twice.getMessage().contains("rank 1 joined group 'g' twice"), twice.getMessage());
      IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
          () -> Communicators.create("local", CommunicatorOptions.of(2, 4, store).withGroup("g")));
      assertTrue(size.getMessage().contains("with size 4 but rank 0 created it with size 3"), size.getMessage());
    }
  }
}
